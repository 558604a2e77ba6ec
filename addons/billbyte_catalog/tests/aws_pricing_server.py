# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A stand-in for the AWS Price List Query API on 127.0.0.1, for tests.

It speaks the API's JSON 1.1 protocol (POST /, X-Amz-Target:
AWSPriceListService.GetProducts) and answers GetProducts with the pages it
was given, shaped as AWS documents them: FormatVersion, PriceList (each entry
a JSON *string* holding product, serviceCode, terms, version and
publicationDate) and NextToken while pages remain.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def price_list_item(sku, usage_type, price, service_code="AmazonEC2", unit="Hrs", reserved_only=False,
                    currency="USD", region_code="us-east-1"):  # fmt: skip
    """One GetProducts PriceList entry (format aws_v1) for an on-demand product."""
    term_code = "JRTCKXETXF"
    rate_code = f"{sku}.{term_code}.6YS6EN2CT7"
    on_demand = {
        f"{sku}.{term_code}": {
            "priceDimensions": {
                rate_code: {
                    "unit": unit,
                    "endRange": "Inf",
                    "description": f"${price} per On Demand Linux {usage_type} Instance Hour",
                    "appliesTo": [],
                    "rateCode": rate_code,
                    "beginRange": "0",
                    "pricePerUnit": {currency: price},
                }
            },
            "sku": sku,
            "effectiveDate": "2026-07-01T00:00:00Z",
            "offerTermCode": term_code,
            "termAttributes": {},
        }
    }
    reserved = {
        f"{sku}.4NA7Y494T4": {
            "priceDimensions": {
                f"{sku}.4NA7Y494T4.6YS6EN2CT7": {
                    "unit": unit,
                    "endRange": "Inf",
                    "description": "Linux/UNIX (Amazon VPC), reserved instance hourly fee",
                    "appliesTo": [],
                    "rateCode": f"{sku}.4NA7Y494T4.6YS6EN2CT7",
                    "beginRange": "0",
                    "pricePerUnit": {currency: "0.0600000000"},
                }
            },
            "sku": sku,
            "effectiveDate": "2026-07-01T00:00:00Z",
            "offerTermCode": "4NA7Y494T4",
            "termAttributes": {
                "LeaseContractLength": "1yr",
                "OfferingClass": "standard",
                "PurchaseOption": "No Upfront",
            },
        }
    }
    terms = (
        {"Reserved": reserved} if reserved_only else {"OnDemand": on_demand, "Reserved": reserved}
    )
    return json.dumps(
        {
            "product": {
                "productFamily": "Compute Instance",
                "attributes": {
                    "servicecode": service_code,
                    "usagetype": usage_type,
                    "operation": "RunInstances",
                    "location": "US East (N. Virginia)",
                    "locationType": "AWS Region",
                    "regionCode": region_code,
                    "instanceType": usage_type.split(":")[-1],
                    "servicename": "Amazon Elastic Compute Cloud",
                },
                "sku": sku,
            },
            "serviceCode": service_code,
            "terms": terms,
            "version": "20260701000000",
            "publicationDate": "2026-07-01T00:00:00Z",
        }
    )


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        self.server.calls.append({"target": target, "body": body, "headers": dict(self.headers)})
        if target != "AWSPriceListService.GetProducts":
            return self._reply(
                400, {"__type": "InvalidParameterException", "Message": f"Unknown {target}"}
            )
        if self.server.fail_with:
            status, error_type, message = self.server.fail_with
            return self._reply(status, {"__type": error_type, "Message": message})
        pages = self.server.pages.get(body.get("ServiceCode"))
        if pages is None:
            return self._reply(
                400,
                {"__type": "InvalidParameterException", "Message": "Input parameters are invalid."},
            )
        index = int(body.get("NextToken") or 0)
        if self.server.fail_from_page is not None and index >= self.server.fail_from_page:
            return self._reply(
                400,
                {"__type": "ExpiredNextTokenException", "Message": "The pagination token expired."},
            )
        response = {"FormatVersion": "aws_v1", "PriceList": pages[index]}
        if index + 1 < len(pages):
            response["NextToken"] = str(index + 1)
        return self._reply(200, response)

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return


class AwsPricingServer:
    """Start with pages per service code: {"AmazonEC2": [[item, item], [item]]}."""

    def __init__(self, pages=None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.pages = pages or {}
        self.httpd.calls = []
        self.httpd.fail_with = None
        self.httpd.fail_from_page = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def calls(self):
        return self.httpd.calls

    def set_pages(self, pages):
        self.httpd.pages = pages

    def fail(self, status, error_type, message):
        self.httpd.fail_with = (status, error_type, message)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
