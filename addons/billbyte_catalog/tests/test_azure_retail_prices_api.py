# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .azure_prices_server import AzurePricesServer, retail_price_item
from .common import CatalogCommon

VM_FILTER = "serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope'"


@tagged("post_install", "-at_install")
class TestAzureRetailPricesApi(CatalogCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Retries of the 503 the tests ask for come quickly.
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.retry_base_delay", "0.01")
        cls.server = AzurePricesServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.microsoft.write(
            {
                "azure_retail_prices_filter": VM_FILTER,
                "azure_retail_prices_currency": "EUR",
                "azure_retail_prices_url": cls.server.url,
            }
        )

    def setUp(self):
        super().setUp()
        self.server.calls.clear()
        self.server.httpd.fail_status = None
        self.server.httpd.pages = [
            [
                retail_price_item(
                    "az-d2sv5", "Virtual Machines Dsv5 Series", "D2s v5", 0.0864, currency="EUR"
                ),
                retail_price_item(
                    "az-d4sv5", "Virtual Machines Dsv5 Series", "D4s v5", 0.1728, currency="EUR"
                ),
                # Not sold: a reservation, a higher tier.
                retail_price_item(
                    "az-d2sv5",
                    "Virtual Machines Dsv5 Series",
                    "D2s v5",
                    500.0,
                    price_type="Reservation",
                    unit="1 Year",
                    currency="EUR",
                ),  # fmt: skip
                retail_price_item(
                    "az-d8sv5",
                    "Virtual Machines Dsv5 Series",
                    "D8s v5",
                    0.3,
                    tier=100.0,
                    currency="EUR",
                ),  # fmt: skip
            ],
            [
                # Bad: duplicate meter, negative price, unknown currency.
                retail_price_item(
                    "az-d2sv5", "Virtual Machines Dsv5 Series", "D2s v5", 0.09, currency="EUR"
                ),
                retail_price_item(
                    "az-neg", "Virtual Machines Dsv5 Series", "D16s v5", -1.0, currency="EUR"
                ),
                retail_price_item(
                    "az-cur", "Virtual Machines Dsv5 Series", "D32s v5", 1.3, currency="ZZZ"
                ),
            ],
        ]

    def _meters(self):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search(
                [
                    ("billbyte_vendor_id", "=", self.microsoft.id),
                    ("billbyte_sku_id", "like", "az-%"),
                ]
            )
        )

    def test_retail_prices_into_catalog(self):
        run = self.env["billbyte.price.import"]._billbyte_import_azure_api(self.microsoft)
        self.assertEqual(run.state, "done")
        self.assertEqual(
            (run.line_count, run.created_count, run.skipped_count, run.rejected_count), (7, 2, 2, 3)
        )
        reasons = {r.line_number: r.reason for r in run.rejection_ids}
        self.assertIn("duplicate SKU az-d2sv5: already on line 1", reasons[5])
        self.assertIn("negative price -1.0", reasons[6])
        self.assertIn("unknown currency 'ZZZ'", reasons[7])
        d2 = self._meters().filtered(lambda t: t.billbyte_sku_id == "az-d2sv5")
        self.assertEqual(d2.name, "Virtual Machines Dsv5 Series D2s v5 (EU West)")
        self.assertEqual(
            (d2.billbyte_vendor_cost, d2.billbyte_vendor_currency_id), (0.0864, self.eur)
        )
        self.assertEqual(
            (d2.billbyte_vendor_unit, d2.uom_id), ("1 Hour", self.env.ref("uom.product_uom_hour"))
        )
        self.assertEqual(d2.billbyte_price_history_ids.source, "azure_api")
        # Real requests: the filter and currency, then the NextPageLink as given.
        first, second = self.server.calls
        self.assertEqual(first["query"], {"$filter": VM_FILTER, "currencyCode": "EUR"})
        self.assertEqual(second["query"]["$skip"], "100")

    def test_scheduled_sync_updates_prices(self):
        self.microsoft.price_sync_enabled = True
        self.env["billbyte.cloud.vendor"].with_context(queue_job__no_delay=True)._cron_sync_prices()
        self.assertFalse(
            self.env["billbyte.cloud.vendor"]
            .with_context(queue_job__no_delay=True)
            ._cron_sync_prices(),
            "synced once a day: not due again yet",
        )
        self.microsoft.price_sync_next = False
        self.server.httpd.pages = [
            [
                retail_price_item(
                    "az-d2sv5", "Virtual Machines Dsv5 Series", "D2s v5", 0.0912, currency="EUR"
                )
            ]
        ]
        runs = (
            self.env["billbyte.cloud.vendor"]
            .with_context(queue_job__no_delay=True)
            ._cron_sync_prices()
        )
        run = runs.filtered(lambda r: r.vendor_id == self.microsoft)
        self.assertEqual((run.source, run.file_format, run.updated_count), ("sync", "azure_api", 1))
        d2 = self._meters().filtered(lambda t: t.billbyte_sku_id == "az-d2sv5")
        self.assertEqual(d2.billbyte_vendor_cost, 0.0912)
        self.assertEqual(
            [
                (h.old_cost, h.new_cost, h.source)
                for h in d2.billbyte_price_history_ids.sorted("id")
            ],
            [(0.0, 0.0864, "sync"), (0.0864, 0.0912, "sync")],
        )
        self.assertEqual(len(self._meters()), 2, "nothing duplicated")

    def test_unavailable_api(self):
        self.server.httpd.fail_status = 503
        meters = self._meters()
        with self.assertRaisesRegex(UserError, "Azure Retail Prices API refused or failed"):
            self.microsoft.action_sync_prices()
        with self.assertLogs("odoo.addons.billbyte_catalog.models.price_import", "WARNING"):
            run = self.env["billbyte.price.import"]._billbyte_import_azure_api(self.microsoft)
        self.assertEqual(run.state, "failed")
        self.assertIn("503", run.message)
        self.assertEqual(self._meters(), meters)

    def test_wizard_with_its_own_filter(self):
        wizard = self.env["billbyte.price.import.wizard"].create(
            {"mode": "azure_api", "azure_filter": "meterId eq 'az-d4sv5'"}
        )
        self.assertEqual(wizard.vendor_id, self.microsoft)
        action = wizard.action_import()
        run = self.env["billbyte.price.import"].browse(action["res_id"])
        self.assertEqual(run.file_name, "meterId eq 'az-d4sv5'")
        self.assertEqual(self.server.calls[0]["query"]["$filter"], "meterId eq 'az-d4sv5'")
