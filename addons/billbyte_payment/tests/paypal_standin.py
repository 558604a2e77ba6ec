# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local stand-in for PayPal's REST API (sandbox), answering as PayPal documents it:

- ``POST /v1/oauth2/token``: client credentials (HTTP basic) → access token;
- ``POST /v2/checkout/orders``: create an order (``intent`` CAPTURE), idempotent on
  ``PayPal-Request-Id``;
- ``GET /v2/checkout/orders/<id>``: the order;
- ``POST /v2/checkout/orders/<id>/capture``: capture an approved order, idempotent on
  ``PayPal-Request-Id``; 422 ``ORDER_NOT_APPROVED``, ``ORDER_ALREADY_CAPTURED``,
  ``INSTRUMENT_DECLINED`` as PayPal answers them;
- ``POST /v1/notifications/verify-webhook-signature``: SUCCESS only for an event this
  stand-in sent, unchanged, with the transmission headers it signed it with.

The buyer's part (approving the order in PayPal's window) is ``approve()``; PayPal's
webhook calls are built by ``webhook_event()``. Faults: ``lose_answers`` (do the work,
then never answer: the caller times out) and ``hang`` (answer nothing at all).
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import threading
import time
import uuid
import zlib
from datetime import datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def _paypal_id(length=17):
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _i in range(length))


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(event):
    return json.dumps(event, sort_keys=True, separators=(",", ":"))


