# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .aws_pricing_server import AwsPricingServer, price_list_item
from .common import CatalogCommon


@tagged("post_install", "-at_install")
class TestAwsPricingApi(CatalogCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = AwsPricingServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.aws.write(
            {
                "aws_pricing_service_codes": "AmazonEC2, AmazonS3",
                "aws_pricing_region_code": "us-east-1",
                "aws_pricing_endpoint_url": cls.server.url,
                "aws_access_key_id": "AKIDEXAMPLE",
                "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            }
        )

    def setUp(self):
        super().setUp()
        self.server.calls.clear()
        self.server.httpd.fail_with = None
        self.server.httpd.fail_from_page = None
        self.server.set_pages(
            {
                "AmazonEC2": [
                    [
                        price_list_item("2223B6PCG6QAUYY6", "BoxUsage:m5.large", "0.0960000000"),
                        price_list_item("33FXTD5S2WJ8ZYXP", "BoxUsage:t3.micro", "0.0104000000"),
                    ],
                    [
                        # Reserved only: not sold on demand, skipped.
                        price_list_item(
                            "RESERVEDONLY0001",
                            "BoxUsage:m5.4xlarge",
                            "0.7680000000",
                            reserved_only=True,
                        ),  # fmt: skip
                        # Bad entries: duplicate SKU, negative price, unknown currency, not JSON.
                        price_list_item("2223B6PCG6QAUYY6", "BoxUsage:m5.large", "0.0990000000"),
                        price_list_item("NEGATIVEPRICE001", "BoxUsage:m5.xlarge", "-0.192"),
                        price_list_item(
                            "CNYPRICE00000001", "BoxUsage:m5.2xlarge", "1.2", currency="XBT"
                        ),
                        "{not json",
                    ],
                ],
                "AmazonS3": [
                    [
                        price_list_item(
                            "WP9ANXZGBYYSGJEA",
                            "TimedStorage-ByteHrs",
                            "0.0230000000",
                            service_code="AmazonS3",
                            unit="GB-Mo",
                        ),  # fmt: skip
                    ]
                ],
            }
        )

    def _aws_catalog(self):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search([("billbyte_vendor_id", "=", self.aws.id)])
        )

    def test_get_products_pages_into_catalog(self):
        before = self._aws_catalog()
        run = self.env["billbyte.price.import"]._billbyte_import_aws_api(self.aws, "AmazonEC2")
        self.assertEqual(run.state, "done")
        self.assertEqual(
            (run.line_count, run.created_count, run.skipped_count, run.rejected_count), (7, 2, 1, 4)
        )
        reasons = {r.line_number: r.reason for r in run.rejection_ids}
        self.assertIn("duplicate SKU 2223B6PCG6QAUYY6: already on line 1", reasons[4])
        self.assertIn("negative price -0.192", reasons[5])
        self.assertIn("unknown currency 'XBT'", reasons[6])
        self.assertIn("not a JSON product", reasons[7])

        created = self._aws_catalog() - before
        m5 = created.filtered(lambda t: t.billbyte_sku_id == "2223B6PCG6QAUYY6")
        self.assertEqual(m5.name, "AmazonEC2 BoxUsage:m5.large (RunInstances)")
        self.assertEqual(
            (m5.billbyte_vendor_cost, m5.billbyte_vendor_currency_id), (0.096, self.usd)
        )
        self.assertEqual(m5.uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(m5.billbyte_price_history_ids.source, "aws_api")

        # Real boto3 calls: two pages of GetProducts, signed, with the region filter.
        self.assertEqual(len(self.server.calls), 2)
        first, second = self.server.calls
        self.assertEqual(first["target"], "AWSPriceListService.GetProducts")
        self.assertEqual(first["body"]["ServiceCode"], "AmazonEC2")
        self.assertEqual(first["body"]["FormatVersion"], "aws_v1")
        self.assertEqual(
            first["body"]["Filters"],
            [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}],
        )
        self.assertEqual(second["body"]["NextToken"], "1")
        self.assertIn("AKIDEXAMPLE", first["headers"]["Authorization"])

    def test_pull_twice_changes_nothing_then_a_price_change_is_history(self):
        Import = self.env["billbyte.price.import"]
        Import._billbyte_import_aws_api(self.aws, "AmazonEC2")
        catalog = self._aws_catalog()
        again = Import._billbyte_import_aws_api(self.aws, "AmazonEC2")
        self.assertEqual(self._aws_catalog(), catalog)
        self.assertEqual(
            (again.created_count, again.updated_count, again.unchanged_count), (0, 0, 2)
        )

        pages = {
            "AmazonEC2": [
                [price_list_item("2223B6PCG6QAUYY6", "BoxUsage:m5.large", "0.0912000000")]
            ]
        }
        self.server.set_pages(pages)
        changed = Import._billbyte_import_aws_api(self.aws, "AmazonEC2")
        self.assertEqual((changed.created_count, changed.updated_count), (0, 1))
        m5 = catalog.filtered(lambda t: t.billbyte_sku_id == "2223B6PCG6QAUYY6")
        self.assertEqual(m5.billbyte_vendor_cost, 0.0912)
        last = m5.billbyte_price_history_ids[0]
        self.assertEqual(
            (last.old_cost, last.new_cost, last.source, last.import_id),
            (0.096, 0.0912, "aws_api", changed),
        )

    def test_scheduled_sync(self):
        cron = self.env.ref("billbyte_catalog.ir_cron_billbyte_sync_vendor_prices")
        self.assertEqual(cron.code.strip(), "model._cron_sync_prices()")
        self.assertFalse(
            self.env["billbyte.cloud.vendor"]
            .with_context(queue_job__no_delay=True)
            ._cron_sync_prices(),
            "sync is opt-in",
        )
        self.aws.price_sync_enabled = True
        runs = (
            self.env["billbyte.cloud.vendor"]
            .with_context(queue_job__no_delay=True)
            ._cron_sync_prices()
        )
        self.assertEqual(runs.mapped("file_name"), ["AmazonEC2", "AmazonS3"])
        self.assertEqual(set(runs.mapped("source")), {"sync"})
        s3 = self._aws_catalog().filtered(lambda t: t.billbyte_sku_id == "WP9ANXZGBYYSGJEA")
        self.assertEqual((s3.billbyte_vendor_cost, s3.billbyte_vendor_unit), (0.023, "GB-Mo"))
        self.assertTrue(self.aws.last_price_sync)

    def test_api_failure_leaves_catalog_untouched(self):
        self.aws.price_sync_enabled = True
        self.server.fail(
            400, "AccessDeniedException", "User is not authorized to perform pricing:GetProducts"
        )
        catalog = self._aws_catalog()
        with self.assertLogs("odoo.addons.billbyte_catalog.models.price_import", "WARNING"):
            runs = (
                self.env["billbyte.cloud.vendor"]
                .with_context(queue_job__no_delay=True)
                ._cron_sync_prices()
            )
        self.assertEqual(runs.mapped("state"), ["failed", "failed"])
        self.assertIn("not authorized to perform pricing:GetProducts", runs[0].message)
        self.assertEqual(self._aws_catalog(), catalog)
        # From the button, the failure is shown and nothing is recorded.
        with self.assertRaisesRegex(UserError, "AWS Price List API refused or failed"):
            self.aws.action_sync_prices()

    def test_failure_halfway_lands_nothing(self):
        # The first page answers, the second fails: nothing of the first lands.
        self.server.httpd.fail_from_page = 1
        catalog = self._aws_catalog()
        runs = self.env["billbyte.price.import"].search_count([])
        with self.assertRaisesRegex(UserError, "pagination token expired"):
            self.env["billbyte.price.import"]._billbyte_import_aws_api(
                self.aws, "AmazonEC2", raise_on_error=True
            )
        self.assertEqual(self._aws_catalog(), catalog)
        self.assertEqual(self.env["billbyte.price.import"].search_count([]), runs)
        self.assertEqual(len(self.server.calls), 2)

    def test_wizard_pulls_one_service(self):
        wizard = self.env["billbyte.price.import.wizard"].create(
            {"mode": "aws_api", "aws_service_code": "AmazonS3"}
        )
        self.assertEqual(wizard.vendor_id, self.aws)
        action = wizard.action_import()
        run = self.env["billbyte.price.import"].browse(action["res_id"])
        self.assertEqual(
            (run.file_format, run.file_name, run.created_count), ("aws_api", "AmazonS3", 1)
        )
        self.assertEqual(
            json.loads(json.dumps(self.server.calls[0]["body"]))["ServiceCode"], "AmazonS3"
        )
