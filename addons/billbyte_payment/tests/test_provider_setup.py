# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import PaymentCommon, closed_port_url
from .paypal_standin import PayPalStandIn
from .stripe_standin import StripeStandIn

QUIET = (
    "odoo.addons.billbyte_payment.models.payment_provider_paypal",
    "odoo.addons.billbyte_payment.models.payment_provider_stripe",
)


@tagged("post_install", "-at_install")
class TestProviderSetup(PaymentCommon):
    """The guided set-up: sign-up links, credentials, one call to check them."""

    def setup_wizard(self, provider, **values):
        action = provider.action_billbyte_setup()
        self.assertEqual(
            (action["res_model"], action["target"]), ("billbyte.payment.provider.setup", "new")
        )
        wizard = self.env["billbyte.payment.provider.setup"].browse(action["res_id"])
        wizard.write(values)
        return wizard

    def check(self, wizard):
        calls = len(self.paypal_api.requests) + len(self.stripe_api.requests)
        wizard.action_check()
        calls = len(self.paypal_api.requests) + len(self.stripe_api.requests) - calls
        return wizard.check_outcome, wizard.check_message, calls

    # -- PayPal ---------------------------------------------------------------------
    def test_paypal_credentials_accepted(self):
        wizard = self.setup_wizard(self.paypal)
        # It starts from the provider's credentials and links to PayPal's sign-up.
        self.assertEqual(wizard.paypal_client_id, PayPalStandIn.CLIENT_ID)
        self.assertEqual(wizard.signup_url, "https://www.paypal.com/bizsignup/")
        self.assertIn("sandbox", wizard.credentials_url)
        outcome, message, calls = self.check(wizard)
        self.assertEqual(outcome, "ok")
        self.assertEqual(
            message,
            f"PayPal accepted these credentials: they belong to the app {PayPalStandIn.APP_ID} "
            "of PayPal's sandbox.",
        )
        self.assertEqual(calls, 1)
        self.assertEqual(self.paypal_api.requests, [("POST", "/v1/oauth2/token")])

    def test_paypal_wrong_credentials(self):
        wizard = self.setup_wizard(self.paypal, paypal_client_secret="not-the-secret")
        outcome, message, calls = self.check(wizard)
        self.assertEqual((outcome, calls), ("refused", 1))
        self.assertIn(
            "PayPal refused these credentials (PayPal says: Client Authentication failed)", message
        )
        self.assertIn("test mode takes sandbox credentials", message)
        # Saving refuses them and leaves the provider as it was.
        with self.assertRaises(UserError):
            wizard.action_save()
        self.assertEqual(self.paypal.paypal_client_secret, PayPalStandIn.CLIENT_SECRET)

    def test_paypal_missing_credentials_are_not_sent(self):
        wizard = self.setup_wizard(self.paypal, paypal_client_id=False)
        outcome, message, calls = self.check(wizard)
        self.assertEqual((outcome, calls), ("missing", 0))
        self.assertEqual(
            message, "Enter the client ID and the secret of your PayPal REST app first."
        )

    @mute_logger(*QUIET)
    def test_paypal_no_answer(self):
        wizard = self.setup_wizard(self.paypal)
        self.paypal_api.hang[r"/v1/oauth2/token"] = 1
        outcome, message, _calls = self.check(wizard)
        self.assertEqual(outcome, "no_answer")
        self.assertIn(f"PayPal did not answer (no reply from {self.paypal_api.url}", message)
        self.paypal.billbyte_api_url = closed_port_url()
        self.assertEqual(self.check(wizard)[0], "no_answer")

    def test_paypal_save(self):
        self.paypal.write(
            {"paypal_client_secret": "old-secret", "paypal_access_token": "old-token"}
        )
        wizard = self.setup_wizard(
            self.paypal,
            paypal_client_secret=PayPalStandIn.CLIENT_SECRET,
            paypal_email_account="payments@billbyte.example.com",
        )
        action = wizard.action_save()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("payment.provider", self.paypal.id)
        )
        self.assertEqual(self.paypal.paypal_client_secret, PayPalStandIn.CLIENT_SECRET)
        self.assertEqual(self.paypal.paypal_email_account, "payments@billbyte.example.com")
        self.assertEqual((self.paypal.state, self.paypal.is_published), ("test", True))
        # The old credentials' token is not used again; the wizard keeps no secret.
        self.assertFalse(self.paypal.paypal_access_token)
        self.assertFalse(wizard.paypal_client_secret)

    # -- Stripe ---------------------------------------------------------------------
    def test_stripe_keys_accepted(self):
        wizard = self.setup_wizard(self.stripe)
        self.assertEqual(wizard.signup_url, "https://dashboard.stripe.com/register")
        self.assertEqual(wizard.credentials_url, "https://dashboard.stripe.com/test/apikeys")
        outcome, message, calls = self.check(wizard)
        self.assertEqual((outcome, calls), ("ok", 1))
        self.assertEqual(
            message,
            f"Stripe accepted these keys: account {StripeStandIn.ACCOUNT_ID} "
            "(BillByte Cloud Ltd), test mode.",
        )
        self.assertEqual(self.stripe_api.requests[0][:2], ("GET", "/v1/account"))

    def test_stripe_account_not_activated(self):
        self.stripe_api.charges_enabled = False
        outcome, message, _calls = self.check(self.setup_wizard(self.stripe))
        self.assertEqual(outcome, "ok")
        self.assertIn("Stripe does not let it take payments yet", message)

    def test_stripe_wrong_key(self):
        wizard = self.setup_wizard(
            self.stripe, stripe_secret_key="sk_test_51Wrong000000000000000000000000"
        )
        outcome, message, calls = self.check(wizard)
        self.assertEqual((outcome, calls), ("refused", 1))
        self.assertIn(
            "Stripe refused this secret key (Stripe says: Invalid API Key provided: sk_test_",
            message,
        )

    def test_stripe_keys_that_do_not_go_together_are_not_sent(self):
        cases = {
            "pk_test_51Mixed": ("sk_live_51Mixed", "the secret key a live key"),
            "pk_live_51Live": (
                "sk_live_51Live",
                "These are live keys, but the provider is set to test mode",
            ),
            "pk_test_51Ok": ("pw_test_nonsense", "This is not a Stripe secret key"),
        }
        for publishable, (secret, words) in cases.items():
            wizard = self.setup_wizard(
                self.stripe, stripe_publishable_key=publishable, stripe_secret_key=secret
            )
            outcome, message, calls = self.check(wizard)
            self.assertEqual((outcome, calls), ("refused", 0), message)
            self.assertIn(words, message)

    @mute_logger(*QUIET)
    def test_stripe_no_answer(self):
        wizard = self.setup_wizard(self.stripe)
        self.stripe_api.hang[r"/v1/account"] = 1
        outcome, message, _calls = self.check(wizard)
        self.assertEqual(outcome, "no_answer")
        self.assertIn("Stripe did not answer", message)

    # -- on the provider form ---------------------------------------------------------
    def test_check_saved_credentials_from_the_provider_form(self):
        action = self.paypal.action_billbyte_check_credentials()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("PayPal accepted these credentials", action["params"]["message"])
        self.stripe.stripe_secret_key = "sk_test_51Wrong000000000000000000000000"
        action = self.stripe.action_billbyte_check_credentials()
        self.assertEqual((action["params"]["type"], action["params"]["sticky"]), ("danger", True))

    def test_forms_open(self):
        Form(self.paypal)
        with Form(self.setup_wizard(self.stripe)) as wizard:
            wizard.state = "enabled"
            self.assertEqual(wizard.credentials_url, "https://dashboard.stripe.com/apikeys")

    def test_stand_in_only_in_test_mode(self):
        with self.assertRaises(ValidationError):
            self.paypal.state = "enabled"
        with self.assertRaises(ValidationError):
            self.stripe.billbyte_api_url = "ftp://example.com"
