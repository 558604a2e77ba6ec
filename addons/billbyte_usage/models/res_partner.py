# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Cloud accounts are Cloud Billing's records: other users (an accountant, a
    # salesman) read contacts without them.
    billbyte_cloud_account_ids = fields.One2many(
        "billbyte.cloud.account",
        "partner_id",
        string="Cloud Accounts",
        groups="billbyte_catalog.group_billbyte_user",
    )
    billbyte_cloud_account_count = fields.Integer(
        compute="_compute_billbyte_cloud_account_count",
        string="Cloud Account Count",
        groups="billbyte_catalog.group_billbyte_user",
    )

    billbyte_suspended_license_billing = fields.Selection(
        [("bill", "Bill the customer"), ("waive", "Do not bill the customer")],
        string="Bill Suspended Licenses",
        copy=False,
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="While a cloud account of this customer is suspended, Microsoft still bills "
        "the provider for its licenses: bill them to the customer or not. Empty: the "
        "company's rule (Bill suspended licenses to the customer).",
    )

    def _compute_billbyte_cloud_account_count(self):
        groups = self.env["billbyte.cloud.account"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.billbyte_cloud_account_count = counts.get(partner.id, 0)

    def _billbyte_get_unbilled_usage(self):
        """Unbilled usage of this customer's cloud accounts (its contacts' included)."""
        self.ensure_one()
        accounts = self.env["billbyte.cloud.account"].search(
            [("partner_id", "child_of", self.commercial_partner_id.id)]
        )
        return accounts._get_unbilled_usage()

    def action_billbyte_view_unbilled_usage(self):
        self.ensure_one()
        accounts = self.env["billbyte.cloud.account"].search(
            [("partner_id", "child_of", self.commercial_partner_id.id)]
        )
        return accounts.action_view_unbilled_usage()
