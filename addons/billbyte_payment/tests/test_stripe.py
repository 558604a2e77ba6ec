# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PaymentHttpCommon, closed_port_url

QUIET = (
    "odoo.addons.payment_stripe.models.payment_provider",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.billbyte_payment.models.payment_provider_stripe",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.http",
)


@tagged("post_install", "-at_install")
class TestStripeCards(PaymentHttpCommon):
    """A portal customer pays a usage invoice by card with Odoo's Stripe provider,
    against a stand-in of Stripe's API; the stand-in also plays Stripe.js and the
    card issuer's 3-D Secure page."""

    def pay_by_card(self, invoice):
        """Pay clicked with a card: Odoo creates Stripe's customer and PaymentIntent."""
        values = self.start_payment(invoice, self.stripe, self.pm_card)
        self.assertNotIn("error", values, values.get("message"))
        intent_id = values["client_secret"].split("_secret_")[0]
        return values, intent_id

    def back_from_stripe(self, url):
        """Stripe sends the customer's browser back to Odoo's return URL."""
        parts = urlsplit(url)
        response = self.url_open(f"{parts.path}?{parts.query}")
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, "/payment/status")
        return response

    def confirm_and_return(self, values, intent_id, card):
        """Stripe.js confirms the card; on success Stripe redirects to the return URL."""
        status, answer = self.stripe_api.confirm(
            intent_id, values["client_secret"], card, values["return_url"]
        )
        if status == 200 and answer["status"] == "succeeded":
            self.back_from_stripe(
                f"{values['return_url']}&payment_intent={intent_id}"
                f"&payment_intent_client_secret={values['client_secret']}&redirect_status=succeeded"
            )
        return status, answer

    def webhook(self, intent_id, event_type, **kwargs):
        body, headers = self.stripe_api.webhook_event(intent_id, event_type, **kwargs)
        response = self.url_open("/payment/stripe/webhook", data=body, headers=headers)
        self.env.invalidate_all()
        return response

    def assert_paid_once(self, invoice, tx):
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(self.payments_of(invoice), tx.payment_id)
        self.assertEqual(self.dec(tx.payment_id.amount), self.dec(invoice.amount_total))
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(receivable.reconciled)
        self.assertEqual(len(self.stripe_api.charges), 1, "Stripe charged the card more than once")

    def assert_open_and_told(self, invoice, tx, message):
        self.assertEqual(tx.state, "error")
        self.assertEqual(tx.state_message, message)
        self.assertEqual(self.poll_status()["state"], "error")
        page = self.url_open("/payment/status")
        self.assertIn(message, page.text)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self.payments_of(invoice))
        self.assertEqual(self.stripe_api.charges, [])

    @mute_logger(*QUIET)
    def test_portal_customer_pays_usage_invoice_by_card(self):
        invoice = self.usage_invoice()
        values, intent_id = self.pay_by_card(invoice)
        intent = self.stripe_api.intents[intent_id]
        # Stripe's amounts are in cents: 36.96 USD.
        self.assertEqual((intent["amount"], intent["currency"]), (3696, "usd"))
        tx = self.tx(values["reference"])
        self.assertEqual(intent["description"], tx.reference)
        customer = self.stripe_api.customers[intent["customer"]]
        self.assertEqual(customer["email"], self.contoso.email)

        self.confirm_and_return(values, intent_id, "pm_card_visa")
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, intent_id)
        self.assertEqual(tx.payment_method_id.code, "visa")
        self.assertEqual(self.poll_status()["state"], "done")
        self.assert_paid_once(invoice, tx)

        # Stripe's webhook for the same payment: acknowledged, nothing doubled.
        self.assertEqual(self.webhook(intent_id, "payment_intent.succeeded").status_code, 200)
        self.poll_status()
        self.assert_paid_once(invoice, tx)
        # A call signed with another secret is refused.
        response = self.webhook(intent_id, "payment_intent.succeeded", secret="whsec_forged")
        self.assertEqual(response.status_code, 403)

    @mute_logger(*QUIET)
    def test_declined_card_then_another_card(self):
        invoice = self.usage_invoice()
        values, intent_id = self.pay_by_card(invoice)
        status, answer = self.confirm_and_return(values, intent_id, "pm_card_chargeDeclined")
        # Stripe.js shows Stripe's answer on the card form...
        self.assertEqual(status, 402)
        self.assertEqual(answer["error"]["code"], "card_declined")
        self.assertEqual(answer["error"]["message"], "Your card was declined.")
        # ...and Stripe tells Odoo through its webhook.
        self.assertEqual(self.webhook(intent_id, "payment_intent.payment_failed").status_code, 200)
        tx = self.tx(values["reference"])
        self.assert_open_and_told(invoice, tx, "Your card was declined.")

        # The customer pays with another card: a new transaction, charged once.
        values, intent_id = self.pay_by_card(invoice)
        self.confirm_and_return(values, intent_id, "pm_card_visa")
        self.poll_status()
        self.assert_paid_once(invoice, self.tx(values["reference"]))
        self.assertEqual(tx.state, "error")

    @mute_logger(*QUIET)
    def test_expired_card(self):
        invoice = self.usage_invoice()
        values, intent_id = self.pay_by_card(invoice)
        status, answer = self.confirm_and_return(
            values, intent_id, "pm_card_chargeDeclinedExpiredCard"
        )
        self.assertEqual((status, answer["error"]["code"]), (402, "expired_card"))
        self.webhook(intent_id, "payment_intent.payment_failed")
        self.assert_open_and_told(invoice, self.tx(values["reference"]), "Your card has expired.")

    @mute_logger(*QUIET)
    def test_card_needing_3d_secure(self):
        invoice = self.usage_invoice()
        values, intent_id = self.pay_by_card(invoice)
        status, answer = self.confirm_and_return(values, intent_id, "pm_card_threeDSecure2Required")
        self.assertEqual((status, answer["status"]), (200, "requires_action"))
        self.assertEqual(answer["next_action"]["type"], "redirect_to_url")
        tx = self.tx(values["reference"])
        # Nothing is paid while the card issuer waits for the customer.
        self.assertEqual(tx.state, "draft")
        self.assertEqual(self.stripe_api.charges, [])
        # The customer confirms on the issuer's page; Stripe sends them back to Odoo.
        self.back_from_stripe(self.stripe_api.authenticate(intent_id))
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.poll_status()["state"], "done")
        self.assert_paid_once(invoice, tx)

    @mute_logger(*QUIET)
    def test_failed_3d_secure(self):
        invoice = self.usage_invoice()
        values, intent_id = self.pay_by_card(invoice)
        self.confirm_and_return(values, intent_id, "pm_card_threeDSecure2Required")
        self.back_from_stripe(self.stripe_api.authenticate(intent_id, succeed=False))
        self.assert_open_and_told(
            invoice,
            self.tx(values["reference"]),
            "We are unable to authenticate your payment method. Please choose a different "
            "payment method and try again.",
        )

    @mute_logger(*QUIET)
    def test_stripe_does_not_answer_nothing_charged(self):
        invoice = self.usage_invoice()
        told = "Stripe did not answer. Nothing was charged: please try again in a few minutes."
        # Stripe takes the connection but never answers (Odoo's own code lets this through).
        self.stripe_api.hang[r"/v1/payment_intents"] = None
        answer = self.start_payment(invoice, self.stripe, self.pm_card)
        self.assertEqual(
            (answer["error"], answer["message"]), ("odoo.exceptions.ValidationError", told)
        )
        # Stripe cannot be reached at all.
        self.stripe.billbyte_api_url = closed_port_url()
        answer = self.start_payment(invoice, self.stripe, self.pm_card)
        self.assertEqual(answer["message"], told)
        self.assertFalse(invoice.transaction_ids)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(self.stripe_api.charges, [])
