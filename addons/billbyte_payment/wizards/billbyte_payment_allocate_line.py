# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbytePaymentAllocateLine(models.TransientModel):
    _name = "billbyte.payment.allocate.line"
    _description = "Allocate a Payment to Invoice Lines: one line"

    wizard_id = fields.Many2one("billbyte.payment.allocate", required=True, ondelete="cascade")
    invoice_line_id = fields.Many2one("account.move.line", required=True)
    invoice_id = fields.Many2one(related="invoice_line_id.move_id")
    start_date = fields.Date(related="invoice_line_id.start_date")
    end_date = fields.Date(related="invoice_line_id.end_date")
    currency_id = fields.Many2one(related="invoice_line_id.currency_id")
    amount_open = fields.Monetary(related="invoice_line_id.billbyte_amount_open", string="Open")
    amount = fields.Monetary("Allocate")
