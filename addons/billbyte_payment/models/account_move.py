# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        usage_invoices = posted.filtered(
            lambda move: move.billbyte_run_id and move.move_type == "out_invoice"
        )
        usage_invoices._billbyte_apply_customer_credit()
        # What the credit left to pay is charged to the saved payment method of customers
        # who opted in.
        usage_invoices._billbyte_autopay_schedule()
        return posted

    def _billbyte_apply_customer_credit(self):
        """Deduct what customers paid beyond earlier invoices (payments left open on their
        receivable account, in the invoice's currency) from these usage invoices, oldest
        credit first. One search for the whole batch; credit notes are left to the
        accountant (they may be meant for a refund)."""
        invoices = self.filtered(lambda move: move.state == "posted" and move.amount_residual)
        if not invoices:
            return
        credits = self.env["account.move.line"].search(
            [
                ("partner_id", "in", invoices.commercial_partner_id.ids),
                ("company_id", "in", invoices.company_id.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
                ("move_id.origin_payment_id", "!=", False),
            ],
            order="date, id",
        )
        if not credits:
            return
        for invoice in invoices.sorted(lambda move: (move.invoice_date or move.date, move.id)):
            receivable = invoice.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            available = credits.filtered(
                lambda line, inv=invoice, rec=receivable: (
                    line.partner_id == inv.commercial_partner_id
                    and line.account_id in rec.account_id
                    and line.currency_id == inv.currency_id
                    and line.company_id == inv.company_id
                    and not line.reconciled
                )
            )
            if not receivable or not available:
                continue
            before = invoice.amount_residual
            residuals = {line: line.amount_residual_currency for line in available}
            (receivable + available).reconcile()
            applied = before - invoice.amount_residual
            if invoice.currency_id.is_zero(applied):
                continue
            used = available.filtered(
                lambda line, before=residuals: line.amount_residual_currency != before[line]
            )
            invoice.message_post(
                body=self.env._(
                    "%(amount)s of the customer's credit (%(payments)s) deducted from this "
                    "invoice.",
                    amount=invoice.currency_id.format(applied),
                    payments=", ".join(used.move_id.mapped("name")),
                )
            )
