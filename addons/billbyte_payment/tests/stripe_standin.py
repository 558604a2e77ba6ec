# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local stand-in for Stripe's API (test mode), answering as Stripe documents it:

- ``GET /v1/account``: the account of the secret key;
- ``POST /v1/customers``, ``POST /v1/payment_intents`` (form-encoded, as Odoo sends them);
- ``GET /v1/payment_intents/<id>`` (``expand[]=payment_method``);
- ``POST /v1/payment_intents/<id>/confirm``: what Stripe.js does in the customer's
  browser with the publishable key and the client secret, with Stripe's test payment
  methods: ``pm_card_visa`` succeeds, ``pm_card_chargeDeclined`` is declined
  (``card_declined``), ``pm_card_chargeDeclinedExpiredCard`` is declined
  (``expired_card``), ``pm_card_threeDSecure2Required`` needs 3-D Secure
  (``requires_action`` with a ``redirect_to_url`` next action);
- the bank's 3-D Secure page: ``authenticate()`` completes or fails it and returns the
  URL Stripe sends the customer back to;
- webhook events signed as Stripe signs them (``Stripe-Signature: t=...,v1=...``).

Wrong keys get Stripe's 401 answer; ``hang`` makes chosen paths never answer.
"""

import hashlib
import hmac
import json
import re
import secrets
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

API_VERSION = "2019-05-16"

TEST_CARDS = {
    "pm_card_visa": {"brand": "visa", "last4": "4242", "outcome": "succeeded"},
    "pm_card_mastercard": {"brand": "mastercard", "last4": "4444", "outcome": "succeeded"},
    "pm_card_chargeDeclined": {
        "brand": "visa",
        "last4": "0002",
        "outcome": "declined",
        "error": {
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        },
    },
    "pm_card_chargeDeclinedExpiredCard": {
        "brand": "visa",
        "last4": "0069",
        "outcome": "declined",
        "error": {
            "code": "expired_card",
            "decline_code": "expired_card",
            "param": "exp_month",
            "message": "Your card has expired.",
        },
    },
    "pm_card_threeDSecure2Required": {"brand": "visa", "last4": "3220", "outcome": "3ds"},
}


def _stripe_id(prefix, length=24):
    alphabet = string.ascii_letters + string.digits
    return f"{prefix}_" + "".join(secrets.choice(alphabet) for _i in range(length))


def _form(raw):
    """Stripe's form encoding, flattened: {'expand[]': 'payment_method', ...}."""
    return {key: values[-1] for key, values in parse_qs(raw.decode()).items()}


