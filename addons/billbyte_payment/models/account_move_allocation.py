# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from decimal import Decimal

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _billbyte_is_usage_invoice(self):
        """A posted customer invoice of cloud usage (a billing run's invoice)."""
        return bool(
            len(self) == 1
            and self.move_type == "out_invoice"
            and any(self.invoice_line_ids.mapped("billbyte_cloud_account_id"))
        )

    def _billbyte_allocation_lines(self):
        """The invoice's product lines, oldest service period first."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product").sorted(
            lambda line: (line.start_date or date.min, line.sequence, line.id)
        )

    def _billbyte_receivable_line(self):
        self.ensure_one()
        return self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )[:1]

    def _billbyte_reconcile_amount(self, source_line, amount, plan):
        """Reconcile ``amount`` (Decimal, invoice currency) of this invoice's receivable
        with ``source_line`` (a payment's or credit note's receivable line), the
        allocation going to the lines of ``plan`` ({line id: Decimal})."""
        self.ensure_one()
        receivable = self._billbyte_receivable_line()
        currency = self.currency_id
        lines = (receivable + source_line).with_context(
            billbyte_allocation_plan={key: str(value) for key, value in plan.items()}
        )
        residual = Decimal(str(currency.round(receivable.amount_residual_currency)))
        source_residual = -Decimal(str(currency.round(source_line.amount_residual_currency)))
        if amount >= min(residual, source_residual):
            return lines.reconcile()
        # A part only: one partial of exactly that amount (Odoo's reconcile() always
        # matches as much as it can).
        ratio = float(amount) / receivable.amount_residual_currency
        AML = self.env["account.move.line"]
        result = AML._prepare_reconciliation_single_partial(
            {
                "aml": receivable,
                "amount_residual": receivable.company_currency_id.round(
                    receivable.amount_residual * ratio
                ),
                "amount_residual_currency": float(amount),
            },
            {
                "aml": source_line,
                "amount_residual": source_line.amount_residual,
                "amount_residual_currency": source_line.amount_residual_currency,
            },
        )
        partial = (
            self.env["account.partial.reconcile"]
            .with_context(billbyte_allocation_plan=lines.env.context["billbyte_allocation_plan"])
            .create(result["partial_values"])
        )
        if result.get("exchange_values"):
            partial.exchange_move_id = AML._create_exchange_difference_moves(
                [result["exchange_values"]]
            )
        return partial

    def action_billbyte_discount(self):
        """Open the discount credit note wizard on this usage invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Discount Lines"),
            "res_model": "billbyte.discount.credit",
            "view_mode": "form",
            "target": "new",
            "context": {"default_invoice_id": self.id},
        }

    def action_billbyte_allocate(self):
        """Open the "Allocate to Lines" wizard on this usage invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Allocate to Lines"),
            "res_model": "billbyte.payment.allocate",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_invoice_ids": [self.id],
                "default_partner_id": self.commercial_partner_id.id,
            },
        }
