# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re
from datetime import datetime

import requests

from odoo import models
from odoo.exceptions import ValidationError

from .payment_provider import CHECK_TIMEOUT

_logger = logging.getLogger(__name__)

CAPTURE_ENDPOINT = re.compile(r"^/v2/checkout/orders/(?P<order_id>[A-Za-z0-9-]+)/capture$")


def _error_reason(response):
    """PayPal's own words about an error answer, if it gave any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    details = body.get("details") or [{}]
    return (
        body.get("error_description")
        or (isinstance(details[0], dict) and details[0].get("description"))
        or body.get("message")
        or body.get("error")
        or ""
    )


class PaymentProvider(models.Model):
    # One class per provider, as Odoo's own provider modules are laid out.
    _inherit = "payment.provider"  # pylint: disable=consider-merging-classes-inherited

    def _paypal_get_api_url(self):
        """Odoo's PayPal calls go to the API stand-in when one is set (tests)."""
        return self._billbyte_api_base() or super()._paypal_get_api_url()

    def _paypal_make_request(
        self,
        endpoint,
        data=None,
        json_payload=None,
        auth=None,
        is_refresh_token_request=False,
        idempotency_key=None,
    ):
        """Odoo's PayPal call, plus: an access token PayPal ended before the expiry it
        announced is renewed once; no answer is said in plain words, and a capture
        without answer is looked up before the customer is told anything."""
        kwargs = {
            "data": data,
            "json_payload": json_payload,
            "auth": auth,
            "is_refresh_token_request": is_refresh_token_request,
            "idempotency_key": idempotency_key,
        }
        try:
            return super()._paypal_make_request(endpoint, **kwargs)
        except ValidationError as error:
            cause = error.__context__
            if isinstance(cause, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
                return self._billbyte_paypal_no_answer(endpoint, error)
            response = getattr(cause, "response", None)
            if response is None:
                raise
            if response.status_code != 401:
                refusal = self._billbyte_paypal_refusal(response)
                if refusal:
                    raise ValidationError(refusal) from error
                raise
            if is_refresh_token_request:
                _logger.warning("PayPal refused the credentials of provider %s", self.id)
                raise ValidationError(
                    self.env._(
                        "PayPal payments are not possible at the moment (PayPal refused the "
                        "shop's credentials). Nothing was charged: please choose another "
                        "payment method or try again later."
                    )
                ) from error
            if self.env.context.get("billbyte_paypal_token_renewed"):
                raise
            # PayPal ended the access token before the expiry it announced (credentials
            # rotated, token revoked): fetch a new one and try once more.
            _logger.info("PayPal refused the access token of provider %s: renewing it", self.id)
            self.sudo().paypal_access_token_expiry = datetime(1970, 1, 1)
            return self.with_context(billbyte_paypal_token_renewed=True)._paypal_make_request(
                endpoint, **kwargs
            )

    def _billbyte_paypal_refusal(self, response):
        """What PayPal's refusal (4xx) of a payment request means for the customer, in
        plain words, or None."""
        if not 400 <= response.status_code < 500:
            return None
        try:
            details = (response.json().get("details") or [{}])[0]
        except (ValueError, AttributeError, IndexError):
            details = {}
        issue = details.get("issue") if isinstance(details, dict) else None
        if issue == "INSTRUMENT_DECLINED":
            return self.env._(
                "PayPal declined the card or bank account chosen in PayPal's window. Nothing "
                "was charged: please pay again and choose another one, or another payment "
                "method."
            )
        if issue in ("ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"):
            return self.env._(
                "The payment was not approved in PayPal's window. Nothing was charged: please "
                "pay again and approve it in PayPal."
            )
        reason = _error_reason(response)
        return self.env._(
            "PayPal refused the payment (PayPal says: %(reason)s).",
            reason=reason or response.status_code,
        )

    def _billbyte_paypal_no_answer(self, endpoint, error):
        """PayPal did not answer `endpoint`. A capture may have gone through all the
        same: ask PayPal for the order and answer with it if it was captured; otherwise
        tell the customer, in plain words, whether money may have been taken."""
        capture = CAPTURE_ENDPOINT.match(endpoint)
        if not capture:
            raise ValidationError(
                self.env._(
                    "PayPal did not answer. Nothing was charged: please try again in a few minutes."
                )
            ) from error
        try:
            order = self._billbyte_paypal_get(f"/v2/checkout/orders/{capture['order_id']}")
        except (ValidationError, requests.exceptions.RequestException):
            order = {}
        if order.get("status") == "COMPLETED":
            _logger.info(
                "PayPal order %s was captured although the capture got no answer", order.get("id")
            )
            return order
        raise ValidationError(
            self.env._(
                "PayPal did not answer, so we cannot tell yet whether your payment went "
                "through. Please do not pay again: as soon as PayPal confirms it, the invoice "
                "shows as paid; if PayPal did not take the money, you can pay again later."
            )
        ) from error

    def _billbyte_paypal_get(self, endpoint):
        """GET a PayPal API resource (Odoo's request helper only POSTs)."""
        self.ensure_one()
        response = requests.get(
            self._paypal_get_api_url() + endpoint,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._paypal_fetch_access_token()}",
            },
            timeout=CHECK_TIMEOUT,
        )
        response.raise_for_status()
        return response.json()

    def _billbyte_check_paypal_credentials(self, credentials):
        """Ask PayPal for an access token with these credentials (one call)."""
        client_id = (credentials.get("paypal_client_id") or "").strip()
        secret = (credentials.get("paypal_client_secret") or "").strip()
        if not client_id or not secret:
            return "missing", self.env._(
                "Enter the client ID and the secret of your PayPal REST app first."
            )
        live = credentials.get("state") == "enabled"
        environment = self.env._("live") if live else self.env._("sandbox")
        base = (
            self._billbyte_api_base()
            or self.new(
                {"code": "paypal", "state": "enabled" if live else "test"}
            )._paypal_get_api_url()
        )
        try:
            response = requests.post(
                f"{base}/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
                headers={"Accept": "application/json"},
                timeout=CHECK_TIMEOUT,
            )
        except requests.exceptions.RequestException:
            _logger.info("PayPal credential check: no answer from %s", base, exc_info=True)
            return "no_answer", self.env._(
                "PayPal did not answer (no reply from %(url)s within %(seconds)s seconds). "
                "Check that this server can reach the internet, then try again in a few "
                "minutes. Nothing was saved.",
                url=base,
                seconds=CHECK_TIMEOUT,
            )
        if response.status_code == 200:
            body = response.json()
            if body.get("access_token"):
                return "ok", self.env._(
                    "PayPal accepted these credentials: they belong to the app %(app)s of "
                    "PayPal's %(environment)s.",
                    app=body.get("app_id") or client_id,
                    environment=environment,
                )
        reason = _error_reason(response)
        if response.status_code in (400, 401, 403):
            return "refused", self.env._(
                "PayPal refused these credentials (PayPal says: %(reason)s). Copy the client "
                "ID and the secret again, both from the same app, and check that they are "
                "%(environment)s credentials: test mode takes sandbox credentials, enabled "
                "takes live ones.",
                reason=reason or response.status_code,
                environment=environment,
            )
        return "error", self.env._(
            "PayPal answered with an error (HTTP %(status)s%(reason)s). Try again in a few "
            "minutes.",
            status=response.status_code,
            reason=f": {reason}" if reason else "",
        )
