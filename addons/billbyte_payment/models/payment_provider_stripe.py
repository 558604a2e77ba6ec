# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from urllib.parse import urlencode, urlparse

import requests

from odoo import models
from odoo.exceptions import ValidationError

from odoo.addons.payment_stripe import const as stripe_const

from .payment_provider import CHECK_TIMEOUT

_logger = logging.getLogger(__name__)

STRIPE_API = "https://api.stripe.com"
# Requests that create what a payment starts from: without an answer nothing was charged.
STRIPE_CREATIONS = ("customers", "payment_intents", "setup_intents")


def _key_mode(key, kinds):
    """'test' or 'live' for a Stripe key of one of these kinds (sk, rk, pk), else None."""
    for kind in kinds:
        for mode in ("test", "live"):
            if key.startswith(f"{kind}_{mode}_"):
                return mode
    return None


class PaymentProvider(models.Model):
    # One class per provider, as Odoo's own provider modules are laid out.
    _inherit = "payment.provider"  # pylint: disable=consider-merging-classes-inherited

    def _stripe_make_request(
        self, endpoint, payload=None, method="POST", offline=False, idempotency_key=None
    ):
        """Odoo's Stripe call, sent to the API stand-in when one is set (tests), and with
        no answer said in plain words (Odoo's own lets a timeout through)."""
        base = self._billbyte_api_base()
        if base and not urlparse(endpoint).scheme:
            # Odoo joins the endpoint to Stripe's fixed URL; an absolute URL wins the join.
            endpoint = f"{base}/v1/{endpoint}"
        try:
            return super()._stripe_make_request(
                endpoint,
                payload=payload,
                method=method,
                offline=offline,
                idempotency_key=idempotency_key,
            )
        except requests.exceptions.RequestException as error:
            # A read timeout or an answer that is not JSON (e.g. a proxy's error page).
            _logger.warning(
                "Stripe gave no usable answer to %s %s", method, endpoint, exc_info=True
            )
            raise ValidationError(
                self._billbyte_stripe_no_answer(endpoint, method, offline)
            ) from error
        except ValidationError as error:
            if isinstance(error.__context__, requests.exceptions.ConnectionError):
                raise ValidationError(
                    self._billbyte_stripe_no_answer(endpoint, method, offline)
                ) from error
            raise

    def _billbyte_stripe_no_answer(self, endpoint, method, offline=False):
        path = urlparse(endpoint).path.rstrip("/").rsplit("/v1/", 1)[-1]
        if offline and method == "POST" and path == "payment_intents":
            # An offline PaymentIntent is confirmed as it is created: it may have charged.
            return self.env._(
                "Stripe did not answer: whether the card was charged is not known yet."
            )
        if method == "POST" and path in STRIPE_CREATIONS:
            return self.env._(
                "Stripe did not answer. Nothing was charged: please try again in a few minutes."
            )
        return self.env._("Stripe did not answer: please try again in a few minutes.")

    def _billbyte_stripe_list_intents(self, customer, since):
        """The PaymentIntents of a Stripe customer created since this Unix time (Stripe's
        list API, every page)."""
        self.ensure_one()
        intents, query = [], {"customer": customer, "created[gte]": int(since), "limit": 100}
        while True:
            answer = self._stripe_make_request(f"payment_intents?{urlencode(query)}", method="GET")
            if "error" in answer or answer.get("object") != "list":
                raise ValidationError(
                    self.env._(
                        "Stripe did not list the payments of %(customer)s: %(reason)s",
                        customer=customer,
                        reason=(answer.get("error") or {}).get("message") or answer,
                    )
                )
            intents += answer["data"]
            if not answer.get("has_more") or not answer["data"]:
                return intents
            query["starting_after"] = answer["data"][-1]["id"]

    def _billbyte_check_stripe_credentials(self, credentials):
        """Read the Stripe account these keys belong to (one call)."""
        secret = (credentials.get("stripe_secret_key") or "").strip()
        publishable = (credentials.get("stripe_publishable_key") or "").strip()
        if not secret or not publishable:
            return "missing", self.env._(
                "Enter the publishable key and the secret key of your Stripe account first."
            )
        secret_mode = _key_mode(secret, ("sk", "rk"))
        publishable_mode = _key_mode(publishable, ("pk",))
        if not secret_mode:
            return "refused", self.env._(
                "This is not a Stripe secret key: a secret key starts with sk_test_ or "
                "sk_live_ (Stripe Dashboard, Developers > API keys)."
            )
        if not publishable_mode:
            return "refused", self.env._(
                "This is not a Stripe publishable key: a publishable key starts with pk_test_ "
                "or pk_live_ (Stripe Dashboard, Developers > API keys)."
            )
        if secret_mode != publishable_mode:
            return "refused", self.env._(
                "The publishable key is a %(publishable)s key and the secret key a %(secret)s "
                "key: copy both from the same mode of the Stripe Dashboard.",
                publishable=publishable_mode,
                secret=secret_mode,
            )
        wanted = "live" if credentials.get("state") == "enabled" else "test"
        if secret_mode != wanted:
            return "refused", self.env._(
                "These are %(mode)s keys, but the provider is set to %(state)s: test mode "
                "takes test keys (sk_test_, pk_test_), enabled takes live keys.",
                mode=secret_mode,
                state=self.env._("enabled") if wanted == "live" else self.env._("test mode"),
            )
        base = self._billbyte_api_base() or STRIPE_API
        try:
            response = requests.get(
                f"{base}/v1/account",
                headers={
                    "Authorization": f"Bearer {secret}",
                    "Stripe-Version": stripe_const.API_VERSION,
                },
                timeout=CHECK_TIMEOUT,
            )
            body = response.json()
        except (requests.exceptions.RequestException, ValueError):
            _logger.info("Stripe credential check: no answer from %s", base, exc_info=True)
            return "no_answer", self.env._(
                "Stripe did not answer (no reply from %(url)s within %(seconds)s seconds). "
                "Check that this server can reach the internet, then try again in a few "
                "minutes. Nothing was saved.",
                url=base,
                seconds=CHECK_TIMEOUT,
            )
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code == 200 and not error:
            name = (
                (body.get("business_profile") or {}).get("name")
                or ((body.get("settings") or {}).get("dashboard") or {}).get("display_name")
                or body.get("email")
                or body.get("id")
            )
            if body.get("charges_enabled") is False:
                return "ok", self.env._(
                    "Stripe accepted the keys of the account %(account)s (%(name)s, %(mode)s "
                    "mode), but Stripe does not let it take payments yet: finish activating "
                    "the account in the Stripe Dashboard.",
                    account=body.get("id"),
                    name=name,
                    mode=secret_mode,
                )
            return "ok", self.env._(
                "Stripe accepted these keys: account %(account)s (%(name)s), %(mode)s mode.",
                account=body.get("id"),
                name=name,
                mode=secret_mode,
            )
        reason = (error or {}).get("message") or ""
        if response.status_code in (401, 403):
            return "refused", self.env._(
                "Stripe refused this secret key (Stripe says: %(reason)s). Copy it again from "
                "the Stripe Dashboard, Developers > API keys.",
                reason=reason or response.status_code,
            )
        return "error", self.env._(
            "Stripe answered with an error (HTTP %(status)s%(reason)s). Try again in a few "
            "minutes.",
            status=response.status_code,
            reason=f": {reason}" if reason else "",
        )
