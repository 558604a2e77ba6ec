# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A stand-in for Google Cloud's Billing Catalog API (cloudbilling.googleapis.com/v1)
on 127.0.0.1: services.list and services.skus.list, paged with pageToken and
nextPageToken, authenticated by an API key (?key=) or a service account's OAuth
token (the token endpoint of the key file, JWT bearer grant), answering errors as
Google's APIs do ({"error": {"code", "message", "status"}})."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API_KEY = "AIzaSyD-test-key-0123456789"
SA_TOKEN = "ya29.service-account-token"


def money(units, nanos, currency="EUR"):
    return {"currencyCode": currency, "units": str(units), "nanos": nanos}


def gcp_sku(sku_id, description, service, unit, unit_description, tiers,
            effective="2026-11-01T08:00:00.000Z"):  # fmt: skip
    """A SKU as services.skus.list answers it; tiers: [(start amount, Money)]."""
    return {
        "name": f"services/6F81-5844-456A/skus/{sku_id}",
        "skuId": sku_id,
        "description": description,
        "category": {
            "serviceDisplayName": service,
            "resourceFamily": "Compute",
            "resourceGroup": "N1Standard",
            "usageType": "OnDemand",
        },
        "serviceRegions": ["europe-west1"],
        "pricingInfo": [
            {
                "summary": "",
                "pricingExpression": {
                    "usageUnit": unit,
                    "usageUnitDescription": unit_description,
                    "baseUnit": "s",
                    "baseUnitDescription": "second",
                    "baseUnitConversionFactor": 3600,
                    "displayQuantity": 1,
                    "tieredRates": [
                        {"startUsageAmount": start, "unitPrice": price} for start, price in tiers
                    ],
                },
                "aggregationInfo": {
                    "aggregationLevel": "ACCOUNT",
                    "aggregationInterval": "MONTHLY",
                    "aggregationCount": 1,
                },
                "currencyConversionRate": 0.9177,
                "effectiveTime": effective,
            }
        ],
        "serviceProviderName": "Google",
        "geoTaxonomy": {"type": "REGIONAL", "regions": ["europe-west1"]},
    }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        server.calls.append({"path": url.path, "query": query, "headers": dict(self.headers)})
        if server.fail:
            status, message, google_status = server.fail
            return self._reply(
                status, {"error": {"code": status, "message": message, "status": google_status}}
            )
        if (
            query.get("key") != API_KEY
            and self.headers.get("Authorization") != f"Bearer {SA_TOKEN}"
        ):
            return self._reply(
                403,
                {
                    "error": {
                        "code": 403,
                        "message": "API key not valid. Please pass a valid API key.",
                        "status": "PERMISSION_DENIED",
                    }
                },
            )
        if url.path == "/v1/services":
            pages = server.service_pages
            key = "services"
        elif url.path.startswith("/v1/services/") and url.path.endswith("/skus"):
            pages = server.sku_pages.get(url.path.split("/")[3], [])
            key = "skus"
        else:
            return self._reply(
                404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}
            )
        index = int(query.get("pageToken") or 0)
        body = {key: pages[index] if index < len(pages) else []}
        if index + 1 < len(pages):
            body["nextPageToken"] = str(index + 1)
        return self._reply(200, body)

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        server.token_requests.append(form)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return self._reply(400, {"error": "unsupported_grant_type"})
        return self._reply(
            200, {"access_token": SA_TOKEN, "expires_in": 3599, "token_type": "Bearer"}
        )

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return


class GcpCatalogServer:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.service_pages = []
        self.httpd.sku_pages = {}
        self.httpd.calls = []
        self.httpd.token_requests = []
        self.httpd.fail = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
