# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendors the connector tests talk to over real HTTP on this machine:

- moto's server (AWS: S3, STS, Organizations, Cost Explorer), run from the test
  tools virtualenv that scripts/setup.sh makes (BILLBYTE_TOOLS_PY);
- a Partner Center / Microsoft Graph / Entra ID stand-in over HTTPS, with a test
  certificate authority made by trustme (in the same tools virtualenv), answering
  as Microsoft documents it.
"""

import gzip
import io
import json
import os
import re
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests


def tools_python():
    path = os.environ.get("BILLBYTE_TOOLS_PY")
    if not path or not os.path.exists(path):
        raise RuntimeError(
            "BILLBYTE_TOOLS_PY names no Python of the test tools virtualenv: run the tests "
            "through `make test` (scripts/setup.sh makes it from requirements-tools.txt)."
        )
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's server on a free local port, as a subprocess."""

    def __init__(self, environ=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [tools_python(), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=dict(os.environ, **(environ or {})),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.2)

    def reset(self):
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def set_cost_explorer_results(self, results, account_id="123456789012"):
        """Queue GetCostAndUsage answers of an account (moto answers them in order)."""
        requests.post(
            f"{self.url}/moto-api/static/ce/cost-and-usage-results",
            json={"results": results, "account_id": account_id},
            timeout=10,
        ).raise_for_status()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def make_test_ca(folder):
    """A test certificate authority and a certificate for localhost (trustme, in the
    tools virtualenv): returns (CA bundle path, server cert+key path)."""
    ca_path = os.path.join(folder, "test-ca.pem")
    server_path = os.path.join(folder, "server.pem")
    subprocess.run(
        [
            tools_python(),
            "-c",
            "import sys, trustme\n"
            "ca = trustme.CA()\n"
            "cert = ca.issue_cert('localhost', '127.0.0.1')\n"
            "ca.cert_pem.write_to_path(sys.argv[1])\n"
            "cert.private_key_and_cert_chain_pem.write_to_path(sys.argv[2])\n",
            ca_path,
            server_path,
        ],
        check=True,
    )
    return ca_path, server_path


def gzip_json_lines(items):
    lines = [item if isinstance(item, str) else json.dumps(item) for item in items]
    return gzip.compress(("\n".join(lines) + "\n").encode())


PRICE_SHEET_PATH = re.compile(
    r"^/v1\.0/sales/pricesheets\(Market='(?P<market>[^']*)',"
    r"PricesheetView='(?P<view>[^']*)'\)/\$value$"
)
FX_RATES_PATH = re.compile(r"^/v1\.0/sales/fxrates\(Month='(?P<month>\d{6})'\)/\$value$")


class PartnerCenterStandIn:
    """Entra ID token endpoint, Graph billing reconciliation v2 (export request,
    operation, blobs) and the Partner Center customers API, over HTTPS; one
    subscription is read and changed (status) as Partner Center documents it:
    GET and PATCH /v1/customers/{customer-tenant-id}/subscriptions/{id}; customers
    are created (POST /v1/customers) and order subscriptions (POST
    /v1/customers/{customer-tenant-id}/orders).

    The Partner API's price sheets and foreign exchange rates (get a price sheet, get
    foreign exchange rates) answer app + user tokens only (an app-only token gets
    401), as CSV, or zipped when asked with Accept-Encoding: deflate. The token
    endpoint redeems the consent's refresh token (rotating it) and the code of an
    authorization code flow."""

    REFRESH_TOKEN = "rt-consent-0"
    USER_TOKEN = "pc-user-token"
    CONSENT_CODE = "consent-code-1"

    TENANT = "contoso-partner.onmicrosoft.com"
    CLIENT_ID = "11111111-2222-3333-4444-555555555555"
    CLIENT_SECRET = "pc-secret-value-0123456789"

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="billbyte-pc-")
        self.ca_path, server_pem = make_test_ca(self.folder)
        self.reset()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                stand_in._handle(self, "GET")

            def do_POST(self):
                stand_in._handle(self, "POST")

            def do_PATCH(self):
                stand_in._handle(self, "PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A client that timed out has gone: its answer cannot be written (no traceback).
        self.server.handle_error = lambda request, client_address: None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server_pem)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        self.client_secret = self.CLIENT_SECRET
        self.statuses = ["running", "succeeded"]
        self.operation_error = None
        self.blobs = {}
        # path prefix -> list of (status, Retry-After) answered before the real answer
        self.faults = {}
        self.always_fail = set()
        self.blob_failures = set()
        self.requests = []
        self.export_bodies = []
        self.customers = {}
        # Customers created (the POST bodies) and orders placed (tenant, body).
        self.customer_bodies = []
        self.orders = []
        # Subscription status changes: what the PATCH requests carried, as
        # (path, headers, body); a refusal answered instead, as (status, body); a
        # subscription Microsoft keeps suspended whatever it is asked; seconds to
        # wait before answering paths with a prefix (a vendor that times out).
        self.patches = []
        self.patch_refusal = None
        self.keep_suspended = False
        self.slow = {}
        self.sas = "skoid=abc&sktid=def&sv=2021-10-04&se=2026-11-01T00%3A00%3A00Z&sr=d&sp=r&sig=xyz"
        # Price sheets by (market, view, timeline) and exchange rates by month (YYYYMM),
        # as CSV bytes; zipped answers when the client asks with deflate; a 401 the
        # Partner API gives whatever the token (a consent that expired); what the
        # requests asked (path, query, headers).
        self.price_sheets = {}
        self.fx_rates = {}
        self.zip_sheets = False
        self.consent_expired = None
        self.refresh_token = self.REFRESH_TOKEN
        self.refresh_count = 0
        self.sheet_requests = []
        # New-commerce licenses: subscriptions listed page by page (continuation
        # token); writes remembered by MS-RequestId (a request sent again is answered
        # as the first time, not applied twice); the changes applied (customer,
        # subscription, what); the SKUs not available per market (country code);
        # customers that have not accepted the Microsoft Customer Agreement; the
        # subscribed SKUs (licenses assigned in the tenant) per customer.
        self.page_size = 0
        self.answered_requests = {}
        self.applied = []
        self.unavailable = {}
        self.no_agreement = set()
        self.carts = {}
        self.subscribed_skus = {}
        # Seconds to wait before sending the next write answers (applied and
        # remembered first: Microsoft did it, the answer comes too late).
        self.late_answers = []
        self._reset_renewals()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- plumbing ------------------------------------------------------------
    def _send(self, handler, status, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        if raw is None and body is not None:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler, method):  # noqa: C901 (one branch per documented route)
        url = urlparse(handler.path)
        path = url.path
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        self.requests.append((method, path))
        if self._fault(handler, path):
            return None
        tenant = f"/{self.TENANT}"
        if path == f"{tenant}/v2.0/.well-known/openid-configuration":
            return self._send(handler, 200, self._openid_configuration())
        if path == f"{tenant}/oauth2/v2.0/token" and method == "POST":
            return self._token(handler, parse_qs(body.decode()))
        if path.startswith("/blobs/"):
            return self._blob(handler, path, parse_qs(url.query))
        if path.startswith("/v1.0/sales/"):
            return self._sales(handler, path, parse_qs(url.query))
        if handler.headers.get("Authorization") != "Bearer pc-access-token":
            return self._send(
                handler,
                401,
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token is empty.",
                    }
                },
            )
        if path.startswith("/v1.0/reports/partners/billing/") and path.endswith("/export"):
            self.export_bodies.append((path, json.loads(body or b"{}")))
            operation = uuid.uuid4().hex
            self._statuses = list(self.statuses)
            return self._send(
                handler,
                202,
                headers={
                    "Location": f"{self.url}/v1.0/reports/partners/billing/operations/{operation}",
                    "Retry-After": "0",
                },
            )
        if path.startswith("/v1.0/reports/partners/billing/operations/"):
            return self._operation(handler, path.rsplit("/", 1)[1])
        if path.startswith("/v1/products/") and path.endswith("/availabilities"):
            return self._availabilities(handler, path, parse_qs(url.query))
        if path.startswith("/v1/customers/") and path.endswith("/upgrades"):
            return self._upgrades(handler, method, path, body)
        if method == "POST" and path.startswith("/v1/customers"):
            remembered = self._remembered(handler)
            if remembered:
                return self._send(handler, remembered[0], remembered[1])
            return self._create(handler, path, json.loads(body or b"{}"))
        if path == "/v1/customers":
            items = [
                {
                    "id": cid,
                    "companyProfile": {
                        "tenantId": cid,
                        "companyName": c["name"],
                        "domain": c["domain"],
                    },
                    "attributes": {"objectType": "Customer"},
                }
                for cid, c in self.customers.items()
            ]
            return self._send_page(handler, "customers", items)
        parts = path.split("/")
        if len(parts) == 6 and parts[1:3] == ["v1", "customers"] and parts[4] == "subscriptions":
            return self._subscription(handler, method, parts[3], parts[5], body)
        if path.startswith("/v1/customers/") and path.endswith("/subscriptions"):
            cid = path.split("/")[3]
            items = [
                dict(s, attributes={"objectType": "Subscription"})
                for s in self.customers.get(cid, {}).get("subscriptions", [])
            ]
            return self._send_page(handler, f"customers/{cid}/subscriptions", items)
        if path.startswith("/v1/customers/") and path.endswith("/subscribedskus"):
            cid = path.split("/")[3]
            return self._send_collection(handler, list(self.subscribed_skus.get(cid, [])))
        return self._send(handler, 404, {"error": {"code": "NotFound", "message": path}})

    # -- new customers and their orders ------------------------------------------
    def _create(self, handler, path, body):
        parts = path.split("/")
        if path == "/v1/customers":
            return self._create_customer(handler, body)
        if len(parts) == 5 and parts[4] == "orders":
            return self._create_order(handler, parts[3], body)
        if len(parts) == 5 and parts[4] == "carts":
            return self._create_cart(handler, parts[3], body)
        if len(parts) == 7 and parts[4] == "carts" and parts[6] == "checkout":
            return self._checkout(handler, parts[3], parts[5])
        return self._send(handler, 404, {"error": {"code": "NotFound", "message": path}})

    def _create_customer(self, handler, body):
        """POST /v1/customers as Partner Center documents it: a company profile with
        the new tenant's domain, a billing profile with culture, email, language,
        company name and default address (country required)."""
        lower = {key.lower(): value for key, value in body.items()}
        company = {k.lower(): v for k, v in (lower.get("companyprofile") or {}).items()}
        billing = {k.lower(): v for k, v in (lower.get("billingprofile") or {}).items()}
        address = {k.lower(): v for k, v in (billing.get("defaultaddress") or {}).items()}
        self.customer_bodies.append(body)
        missing = [
            name
            for name, value in (
                ("CompanyProfile.Domain", company.get("domain")),
                ("BillingProfile.Email", billing.get("email")),
                ("BillingProfile.CompanyName", billing.get("companyname")),
                ("BillingProfile.Culture", billing.get("culture")),
                ("BillingProfile.Language", billing.get("language")),
                ("BillingProfile.DefaultAddress.Country", address.get("country")),
            )
            if not value
        ]
        if missing:
            return self._send(
                handler,
                400,
                {
                    "code": "600035",
                    "description": f"Missing required fields: {', '.join(missing)}",
                    "source": "PartnerFD",
                },
            )
        domain = company["domain"].lower()
        if any(c["domain"] == domain for c in self.customers.values()):
            return self._send(
                handler,
                409,
                {
                    "code": "600013",
                    "description": f"The domain {domain} is already in use.",
                    "source": "PartnerFD",
                },
            )
        tenant = str(uuid.uuid4())
        self.customers[tenant] = {
            "name": billing["companyname"],
            "domain": domain,
            "subscriptions": [],
        }
        return self._send(
            handler,
            201,
            {
                "id": tenant,
                "commerceId": tenant,
                "companyProfile": {
                    "tenantId": tenant,
                    "domain": domain,
                    "companyName": billing["companyname"],
                },
                "billingProfile": dict(body.get("BillingProfile") or {}),
                "relationshipToPartner": "reseller",
                "userCredentials": {"userName": f"admin@{domain}", "password": "Pa55word!"},
                "attributes": {"objectType": "Customer"},
            },
        )

    def _create_order(self, handler, customer_id, body):
        """POST /v1/customers/{tenant}/orders: each line item becomes a subscription."""
        customer = self.customers.get(customer_id)
        if not customer:
            return self._send(
                handler,
                404,
                {"code": "600008", "description": "Customer not found.", "source": "PartnerFD"},
            )
        lower = {key.lower(): value for key, value in body.items()}
        items = lower.get("lineitems") or []
        if not items:
            return self._send(
                handler, 400, {"code": "900100", "description": "An order needs line items."}
            )
        order_id = uuid.uuid4().hex[:12]
        answered = []
        for number, item in enumerate(items):
            item = {key.lower(): value for key, value in item.items()}
            subscription = self.add_subscription(
                customer_id,
                str(uuid.uuid4()),
                offerId=item.get("offerid"),
                offerName="Azure plan",
                billingType="usage",
                friendlyName=item.get("friendlyname") or "Azure plan",
                quantity=item.get("quantity") or 1,
                orderId=order_id,
            )
            answered.append(
                {
                    "lineItemNumber": item.get("lineitemnumber", number),
                    "offerId": item.get("offerid"),
                    "subscriptionId": subscription["id"],
                    "friendlyName": subscription["friendlyName"],
                    "quantity": subscription["quantity"],
                }
            )
        self.orders.append((customer_id, body))
        return self._send(
            handler,
            201,
            {
                "id": order_id,
                "referenceCustomerId": customer_id,
                "billingCycle": lower.get("billingcycle") or "monthly",
                "lineItems": answered,
                "status": "completed",
                "attributes": {"objectType": "Order"},
            },
        )

    def _fault(self, handler, path):
        """Answer a delay or a failure the test asked for; True if answered."""
        for prefix, seconds in self.slow.items():
            if path.startswith(prefix):
                time.sleep(seconds)
        for prefix in list(self.always_fail):
            if path.startswith(prefix):
                self._send(
                    handler,
                    500,
                    {"error": {"code": "InternalServerError", "message": "Blob read failed"}},
                )
                return True
        for prefix, faults in self.faults.items():
            if path.startswith(prefix) and faults:
                status, retry_after = faults.pop(0)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                self._send(
                    handler,
                    status,
                    {
                        "error": {
                            "code": "TooManyRequests" if status == 429 else "ServiceUnavailable",
                            "message": "Try again later.",
                        }
                    },
                    headers,
                )
                return True
        return False

    # -- one subscription ------------------------------------------------------
    def add_subscription(self, customer_id, subscription_id, status="active", **fields):
        """Serve a subscription of a customer; returns its resource (a dict the tests
        may change, e.g. its status, as Microsoft would)."""
        customer = self.customers.setdefault(
            customer_id,
            {"name": "Contoso Ltd", "domain": "contoso.onmicrosoft.com", "subscriptions": []},
        )
        subscription = self.subscription_resource(customer_id, subscription_id, status, **fields)
        customer["subscriptions"].append(subscription)
        return subscription

    @staticmethod
    def subscription_resource(customer_id, subscription_id, status="active", **fields):
        """A subscription resource as Partner Center returns it (get a subscription by
        id): camel-case properties, an ETag in its attributes."""
        subscription = {
            "id": subscription_id,
            "entitlementId": str(uuid.uuid4()),
            "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0J2FB",
            "offerName": "Microsoft 365 Business Basic",
            "friendlyName": "Microsoft 365 Business Basic",
            "productType": {"id": "OnlineServicesNCE", "displayName": "OnlineServicesNCE"},
            "quantity": 10,
            "unitType": "Licenses",
            "hasPurchasableAddons": False,
            "creationDate": "2026-10-01T10:00:00.000Z",
            "effectiveStartDate": "2026-10-01T00:00:00Z",
            "commitmentEndDate": "2027-09-30T00:00:00Z",
            "status": status,
            "autoRenewEnabled": True,
            "isTrial": False,
            "billingType": "license",
            "billingCycle": "monthly",
            "termDuration": "P1Y",
            "isMicrosoftProduct": True,
            "partnerId": "",
            "contractType": "subscription",
            "orderId": "5a5c8fd5d0b8",
            "links": {
                "self": {
                    "uri": f"/customers/{customer_id}/subscriptions/{subscription_id}",
                    "method": "GET",
                    "headers": [],
                }
            },
            "attributes": {"etag": uuid.uuid4().hex, "objectType": "Subscription"},
        }
        subscription.update(fields)
        return subscription

    def subscription(self, subscription_id):
        for customer in self.customers.values():
            for subscription in customer.get("subscriptions", []):
                if subscription["id"].lower() == subscription_id.lower():
                    return subscription
        return None

    def _subscription(self, handler, method, customer_id, subscription_id, body):
        customer = self.customers.get(customer_id.lower()) or self.customers.get(customer_id)
        subscription = self.subscription(subscription_id) if customer else None
        if subscription not in (customer or {}).get("subscriptions", []):
            return self._send(
                handler,
                404,
                {
                    "code": "20003",
                    "description": f"Subscription with Id {subscription_id} not found.",
                    "data": [],
                    "source": "PartnerFD",
                },
            )
        if method == "GET":
            return self._send(handler, 200, subscription)
        if method != "PATCH":
            return self._send(handler, 405, {"code": "405", "description": "Method not allowed"})
        headers = {key.lower(): value for key, value in handler.headers.items()}
        patch = json.loads(body or b"{}")
        self.patches.append((handler.path, headers, patch))
        remembered = self._remembered(handler)
        if remembered:
            return self._send(handler, remembered[0], remembered[1])
        if self.patch_refusal:
            status, error = self.patch_refusal
            return self._send(handler, status, error)
        if headers.get("if-match") not in (None, subscription["attributes"]["etag"]):
            return self._send(
                handler,
                412,
                {"code": "412", "description": "The ETag does not match.", "source": "PartnerFD"},
            )
        missing = [key for key in ("id", "offerId", "quantity", "status") if key not in patch]
        if missing or patch.get("status") not in ("active", "suspended", "deleted"):
            return self._send(
                handler,
                400,
                {
                    "code": "400",
                    "description": "A full Subscription resource with a valid status is "
                    f"required (missing: {', '.join(missing) or 'none'}).",
                    "source": "PartnerFD",
                },
            )
        refusal = self._new_commerce_refusal(subscription, patch)
        if refusal:
            return self._answer_once(handler, 400, refusal)
        status = patch["status"]
        if self.keep_suspended and status == "active":
            status = "suspended"
        self._apply(customer_id, subscription, patch, status)
        subscription["status"] = status
        subscription["attributes"]["etag"] = uuid.uuid4().hex
        return self._answer_once(handler, 200, subscription)

    # -- new commerce: pages, writes sent once, carts, window ------------------------
    def _send_page(self, handler, uri, items):
        """A collection page by page when page_size is set: the next page is asked with
        the continuation token in the MS-ContinuationToken header (links.next)."""
        if not self.page_size:
            return self._send_collection(handler, items)
        start = int(handler.headers.get("MS-ContinuationToken") or 0)
        page = items[start : start + self.page_size]
        links = {}
        if start + self.page_size < len(items):
            links["next"] = {
                "uri": f"/{uri}?size={self.page_size}",
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": str(start + self.page_size)}],
            }
        return self._send(
            handler,
            200,
            {
                "totalCount": len(page),
                "items": page,
                "links": links,
                "continuationToken": links and str(start + self.page_size) or None,
                "attributes": {"objectType": "Collection"},
            },
        )

    def _remembered(self, handler):
        """The answer already given to this MS-RequestId, if any."""
        request_id = handler.headers.get("MS-RequestId")
        return self.answered_requests.get(request_id) if request_id else None

    def _answer_once(self, handler, status, body):
        request_id = handler.headers.get("MS-RequestId")
        if request_id:
            self.answered_requests[request_id] = (status, json.loads(json.dumps(body)))
        correlation = handler.headers.get("MS-CorrelationId") or str(uuid.uuid4())
        if self.late_answers:
            time.sleep(self.late_answers.pop(0))
        return self._send(handler, status, body, {"MS-CorrelationId": correlation})

    @staticmethod
    def _today():
        return time.strftime("%Y-%m-%d", time.gmtime())

    def _new_commerce_refusal(self, subscription, patch):
        """Microsoft's refusal of a decrease or cancellation after the cancellation
        window (cancellationAllowedUntilDate), or None."""
        until = (subscription.get("cancellationAllowedUntilDate") or "")[:10]
        decrease = int(patch.get("quantity") or 0) < int(subscription.get("quantity") or 0)
        cancel = patch.get("status") == "deleted" and subscription.get("status") != "deleted"
        if (decrease or cancel) and until and until < self._today():
            return {
                "code": 800076,
                "description": "The subscription can only be cancelled or have its quantity "
                f"reduced within the cancellation window, which ended on {until}.",
                "source": "PartnerFD",
            }
        return None

    def _apply(self, customer_id, subscription, patch, status):
        quantity = int(patch.get("quantity") or 0)
        if quantity != subscription.get("quantity"):
            self.applied.append((customer_id, subscription["id"], "quantity", quantity))
            if quantity > int(subscription.get("quantity") or 0):
                # Each added batch of seats has its own 7-day window.
                subscription["cancellationAllowedUntilDate"] = time.strftime(
                    "%Y-%m-%dT00:00:00Z", time.gmtime(time.time() + 7 * 86400)
                )
            subscription["quantity"] = quantity
        if status != subscription.get("status"):
            self.applied.append((customer_id, subscription["id"], "status", status))
        if "autoRenewEnabled" in patch and patch["autoRenewEnabled"] != subscription.get(
            "autoRenewEnabled"
        ):
            self.applied.append(
                (customer_id, subscription["id"], "autoRenewEnabled", patch["autoRenewEnabled"])
            )
            subscription["autoRenewEnabled"] = patch["autoRenewEnabled"]
        if patch.get("scheduledNextTermInstructions") != subscription.get(
            "scheduledNextTermInstructions"
        ):
            self.applied.append(
                (
                    customer_id,
                    subscription["id"],
                    "scheduledNextTermInstructions",
                    patch.get("scheduledNextTermInstructions"),
                )
            )
            subscription["scheduledNextTermInstructions"] = patch.get(
                "scheduledNextTermInstructions"
            )

    def _availabilities(self, handler, path, query):
        """GET /v1/products/{product}/skus/{sku}/availabilities?country=XX: none when
        the SKU is not sold in that market."""
        parts = path.split("/")
        product, sku = parts[3], parts[5]
        country = (query.get("country") or ["US"])[0].upper()
        if f"{product}:{sku}" in self.unavailable.get(country, set()):
            items = []
        else:
            items = [
                {
                    "id": "CFQ7TTC0J2FB",
                    "productId": product,
                    "skuId": sku,
                    "catalogItemId": f"{product}:{sku}:CFQ7TTC0J2FB",
                    "country": country,
                    "terms": [
                        {"duration": "P1M", "billingCycle": "monthly"},
                        {"duration": "P1Y", "billingCycle": "annual"},
                        {"duration": "P1Y", "billingCycle": "monthly"},
                    ],
                }
            ]
        return self._send_collection(handler, items)

    def _create_cart(self, handler, customer_id, body):
        """POST /v1/customers/{tenant}/carts: line items of catalog items."""
        if customer_id not in self.customers:
            return self._answer_once(
                handler, 404, {"code": "600008", "description": "Customer not found."}
            )
        lower = {key.lower(): value for key, value in body.items()}
        items = [{k.lower(): v for k, v in item.items()} for item in lower.get("lineitems") or []]
        if not items:
            return self._answer_once(
                handler, 400, {"code": "900100", "description": "A cart needs line items."}
            )
        cart_id = str(uuid.uuid4())
        self.carts[cart_id] = (customer_id, items)
        return self._answer_once(
            handler,
            201,
            {
                "id": cart_id,
                "lineItems": [
                    {
                        "id": number,
                        "catalogItemId": item.get("catalogitemid"),
                        "quantity": item.get("quantity"),
                        "billingCycle": item.get("billingcycle"),
                        "termDuration": item.get("termduration"),
                    }
                    for number, item in enumerate(items)
                ],
                "status": "Active",
                "attributes": {"objectType": "Cart"},
            },
        )

    def _checkout(self, handler, customer_id, cart_id):
        """POST .../carts/{cart}/checkout: an order per cart, or the order errors."""
        customer_id_cart, items = self.carts.get(cart_id, (None, []))
        if customer_id_cart != customer_id:
            return self._answer_once(
                handler, 404, {"code": "800001", "description": "Cart not found."}
            )
        if customer_id in self.no_agreement:
            return self._answer_once(
                handler,
                200,
                {
                    "orders": [],
                    "orderErrors": [
                        {
                            "orderGroupId": "0",
                            "code": 800037,
                            "description": "The customer has not accepted the Microsoft "
                            "Customer Agreement.",
                        }
                    ],
                    "attributes": {"objectType": "CartCheckoutResult"},
                },
            )
        order_id = uuid.uuid4().hex[:12]
        line_items = []
        now = time.time()
        for number, item in enumerate(items):
            product, sku = (item.get("catalogitemid") or "::").split(":")[:2]
            term = item.get("termduration") or "P1M"
            months = {"P1M": 1, "P1Y": 12, "P3Y": 36}.get(term, 1)
            start = time.strftime("%Y-%m-%d", time.gmtime(now))
            year, month, day = (int(x) for x in start.split("-"))
            month += months
            year += (month - 1) // 12
            month = (month - 1) % 12 + 1
            end = f"{year:04d}-{month:02d}-{min(day, 28):02d}"
            subscription = self.add_subscription(
                customer_id,
                str(uuid.uuid4()),
                offerId=f"{product}:{sku}",
                offerName=item.get("friendlyname") or f"{product}:{sku}",
                friendlyName=item.get("friendlyname") or f"{product}:{sku}",
                quantity=int(item.get("quantity") or 1),
                termDuration=term,
                billingCycle=item.get("billingcycle") or "monthly",
                creationDate=f"{start}T10:00:00Z",
                effectiveStartDate=f"{start}T00:00:00Z",
                commitmentEndDate=f"{end}T00:00:00Z",
                cancellationAllowedUntilDate=time.strftime(
                    "%Y-%m-%dT00:00:00Z", time.gmtime(now + 7 * 86400)
                ),
                orderId=order_id,
            )
            self.applied.append(
                (customer_id, subscription["id"], "order", subscription["quantity"])
            )
            line_items.append(
                {
                    "lineItemNumber": number,
                    "offerId": item.get("catalogitemid"),
                    "subscriptionId": subscription["id"],
                    "termDuration": term,
                    "quantity": subscription["quantity"],
                }
            )
        self.carts.pop(cart_id, None)
        return self._answer_once(
            handler,
            200,
            {
                "orders": [
                    {
                        "id": order_id,
                        "referenceCustomerId": customer_id,
                        "lineItems": line_items,
                        "status": "completed",
                        "attributes": {"objectType": "Order"},
                    }
                ],
                "orderErrors": [],
                "attributes": {"objectType": "CartCheckoutResult"},
            },
        )

    def _send_collection(self, handler, items):
        """A Partner Center collection answer."""
        return self._send(
            handler,
            200,
            {
                "totalCount": len(items),
                "items": items,
                "links": {},
                "attributes": {"objectType": "Collection"},
            },
        )

    def _openid_configuration(self):
        base = f"{self.url}/{self.TENANT}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid"],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }

    # -- price sheets and exchange rates (Partner API, app + user) ---------------
    def _sales(self, handler, path, query):
        self.sheet_requests.append((path, query, dict(handler.headers.items())))
        if handler.headers.get("Authorization") != f"Bearer {self.USER_TOKEN}":
            return self._send(
                handler,
                401,
                {
                    "error": {
                        "code": "Unauthorized",
                        "message": "This API supports application + user authentication only.",
                    }
                },
            )
        if self.consent_expired:
            return self._send(
                handler, 401, {"error": {"code": "Unauthorized", "message": self.consent_expired}}
            )
        sheet = PRICE_SHEET_PATH.match(path)
        rates = FX_RATES_PATH.match(path)
        if sheet:
            timeline = (query.get("timeline") or ["current"])[0]
            body = self.price_sheets.get((sheet["market"], sheet["view"], timeline))
            name = "pricesheet.csv"
        elif rates:
            body = self.fx_rates.get(rates["month"])
            name = "fxrates.csv"
        else:
            body = None
        if body is None:
            return self._send(
                handler, 404, {"error": {"code": "NotFound", "message": f"No data for {path}"}}
            )
        if self.zip_sheets and "deflate" in (handler.headers.get("Accept-Encoding") or ""):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(name, body)
            body = buffer.getvalue()
        return self._send(
            handler,
            200,
            raw=body,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f"attachment; filename={name}",
            },
        )

    def _token(self, handler, form):
        grant = (form.get("grant_type") or [""])[0]
        if grant in ("refresh_token", "authorization_code"):
            return self._user_token(handler, form, grant)
        client_id = (form.get("client_id") or [""])[0]
        secret = (form.get("client_secret") or [""])[0]
        assertion = (form.get("client_assertion") or [""])[0]
        if client_id != self.CLIENT_ID:
            return self._send(
                handler,
                400,
                {
                    "error": "unauthorized_client",
                    "error_description": f"AADSTS700016: Application with identifier '{client_id}' was "
                    f"not found in the directory '{self.TENANT}'.",
                    "error_codes": [700016],
                },
            )
        if not assertion and secret != self.client_secret:
            return self._send(
                handler,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the "
                    "secret being sent in the request is the client secret value, not the client "
                    "secret ID, for a secret added to app '" + self.CLIENT_ID + "'.",
                    "error_codes": [7000215],
                    "timestamp": "2026-10-03 12:00:00Z",
                    "trace_id": str(uuid.uuid4()),
                    "correlation_id": str(uuid.uuid4()),
                },
            )
        self.last_assertion = assertion
        return self._send(
            handler,
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": "pc-access-token",
            },
        )

    def _user_token(self, handler, form, grant):
        """Tokens of the app and the user who consented: for the consent's refresh
        token (rotated on every use) or an authorization code."""
        secret = (form.get("client_secret") or [""])[0]
        if secret != self.client_secret:
            return self._send(
                handler,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        if grant == "refresh_token":
            given = (form.get("refresh_token") or [""])[0]
            if given != self.refresh_token:
                return self._send(
                    handler,
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "AADSTS700082: The refresh token has expired due "
                        "to inactivity. The token was issued on 2026-01-05 and was inactive for "
                        "90.00:00:00.",
                        "error_codes": [700082],
                    },
                )
        elif (form.get("code") or [""])[0] != self.CONSENT_CODE:
            return self._send(
                handler,
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70000: The code is invalid.",
                },
            )
        self.refresh_count += 1
        self.refresh_token = f"rt-consent-{self.refresh_count}"
        return self._send(
            handler,
            200,
            {
                "token_type": "Bearer",
                "scope": (form.get("scope") or [""])[0],
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": self.USER_TOKEN,
                "refresh_token": self.refresh_token,
            },
        )

    def _operation(self, handler, operation):
        status = self._statuses.pop(0) if len(self._statuses) > 1 else self._statuses[0]
        body = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#reports/partners/"
            "billing/operations/$entity",
            "id": operation,
            "createdDateTime": "2026-10-03T12:00:00Z",
            "lastActionDateTime": "2026-10-03T12:00:05Z",
            "status": status,
        }
        if status == "succeeded":
            body["@odata.type"] = "#microsoft.graph.partners.billing.exportSuccessOperation"
            body["resourceLocation"] = {
                "id": uuid.uuid4().hex,
                "createdDateTime": "2026-10-03T12:00:05Z",
                "schemaVersion": "2",
                "dataFormat": "compressedJSON",
                "partitionType": "default",
                "eTag": "RwzsVZgPZA3mnBnbSWmtCvpl6MPFmvUDePsUdPDGAbY=",
                "partnerTenantId": "2b5cbc57-a4b0-4a5b-bbb3-3cb1b2a4fe57",
                "rootDirectory": f"{self.url}/blobs/{operation}",
                "sasToken": self.sas,
                "blobCount": len(self.blobs),
                "blobs": [{"name": name, "partitionValue": "default"} for name in self.blobs],
            }
        elif status == "failed":
            body["@odata.type"] = "#microsoft.graph.partners.billing.failedOperation"
            body["error"] = self.operation_error or {"code": "ExportFailed", "message": "failed"}
        else:
            body["@odata.type"] = "#microsoft.graph.partners.billing.runningOperation"
        return self._send(handler, 200, body, {"Retry-After": "0"})

    def _blob(self, handler, path, query):
        name = path.split("/", 3)[3]
        if query.get("sig") != ["xyz"]:
            return self._send(handler, 403, raw=b"<Error><Code>AuthenticationFailed</Code></Error>")
        if name in self.blob_failures:
            return self._send(handler, 500, raw=b"<Error><Code>InternalError</Code></Error>")
        if name not in self.blobs:
            return self._send(handler, 404, raw=b"<Error><Code>BlobNotFound</Code></Error>")
        return self._send(
            handler, 200, raw=self.blobs[name], headers={"Content-Type": "application/octet-stream"}
        )

    # -- renewals and upgrades (issue 20, item 4) ------------------------------------
    # Kept together to ease merging: the upgrades of a subscription as Partner Center
    # documents them (GET / POST /v1/customers/{id}/subscriptions/{id}/upgrades).
    def _reset_renewals(self):
        # subscription id -> [(target offer id, name, eligible, reason if not)]
        self.upgrade_targets = {}
        self.upgrade_bodies = []

    def _upgrades(self, handler, method, path, body):
        parts = path.split("/")
        customer_id, subscription_id = parts[3], parts[5]
        source = self.subscription(subscription_id)
        if source is None or source not in self.customers.get(customer_id, {}).get(
            "subscriptions", []
        ):
            return self._send(
                handler,
                404,
                {
                    "code": "20003",
                    "description": f"Subscription with Id {subscription_id} not found.",
                    "source": "PartnerFD",
                },
            )
        targets = self.upgrade_targets.get(source["id"], [])
        if method == "GET":
            items = [
                {
                    "targetOffer": {"id": offer, "name": name},
                    "upgradeType": "upgrade_only",
                    "isEligible": eligible,
                    "quantity": source["quantity"],
                    "upgradeErrors": [] if eligible else [{"code": "other", "description": reason}],
                    "attributes": {"objectType": "Upgrade"},
                }
                for offer, name, eligible, reason in targets
            ]
            return self._send_collection(handler, items)
        if method != "POST":
            return self._send(handler, 405, {"code": "405", "description": "Method not allowed"})
        remembered = self._remembered(handler)
        if remembered:
            return self._send(handler, remembered[0], remembered[1])
        request = json.loads(body or b"{}")
        self.upgrade_bodies.append(request)
        offer = (request.get("targetOffer") or {}).get("id")
        target = next((t for t in targets if t[0] == offer), None)
        if target is None or not target[2]:
            reason = target[3] if target else f"{offer} is not an upgrade of this subscription."
            return self._answer_once(
                handler,
                400,
                {
                    "code": 800035,
                    "description": f"Upgrade not allowed: {reason}",
                    "source": "PartnerFD",
                },
            )
        new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{source['id']}:{offer}"))
        fields = {
            key: source[key]
            for key in (
                "quantity",
                "termDuration",
                "billingCycle",
                "commitmentEndDate",
                "autoRenewEnabled",
                "effectiveStartDate",
            )
        }
        self.add_subscription(
            customer_id,
            new_id,
            offerId=":".join([offer] + source["offerId"].split(":")[2:]),
            offerName=target[1],
            friendlyName=target[1],
            **fields,
        )
        source["status"] = "deleted"
        source["attributes"]["etag"] = uuid.uuid4().hex
        self.applied.append((customer_id, source["id"], "upgrade", offer))
        return self._answer_once(
            handler,
            200,
            {
                "sourceSubscriptionId": source["id"],
                "targetSubscriptionId": new_id,
                "upgradeType": "upgrade_only",
                "upgradeErrors": [],
                "licenseErrors": [],
                "attributes": {"objectType": "UpgradeResult"},
            },
        )
