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
- webhook events signed as Stripe signs them (``Stripe-Signature: t=...,v1=...``);
- saving a card (Odoo's validation flow): ``POST /v1/setup_intents``, its confirmation by
  Stripe.js (``confirm_setup()``), ``GET /v1/setup_intents/<id>``, ``GET
  /v1/payment_methods/<id>``, ``GET /v1/customers/<id>/payment_methods``;
- off-session charges of a saved card: ``POST /v1/payment_intents`` with ``confirm=true``,
  ``off_session=true``, ``customer`` and ``payment_method`` (a ``pm_...`` id attached to
  that customer), answered 402 ``card_declined`` for ``pm_card_chargeCustomerFail`` (saved
  fine, every charge declined, as Stripe's test card 4000000000000341) and ``expired_card``
  once a saved card expired (``expire()``); ``fund()`` makes a saved card's issuer accept
  again. ``Idempotency-Key`` is honoured as Stripe does: the same key and parameters get
  the first answer again, nothing charged twice;
- ``GET /v1/payment_intents?customer=...&created[gte]=...``: the customer's
  PaymentIntents, newest first.

Wrong keys get Stripe's 401 answer; ``hang`` makes chosen paths never answer;
``lose_answer`` makes them do what they were asked and then never answer (the answer is
lost on its way back).
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
    # Saved without a fuss, declined at every charge (Stripe's 4000000000000341).
    "pm_card_chargeCustomerFail": {
        "brand": "visa",
        "last4": "0341",
        "outcome": "succeeded",
        "charge_error": {
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        },
    },
}
EXPIRED_CARD_ERROR = {
    "code": "expired_card",
    "decline_code": "expired_card",
    "param": "exp_month",
    "message": "Your card has expired.",
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
        self.setup_intents = {}
        self.card_of = {}  # payment method id -> test card it was made from
        self.idempotent = {}  # Idempotency-Key -> (form, status, answer)
        self.requests = []  # (method, path, form)
        self.charges = []  # charge ids: money taken
        self.hang = {}  # path pattern -> times (None: always)
        self.lose_answer = {}  # path pattern -> times (None: always)
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

    def confirm_setup(self, setup_intent_id, client_secret, payment_method, return_url):
        """What Stripe.js does when the customer saves a card (``confirmSetup``): (HTTP
        status, answer); on success Stripe sends the browser to ``redirect_url()``."""
        form = {
            "payment_method": payment_method,
            "return_url": return_url,
            "client_secret": client_secret,
            "key": self.PUBLISHABLE_KEY,
        }
        with self.lock:
            return self._confirm_setup(self.setup_intents[setup_intent_id], form)

    def setup_return_url(self, setup_intent_id):
        """Where Stripe sends the customer's browser after a confirmed SetupIntent."""
        setup_intent = self.setup_intents[setup_intent_id]
        return_url = setup_intent["return_url"]
        separator = "&" if "?" in return_url else "?"
        return (
            return_url
            + separator
            + urlencode(
                {
                    "setup_intent": setup_intent_id,
                    "setup_intent_client_secret": setup_intent["client_secret"],
                    "redirect_status": setup_intent["status"],
                }
            )
        )

    def fund(self, payment_method_id):
        """The issuer of a saved card accepts its charges again (funds arrived)."""
        with self.lock:
            self.card_of[payment_method_id] = "pm_card_visa"

    def expire(self, payment_method_id):
        """A saved card reaches its expiry date: Stripe declines its charges."""
        with self.lock:
            self.payment_methods[payment_method_id]["card"].update(exp_month=1, exp_year=2020)

    def charged_intents(self):
        """The PaymentIntents that took money."""
        return [intent for intent in self.intents.values() if intent["status"] == "succeeded"]

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
        key = handler.headers.get("Idempotency-Key")
        with self.lock:
            if method == "POST" and key and key in self.idempotent:
                first_form, status, body = self.idempotent[key]
                if first_form != form:
                    status, body = (
                        400,
                        {
                            "error": {
                                "message": "Keys for idempotent requests can only be used with the "
                                "same parameters they were first used with. Try using a key other "
                                f"than '{key}' if you meant to execute a different request.",
                                "type": "idempotency_error",
                            }
                        },
                    )
            else:
                status, body = self._route(method, url.path, form)
                if method == "POST" and key:
                    self.idempotent[key] = (form, status, body)
        for pattern, times in list(self.lose_answer.items()):
            if re.fullmatch(pattern, url.path) and (times is None or times > 0):
                if times is not None:
                    self.lose_answer[pattern] = times - 1
                time.sleep(self.HANG_SECONDS)
                return
        self._send(handler, status, body)

    def _route_saved_cards(self, method, path, form):
        """Saving a card (SetupIntents) and reading saved cards; None: not one of these."""
        if path == "/v1/setup_intents" and method == "POST":
            return self._create_setup_intent(form)
        match = re.fullmatch(r"/v1/setup_intents/(\w+)", path)
        if match and method == "GET":
            setup_intent = self.setup_intents.get(match.group(1))
            if not setup_intent:
                return self._missing("setup_intent", match.group(1))
            answer = self._public(setup_intent)
            if form.get("expand[]") == "payment_method" and setup_intent["payment_method"]:
                answer["payment_method"] = self.payment_methods[setup_intent["payment_method"]]
            return 200, answer
        match = re.fullmatch(r"/v1/payment_methods/(\w+)", path)
        if match and method == "GET":
            if match.group(1) not in self.payment_methods:
                return self._missing("payment_method", match.group(1))
            return 200, self.payment_methods[match.group(1)]
        match = re.fullmatch(r"/v1/customers/(\w+)/payment_methods", path)
        if match and method == "GET":
            return 200, {
                "object": "list",
                "data": [
                    pm for pm in self.payment_methods.values() if pm["customer"] == match.group(1)
                ],
                "has_more": False,
                "url": path,
            }
        return None

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
        if path == "/v1/payment_intents" and method == "GET":
            return self._list_intents(form)
        if path.startswith(("/v1/setup_intents", "/v1/payment_methods", "/v1/customers/")):
            answer = self._route_saved_cards(method, path, form)
            if answer:
                return answer
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
        # Stripe reads booleans case-insensitively (Odoo sends Python's "True").
        if form.get("confirm", "").lower() == "true":
            return self._charge_saved(intent, form)
        return 200, intent

    def _missing(self, kind, object_id, param=None):
        return 404, {
            "error": {
                "code": "resource_missing",
                "message": f"No such {kind}: '{object_id}'",
                "param": param or kind,
                "type": "invalid_request_error",
            }
        }

    @staticmethod
    def _public(stripe_object):
        """A Stripe object as the API shows it (the stand-in's own keys left out)."""
        return {key: value for key, value in stripe_object.items() if key != "return_url"}

    def _charge_saved(self, intent, form):
        """A PaymentIntent created with ``confirm=true`` and a saved payment method: an
        off-session charge (what Odoo's offline payments by token send)."""
        payment_method_id = form.get("payment_method")
        payment_method = self.payment_methods.get(payment_method_id)
        if not payment_method:
            del self.intents[intent["id"]]
            return self._missing("PaymentMethod", payment_method_id, param="payment_method")
        if payment_method["customer"] != form.get("customer"):
            del self.intents[intent["id"]]
            return 400, {
                "error": {
                    "code": "payment_intent_invalid_parameter",
                    "message": "The provided PaymentMethod was previously used with a PaymentIntent "
                    "without Customer attachment, shared with a connected account without Customer "
                    "attachment, or was detached from a Customer. It may not be used again.",
                    "param": "payment_method",
                    "type": "invalid_request_error",
                }
            }
        intent["payment_method"] = payment_method_id
        intent["off_session"] = form.get("off_session", "").lower() == "true"
        card = payment_method["card"]
        error = None
        if (card["exp_year"], card["exp_month"]) < time.gmtime()[:2]:
            error = EXPIRED_CARD_ERROR
        else:
            error = TEST_CARDS[self.card_of[payment_method_id]].get("charge_error")
        if error:
            error = {
                **error,
                "doc_url": f"https://stripe.com/docs/error-codes/{error['code'].replace('_', '-')}",
                "type": "card_error",
                "payment_method": payment_method,
            }
            intent.update(
                status="requires_payment_method", payment_method=None, last_payment_error=error
            )
            return 402, {"error": {**error, "payment_intent": dict(intent)}}
        self._succeed(intent)
        answer = dict(intent)
        if form.get("expand[]") == "payment_method":
            answer["payment_method"] = payment_method
        return 200, answer

    def _list_intents(self, form):
        """``GET /v1/payment_intents``: newest first, filtered by customer and creation."""
        intents = sorted(self.intents.values(), key=lambda i: (i["created"], i["id"]), reverse=True)
        if form.get("customer"):
            intents = [i for i in intents if i["customer"] == form["customer"]]
        if form.get("created[gte]"):
            intents = [i for i in intents if i["created"] >= int(form["created[gte]"])]
        if form.get("starting_after"):
            ids = [i["id"] for i in intents]
            intents = intents[ids.index(form["starting_after"]) + 1 :]
        limit = int(form.get("limit") or 10)
        return 200, {
            "object": "list",
            "data": intents[:limit],
            "has_more": len(intents) > limit,
            "url": "/v1/payment_intents",
        }

    def _create_setup_intent(self, form):
        setup_intent_id = _stripe_id("seti")
        setup_intent = {
            "id": setup_intent_id,
            "object": "setup_intent",
            "client_secret": f"{setup_intent_id}_secret_{_stripe_id('x', 25)[2:]}",
            "customer": form.get("customer"),
            "description": form.get("description"),
            "payment_method": None,
            "payment_method_types": [form.get("payment_method_types[]", "card")],
            "status": "requires_payment_method",
            "usage": "off_session",
            "last_setup_error": None,
            "next_action": None,
            "mandate": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.setup_intents[setup_intent_id] = setup_intent
        return 200, self._public(setup_intent)

    def _confirm_setup(self, setup_intent, form):
        if form.get("client_secret") != setup_intent["client_secret"]:
            return 400, {
                "error": {
                    "code": "setup_intent_invalid_parameter",
                    "message": "The client_secret provided does not match the client_secret "
                    "associated with the SetupIntent.",
                    "type": "invalid_request_error",
                }
            }
        payment_method = self._new_payment_method(form["payment_method"], setup_intent["customer"])
        card = TEST_CARDS[form["payment_method"]]
        setup_intent["return_url"] = form.get("return_url")
        if card["outcome"] == "declined":
            error = {
                **card["error"],
                "type": "card_error",
                "payment_method": payment_method,
            }
            setup_intent.update(status="requires_payment_method", last_setup_error=error)
            return 402, {"error": {**error, "setup_intent": self._public(setup_intent)}}
        payment_method["customer"] = setup_intent["customer"]
        setup_intent.update(
            status="succeeded", payment_method=payment_method["id"], last_setup_error=None
        )
        return 200, self._public(setup_intent)

    def _new_payment_method(self, test_card, customer):
        card = TEST_CARDS[test_card]
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
            "customer": customer,
            "livemode": False,
        }
        self.payment_methods[payment_method["id"]] = payment_method
        self.card_of[payment_method["id"]] = test_card
        return payment_method

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
        payment_method = self._new_payment_method(form["payment_method"], intent["customer"])
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
