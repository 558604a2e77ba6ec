# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import socket

from lxml import etree, objectify

from odoo import Command
from odoo.tests import HttpCase
from odoo.tests.common import _super_send

from odoo.addons.billbyte_billing.tests.common import BillingCommon

from .paypal_standin import PayPalStandIn
from .stripe_standin import StripeStandIn

# Seconds Odoo waits for a stand-in in these tests (PayPal's own timeout is 10 s and
# Stripe's 60 s; Odoo's test runner lifts shorter ones to 10 s): the stand-ins' hung
# answers then cost seconds, not minutes.
STAND_IN_TIMEOUT = 2


def closed_port_url():
    """The address of a port nothing listens on: a provider that does not answer."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class PaymentCommon(BillingCommon):
    """BillingCommon's customers, PayPal and Stripe in test mode against local stand-ins
    of their APIs, and Contoso's billing contact as a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paypal_api = PayPalStandIn()
        cls.addClassCleanup(cls.paypal_api.stop)
        cls.stripe_api = StripeStandIn()
        cls.addClassCleanup(cls.stripe_api.stop)
        Provider = cls.env["payment.provider"]
        cls.paypal = Provider.search(
            [("code", "=", "paypal"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.paypal.write(
            {
                "billbyte_api_url": cls.paypal_api.url,
                "paypal_email_account": "sales@billbyte.example.com",
                "paypal_client_id": PayPalStandIn.CLIENT_ID,
                "paypal_client_secret": PayPalStandIn.CLIENT_SECRET,
                "paypal_webhook_id": PayPalStandIn.WEBHOOK_ID,
                "state": "test",
                "is_published": True,
            }
        )
        cls.stripe = Provider.search(
            [("code", "=", "stripe"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.stripe.write(
            {
                "billbyte_api_url": cls.stripe_api.url,
                "stripe_publishable_key": StripeStandIn.PUBLISHABLE_KEY,
                "stripe_secret_key": StripeStandIn.SECRET_KEY,
                "stripe_webhook_secret": StripeStandIn.WEBHOOK_SECRET,
                "state": "test",
                "is_published": True,
            }
        )
        # The other providers of the database stay out of the customer's choice.
        (Provider.search([("state", "!=", "disabled")]) - cls.paypal - cls.stripe).write(
            {"state": "disabled"}
        )
        cls.pm_paypal = cls.env["payment.method"].search([("code", "=", "paypal")], limit=1)
        cls.pm_card = cls.env["payment.method"].search([("code", "=", "card")], limit=1)
        cls.contoso.write(
            {
                "street": "1 Cloud Street",
                "city": "Seattle",
                "zip": "98101",
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.contoso_user = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Contoso Billing",
                    "login": "contoso-billing",
                    "password": "contoso-billing-2026",
                    "partner_id": cls.contoso.id,
                    "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
                }
            )
        )

    def setUp(self):
        super().setUp()
        self.paypal_api.reset()
        self.stripe_api.reset()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        """Odoo's calls to the stand-ins go through, with a short timeout."""
        if r.url.startswith((cls.paypal_api.url, cls.stripe_api.url)):
            kw["timeout"] = STAND_IN_TIMEOUT
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def usage_invoice(self, partner=None, cost="1.00", days=28, month="2026-03"):
        """A posted usage invoice of a month of Amazon EC2 usage, from a billing run."""
        partner = partner or self.contoso
        account = self.env["billbyte.cloud.account"].search(
            [("partner_id", "=", partner.id)], limit=1
        )
        self.import_rows(self.month_rows(month, account.vendor_account_id, cost=cost, days=days))
        year, number = map(int, month.split("-"))
        run = self.bill(f"{year + number // 12}-{number % 12 + 1:02d}-01", partner)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1, run.log)
        self.assertEqual(invoice.state, "posted")
        return invoice

    def payments_of(self, invoice):
        """The customer payments reconciled with the invoice."""
        return self.env["account.payment"].search([("invoice_ids", "in", invoice.ids)])


class PaymentHttpCommon(PaymentCommon, HttpCase):
    """The portal payment flow as the customer's browser drives it."""

    def rpc(self, route, params=None):
        """A JSON-RPC call as the payment form's JavaScript makes it: the result, or
        the error (name and message) shown to the customer."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 0, "params": params or {}}),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        self.env.invalidate_all()
        if "error" in body:
            return {
                "error": body["error"]["data"]["name"],
                "message": body["error"]["data"]["message"],
            }
        return body.get("result")

    def open_invoice_as_customer(self, invoice):
        """The customer logs in and opens the invoice in the portal: the values of its
        payment form."""
        self.authenticate(self.contoso_user.login, "contoso-billing-2026")
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        tree = objectify.fromstring(response.text, parser=etree.HTMLParser())
        forms = tree.xpath('//form[@id="o_payment_form"]')
        self.assertTrue(forms, "the invoice page offers no payment form")
        values = {
            key[5:].replace("-", "_"): value
            for key, value in forms[0].items()
            if key.startswith("data-")
        }
        values["methods"] = {
            radio.get("data-payment-method-code"): int(radio.get("data-payment-option-id"))
            for radio in tree.xpath("//input[@name='o_payment_radio']")
            if radio.get("data-payment-option-type") == "payment_method"
        }
        return values

    def start_payment(self, invoice, provider, method, amount=None):
        """The customer picks a payment method and clicks Pay: the transaction route's
        answer (processing values, or the error)."""
        form = self.open_invoice_as_customer(invoice)
        self.assertIn(method.code, form["methods"])
        return self.rpc(
            form["transaction_route"],
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "token_id": None,
                "amount": amount if amount is not None else float(form["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": form["landing_route"],
                "access_token": form["access_token"],
            },
        )

    def tx(self, reference):
        return self.env["payment.transaction"].search([("reference", "=", reference)])

    def poll_status(self):
        """The payment status page's poll: post-processes the transaction."""
        return self.rpc("/payment/status/poll")
