# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbytePaymentAllocation(models.Model):
    """The part of a payment or credit note reconciled with a usage invoice that pays
    one line of it. Kept in step with Odoo's reconciliation: created when a partial
    reconciliation of the invoice's receivable is created, removed with it."""

    _name = "billbyte.payment.allocation"
    _description = "Payment Allocation to an Invoice Line"
    _order = "id"

    invoice_line_id = fields.Many2one(
        "account.move.line", required=True, ondelete="cascade", index=True, readonly=True
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id", string="Invoice", store=True, index=True
    )
    partial_id = fields.Many2one(
        "account.partial.reconcile",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        help="The reconciliation this allocation comes from; unreconciling removes it.",
    )
    source_line_id = fields.Many2one(
        "account.move.line",
        required=True,
        ondelete="cascade",
        readonly=True,
        help="The payment's (or credit note's) receivable line.",
    )
    source_move_id = fields.Many2one(related="source_line_id.move_id", string="Paid by", store=True)
    kind = fields.Selection(
        [("payment", "Payment"), ("credit", "Credit Note")], required=True, readonly=True
    )
    amount = fields.Monetary(required=True, readonly=True)
    currency_id = fields.Many2one(related="invoice_line_id.currency_id", store=True)
    company_id = fields.Many2one(related="invoice_line_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="invoice_line_id.move_id.commercial_partner_id", store=True, index=True
    )
    date = fields.Date(related="partial_id.max_date", store=True)

    @api.depends("invoice_line_id", "amount")
    def _compute_display_name(self):
        for allocation in self:
            allocation.display_name = (
                f"{allocation.source_move_id.name} → {allocation.invoice_line_id.name}"
            )
