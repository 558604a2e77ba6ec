# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteDiscountCreditLine(models.TransientModel):
    _name = "billbyte.discount.credit.line"
    _description = "Discount Credit Note on Invoice Lines: one line"

    wizard_id = fields.Many2one("billbyte.discount.credit", required=True, ondelete="cascade")
    invoice_line_id = fields.Many2one("account.move.line", required=True, readonly=True)
    currency_id = fields.Many2one(related="invoice_line_id.currency_id")
    price_subtotal = fields.Monetary(related="invoice_line_id.price_subtotal")
    amount_open = fields.Monetary(related="invoice_line_id.billbyte_amount_open", string="Open")
    start_date = fields.Date(related="invoice_line_id.start_date")
    end_date = fields.Date(related="invoice_line_id.end_date")
    value = fields.Float(
        "Discount", digits=(16, 2), help="Percentage of the line, or amount before tax."
    )
