# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteBillingRunLine(models.Model):
    """What a billing run did for one customer, and why."""

    _name = "billbyte.billing.run.line"
    _description = "Cloud Billing Run: Customer"
    _order = "run_id, partner_id"

    run_id = fields.Many2one("billbyte.billing.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("invoiced", "Invoiced"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
    )
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    message = fields.Text(help="Why the customer was skipped or failed, and other notes.")
