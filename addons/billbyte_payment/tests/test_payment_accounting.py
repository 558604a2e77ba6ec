# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentCommon, PaymentHttpCommon


@tagged("post_install", "-at_install")
class TestOtherCurrency(PaymentCommon):
    """A payment in another currency than the invoice, or at another rate: Odoo's
    conversion rules, the difference to exchange gain or loss."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # EUR is 0.8 per USD when Northwind's November is invoiced (on 1 December),
        # 0.85 when Northwind pays (today).
        cls.env["res.currency.rate"].create(
            {
                "name": fields.Date.today(),
                "rate": 0.85,
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
            }
        )

    def northwind_invoice(self):
        # 10 days of 2.00 USD, cost-plus 10 % in EUR: 2 x 1.1 x 0.8 = 1.76 EUR a day,
        # 17.60 EUR plus 10 % tax = 19.36 EUR, booked at 0.8: 24.20 USD.
        invoice = self.usage_invoice(self.northwind, cost="2.00", days=10, month="2026-11")
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(self.dec(invoice.amount_total), self.dec("19.36"))
        self.assertEqual(self.dec(-invoice.amount_total_signed), self.dec("-24.20"))
        return invoice

    def pay(self, invoice, amount, currency):
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.paypal.id,
                "payment_method_id": self.pm_paypal.id,
                "reference": f"{invoice.name}-{currency.name}",
                "amount": amount,
                "currency_id": currency.id,
                "partner_id": invoice.partner_id.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "operation": "online_direct",
            }
        )
        tx._set_done()
        tx._post_process()
        return tx

    def exchange_lines(self, invoice):
        partials = invoice.line_ids.matched_credit_ids
        return partials.exchange_move_id.line_ids

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_paid_in_company_currency(self):
        invoice = self.northwind_invoice()
        # The customer pays the 19.36 EUR in USD at today's rate: 22.78 USD.
        tx = self.pay(invoice, 22.78, self.usd)
        self.assertEqual(tx.payment_id.currency_id, self.usd)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)
        # Booked at 24.20 USD, paid 22.78 USD: 1.42 USD exchange loss.
        loss = self.exchange_lines(invoice).filtered(
            lambda line: line.account_id == self.company.expense_currency_exchange_account_id
        )
        self.assertEqual(self.dec(loss.balance), self.dec("1.42"))

    @mute_logger("odoo.addons.payment.models.payment_transaction")
    def test_paid_in_invoice_currency_at_a_later_rate(self):
        invoice = self.northwind_invoice()
        tx = self.pay(invoice, 19.36, self.eur)
        self.assertEqual(tx.payment_id.currency_id, self.eur)
        self.assertEqual(invoice.payment_state, "paid")
        # 19.36 EUR is 24.20 USD at 0.8 and 22.78 USD at 0.85: 1.42 USD exchange loss.
        loss = self.exchange_lines(invoice).filtered(
            lambda line: line.account_id == self.company.expense_currency_exchange_account_id
        )
        self.assertEqual(self.dec(loss.balance), self.dec("1.42"))


@tagged("post_install", "-at_install")
class TestCustomerCredit(PaymentHttpCommon):
    """What a customer pays beyond an invoice stays their credit and is deducted from
    their next usage invoice."""

    def pay_with_paypal(self, invoice, amount=None):
        values = self.start_payment(invoice, self.paypal, self.pm_paypal, amount)
        self.paypal_api.approve(values["order_id"])
        self.assertIsNone(
            self.rpc(
                "/payment/paypal/complete_order",
                {
                    "provider_id": self.paypal.id,
                    "order_id": values["order_id"],
                    "reference": values["reference"],
                },
            )
        )
        self.assertEqual(self.poll_status()["state"], "done")
        return self.tx(values["reference"])

    @mute_logger(
        "odoo.addons.payment_paypal.controllers.main",
        "odoo.addons.payment.models.payment_transaction",
    )
    def test_overpayment_goes_to_the_next_invoice(self):
        march = self.usage_invoice()
        tx = self.pay_with_paypal(march, amount=50.0)
        self.assertEqual(self.dec(tx.payment_id.amount), self.dec("50.00"))
        self.assertEqual(march.payment_state, "paid")
        # 50.00 - 36.96: 13.04 stays Contoso's credit, and the invoice says so.
        credit = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(self.dec(credit.amount_residual), self.dec("-13.04"))
        self.assertIn("13.04 of the payment", "".join(march.message_ids.mapped("body")))

        # April's billing run deducts it from April's invoice.
        april = self.usage_invoice(month="2026-04")
        self.assertEqual(self.dec(april.amount_total), self.dec("36.96"))
        self.assertEqual(self.dec(april.amount_residual), self.dec("23.92"))
        self.assertEqual(april.payment_state, "partial")
        self.assertTrue(credit.reconciled)
        self.assertIn("deducted from this invoice", "".join(april.message_ids.mapped("body")))
        # The portal asks for the rest only, and the rest pays it.
        form = self.open_invoice_as_customer(april)
        self.assertEqual(Decimal(form["amount"]), Decimal("23.92"))
        self.pay_with_paypal(april)
        self.assertEqual(april.payment_state, "paid")
        self.assertEqual(len(self.paypal_api.captures), 2)