class StripeStandIn:
    SECRET_KEY = "sk_test_51BillByteStandIn0000000000000000"
    PUBLISHABLE_KEY = "pk_test_51BillByteStandIn0000000000000000"
    WEBHOOK_SECRET = "whsec_billbytestandin000000000000"
    ACCOUNT_ID = "acct_1BillByteStandIn"
    HANG_SECONDS = 4

    def __init__(self):
        self.reset()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                stand_in._handle(self, "GET")

            def do_POST(self):
                stand_in._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        self.lock = threading.Lock()
        self.customers = {}
        self.intents = {}
        self.payment_methods = {}
        self.requests = []  # (method, path, form)
        self.charges = []  # charge ids: money taken
        self.hang = {}  # path pattern -> times (None: always)
        self.charges_enabled = True

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- the customer's browser (Stripe.js) and the bank -------------------------------
    def confirm(self, intent_id, client_secret, payment_method, return_url):
        """What Stripe.js does when the customer submits the card form: (HTTP status,
        answer)."""
        form = {
            "payment_method": payment_method,
            "return_url": return_url,
            "client_secret": client_secret,
            "key": self.PUBLISHABLE_KEY,
        }
        with self.lock:
            return self._confirm(self.intents[intent_id], form)

    def authenticate(self, intent_id, succeed=True):
        """The customer completes (or fails) 3-D Secure on the bank's page; Stripe then
        sends them back: the URL of that redirect."""
        with self.lock:
            intent = self.intents[intent_id]
            assert intent["status"] == "requires_action", intent["status"]
            return_url = intent["next_action"]["redirect_to_url"]["return_url"]
            intent["next_action"] = None
            if succeed:
                self._succeed(intent)
                status = "succeeded"
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "code": "payment_intent_authentication_failure",
                    "doc_url": "https://stripe.com/docs/error-codes/"
                    "payment-intent-authentication-failure",
                    "message": "We are unable to authenticate your payment method. Please "
                    "choose a different payment method and try again.",
                    "type": "invalid_request_error",
                    "payment_method": self.payment_methods[intent["payment_method"]],
                }
                intent["payment_method"] = None
                status = "failed"
        separator = "&" if "?" in return_url else "?"
        return (
            return_url
            + separator
            + urlencode(
                {
                    "payment_intent": intent_id,
                    "payment_intent_client_secret": intent["client_secret"],
                    "redirect_status": status,
                }
            )
        )

    def webhook_event(self, intent_id, event_type, secret=None):
        """The webhook call Stripe makes: (JSON body, headers)."""
        intent = json.loads(json.dumps(self.intents[intent_id]))
        event = {
            "id": _stripe_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": intent},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        payload = json.dumps(event)
        timestamp = int(time.time())
        signature = hmac.new(
            (secret or self.WEBHOOK_SECRET).encode(),
            f"{timestamp}.{payload}".encode(),
            hashlib.sha256,
        ).hexdigest()
        return payload, {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={timestamp},v1={signature}",
        }

    # -- plumbing ---------------------------------------------------------------------
    def _send(self, handler, status, body):
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Request-Id", _stripe_id("req", 14))
            handler.send_header("Stripe-Version", API_VERSION)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            return  # the caller gave up waiting

    def _handle(self, handler, method):
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        form = _form(handler.rfile.read(length)) if length else {}
        form.update(_form(url.query.encode()))
        self.requests.append((method, url.path, form))
        for pattern, times in list(self.hang.items()):
            if re.fullmatch(pattern, url.path) and (times is None or times > 0):
                if times is not None:
                    self.hang[pattern] = times - 1
                time.sleep(self.HANG_SECONDS)
                return
        key = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        if key != self.SECRET_KEY:
            masked = f"{key[:8]}{'*' * 20}{key[-4:]}" if len(key) > 12 else key
            return self._send(
                handler,
                401,
                {
                    "error": {
                        "message": f"Invalid API Key provided: {masked}",
                        "type": "invalid_request_error",
                    }
                },
            )
        with self.lock:
            status, body = self._route(method, url.path, form)
        self._send(handler, status, body)

    def _route(self, method, path, form):
        if path == "/v1/account" and method == "GET":
            return 200, {
                "id": self.ACCOUNT_ID,
                "object": "account",
                "business_profile": {"name": "BillByte Cloud Ltd"},
                "charges_enabled": self.charges_enabled,
                "payouts_enabled": self.charges_enabled,
                "country": "US",
                "default_currency": "usd",
                "details_submitted": True,
                "email": "finance@billbyte.example.com",
                "settings": {"dashboard": {"display_name": "BillByte Cloud"}},
                "type": "standard",
            }
        if path == "/v1/customers" and method == "POST":
            customer = {
                "id": _stripe_id("cus", 14),
                "object": "customer",
                "email": form.get("email"),
                "name": form.get("name"),
                "description": form.get("description"),
                "livemode": False,
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if path == "/v1/payment_intents" and method == "POST":
            return self._create_intent(form)
        match = re.fullmatch(r"/v1/payment_intents/(\w+)(/confirm)?", path)
        if match and match.group(1) in self.intents:
            intent = self.intents[match.group(1)]
            if match.group(2) and method == "POST":
                return self._confirm(intent, form)
            if method == "GET":
                answer = dict(intent)
                if form.get("expand[]") == "payment_method" and intent["payment_method"]:
                    answer["payment_method"] = self.payment_methods[intent["payment_method"]]
                return 200, answer
        if match:
            return 404, {
                "error": {
                    "code": "resource_missing",
                    "message": f"No such payment_intent: '{match.group(1)}'",
                    "param": "intent",
                    "type": "invalid_request_error",
                }
            }
        return 404, {
            "error": {
                "message": f"Unrecognized request URL ({method}: {path}).",
                "type": "invalid_request_error",
            }
        }

    def _create_intent(self, form):
        try:
            amount = int(form["amount"])
        except (KeyError, ValueError):
            return 400, {
                "error": {
                    "code": "parameter_missing",
                    "message": "Missing required param: amount.",
                    "param": "amount",
                    "type": "invalid_request_error",
                }
            }
        intent_id = _stripe_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": form.get("currency"),
            "description": form.get("description"),
            "customer": form.get("customer"),
            "capture_method": form.get("capture_method", "automatic"),
            "payment_method_types": [form.get("payment_method_types[]", "card")],
            "client_secret": f"{intent_id}_secret_{_stripe_id('x', 25)[2:]}",
            "status": "requires_payment_method",
            "payment_method": None,
            "last_payment_error": None,
            "next_action": None,
            "charges": {"object": "list", "data": [], "has_more": False},
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[intent_id] = intent
        return 200, intent

    def _confirm(self, intent, form):
        if form.get("client_secret") != intent["client_secret"]:
            return 400, {
                "error": {
                    "code": "payment_intent_invalid_parameter",
                    "message": "The client_secret provided does not match the client_secret "
                    "associated with the PaymentIntent.",
                    "type": "invalid_request_error",
                }
            }
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            return 400, {
                "error": {
                    "code": "payment_intent_unexpected_state",
                    "message": "This PaymentIntent's payment_method could not be updated "
                    f"because it has a status of {intent['status']}.",
                    "type": "invalid_request_error",
                }
            }
        card = TEST_CARDS[form["payment_method"]]
        payment_method = {
            "id": _stripe_id("pm"),
            "object": "payment_method",
            "type": "card",
            "card": {
                "brand": card["brand"],
                "last4": card["last4"],
                "exp_month": 12,
                "exp_year": 2034,
                "country": "US",
                "funding": "credit",
            },
            "customer": intent["customer"],
            "livemode": False,
        }
        self.payment_methods[payment_method["id"]] = payment_method
        if card["outcome"] == "declined":
            error = {
                **card["error"],
                "doc_url": f"https://stripe.com/docs/error-codes/{card['error']['code'].replace('_', '-')}",
                "type": "card_error",
                "payment_method": payment_method,
            }
            intent.update(
                status="requires_payment_method", payment_method=None, last_payment_error=error
            )
            return 402, {"error": {**error, "payment_intent": dict(intent)}}
        intent["payment_method"] = payment_method["id"]
        intent["last_payment_error"] = None
        if card["outcome"] == "3ds":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.url}/3ds/{intent['id']}",
                    "return_url": form.get("return_url"),
                },
            }
            return 200, intent
        self._succeed(intent)
        return 200, intent

    def _succeed(self, intent):
        charge_id = _stripe_id("ch")
        self.charges.append(charge_id)
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["charges"]["data"] = [
            {
                "id": charge_id,
                "object": "charge",
                "amount": intent["amount"],
                "captured": True,
                "paid": True,
                "status": "succeeded",
                "payment_method": intent["payment_method"],
                "payment_method_details": {"type": "card", "card": {}},
            }
        ]
