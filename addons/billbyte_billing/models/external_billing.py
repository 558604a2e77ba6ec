# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbyteExternalBilling(models.Model):
    """Usage of one customer and billing date billed by the provider's own invoicing
    system: made when the provider acknowledges the month-close export, it marks
    the usage lines of that export billed (once: see account.analytic.line)."""

    _name = "billbyte.external.billing"
    _description = "Usage Billed by the Provider's Own System"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    date = fields.Date(
        string="Billing Date",
        required=True,
        readonly=True,
        help="As a billing run of this day: the periods that ended before it.",
    )
    reference = fields.Char(
        readonly=True, help="The provider's own invoice (or batch) that carries this usage."
    )
    acknowledged_by_id = fields.Many2one("res.users", readonly=True)
    acknowledged_on = fields.Datetime(readonly=True)
    line_items = fields.Json(
        readonly=True, help="The line items as they were exported and acknowledged."
    )
    usage_line_ids = fields.One2many(
        "account.analytic.line", "billbyte_external_billing_id", string="Usage Lines"
    )

    _sql_constraints = [
        (
            "partner_date_uniq",
            "unique(company_id, partner_id, date)",
            "This customer's usage of this billing date is already acknowledged.",
        ),
    ]

    @api.depends("partner_id", "date", "reference")
    def _compute_name(self):
        for export in self:
            export.name = self.env._(
                "%(customer)s, billed as of %(date)s %(reference)s",
                customer=export.partner_id.display_name,
                date=export.date or "",
                reference=f"({export.reference})" if export.reference else "",
            ).strip()
