# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"  # pylint: disable=consider-merging-classes-inherited

    license_ids = fields.One2many("billbyte.license", "cloud_account_id", string="Licenses")
    license_count = fields.Integer(compute="_compute_license_count", string="Active Licenses")

    def _compute_license_count(self):
        groups = dict(
            self.env["billbyte.license"]._read_group(
                [("cloud_account_id", "in", self.ids), ("state", "=", "active")],
                ["cloud_account_id"],
                ["__count"],
            )
        )
        for account in self:
            account.license_count = groups.get(account, 0)

    def action_view_licenses(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_billing.action_billbyte_license"
        )
        action["domain"] = [("cloud_account_id", "=", self.id)]
        action["context"] = {
            "default_cloud_account_id": self.id,
            "default_company_id": self.company_id.id,
            "default_currency_id": self.currency_id.id,
        }
        return action

    def _billbyte_ms_target(self):
        """(connection, customer tenant id) when this account's licenses are kept in
        step with Partner Center, else (None, None)."""
        self.ensure_one()
        connection = self.sudo().connection_id
        tenant = (self.vendor_customer_id or "").strip().lower()
        if connection and connection.kind == "microsoft" and tenant:
            return connection, tenant
        return None, None

    def _billbyte_license_subscriptions(self):
        names = super()._billbyte_license_subscriptions()
        licenses = self.sudo().license_ids.filtered(lambda lic: lic.state == "active")
        return names + [
            self.env._(
                "%(product)s, %(seats)s seat(s)",
                product=lic.product_id.display_name,
                seats=lic.seats,
            )
            for lic in licenses
        ]
