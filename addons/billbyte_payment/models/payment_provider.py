# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlparse

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Where a merchant opens an account and finds the API credentials, per provider and mode.
SIGNUP_URLS = {
    "paypal": "https://www.paypal.com/bizsignup/",
    "stripe": "https://dashboard.stripe.com/register",
}
CREDENTIALS_URLS = {
    ("paypal", "test"): "https://developer.paypal.com/dashboard/applications/sandbox",
    ("paypal", "enabled"): "https://developer.paypal.com/dashboard/applications/live",
    ("stripe", "test"): "https://dashboard.stripe.com/test/apikeys",
    ("stripe", "enabled"): "https://dashboard.stripe.com/apikeys",
}
# Seconds a credential check waits for the provider.
CHECK_TIMEOUT = 10


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    billbyte_api_url = fields.Char(
        string="API Stand-in URL",
        groups="base.group_system",
        copy=False,
        help="Leave empty. For tests and demonstrations only: the base URL of a stand-in for "
        "the provider's API (e.g. http://127.0.0.1:8080) that receives this provider's API "
        "calls instead of PayPal's or Stripe's servers. Only allowed in test mode.",
    )
    billbyte_setup_available = fields.Boolean(
        compute="_compute_billbyte_setup_available",
        help="The provider has a guided set-up and a credential check.",
    )

    @api.depends("code")
    def _compute_billbyte_setup_available(self):
        for provider in self:
            provider.billbyte_setup_available = provider.code in SIGNUP_URLS

    @api.constrains("billbyte_api_url", "state")
    def _check_billbyte_api_url(self):
        for provider in self.sudo():
            url = provider.billbyte_api_url
            if not url:
                continue
            if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
                raise ValidationError(
                    self.env._(
                        "The API stand-in URL must be an http(s) address, e.g. http://127.0.0.1:8080."
                    )
                )
            if provider.state == "enabled":
                raise ValidationError(
                    self.env._(
                        "%(provider)s: an API stand-in only serves tests; empty the API Stand-in URL "
                        "before enabling the provider.",
                        provider=provider.name,
                    )
                )

    def _billbyte_api_base(self):
        """The stand-in's base URL without a trailing slash, or '' for the real API."""
        self.ensure_one()
        return (self.sudo().billbyte_api_url or "").rstrip("/")

    # --- guided set-up ---------------------------------------------------------------
    def action_billbyte_setup(self):
        """Open the guided set-up of this provider: sign-up link, credentials, check."""
        self.ensure_one()
        wizard = self.env["billbyte.payment.provider.setup"].create({"provider_id": self.id})
        return wizard._reopen()

    def action_billbyte_check_credentials(self):
        """Check the saved credentials with one call to the provider; say how it went."""
        self.ensure_one()
        outcome, message = self._billbyte_check_credentials(self._billbyte_saved_credentials())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("%(provider)s credentials", provider=self.name),
                "message": message,
                "type": "success" if outcome == "ok" else "danger",
                "sticky": outcome != "ok",
            },
        }

    def _billbyte_saved_credentials(self):
        """The provider's own credentials, in the form the checks take."""
        self.ensure_one()
        provider = self.sudo()
        if provider.code == "paypal":
            return {
                "state": provider.state,
                "paypal_client_id": provider.paypal_client_id,
                "paypal_client_secret": provider.paypal_client_secret,
            }
        if provider.code == "stripe":
            return {
                "state": provider.state,
                "stripe_publishable_key": provider.stripe_publishable_key,
                "stripe_secret_key": provider.stripe_secret_key,
            }
        return {"state": provider.state}

    def _billbyte_check_credentials(self, credentials):
        """One call to the provider with these credentials.

        :param dict credentials: the provider's credential fields and `state` (test or
            enabled: which of the provider's environments they are for)
        :return: (outcome, message): outcome is `ok`, `missing` (nothing to check),
            `refused` (the provider said no), `no_answer` or `error`; the message says it
            in plain words for the person setting the provider up
        """
        self.ensure_one()
        check = getattr(self, f"_billbyte_check_{self.code}_credentials", None)
        if check is None:
            return "error", self.env._(
                "%(provider)s has no credential check here.", provider=self.name
            )
        return check(credentials)
