# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.payment_provider import CREDENTIALS_URLS, SIGNUP_URLS

CREDENTIAL_FIELDS = {
    "paypal": (
        "paypal_email_account",
        "paypal_client_id",
        "paypal_client_secret",
        "paypal_webhook_id",
    ),
    "stripe": ("stripe_publishable_key", "stripe_secret_key", "stripe_webhook_secret"),
}
SECRET_FIELDS = ("paypal_client_secret", "stripe_secret_key", "stripe_webhook_secret")


class BillbytePaymentProviderSetup(models.TransientModel):
    """Guided set-up of a payment provider: open a merchant account, paste the API
    credentials, check them with one call to the provider, save."""

    _name = "billbyte.payment.provider.setup"
    _description = "Payment Provider Set-up"

    provider_id = fields.Many2one("payment.provider", required=True, ondelete="cascade")
    code = fields.Selection(related="provider_id.code")
    provider_name = fields.Char(related="provider_id.name")
    state = fields.Selection(
        [("test", "Test (sandbox)"), ("enabled", "Live")],
        string="Mode",
        required=True,
        default="test",
        help="Test: payments go to the provider's sandbox and no money moves. Live: real "
        "payments; takes the live credentials.",
    )
    signup_url = fields.Char(compute="_compute_urls")
    credentials_url = fields.Char(compute="_compute_urls")
    paypal_email_account = fields.Char(string="PayPal Business Email")
    paypal_client_id = fields.Char(string="PayPal Client ID")
    paypal_client_secret = fields.Char(string="PayPal Secret")
    paypal_webhook_id = fields.Char(string="PayPal Webhook ID")
    stripe_publishable_key = fields.Char(string="Publishable Key")
    stripe_secret_key = fields.Char(string="Secret Key")
    stripe_webhook_secret = fields.Char(string="Webhook Signing Secret")
    check_outcome = fields.Selection(
        [
            ("ok", "Accepted"),
            ("missing", "Incomplete"),
            ("refused", "Refused"),
            ("no_answer", "No answer"),
            ("error", "Error"),
        ],
        readonly=True,
    )
    check_message = fields.Text(readonly=True)

    @api.depends("code", "state")
    def _compute_urls(self):
        for wizard in self:
            wizard.signup_url = SIGNUP_URLS.get(wizard.code)
            wizard.credentials_url = CREDENTIALS_URLS.get((wizard.code, wizard.state))

    @api.model_create_multi
    def create(self, vals_list):
        """Start from what the provider already has."""
        for vals in vals_list:
            provider = self.env["payment.provider"].browse(vals.get("provider_id")).sudo()
            if not provider:
                continue
            for name in CREDENTIAL_FIELDS.get(provider.code, ()):
                vals.setdefault(name, provider[name] or False)
            vals.setdefault("state", "enabled" if provider.state == "enabled" else "test")
        return super().create(vals_list)

    def _credentials(self):
        self.ensure_one()
        values = {name: self[name] for name in CREDENTIAL_FIELDS.get(self.code, ())}
        values["state"] = self.state
        return values

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Set up %(provider)s", provider=self.provider_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_check(self):
        """One call to the provider with the credentials typed; the answer in plain words."""
        self.ensure_one()
        outcome, message = self.provider_id._billbyte_check_credentials(self._credentials())
        self.write({"check_outcome": outcome, "check_message": message})
        return self._reopen()

    def action_save(self):
        """Check the credentials, then give them to the provider, in the chosen mode,
        published in the portal; refused ones are not saved."""
        self.ensure_one()
        outcome, message = self.provider_id._billbyte_check_credentials(self._credentials())
        self.write({"check_outcome": outcome, "check_message": message})
        if outcome != "ok":
            raise UserError(message)
        values = {name: value for name, value in self._credentials().items() if name != "state"}
        if self.code == "paypal" and not values.get("paypal_email_account"):
            raise UserError(self.env._("Enter the email address of your PayPal business account."))
        if self.code == "paypal":
            # A token of the former credentials must not outlive them.
            values.update(paypal_access_token=False, paypal_access_token_expiry="1970-01-01")
        provider = self.provider_id.sudo()
        provider.write({**values, "state": self.state, "is_published": True})
        # The wizard keeps no copy of the secrets.
        self.write(dict.fromkeys(SECRET_FIELDS, False))
        return {
            "type": "ir.actions.act_window",
            "res_model": "payment.provider",
            "res_id": provider.id,
            "view_mode": "form",
            "target": "current",
        }
