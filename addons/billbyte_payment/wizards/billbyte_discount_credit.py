# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class BillbyteDiscountCredit(models.TransientModel):
    """A discount on chosen lines of a posted usage invoice: a credit note with one line
    per chosen line (same product, income account, analytic distribution, service
    period and taxes), posted and reconciled with the invoice onto those lines."""

    _name = "billbyte.discount.credit"
    _description = "Discount Credit Note on Invoice Lines"

    invoice_id = fields.Many2one("account.move", required=True, readonly=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    mode = fields.Selection(
        [("percent", "Percentage"), ("amount", "Amount")], required=True, default="percent"
    )
    reason = fields.Char(required=True, default=lambda self: self.env._("Discount"))
    line_ids = fields.One2many("billbyte.discount.credit.line", "wizard_id", string="Lines")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        invoice = self.env["account.move"].browse(
            values.get("invoice_id") or self.env.context.get("active_id")
        )
        if invoice:
            values["invoice_id"] = invoice.id
            values["line_ids"] = [
                Command.create({"invoice_line_id": line.id})
                for line in invoice._billbyte_allocation_lines()
            ]
        return values

    def _credit_amounts(self):
        """{invoice line: untaxed Decimal amount to credit}, checked."""
        self.ensure_one()
        invoice = self.invoice_id
        if invoice.state != "posted" or not invoice._billbyte_is_usage_invoice():
            raise UserError(self.env._("Only a posted usage invoice can be discounted."))
        currency = invoice.currency_id
        cent = Decimal(str(currency.rounding))
        amounts = {}
        for row in self.line_ids:
            line = row.invoice_line_id
            if line.move_id != invoice:
                raise UserError(self.env._("The line “%s” is not on this invoice.", line.name))
            value = Decimal(str(row.value or 0))
            if not value:
                continue
            if value < 0:
                raise UserError(self.env._("A discount must be positive."))
            subtotal = Decimal(str(currency.round(line.price_subtotal)))
            if self.mode == "percent":
                if value > 100:
                    raise UserError(
                        self.env._(
                            "%(value)s %% is more than the whole line “%(line)s”.",
                            value=value,
                            line=line.name,
                        )
                    )
                amount = (subtotal * value / 100).quantize(cent, rounding=ROUND_HALF_UP)
            else:
                amount = value.quantize(cent, rounding=ROUND_HALF_UP)
            if amount > subtotal:
                raise UserError(
                    self.env._(
                        "%(amount)s is more than the line “%(line)s” (%(subtotal)s before tax).",
                        amount=amount,
                        line=line.name,
                        subtotal=subtotal,
                    )
                )
            total = Decimal(str(currency.round(line.price_total))) * amount / subtotal
            open_amount = line._billbyte_open_decimal()
            if total.quantize(cent, rounding=ROUND_HALF_UP) > open_amount:
                raise UserError(
                    self.env._(
                        "The credit for the line “%(line)s” is more than the %(open)s still "
                        "open on it.",
                        line=line.name,
                        open=open_amount,
                    )
                )
            if amount:
                amounts[line] = amount
        if not amounts:
            raise UserError(self.env._("Enter a discount on at least one line."))
        return amounts

    def action_credit(self):
        self.ensure_one()
        amounts = self._credit_amounts()
        invoice = self.invoice_id
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "company_id": invoice.company_id.id,
                "currency_id": invoice.currency_id.id,
                "journal_id": invoice.journal_id.id,
                "invoice_date": fields.Date.context_today(self),
                "reversed_entry_id": invoice.id,
                "ref": self.env._(
                    "%(reason)s: %(invoice)s", reason=self.reason, invoice=invoice.name
                ),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "name": f"{self.reason}: {line.name}",
                            "quantity": 1,
                            "price_unit": float(amount),
                            "account_id": line.account_id.id,
                            "analytic_distribution": line.analytic_distribution,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "start_date": line.start_date,
                            "end_date": line.end_date,
                            "billbyte_credited_line_id": line.id,
                        }
                    )
                    for line, amount in amounts.items()
                ],
            }
        )
        plan = {
            credit.billbyte_credited_line_id.id: Decimal(
                str(refund.currency_id.round(credit.price_total))
            )
            for credit in refund.invoice_line_ids
        }
        # Odoo reconciles a credit note with the invoice it reverses when posting it:
        # the plan sends that reconciliation to the discounted lines.
        refund.with_context(
            billbyte_allocation_plan={key: str(value) for key, value in plan.items()}
        ).action_post()
        source = refund.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )
        if source and not source.currency_id.is_zero(source.amount_residual_currency):
            invoice._billbyte_reconcile_amount(source, sum(plan.values(), Decimal(0)), plan)
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": refund.id,
            "view_mode": "form",
        }
