# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from urllib.parse import urlsplit

from lxml import etree, objectify

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentHttpCommon

QUIET = (
    "odoo.addons.payment_stripe.models.payment_provider",
    "odoo.addons.payment_stripe.models.payment_transaction",
    "odoo.addons.payment_stripe.controllers.main",
    "odoo.addons.billbyte_payment.models.payment_provider_stripe",
    "odoo.addons.billbyte_payment.models.account_move_autopay",
    "odoo.addons.payment.models.payment_transaction",
    "odoo.http",
)
FAILED_SUBJECT = "Automatic payment of %s failed"


@tagged("post_install", "-at_install")
class TestAutopay(PaymentHttpCommon):
    """Contoso saves a card in the portal (Odoo's Stripe tokenization, against the Stripe
    stand-in) and opts in: its usage invoices are charged to that card when a billing
    run posts them. The stand-in also plays Stripe.js and the card issuers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stripe.allow_tokenization = True
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "bb_autopay_sam",
                "email": "sam@provider.example.com",
                "groups_id": [Command.set([cls.env.ref("base.group_user").id])],
            }
        )
        cls.contoso.user_id = cls.salesman
        cls.today = fields.Date.context_today(cls.contoso)

    # ------------------------------------------------------------------ the portal
    def payment_methods_page(self):
        response = self.url_open("/my/payment_method")
        self.assertEqual(response.status_code, 200)
        return response

    def save_card(self, card="pm_card_visa"):
        """The customer saves a card on the Payment Methods page: Odoo's validation
        transaction, Stripe's SetupIntent confirmed by Stripe.js, Stripe's return to Odoo.
        Returns the token Odoo made."""
        self.authenticate(self.contoso_user.login, "contoso-billing-2026")
        page = self.payment_methods_page()
        tree = objectify.fromstring(page.text, parser=etree.HTMLParser())
        form = {
            key[5:].replace("-", "_"): value
            for key, value in tree.xpath('//form[@id="o_payment_form"]')[0].items()
            if key.startswith("data-")
        }
        self.assertEqual(form["mode"], "validation")
        values = self.rpc(
            form["transaction_route"],
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.pm_card.id,
                "token_id": None,
                "amount": None,
                "currency_id": None,
                "partner_id": int(form["partner_id"]),
                "flow": "direct",
                "tokenization_requested": True,
                "landing_route": form["landing_route"],
                "is_validation": True,
                "access_token": form["access_token"],
                "reference_prefix": form["reference_prefix"],
            },
        )
        self.assertNotIn("error", values, values.get("message"))
        setup_intent_id = values["client_secret"].split("_secret_")[0]
        status, _answer = self.stripe_api.confirm_setup(
            setup_intent_id, values["client_secret"], card, values["return_url"]
        )
        self.assertEqual(status, 200)
        back = urlsplit(self.stripe_api.setup_return_url(setup_intent_id))
        response = self.url_open(f"{back.path}?{back.query}")
        self.assertEqual(urlsplit(response.url).path, "/payment/status")
        self.assertEqual(self.poll_status()["state"], "done")
        token = self.env["payment.token"].search(
            [("partner_id", "=", self.contoso.id)], order="id desc", limit=1
        )
        self.assertEqual(
            token.provider_ref, self.stripe_api.setup_intents[setup_intent_id]["customer"]
        )
        return token

    def portal_set_autopay(self, enabled, token_id):
        page = self.payment_methods_page()
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        data = {"token_id": str(token_id), "csrf_token": csrf}
        if enabled:
            data["enabled"] = "1"
        response = self.url_open("/my/payment_method/autopay", data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.env.invalidate_all()
        return response.headers["Location"]

    def autopay_options(self):
        """The payment methods the customer may choose for automatic payment on the
        Payment Methods page: {token id: label}, or None without the form."""
        page = self.payment_methods_page()
        tree = etree.fromstring(page.text, parser=etree.HTMLParser())
        if not tree.xpath('//form[contains(@class, "o_billbyte_autopay_form")]'):
            return None
        return {
            int(option.get("value")): " ".join(option.text.split())
            for option in tree.xpath('//select[@name="token_id"]/option')
        }

    def opt_in(self, card="pm_card_visa"):
        token = self.save_card(card)
        self.assertEqual(urlsplit(self.portal_set_autopay(True, token.id)).query, "autopay=saved")
        return token

    # ------------------------------------------------------------------ checks
    def failure_mails(self, invoice):
        return self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("subject", "=", FAILED_SUBJECT % invoice.name),
            ]
        )

    def assert_open_and_told(self, invoice, reason, attempts, mails=1):
        self.env.invalidate_all()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self.payments_of(invoice))
        self.assertEqual(invoice.billbyte_autopay_attempts, attempts)
        self.assertIn(reason, invoice.billbyte_autopay_error)
        told = self.failure_mails(invoice)
        self.assertEqual(len(told), mails)
        self.assertIn(reason, told[0].body)
        self.assertIn(self.contoso, told[0].partner_ids)
        notes = invoice.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("mail.mt_note")
                and "Automatic payment failed" in m.body
            )
        )
        self.assertEqual(len(notes), mails)

    def assert_paid_once(self, invoice, token):
        self.env.invalidate_all()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.billbyte_autopay_state, "paid")
        charged = self.stripe_api.charged_intents()
        self.assertEqual(len(self.stripe_api.charges), 1, "the card was charged more than once")
        self.assertEqual(len(charged), 1)
        intent = charged[0]
        self.assertEqual(intent["amount"], round(invoice.amount_total * 100))
        self.assertEqual(intent["payment_method"], token.stripe_payment_method)
        self.assertEqual(intent["customer"], token.provider_ref)
        self.assertTrue(intent["off_session"])
        tx = invoice.transaction_ids.filtered(lambda t: t.state == "done")
        self.assertEqual(len(tx), 1)
        self.assertEqual(
            (tx.operation, tx.token_id, tx.provider_reference), ("offline", token, intent["id"])
        )
        self.assertEqual(self.payments_of(invoice), tx.payment_id)
        return tx

    def next_day(self, days=1):
        """The daily retry, `days` days after today."""
        with freeze_time(self.today + timedelta(days=days)):
            self.env["account.move"]._cron_billbyte_autopay_retry()
        self.env.invalidate_all()

    # ------------------------------------------------------------------ tests
    @mute_logger(*QUIET)
    def test_customer_saves_a_card_opts_in_and_usage_invoices_are_charged(self):
        token = self.save_card()
        self.assertEqual((token.provider_id, token.payment_details), (self.stripe, "4242"))
        self.assertEqual(token.payment_method_id.code, "visa")
        self.assertEqual(self.autopay_options(), {token.id: "VISA •••• 4242"})
        self.assertFalse(self.contoso.billbyte_autopay)

        self.portal_set_autopay(True, token.id)
        self.assertTrue(self.contoso.billbyte_autopay)
        self.assertEqual(self.contoso.billbyte_autopay_token_id, token)

        invoice = self.usage_invoice()
        tx = self.assert_paid_once(invoice, token)
        self.assertTrue(tx.billbyte_autopay)
        self.assertEqual(tx.partner_id, self.contoso)
        # Odoo sent an off-session PaymentIntent, confirmed at once, with an idempotency key.
        method, _path, form = next(
            r for r in self.stripe_api.requests if r[:2] == ("POST", "/v1/payment_intents")
        )
        self.assertEqual((form["confirm"].lower(), form["off_session"].lower()), ("true", "true"))
        self.assertEqual(form["payment_method"], token.stripe_payment_method)
        self.assertEqual(form["description"], tx.reference)
        self.assertTrue(
            invoice.message_ids.filtered(lambda m: "Paid automatically" in (m.body or ""))
        )
        self.assertFalse(self.failure_mails(invoice))
        # Stripe's webhook of the same charge: acknowledged, nothing doubled.
        body, headers = self.stripe_api.webhook_event(
            tx.provider_reference, "payment_intent.succeeded"
        )
        response = self.url_open("/payment/stripe/webhook", data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assert_paid_once(invoice, token)

        # The customer removes the card: nothing left to charge, the record says so.
        self.rpc("/payment/archive_token", {"token_id": token.id})
        self.assertFalse(token.active)
        self.assertFalse(self.contoso.billbyte_autopay_token_id)
        self.assertTrue(
            self.contoso.message_ids.filtered(lambda m: "was removed" in (m.body or ""))
        )
        self.assertIsNone(self.autopay_options())
        # Turned off in the portal: the next invoice is left to the customer.
        self.opt_in()
        self.portal_set_autopay(False, "")
        self.assertFalse(self.contoso.billbyte_autopay)
        self.stripe_api.reset()
        invoice = self.usage_invoice(month="2026-04")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(invoice.billbyte_autopay_state)
        self.assertEqual(self.stripe_api.charges, [])

    @mute_logger(*QUIET)
    def test_only_what_the_credit_leaves_is_charged(self):
        token = self.opt_in()
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.contoso.id,
                "amount": 10.0,
                "journal_id": bank.id,
            }
        )
        payment.action_post()
        invoice = self.usage_invoice()  # 36.96, of which 10.00 is the customer's credit
        self.assertEqual(invoice.payment_state, "paid")
        [intent] = self.stripe_api.charged_intents()
        self.assertEqual(intent["amount"], 2696)
        self.assertEqual(intent["payment_method"], token.stripe_payment_method)

    @mute_logger(*QUIET)
    def test_declined_card_invoice_stays_open_customer_told_retried_next_day(self):
        token = self.opt_in("pm_card_chargeCustomerFail")
        invoice = self.usage_invoice()
        self.assertEqual(invoice.billbyte_autopay_state, "failed")
        self.assert_open_and_told(invoice, "Your card was declined.", attempts=1)
        self.assertEqual(invoice.billbyte_autopay_next_date, self.today + timedelta(days=1))
        self.assertEqual(invoice.transaction_ids.state, "error")
        self.assertEqual(self.stripe_api.charges, [])
        mail = self.failure_mails(invoice)
        self.assertIn("We will try again on", mail.body)
        self.assertIn("/my/payment_method", mail.body)
        # Later the same day: not yet.
        self.env["account.move"]._cron_billbyte_autopay_retry()
        self.assertEqual(len(invoice.transaction_ids), 1)
        # The next day the issuer accepts.
        self.stripe_api.fund(token.stripe_payment_method)
        self.next_day()
        self.assert_paid_once(invoice, token)
        self.assertEqual(invoice.billbyte_autopay_attempts, 2)
        self.assertEqual(len(invoice.transaction_ids), 2)
        self.assertEqual(len(self.failure_mails(invoice)), 1)

    @mute_logger(*QUIET)
    def test_expired_card_then_the_customer_chooses_another(self):
        old_card = self.opt_in()
        self.stripe_api.expire(old_card.stripe_payment_method)
        invoice = self.usage_invoice()
        self.assert_open_and_told(invoice, "Your card has expired.", attempts=1)
        self.assertEqual(self.stripe_api.charges, [])
        # The customer saves a new card and has it charged from now on.
        new_card = self.save_card("pm_card_mastercard")
        self.portal_set_autopay(True, new_card.id)
        self.assertEqual(self.contoso.billbyte_autopay_token_id, new_card)
        self.next_day()
        self.assert_paid_once(invoice, new_card)

    @mute_logger(*QUIET)
    def test_stripe_not_answering_nothing_charged_retried(self):
        token = self.opt_in()
        self.stripe_api.hang[r"/v1/payment_intents"] = None
        invoice = self.usage_invoice()
        reason = "Stripe did not answer: whether the card was charged is not known yet."
        self.assert_open_and_told(invoice, reason, attempts=1)
        tx = invoice.transaction_ids
        self.assertEqual((tx.state, tx.billbyte_autopay), ("draft", True))
        self.assertIn("you will not be charged twice", self.failure_mails(invoice).body)
        self.assertEqual(self.stripe_api.charges, [])
        # Stripe still silent the next day: it cannot be asked about the first charge,
        # so nothing is charged again.
        self.next_day()
        self.assert_open_and_told(invoice, "Stripe did not answer", attempts=2, mails=2)
        self.assertEqual(len(invoice.transaction_ids), 1)
        # Back the day after: Stripe has no payment of the first attempt (cancelled), the
        # invoice is charged once.
        self.stripe_api.hang.clear()
        self.next_day(2)
        self.assertEqual(tx.state, "cancel")
        self.assert_paid_once(invoice, token)
        self.assertEqual(len(invoice.transaction_ids), 2)

    @mute_logger(*QUIET)
    def test_charge_whose_answer_was_lost_is_not_charged_twice(self):
        token = self.opt_in()
        # Stripe charges the card, but its answer never reaches Odoo.
        self.stripe_api.lose_answer[r"/v1/payment_intents"] = 1
        invoice = self.usage_invoice()
        self.assertEqual(len(self.stripe_api.charges), 1)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.billbyte_autopay_state, "failed")
        # The next day Stripe is asked first: the earlier charge went through; it pays the
        # invoice, and the card is not charged again.
        self.next_day()
        tx = self.assert_paid_once(invoice, token)
        self.assertEqual(len(invoice.transaction_ids), 1)
        self.assertEqual(tx.reference, f"{invoice.name}-A1")
        self.assertEqual(invoice.billbyte_autopay_attempts, 1)

    @mute_logger(*QUIET)
    def test_retries_used_up_salesperson_gets_an_activity(self):
        self.company.billbyte_autopay_retries = 2
        self.opt_in("pm_card_chargeCustomerFail")
        invoice = self.usage_invoice()
        self.assertEqual(invoice.billbyte_autopay_attempts_allowed, 3)
        self.next_day(1)
        self.assert_open_and_told(invoice, "Your card was declined.", attempts=2, mails=2)
        self.assertFalse(invoice.activity_ids)
        self.next_day(2)
        self.assert_open_and_told(invoice, "Your card was declined.", attempts=3, mails=3)
        self.assertEqual(invoice.billbyte_autopay_state, "stopped")
        self.assertFalse(invoice.billbyte_autopay_next_date)
        self.assertIn("We will not try again automatically", self.failure_mails(invoice)[0].body)
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("failed 3 times", activity.summary)
        # No more attempts.
        requests_before = len(self.stripe_api.requests)
        self.next_day(3)
        self.next_day(10)
        self.assertEqual(len(self.stripe_api.requests), requests_before)
        self.assertEqual(len(invoice.transaction_ids), 3)
        self.assertEqual(self.stripe_api.charges, [])

    @mute_logger(*QUIET)
    def test_two_triggers_make_one_charge(self):
        token = self.opt_in()
        Move = self.env["account.move"].with_context(queue_job__no_delay=False)
        # Jobs really queued: posting and a second trigger of the same attempt make one job.
        self.contoso.billbyte_autopay = False
        invoice = self.usage_invoice()
        self.contoso.billbyte_autopay = True
        invoice = Move.browse(invoice.id)
        invoice._billbyte_autopay_schedule()
        invoice._billbyte_autopay_schedule()
        jobs = self.env["queue.job"].search(
            [("identity_key", "=", f"billbyte_autopay:{invoice.id}:1")]
        )
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs.state, "pending")
        self.assertEqual(invoice.billbyte_autopay_state, "queued")
        # The job charges; a second run of the charge (another trigger) finds it paid.
        invoice._billbyte_autopay_charge()
        invoice._billbyte_autopay_charge()
        self.assert_paid_once(invoice, token)

    @mute_logger(*QUIET)
    def test_no_charge_while_another_payment_is_under_way_or_unbooked(self):
        token = self.opt_in()
        self.contoso.billbyte_autopay = False
        invoice = self.usage_invoice()
        self.contoso.billbyte_autopay = True
        self.stripe_api.requests.clear()
        # The customer's own card payment, under way at Stripe.
        other = self.env["payment.transaction"].create(
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.pm_card.id,
                "reference": "CUSTOMER-PAYS",
                "amount": invoice.amount_residual,
                "currency_id": invoice.currency_id.id,
                "partner_id": self.contoso.id,
                "operation": "online_direct",
                "invoice_ids": [Command.set(invoice.ids)],
            }
        )
        other._set_pending()
        invoice._billbyte_autopay_charge()
        self.assertEqual(invoice.billbyte_autopay_state, "waiting")
        self.assertEqual(self.stripe_api.requests, [])
        other._set_done()
        self.next_day()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.payments_of(invoice), other.payment_id)
        self.assertEqual(invoice.billbyte_autopay_state, "cancelled")
        self.assertEqual(self.stripe_api.requests, [])
        self.assertEqual(token, self.contoso.billbyte_autopay_token_id)

    @mute_logger(*QUIET)
    def test_a_customer_cannot_have_another_customers_card_charged(self):
        fabrikam_token = self.env["payment.token"].create(
            {
                "provider_id": self.stripe.id,
                "payment_method_id": self.pm_card.id,
                "partner_id": self.fabrikam.id,
                "payment_details": "1111",
                "provider_ref": "cus_fabrikam",
                "stripe_payment_method": "pm_fabrikam",
            }
        )
        own = self.save_card()
        location = self.portal_set_autopay(True, fabrikam_token.id)
        self.assertEqual(urlsplit(location).query, "autopay=refused")
        self.assertFalse(self.contoso.billbyte_autopay)
        self.assertFalse(self.contoso.billbyte_autopay_token_id)
        self.assertEqual(list(self.autopay_options()), [own.id])
        # Nor a token id that does not exist, nor none at all.
        for token_id in (fabrikam_token.id + 1000, ""):
            location = self.portal_set_autopay(True, token_id)
            self.assertEqual(urlsplit(location).query, "autopay=refused")
        self.assertFalse(self.contoso.billbyte_autopay)
        # The back office cannot either.
        with self.assertRaises(ValidationError):
            self.contoso.billbyte_autopay_token_id = fabrikam_token
        # A contact of the customer (another portal user) may pick the card Contoso saved.
        contact = self.env["res.partner"].create(
            {"name": "Carl Contoso", "parent_id": self.contoso.id, "email": "carl@contoso.example"}
        )
        new_test_user(
            self.env,
            login="bb_autopay_carl",
            password="bb_autopay_carl",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        self.authenticate("bb_autopay_carl", "bb_autopay_carl")
        self.portal_set_autopay(True, own.id)
        self.assertTrue(self.contoso.billbyte_autopay)
        self.assertEqual(self.contoso.billbyte_autopay_token_id, own)

    def test_prepaid_balance_topped_up_automatically_at_its_floor(self):
        token = self.opt_in()
        self.contoso.write(
            {
                "billbyte_prepaid": True,
                "billbyte_wallet_floor": 5.0,
                "billbyte_wallet_topup_amount": 50.0,
            }
        )
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.contoso.id,
                "amount": 10.0,
                "journal_id": bank.id,
                "currency_id": self.usd.id,
            }
        )
        payment.action_post()
        self.import_rows(self.month_rows(days=5))  # 6.00 of usage: 4.00 left, at the floor
        self.contoso.invalidate_recordset()
        status = self.contoso.get_wallet_status()[0]
        # Topped up by 50.00 on the saved card, once: 54.00, funded again.
        self.assertEqual((status["balance"], status["state"]), ("54.00", "ok"))
        topups = self.env["payment.transaction"].search([("reference", "=like", "TOPUP-%")])
        self.assertEqual((len(topups), topups.state, topups.token_id), (1, "done", token))
        self.assertEqual(topups.payment_id.amount, 50.0)
        self.assertIn("Automatic top-up", self.contoso.message_ids[0].body)
