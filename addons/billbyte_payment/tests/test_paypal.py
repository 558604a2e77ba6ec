# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentHttpCommon, closed_port_url

CAPTURE = r"/v2/checkout/orders/\w+/capture"
ORDER = r"/v2/checkout/orders/\w+"
QUIET = (
    "odoo.addons.payment_paypal.models.payment_provider",
    "odoo.addons.payment_paypal.controllers.main",
    "odoo.addons.billbyte_payment.models.payment_provider_paypal",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.http",
)


@tagged("post_install", "-at_install")
class TestPayPal(PaymentHttpCommon):
    """A portal customer pays a usage invoice with Odoo's PayPal provider, against a
    stand-in of PayPal's REST API."""

    def pay_with_paypal(self, invoice, amount=None):
        """Pay clicked with PayPal selected: Odoo creates the PayPal order."""
        values = self.start_payment(invoice, self.paypal, self.pm_paypal, amount)
        self.assertNotIn("error", values, values.get("message"))
        return values

    def complete(self, values):
        """PayPal's window closed on approval: the form asks Odoo to capture the order."""
        return self.rpc(
            "/payment/paypal/complete_order",
            {
                "provider_id": self.paypal.id,
                "order_id": values["order_id"],
                "reference": values["reference"],
            },
        )

    def webhook(self, order_id, **kwargs):
        body, headers = self.paypal_api.webhook_event(order_id, **kwargs)
        response = self.url_open("/payment/paypal/webhook/", data=body, headers=headers)
        self.env.invalidate_all()
        return response

    def assert_paid_once(self, invoice, tx, amount):
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)
        payment = tx.payment_id
        self.assertEqual(self.payments_of(invoice), payment)
        self.assertEqual(self.dec(payment.amount), self.dec(amount))
        self.assertEqual(payment.currency_id, invoice.currency_id)
        self.assertEqual(payment.partner_id, self.contoso)
        self.assertEqual(payment.state, "paid")
        self.assertEqual(payment.journal_id, self.paypal.journal_id)
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(receivable.reconciled)
        self.assertEqual(receivable.matched_credit_ids.credit_move_id.move_id, payment.move_id)
        self.assertEqual(len(self.paypal_api.captures), 1, "PayPal captured money more than once")

    @mute_logger(*QUIET)
    def test_portal_customer_pays_usage_invoice_with_paypal(self):
        invoice = self.usage_invoice()
        self.assertEqual(self.dec(invoice.amount_total), self.dec("36.96"))
        form = self.open_invoice_as_customer(invoice)
        self.assertEqual(Decimal(form["amount"]), Decimal("36.96"))
        self.assertIn("paypal", form["methods"])

        values = self.pay_with_paypal(invoice)
        # The order PayPal got: the invoice's amount to the cent, in its currency.
        unit = self.paypal_api.order_requests[-1]["purchase_units"][0]
        self.assertEqual(Decimal(str(unit["amount"]["value"])), Decimal("36.96"))
        self.assertEqual(unit["amount"]["currency_code"], "USD")
        self.assertEqual(unit["reference_id"], values["reference"])
        self.assertTrue(values["reference"].startswith(invoice.name))
        tx = self.tx(values["reference"])
        self.assertEqual((tx.state, tx.invoice_ids), ("draft", invoice))
        self.assertEqual(tx.billbyte_paypal_order_id, values["order_id"])

        # The customer approves in PayPal's window; the form completes the order.
        self.paypal_api.approve(values["order_id"])
        self.assertIsNone(self.complete(values))
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, self.paypal_api.captures[0])

        # PayPal's webhook confirms the order; Odoo has PayPal verify its signature.
        response = self.webhook(values["order_id"])
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            ("POST", "/v1/notifications/verify-webhook-signature"), self.paypal_api.requests
        )
        self.assertEqual(tx.state, "done")

        # The payment status page: the payment is posted and reconciled.
        status = self.poll_status()
        self.assertEqual(status["state"], "done")
        self.assert_paid_once(invoice, tx, "36.96")
        self.assertIn(tx.payment_id.name, "".join(invoice.message_ids.mapped("body")))

        # PayPal sends the webhook again (it retries): nothing more happens.
        self.assertEqual(self.webhook(values["order_id"]).status_code, 200)
        self.poll_status()
        tx._post_process()
        self.assert_paid_once(invoice, tx, "36.96")

    @mute_logger(*QUIET)
    def test_forged_webhook_is_refused(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        self.paypal_api.approve(values["order_id"])
        # Someone posts a completed order PayPal never sent (an edited event).
        self.paypal_api.orders[values["order_id"]]["status"] = "COMPLETED"
        response = self.webhook(
            values["order_id"],
            tamper=lambda event: event["resource"]["purchase_units"][0]["amount"].update(
                value="0.01"
            ),
        )
        self.assertEqual(response.status_code, 403)
        tx = self.tx(values["reference"])
        self.assertEqual(tx.state, "draft")
        self.assertEqual(invoice.payment_state, "not_paid")

    @mute_logger(*QUIET)
    def test_paypal_refusals_leave_the_invoice_open(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        # The customer closed PayPal's window without approving: PayPal refuses to capture.
        answer = self.complete(values)
        self.assertEqual(answer["error"], "odoo.exceptions.ValidationError")
        self.assertEqual(
            answer["message"],
            "The payment was not approved in PayPal's window. Nothing was charged: please pay "
            "again and approve it in PayPal.",
        )
        # The customer pays again and approves; PayPal declines the funding source.
        again = self.pay_with_paypal(invoice)
        self.paypal_api.approve(again["order_id"])
        self.paypal_api.decline_next_capture = True
        answer = self.complete(again)
        self.assertIn("PayPal declined the card or bank account", answer["message"])
        txs = self.tx(values["reference"]) | self.tx(again["reference"])
        self.assertEqual(txs.mapped("state"), ["draft", "draft"])
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self.payments_of(invoice))
        self.assertEqual(self.paypal_api.captures, [])

    @mute_logger(*QUIET)
    def test_access_token_ended_early_is_renewed(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        self.paypal_api.approve(values["order_id"])
        # PayPal ends the access token Odoo keeps before the expiry it announced.
        self.paypal_api.revoke_tokens()
        self.assertIsNone(self.complete(values))
        token_calls = [r for r in self.paypal_api.requests if r[1] == "/v1/oauth2/token"]
        self.assertEqual(len(token_calls), 2)
        self.poll_status()
        self.assert_paid_once(invoice, self.tx(values["reference"]), "36.96")

    @mute_logger(*QUIET)
    def test_lost_capture_answer_is_looked_up(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        self.paypal_api.approve(values["order_id"])
        # PayPal captures, but its answer never arrives: Odoo asks PayPal for the order.
        self.paypal_api.lose_answers[CAPTURE] = 1
        self.assertIsNone(self.complete(values))
        self.assertIn(
            ("GET", f"/v2/checkout/orders/{values['order_id']}"), self.paypal_api.requests
        )
        self.poll_status()
        self.assert_paid_once(invoice, self.tx(values["reference"]), "36.96")

    @mute_logger(*QUIET)
    def test_paypal_silent_after_capture_customer_told_then_webhook_confirms(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        self.paypal_api.approve(values["order_id"])
        self.paypal_api.lose_answers[CAPTURE] = 1
        self.paypal_api.hang[ORDER] = 1
        answer = self.complete(values)
        self.assertEqual(answer["error"], "odoo.exceptions.ValidationError")
        self.assertIn("cannot tell yet whether your payment went through", answer["message"])
        self.assertIn("Please do not pay again", answer["message"])
        tx = self.tx(values["reference"])
        self.assertEqual(tx.state, "draft")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(len(self.paypal_api.captures), 1)
        # PayPal's webhook confirms the order; the status page (or the scheduled action)
        # posts the payment.
        self.assertEqual(self.webhook(values["order_id"]).status_code, 200)
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.poll_status()["state"], "done")
        self.assert_paid_once(invoice, tx, "36.96")

    @mute_logger(*QUIET)
    def test_paying_again_after_silence_charges_nothing_twice(self):
        invoice = self.usage_invoice()
        values = self.pay_with_paypal(invoice)
        self.paypal_api.approve(values["order_id"])
        self.paypal_api.lose_answers[CAPTURE] = 1
        self.paypal_api.hang[ORDER] = 1
        self.assertIn("cannot tell yet", self.complete(values)["message"])
        # PayPal answers again, its webhook has not come yet; the customer clicks Pay again.
        answer = self.start_payment(invoice, self.paypal, self.pm_paypal)
        self.assertEqual(answer["error"], "odoo.exceptions.ValidationError")
        self.assertIn(
            f"Your earlier PayPal payment ({values['reference']}) went through",
            answer["message"],
        )
        self.assertEqual(len(self.paypal_api.order_requests), 1, "a second PayPal order")
        self.assert_paid_once(invoice, self.tx(values["reference"]), "36.96")

    @mute_logger(*QUIET)
    def test_paypal_down_nothing_charged(self):
        invoice = self.usage_invoice()
        self.paypal.billbyte_api_url = closed_port_url()
        answer = self.start_payment(invoice, self.paypal, self.pm_paypal)
        self.assertEqual(answer["error"], "odoo.exceptions.ValidationError")
        self.assertEqual(
            answer["message"],
            "PayPal did not answer. Nothing was charged: please try again in a few minutes.",
        )
        self.assertFalse(invoice.transaction_ids)
        self.assertEqual(invoice.payment_state, "not_paid")