class PayPalStandIn:
    CLIENT_ID = "AbillbyteSandboxClientId0123456789"
    CLIENT_SECRET = "EbillbyteSandboxSecret0123456789"
    APP_ID = "APP-80W284485P519543T"
    WEBHOOK_ID = "8PT597110X687430LKGECATA"
    # How long a lost or hung answer keeps the caller waiting (beyond its timeout).
    HANG_SECONDS = 4

    def __init__(self):
        self._signing_key = secrets.token_bytes(32)
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
        self.tokens = {}  # access token -> client id
        self.orders = {}
        self.order_requests = []  # bodies of the create-order requests
        self.idempotent = {}  # (path, PayPal-Request-Id) -> (status, body)
        self.requests = []  # (method, path)
        self.captures = []  # capture ids, one per money movement
        self.decline_next_capture = False
        # path pattern -> times: do the work, then never answer (the answer is lost)
        self.lose_answers = {}
        # path pattern -> times (None: always): never answer, do nothing
        self.hang = {}
        self.sent_events = {}  # transmission id -> (signature, canonical event)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- the buyer and PayPal's own calls --------------------------------------------
    def approve(self, order_id):
        """The buyer logs in to PayPal and approves the order."""
        with self.lock:
            order = self.orders[order_id]
            assert order["status"] in ("CREATED", "PAYER_ACTION_REQUIRED"), order["status"]
            order["status"] = "APPROVED"
            order["payment_source"] = {
                "paypal": {
                    "email_address": "buyer@example.com",
                    "account_id": "QYR5Z8XDVJNXQ",
                    "account_status": "VERIFIED",
                    "name": {"given_name": "Bea", "surname": "Buyer"},
                    "address": {"country_code": "US"},
                }
            }
            order["payer"] = {
                "name": {"given_name": "Bea", "surname": "Buyer"},
                "email_address": "buyer@example.com",
                "payer_id": "QYR5Z8XDVJNXQ",
            }
            order["update_time"] = _now()

    def webhook_event(self, order_id, event_type="CHECKOUT.ORDER.COMPLETED", tamper=None):
        """The webhook call PayPal makes for an order: (JSON body, headers). `tamper`
        changes the event after signing (a forged call)."""
        order = json.loads(json.dumps(self.orders[order_id]))
        summaries = {
            "CHECKOUT.ORDER.COMPLETED": "Checkout Order Completed",
            "CHECKOUT.ORDER.APPROVED": "An order has been approved by buyer",
        }
        event = {
            "id": f"WH-{_paypal_id(8)}-{_paypal_id(17)}",
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": "checkout-order",
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summaries.get(event_type, event_type),
            "resource": order,
            "links": [
                {
                    "href": f"{self.url}/v1/notifications/webhooks-events/WH-1",
                    "rel": "self",
                    "method": "GET",
                }
            ],
        }
        transmission_id = str(uuid.uuid1())
        transmission_time = _now()
        crc = zlib.crc32(canonical(event).encode())
        message = f"{transmission_id}|{transmission_time}|{self.WEBHOOK_ID}|{crc}"
        signature = base64.b64encode(
            hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()
        ).decode()
        self.sent_events[transmission_id] = (signature, canonical(event))
        if tamper:
            tamper(event)
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-CERT-URL": f"{self.url}/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }
        return json.dumps(event), headers

    # -- plumbing ---------------------------------------------------------------------
    def _send(self, handler, status, body):
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Paypal-Debug-Id", _paypal_id(13).lower())
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            return  # the caller gave up waiting

    @staticmethod
    def _take(faults, path):
        for pattern, times in list(faults.items()):
            if re.fullmatch(pattern, path):
                if times is None:
                    return True
                if times > 0:
                    faults[pattern] = times - 1
                    return True
        return False

    def _handle(self, handler, method):
        path = urlparse(handler.path).path
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        self.requests.append((method, path))
        if self._take(self.hang, path):
            time.sleep(self.HANG_SECONDS)
            return
        if path == "/v1/oauth2/token" and method == "POST":
            status, body = self._token(handler, raw)
        else:
            status, body = self._authorized(handler, method, path, raw)
        if self._take(self.lose_answers, path):
            time.sleep(self.HANG_SECONDS)
            return
        self._send(handler, status, body)

    def _token(self, handler, raw):
        auth = handler.headers.get("Authorization", "")
        try:
            client_id, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            client_id = secret = None
        grant = parse_qs(raw.decode()).get("grant_type", [None])[0]
        if grant != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Grant Type is NULL",
            }
        if (client_id, secret) != (self.CLIENT_ID, self.CLIENT_SECRET):
            return 401, {
                "error": "invalid_client",
                "error_description": "Client Authentication failed",
            }
        token = f"A21AA{secrets.token_urlsafe(40)}"
        self.tokens[token] = client_id
        return 200, {
            "scope": "https://uri.paypal.com/services/payments/payment "
            "https://uri.paypal.com/services/applications/webhooks",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": self.APP_ID,
            "expires_in": 32400,
            "nonce": f"{_now()}{secrets.token_urlsafe(16)}",
        }

    def revoke_tokens(self):
        """PayPal ends every access token given so far (before their announced expiry)."""
        self.tokens.clear()

    def _authorized(self, handler, method, path, raw):
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, {
                "name": "AUTHENTICATION_FAILURE",
                "message": "Authentication failed due to invalid authentication credentials "
                "or a missing Authorization header.",
                "links": [
                    {
                        "href": "https://developer.paypal.com/docs/api/overview/#error",
                        "rel": "information_link",
                    }
                ],
            }
        request_id = handler.headers.get("PayPal-Request-Id")
        with self.lock:
            if request_id and (path, request_id) in self.idempotent:
                return self.idempotent[(path, request_id)]
            answer = self._route(method, path, raw)
            if request_id and answer[0] < 500:
                self.idempotent[(path, request_id)] = answer
            return answer

    def _route(self, method, path, raw):
        if path == "/v2/checkout/orders" and method == "POST":
            return self._create_order(json.loads(raw or b"{}"))
        match = re.fullmatch(r"/v2/checkout/orders/(\w+)(/capture)?", path)
        if match and match.group(1) in self.orders:
            order = self.orders[match.group(1)]
            if match.group(2) and method == "POST":
                return self._capture(order)
            if not match.group(2) and method == "GET":
                return 200, order
        elif match:
            return 404, {
                "name": "RESOURCE_NOT_FOUND",
                "details": [
                    {
                        "issue": "INVALID_RESOURCE_ID",
                        "description": "Specified resource ID does not exist. Please check "
                        "the resource ID and try again.",
                    }
                ],
                "message": "The specified resource does not exist.",
            }
        if path == "/v1/notifications/verify-webhook-signature" and method == "POST":
            return self._verify(json.loads(raw or b"{}"))
        return 404, {"name": "NOT_FOUND", "message": f"No route {method} {path}"}

    @staticmethod
    def _unprocessable(issue, description):
        return 422, {
            "name": "UNPROCESSABLE_ENTITY",
            "details": [{"issue": issue, "description": description}],
            "message": "The requested action could not be performed, semantically incorrect, "
            "or failed business validation.",
            "debug_id": _paypal_id(13).lower(),
        }

    def _create_order(self, body):
        self.order_requests.append(body)
        unit = (body.get("purchase_units") or [{}])[0]
        amount = unit.get("amount") or {}
        if body.get("intent") != "CAPTURE" or not amount.get("currency_code"):
            return 400, {
                "name": "INVALID_REQUEST",
                "message": "Request is not well-formed, syntactically incorrect, or violates "
                "schema.",
            }
        value = Decimal(str(amount["value"]))
        order_id = _paypal_id()
        order = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": "PAYER_ACTION_REQUIRED",
            "payment_source": {"paypal": {}},
            "purchase_units": [
                {
                    "reference_id": unit.get("reference_id"),
                    "description": unit.get("description"),
                    "amount": {"currency_code": amount["currency_code"], "value": f"{value:.2f}"},
                    "payee": {
                        "email_address": (unit.get("payee") or {}).get("email_address"),
                        "merchant_id": "C7CYMKZDG8D6E",
                    },
                }
            ],
            "create_time": _now(),
            "links": [
                {
                    "href": f"{self.url}/v2/checkout/orders/{order_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                    "rel": "payer-action",
                    "method": "GET",
                },
            ],
        }
        self.orders[order_id] = order
        return 200, order

    def _capture(self, order):
        if order["status"] == "COMPLETED":
            return self._unprocessable(
                "ORDER_ALREADY_CAPTURED",
                "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
            )
        if order["status"] != "APPROVED":
            return self._unprocessable(
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment. Please redirect the payer to "
                "the 'rel':'approve' url returned as part of the HATEOAS links within the "
                "Create Order call or provide a valid payment_source in the request.",
            )
        if self.decline_next_capture:
            self.decline_next_capture = False
            return self._unprocessable(
                "INSTRUMENT_DECLINED",
                "The instrument presented  was either declined by the processor or bank, or "
                "it can't be used for this payment.",
            )
        unit = order["purchase_units"][0]
        capture_id = _paypal_id()
        self.captures.append(capture_id)
        unit["payments"] = {
            "captures": [
                {
                    "id": capture_id,
                    "status": "COMPLETED",
                    "amount": dict(unit["amount"]),
                    "final_capture": True,
                    "seller_protection": {"status": "ELIGIBLE"},
                    "create_time": _now(),
                    "update_time": _now(),
                }
            ]
        }
        order["status"] = "COMPLETED"
        order["update_time"] = _now()
        return 201, order

    def _verify(self, body):
        required = (
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
            "webhook_event",
        )
        if any(not body.get(name) for name in required):
            return 400, {
                "name": "VALIDATION_ERROR",
                "message": "Invalid request - see details",
                "details": [
                    {"field": name, "issue": "Required field is missing"}
                    for name in required
                    if not body.get(name)
                ],
            }
        sent = self.sent_events.get(body["transmission_id"])
        valid = (
            sent is not None
            and body["webhook_id"] == self.WEBHOOK_ID
            and hmac.compare_digest(sent[0], body["transmission_sig"])
            and sent[1] == canonical(body["webhook_event"])
        )
        return 200, {"verification_status": "SUCCESS" if valid else "FAILURE"}
