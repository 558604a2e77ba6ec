# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A stand-in for the Azure Retail Prices API (GET /api/retail/prices) on 127.0.0.1.

Pages are answered as Azure documents them: BillingCurrency,
CustomerEntityId, CustomerEntityType, Items, NextPageLink (an absolute URL
with $skip, or null on the last page) and Count.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


def retail_price_item(meter_id, product_name, meter_name, price, unit="1 Hour", price_type="Consumption",
                      tier=0.0, currency="USD", location="EU West"):  # fmt: skip
    return {
        "currencyCode": currency,
        "tierMinimumUnits": tier,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": "westeurope",
        "location": location,
        "effectiveStartDate": "2026-07-01T00:00:00Z",
        "meterId": meter_id,
        "meterName": meter_name,
        "productId": "DZH318Z0BQ4L",
        "skuId": "DZH318Z0BQ4L/00H7",
        "availabilityId": None,
        "productName": product_name,
        "skuName": meter_name,
        "serviceName": product_name.split(" ")[0] == "Virtual" and "Virtual Machines" or "Storage",
        "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute",
        "unitOfMeasure": unit,
        "type": price_type,
        "isPrimaryMeterRegion": True,
        "armSkuName": "Standard_D2s_v5",
    }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.server.calls.append({"path": url.path, "query": query})
        if self.server.fail_status:
            return self._reply(
                self.server.fail_status, {"Error": {"Message": "Service unavailable"}}
            )
        skip = int(query.get("$skip", 0))
        pages = self.server.pages
        index = skip // 100
        next_link = None
        if index + 1 < len(pages):
            next_query = dict(query, **{"$skip": str(skip + 100)})
            host, port = self.server.server_address[:2]
            next_link = f"http://{host}:{port}{url.path}?{urlencode(next_query)}"
        return self._reply(
            200,
            {
                "BillingCurrency": query.get("currencyCode", "USD"),
                "CustomerEntityId": "Default",
                "CustomerEntityType": "Retail",
                "Items": pages[index] if index < len(pages) else [],
                "NextPageLink": next_link,
                "Count": len(pages[index]) if index < len(pages) else 0,
            },
        )

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return


class AzurePricesServer:
    def __init__(self, pages=None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.pages = pages or []
        self.httpd.calls = []
        self.httpd.fail_status = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/retail/prices"

    @property
    def calls(self):
        return self.httpd.calls

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
