# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .vendor_reconciliation import dec


class BillbyteVendorReconciliationLine(models.Model):
    """A vendor invoice's imported cost of one cloud account and service, and the
    vendor's amount for them when the accountant enters it."""

    _name = "billbyte.vendor.reconciliation.line"
    _description = "Vendor Invoice Reconciliation: Account and Service"
    _order = "reconciliation_id, sub_account_id, service_name"

    reconciliation_id = fields.Many2one(
        "billbyte.vendor.reconciliation", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    state = fields.Selection(related="reconciliation_id.state")
    sub_account_id = fields.Char(
        string="Vendor Account", required=True, readonly=True, help="SubAccountId of the records."
    )
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        readonly=True,
        help="Empty while the records of this vendor account match no cloud account.",
    )
    partner_id = fields.Many2one(related="cloud_account_id.partner_id", string="Customer")
    service_name = fields.Char(string="Service", required=True, readonly=True)
    imported_amount = fields.Monetary(string="Imported Cost", readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    vendor_amount = fields.Monetary(
        help="The vendor invoice's amount for this account and service, when entered."
    )
    vendor_amount_known = fields.Boolean(string="Vendor Amount Entered")
    difference = fields.Monetary(compute="_compute_difference", store=True)

    _sql_constraints = [
        (
            "line_uniq",
            "unique(reconciliation_id, sub_account_id, service_name)",
            "One line per vendor account and service.",
        )
    ]

    @api.depends("imported_amount", "vendor_amount", "vendor_amount_known")
    def _compute_difference(self):
        for line in self:
            line.difference = (
                float(dec(line.imported_amount) - dec(line.vendor_amount))
                if line.vendor_amount_known
                else 0.0
            )

    def write(self, vals):
        if "vendor_amount" in vals and "vendor_amount_known" not in vals:
            vals = dict(vals, vendor_amount_known=True)
        return super().write(vals)
