# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CatalogCommon
from .gcp_catalog_server import API_KEY, SA_TOKEN, GcpCatalogServer, gcp_sku, money

COMPUTE = {
    "name": "services/6F81-5844-456A",
    "serviceId": "6F81-5844-456A",
    "displayName": "Compute Engine",
    "businessEntityName": "businessEntities/GCP",
}
NETWORK = {
    "name": "services/E505-1604-58F8",
    "serviceId": "E505-1604-58F8",
    "displayName": "Networking",
    "businessEntityName": "businessEntities/GCP",
}


@tagged("post_install", "-at_install")
class TestGcpCatalogApi(CatalogCommon):
    """Google Cloud's Billing Catalog API through requests (and google-auth for a
    service account) against a stand-in on 127.0.0.1: paged services and SKUs,
    prices as units + nanos combined exactly, the first tier of a tiered price."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = GcpCatalogServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.gcp = cls.env.ref("billbyte_catalog.vendor_gcp")
        cls.gcp.write(
            {
                "gcp_catalog_services": "Compute Engine, E505-1604-58F8",
                "gcp_catalog_currency": "EUR",
                "gcp_catalog_api_key": API_KEY,
                "gcp_catalog_url": cls.server.url,
                "price_sync_enabled": True,
            }
        )

    def setUp(self):
        super().setUp()
        httpd = self.server.httpd
        httpd.calls.clear()
        httpd.fail = None
        httpd.service_pages = [[NETWORK], [COMPUTE]]
        httpd.sku_pages = {
            "6F81-5844-456A": [
                [
                    gcp_sku(
                        "0013-863C-A2FF",
                        "N1 Predefined Instance Core running in Belgium",
                        "Compute Engine",
                        "h",
                        "hour",
                        [(0, money(0, 34773000))],
                    ),
                    gcp_sku(
                        "0D5D-6E23-4250",
                        "N2 Custom Instance Ram running in Belgium",
                        "Compute Engine",
                        "GiBy.h",
                        "gibibyte hour",
                        [(0, money(1, 234567891))],
                    ),
                ],
                [
                    # Bad: nanos beyond a billionth, units and nanos of opposite signs,
                    # a currency Odoo does not know; a SKU without a price.
                    gcp_sku(
                        "BAD0-NANO-0001",
                        "Bad nanos",
                        "Compute Engine",
                        "h",
                        "hour",
                        [(0, money(0, 1500000000))],
                    ),  # fmt: skip
                    gcp_sku(
                        "BAD0-SIGN-0002",
                        "Bad signs",
                        "Compute Engine",
                        "h",
                        "hour",
                        [(0, money(1, -5))],
                    ),  # fmt: skip
                    gcp_sku(
                        "BAD0-CURR-0003",
                        "Bad currency",
                        "Compute Engine",
                        "h",
                        "hour",
                        [(0, money(0, 5, currency="XQQ"))],
                    ),  # fmt: skip
                    gcp_sku("FREE-0000-0004", "No price", "Compute Engine", "h", "hour", []),
                ],
            ],
            "E505-1604-58F8": [
                [
                    gcp_sku(
                        "9DE9-9092-B3BC",
                        "Network Internet Egress from Belgium to Americas",
                        "Networking",
                        "GiBy",
                        "gibibyte",
                        # Tiered: the first tier's price is the catalog's.
                        [(1024, money(0, 110000000)), (0, money(0, 120000000))],
                    )
                ]
            ],
        }

    def _product(self, sku):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search([("billbyte_vendor_id", "=", self.gcp.id), ("billbyte_sku_id", "=", sku)])
        )

    def _stored_cost(self, template):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT billbyte_vendor_cost::text FROM product_template WHERE id = %s", [template.id]
        )
        return self.env.cr.fetchone()[0]

    def test_services_and_skus_into_catalog(self):
        runs = self.gcp._billbyte_sync_prices(source="sync")
        self.assertEqual(runs.mapped("file_name"), ["Compute Engine", "E505-1604-58F8"])
        self.assertEqual(set(runs.mapped("state")), {"done"})
        compute, network = runs
        self.assertEqual(
            (
                compute.line_count,
                compute.created_count,
                compute.skipped_count,
                compute.rejected_count,
            ),
            (6, 2, 1, 3),
        )
        reasons = {r.sku: r.reason for r in compute.rejection_ids}
        self.assertEqual(
            reasons["BAD0-NANO-0001"],
            "unit price: nanos 1500000000 is out of range (-999,999,999 to 999,999,999)",
        )
        self.assertEqual(
            reasons["BAD0-SIGN-0002"], "unit price: units 1 and nanos -5 have different signs"
        )
        self.assertEqual(reasons["BAD0-CURR-0003"], "unknown currency 'XQQ'")
        core = self._product("0013-863C-A2FF")
        self.assertEqual(core.name, "N1 Predefined Instance Core running in Belgium")
        self.assertEqual(
            (core.billbyte_service_name, core.billbyte_vendor_unit, core.billbyte_offer_type),
            ("Compute Engine", "h", "metered"),
        )
        self.assertEqual(core.uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(core.billbyte_vendor_currency_id, self.eur)
        # units + nanos, exactly: 0 + 34,773,000 / 10^9 and 1 + 234,567,891 / 10^9.
        self.assertEqual(self._stored_cost(core), "0.034773")
        self.assertEqual(self._stored_cost(self._product("0D5D-6E23-4250")), "1.234567891")
        egress = self._product("9DE9-9092-B3BC")
        self.assertEqual(self._stored_cost(egress), "0.12")
        self.assertEqual(network.sheet_key, "gcp:E505-1604-58F8")
        # Real requests: the currency, pages followed by their token, the API key.
        sku_calls = [c for c in self.server.httpd.calls if c["path"].endswith("/skus")]
        self.assertEqual(sku_calls[0]["path"], "/v1/services/6F81-5844-456A/skus")
        self.assertEqual(sku_calls[0]["query"]["currencyCode"], "EUR")
        self.assertEqual(sku_calls[0]["query"]["key"], API_KEY)
        self.assertEqual(sku_calls[1]["query"]["pageToken"], "1")

    def test_unchanged_then_changed_then_retired(self):
        self.gcp._billbyte_sync_prices(source="sync")
        again = self.gcp._billbyte_sync_prices(source="sync")
        self.assertEqual(sum(again.mapped("created_count") + again.mapped("updated_count")), 0)
        pages = self.server.httpd.sku_pages["6F81-5844-456A"]
        pages[0][0]["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"] = money(
            0, 36000000
        )
        del pages[0][1]
        runs = self.gcp._billbyte_sync_prices(source="sync")
        self.assertEqual((runs[0].updated_count, runs[0].retired_count), (1, 1))
        self.assertEqual(self._product("0013-863C-A2FF").billbyte_vendor_cost, 0.036)
        self.assertFalse(self._product("0D5D-6E23-4250").active)

    def test_service_account_signs_in_with_google_auth(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.gcp.write(
            {
                "gcp_catalog_api_key": False,
                "gcp_catalog_service_account": json.dumps(
                    {
                        "type": "service_account",
                        "project_id": "billbyte-test",
                        "private_key_id": "0123456789abcdef",
                        "private_key": pem,
                        "client_email": "prices@billbyte-test.iam.gserviceaccount.com",
                        "client_id": "1234567890",
                        "token_uri": f"{self.server.url}/token",
                    }
                ),
            }
        )
        runs = self.gcp._billbyte_sync_prices(source="sync")
        self.assertEqual(set(runs.mapped("state")), {"done"})
        assertion = self.server.httpd.token_requests[0]["assertion"][0]
        self.assertEqual(assertion.count("."), 2, "a signed JWT")
        self.assertEqual(
            self.server.httpd.calls[0]["headers"]["Authorization"], f"Bearer {SA_TOKEN}"
        )

    def test_refused_key_lands_nothing(self):
        self.server.httpd.fail = (
            403,
            "API key not valid. Please pass a valid API key.",
            "PERMISSION_DENIED",
        )
        catalog = self.env["product.template"].search_count([])
        with self.assertLogs("odoo.addons.billbyte_catalog.models.price_import", "WARNING"):
            runs = self.gcp._billbyte_sync_prices(source="sync")
        self.assertEqual(set(runs.mapped("state")), {"failed"})
        self.assertIn("API key not valid", runs[0].message)
        self.assertEqual(self.env["product.template"].search_count([]), catalog)
        with self.assertRaisesRegex(UserError, "Billing Catalog API refused or failed"):
            self.gcp.action_sync_prices()
