# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class AccountPayment(models.Model):
    _inherit = "account.payment"

    billbyte_is_deposit = fields.Boolean(
        string="Cloud Deposit",
        copy=False,
        help="A customer deposit (or its refund): once posted it is moved to the "
        "company's Customer Deposits account, and applied from there to the next usage "
        "invoices.",
    )
    billbyte_deposit_move_id = fields.Many2one(
        "account.move", string="Deposit Transfer", readonly=True, copy=False
    )

    def action_post(self):
        """A customer payment tops up a prepaid balance (whatever the provider); a
        deposit goes to the deposits account."""
        res = super().action_post()
        self.filtered(
            lambda p: p.billbyte_is_deposit and p.partner_type == "customer"
        )._billbyte_transfer_deposit()
        customers = self.filtered(lambda p: p.partner_type == "customer").partner_id
        if customers:
            self.env["res.partner"]._billbyte_wallet_check(customers.commercial_partner_id.ids)
            customers._billbyte_deposit_changed()
        # Odoo's answers nothing, which XML-RPC cannot carry: an OSS/BSS posting a
        # payment over RPC gets True.
        return True if res is None else res

    def action_draft(self):
        """A payment taken back (reset, cancelled) lowers the balance; a deposit's
        transfer is reversed with it, unless invoices already used it."""
        for payment in self.filtered("billbyte_deposit_move_id"):
            transfer = payment.billbyte_deposit_move_id
            deposit_line = transfer.line_ids.filtered(
                lambda line, p=payment: line.account_id == p.company_id.billbyte_deposit_account_id
            )
            if deposit_line.matched_debit_ids or deposit_line.matched_credit_ids:
                raise UserError(
                    self.env._(
                        "The deposit %s already paid usage invoices: refund what is left of "
                        "it from the customer instead (Refund Deposit).",
                        payment.name,
                    )
                )
            transfer.button_draft()
            transfer.button_cancel()
            payment.billbyte_deposit_move_id = False
        customers = self.filtered(lambda p: p.partner_type == "customer").partner_id
        res = super().action_draft()
        if customers:
            self.env["res.partner"]._billbyte_wallet_check(customers.commercial_partner_id.ids)
            customers._billbyte_deposit_changed()
        return res

    def _billbyte_transfer_deposit(self):
        """Move each posted deposit (or deposit refund) from the receivable to the
        deposits account: an entry reconciled with the payment's receivable line."""
        for payment in self.filtered(lambda p: not p.billbyte_deposit_move_id):
            company = payment.company_id
            account = company.billbyte_deposit_account_id
            if not account:
                raise UserError(
                    self.env._(
                        "Set the Customer Deposits account of %s (Invoicing settings, Cloud "
                        "Billing) before posting a deposit.",
                        company.name,
                    )
                )
            receivable_line = payment.move_id.line_ids.filtered(
                lambda line, p=payment: line.account_id == p.destination_account_id
            )
            if not receivable_line:
                continue
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", company.id)], limit=1
            )
            partner = payment.partner_id.commercial_partner_id
            amount_currency = receivable_line.amount_currency
            balance = receivable_line.balance
            common = {"partner_id": partner.id, "currency_id": receivable_line.currency_id.id}
            transfer = self.env["account.move"].create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": payment.date,
                    "ref": self.env._("Deposit %s", payment.name),
                    "line_ids": [
                        fields.Command.create(
                            dict(
                                common,
                                name=self.env._("Deposit %s", payment.name),
                                account_id=receivable_line.account_id.id,
                                amount_currency=-amount_currency,
                                balance=-balance,
                            )
                        ),
                        fields.Command.create(
                            dict(
                                common,
                                name=self.env._("Deposit %s", payment.name),
                                account_id=account.id,
                                amount_currency=amount_currency,
                                balance=balance,
                            )
                        ),
                    ],
                }
            )
            transfer.action_post()
            (
                receivable_line
                + transfer.line_ids.filtered(
                    lambda line, a=receivable_line.account_id: line.account_id == a
                )
            ).reconcile()
            if payment.payment_type == "outbound":
                # A refund consumes the oldest deposits left.
                refund_line = transfer.line_ids.filtered(
                    lambda line, a=account: line.account_id == a
                )
                open_deposits = self.env["account.move.line"].search(
                    [
                        ("account_id", "=", account.id),
                        ("partner_id", "=", partner.id),
                        ("reconciled", "=", False),
                        ("parent_state", "=", "posted"),
                        ("balance", "<", 0),
                    ],
                    order="date, id",
                )
                (refund_line + open_deposits).reconcile()
            payment.billbyte_deposit_move_id = transfer
