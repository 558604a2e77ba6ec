# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        usage_invoices = posted.filtered(
            lambda move: move.billbyte_run_id and move.move_type == "out_invoice"
        )
        usage_invoices._billbyte_apply_customer_credit()
        usage_invoices._billbyte_apply_deposits()
        return posted

    def _billbyte_apply_deposits(self):
        """Pay these usage invoices from what is left of their customers' deposits
        (oldest first, in the invoice's currency): an entry from the deposits account
        to the receivable, reconciled on both sides."""
        Line = self.env["account.move.line"]
        for invoice in self.filtered(lambda move: move.state == "posted" and move.amount_residual):
            account = invoice.company_id.billbyte_deposit_account_id
            if not account:
                continue
            partner = invoice.commercial_partner_id
            deposits = Line.search(
                [
                    ("account_id", "=", account.id),
                    ("partner_id", "=", partner.id),
                    ("currency_id", "=", invoice.currency_id.id),
                    ("reconciled", "=", False),
                    ("parent_state", "=", "posted"),
                    ("amount_residual_currency", "<", 0),
                ],
                order="date, id",
            )
            available = -sum(deposits.mapped("amount_residual_currency"))
            receivable = invoice.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            if not deposits or not receivable or invoice.currency_id.is_zero(available):
                continue
            amount = invoice.currency_id.round(min(available, invoice.amount_residual))
            balance = invoice.currency_id._convert(
                amount, invoice.company_id.currency_id, invoice.company_id, invoice.date
            )
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", invoice.company_id.id)], limit=1
            )
            common = {"partner_id": partner.id, "currency_id": invoice.currency_id.id}
            label = self.env._("Deposit applied to %s", invoice.name)
            entry = self.create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": invoice.date,
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            dict(
                                common,
                                name=label,
                                account_id=account.id,
                                amount_currency=amount,
                                balance=balance,
                            )
                        ),
                        Command.create(
                            dict(
                                common,
                                name=label,
                                account_id=receivable[0].account_id.id,
                                amount_currency=-amount,
                                balance=-balance,
                            )
                        ),
                    ],
                }
            )
            entry.action_post()
            (
                receivable
                + entry.line_ids.filtered(
                    lambda line, a=receivable[0].account_id: line.account_id == a
                )
            ).reconcile()
            (
                deposits + entry.line_ids.filtered(lambda line, a=account: line.account_id == a)
            ).reconcile()
            invoice.message_post(
                body=self.env._(
                    "%(amount)s of the customer's deposit applied to this invoice.",
                    amount=invoice.currency_id.format(amount),
                )
            )

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
