# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.billbyte_catalog.models.price_import import PRICE_LOCK_SPACE
from odoo.addons.queue_job.job import Job

from .common import UsageCommon
from .vendor_servers import PartnerCenterStandIn

# The columns of Partner Center's price sheets as "get a price sheet" documents them.
LICENSE_HEADER = [
    "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription",
    "UnitOfMeasure", "TermDuration", "BillingPlan", "Market", "Currency", "UnitPrice",
    "PricingTierRangeMin", "PricingTierRangeMax", "EffectiveStartDate", "EffectiveEndDate",
    "Tags", "ERP Price",
]  # fmt: skip
AZURE_HEADER = [
    "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription",
    "UnitOfMeasure", "TermDuration", "Market", "Currency", "UnitPrice", "PricingTierRangeMin",
    "PricingTierRangeMax", "EffectiveStartDate", "EffectiveEndDate", "MeterIds", "MeterType",
    "Tags",
]  # fmt: skip
BASIC = ("CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic")
STANDARD = ("CFQ7TTC0LDPB", "0001", "Microsoft 365 Business Standard")
VM_METER = "9cb0bde8-bc0d-4ff3-a0b5-2c4fd6f8d1a9"
BLOB_METER = "0e2b8e8e-7e79-4b8d-b1b7-06bb1f8a8c57"


def pc_date(day):
    return f"{day.month}/{day.day}/{day.year} 12:00:00 AM"


def sheet(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def license_line(product, price, erp, start, term="P1M", plan="Monthly"):
    product_id, sku_id, title = product
    return [
        title, product_id, sku_id, title, "Microsoft Corporation", title, "", term, plan, "US",
        "USD", price, "", "", pc_date(start), "11/30/9999 11:59:59 PM", "License", erp,
    ]  # fmt: skip


def azure_line(meter, title, price, start, tier="0"):
    return [
        "Virtual Machines Dsv5 Series", "DZH318Z0BQ4L", "0047", title, "Microsoft", title,
        "1 Hour", "payG-1", "US", "USD", price, tier, "", pc_date(start),
        "11/30/9999 11:59:59 PM", meter, "1 Compute Hour", "Azure",
    ]  # fmt: skip


def fx_rates(month, eur):
    return sheet(
        ["CurrencyCode", "USDPerUnit", "Month"], [["AED", "0.2722", month], ["EUR", eur, month]]
    )


@tagged("post_install", "-at_install")
class TestPriceSheets(UsageCommon):
    """Partner Center price sheets through msal (app + user) and requests, against the
    Partner Center stand-in over HTTPS: CSV and zipped answers, USD Azure prices
    converted with Partner Center's exchange rate of the month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.microsoft.write({"price_sync_enabled": True, "azure_retail_prices_filter": False})
        stand_in = cls.partner_center
        cls.ms_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Partner Center US",
                "vendor_id": cls.microsoft.id,
                "kind": "microsoft",
                "ms_tenant_id": stand_in.TENANT,
                "ms_client_id": stand_in.CLIENT_ID,
                "ms_client_secret": stand_in.CLIENT_SECRET,
                "ms_authority_url": stand_in.url,
                "ms_graph_url": stand_in.url,
                "ms_partner_center_url": stand_in.url,
                "ms_partner_api_url": stand_in.url,
                "tls_ca_bundle": stand_in.ca_path,
                "ms_price_sync": True,
                "ms_price_market": "US",
                "ms_price_currency_id": cls.eur.id,
                "ms_refresh_token": stand_in.REFRESH_TOKEN,
            }
        )
        cls.today = fields.Date.context_today(cls.ms_connection)
        cls.next_month = cls.today.replace(day=1) + relativedelta(months=1)
        cls.month = cls.today.strftime("%Y%m")

    def setUp(self):
        super().setUp()
        stand_in = self.partner_center
        stand_in.reset()
        stand_in.price_sheets = {
            ("US", "updatedlicensebased", "current"): sheet(
                LICENSE_HEADER,
                [
                    license_line(BASIC, "6.00", "7.20", self.today - timedelta(days=4)),
                    license_line(STANDARD, "12.50", "15.00", self.today - timedelta(days=4)),
                    # Annual term billed monthly: not sold; a negative price: rejected.
                    license_line(BASIC, "5.00", "6.00", self.today, term="P1Y"),
                    license_line(
                        ("CFQ7TTC0LH16", "0001", "Exchange Online"), "-1.00", "", self.today
                    ),
                ],
            ),
            ("US", "updatedlicensebased", "future"): sheet(
                LICENSE_HEADER,
                [
                    license_line(BASIC, "6.60", "7.92", self.next_month),
                    license_line(STANDARD, "12.50", "15.00", self.next_month),
                ],
            ),
            ("US", "azure_consumption", "current"): sheet(
                AZURE_HEADER,
                [
                    azure_line(VM_METER, "D2s v5", "0.096", self.today - timedelta(days=4)),
                    azure_line(BLOB_METER, "Hot LRS", "0.0208", self.today - timedelta(days=4)),
                    azure_line(BLOB_METER, "Hot LRS", "0.0200", self.today, tier="51200"),
                ],
            ),
            ("US", "azure_consumption", "future"): sheet(
                AZURE_HEADER,
                [azure_line(VM_METER, "D2s v5", "0.108", self.next_month)],
            ),
        }
        stand_in.fx_rates = {
            self.month: fx_rates(self.month, "1.2"),
            self.next_month.strftime("%Y%m"): fx_rates(self.next_month.strftime("%Y%m"), "1.25"),
        }
        self.ms_connection.sudo().ms_refresh_token = stand_in.REFRESH_TOKEN

    def _sync(self, **context):
        return self.microsoft.with_context(**context)._billbyte_sync_prices(source="sync")

    def _product(self, sku):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search([("billbyte_vendor_id", "=", self.microsoft.id), ("billbyte_sku_id", "=", sku)])
        )

    def _catalog(self):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search_read(
                [("billbyte_vendor_id", "=", self.microsoft.id)],
                ["billbyte_sku_id", "billbyte_vendor_cost", "active"],
            )
        )

    # ------------------------------------------------------------------
    # The sheets into the catalog
    # ------------------------------------------------------------------

    def _check_synced(self, runs):
        by_name = {run.file_name: run for run in runs}
        self.assertEqual(
            sorted(by_name),
            [
                "azure_consumption US (current)",
                "azure_consumption US (future)",
                "updatedlicensebased US (current)",
                "updatedlicensebased US (future)",
            ],
        )
        self.assertEqual(set(runs.mapped("state")), {"done"})
        licenses = by_name["updatedlicensebased US (current)"]
        self.assertEqual(
            (licenses.created_count, licenses.skipped_count, licenses.rejected_count), (2, 1, 1)
        )
        # The same readers and reasons as an uploaded price file.
        self.assertEqual(licenses.rejection_ids.reason, "negative price -1.00")
        self.assertEqual(licenses.sheet_key, "partner_center:updatedlicensebased:US")
        self.assertEqual(licenses.source, "partner_center")
        basic = self._product(f"{BASIC[0]}:{BASIC[1]}")
        self.assertEqual((basic.billbyte_vendor_cost, basic.billbyte_vendor_list_price), (6.0, 7.2))
        self.assertEqual(basic.billbyte_vendor_currency_id, self.usd)
        # Next month's price, announced: waits for its day.
        self.assertEqual(
            (basic.billbyte_next_vendor_cost, basic.billbyte_next_price_date),
            (6.6, self.next_month),
        )
        self.assertEqual(by_name["updatedlicensebased US (future)"].scheduled_count, 1)
        # Azure plan meters: USD converted to EUR at Partner Center's rate of the month
        # (1.2 USD per EUR), USD price and rate kept on the price and its history.
        azure = by_name["azure_consumption US (current)"]
        self.assertEqual((azure.created_count, azure.skipped_count), (2, 1))
        vm = self._product(VM_METER)
        self.assertEqual(
            (vm.billbyte_vendor_cost, vm.billbyte_vendor_currency_id), (0.08, self.eur)
        )
        self.assertEqual(vm.billbyte_vendor_unit, "1 Hour")
        price = vm.billbyte_vendor_price_ids.filtered(lambda p: p.date_start == self.today)
        self.assertEqual((price.usd_cost, price.fx_rate, price.cost), (0.096, 1.2, 0.08))
        history = vm.billbyte_price_history_ids.filtered(lambda h: h.kind == "added")
        self.assertEqual((history.usd_cost, history.fx_rate), (0.096, 1.2))
        announced = vm.billbyte_vendor_price_ids.filtered(lambda p: p.date_start == self.next_month)
        self.assertEqual(
            (announced.usd_cost, announced.fx_rate, announced.cost), (0.108, 1.25, 0.0864)
        )
        blob = self._product(BLOB_METER)
        self.assertEqual(blob.billbyte_vendor_cost, 0.0173333333)

    def test_price_sheets_into_catalog(self):
        runs = self._sync()
        self._check_synced(runs)
        # Real requests: app + user token, compressed answers asked for, the views and
        # timelines of the documented URL, the consent's refresh token rotated and kept.
        paths = [(path, query) for path, query, _headers in self.partner_center.sheet_requests]
        self.assertIn(
            (
                "/v1.0/sales/pricesheets(Market='US',PricesheetView='updatedlicensebased')/$value",
                {},
            ),
            paths,
        )
        self.assertIn(
            (
                "/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_consumption')/$value",
                {"timeline": ["future"]},
            ),
            paths,
        )
        self.assertIn((f"/v1.0/sales/fxrates(Month='{self.month}')/$value", {}), paths)
        headers = self.partner_center.sheet_requests[0][2]
        self.assertEqual(headers["Authorization"], "Bearer pc-user-token")
        self.assertEqual(headers["Accept-Encoding"], "deflate")
        self.assertEqual(
            self.ms_connection.sudo().ms_refresh_token, self.partner_center.refresh_token
        )
        self.assertNotEqual(self.partner_center.refresh_token, PartnerCenterStandIn.REFRESH_TOKEN)
        self.assertEqual(self.microsoft.price_sync_state, "ok")

    def test_zipped_answers(self):
        self.partner_center.zip_sheets = True
        self._check_synced(self._sync())

    def test_resync_unchanged_then_a_sku_retires(self):
        self._sync()
        catalog = self._catalog()
        history = self.env["billbyte.price.history"].search_count([])
        again = self._sync()
        self.assertEqual(self._catalog(), catalog)
        self.assertEqual(self.env["billbyte.price.history"].search_count([]), history)
        self.assertEqual(sum(again.mapped("created_count") + again.mapped("updated_count")), 0)
        # Standard leaves the current sheet: retired, listed in the summary.
        self.partner_center.price_sheets[("US", "updatedlicensebased", "current")] = sheet(
            LICENSE_HEADER, [license_line(BASIC, "6.00", "7.20", self.today)]
        )
        runs = self._sync()
        licenses = runs.filtered(lambda r: r.file_name == "updatedlicensebased US (current)")
        self.assertEqual(licenses.retired_count, 1)
        self.assertIn(f"Retired (1): {STANDARD[0]}:{STANDARD[1]}", licenses.summary)
        self.assertFalse(self._product(f"{STANDARD[0]}:{STANDARD[1]}").active)

    # ------------------------------------------------------------------
    # Consent (app + user)
    # ------------------------------------------------------------------

    def test_consent_flow_keeps_the_refresh_token(self):
        self.ms_connection.sudo().ms_refresh_token = False
        runs = self._sync()
        self.assertIn("need a Partner Center user's consent", runs[0].message)
        action = self.ms_connection.action_ms_grant_consent()
        url = urlparse(action["url"])
        self.assertEqual(url.path, f"/{PartnerCenterStandIn.TENANT}/oauth2/v2.0/authorize")
        query = parse_qs(url.query)
        self.assertIn(f"{self.partner_center.url}/user_impersonation", query["scope"][0])
        connection = self.env["billbyte.connection"]._ms_finish_consent(
            {"code": PartnerCenterStandIn.CONSENT_CODE, "state": query["state"][0]}
        )
        self.assertEqual(connection, self.ms_connection)
        self.assertEqual(connection.sudo().ms_refresh_token, self.partner_center.refresh_token)
        self.assertTrue(connection.ms_refresh_token_set)
        self._check_synced(self._sync())
        with self.assertRaisesRegex(UserError, "No consent was asked for"):
            self.env["billbyte.connection"]._ms_finish_consent({"code": "x", "state": "other"})

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def _assert_failed_untouched(self, runs, words, catalog):
        self.assertTrue(runs)
        self.assertEqual(set(runs.mapped("state")), {"failed"})
        self.assertIn(words, runs[0].message)
        self.assertEqual(self._catalog(), catalog)
        self.assertEqual(self.microsoft.price_sync_state, "failed")
        self.assertIn(words, self.microsoft.price_sync_message)

    def test_expired_consent_401(self):
        catalog = self._catalog()
        self.partner_center.consent_expired = (
            "The partner's consent has expired: an admin agent must consent again."
        )
        before = fields.Datetime.now()
        runs = self._sync()
        self._assert_failed_untouched(runs, "consent has expired", catalog)
        self.assertIn("401", runs[0].message)
        # Retried later: after a backoff (no Retry-After given).
        self.assertGreaterEqual(self.microsoft.price_sync_next, before + timedelta(minutes=14))
        self.assertFalse(self.microsoft._billbyte_due_for_price_sync())

    def test_refresh_token_expired(self):
        catalog = self._catalog()
        self.ms_connection.sudo().ms_refresh_token = "rt-revoked"
        runs = self._sync()
        self._assert_failed_untouched(runs, "AADSTS700082", catalog)

    def test_throttled_429_retry_after_is_honoured(self):
        catalog = self._catalog()
        self.partner_center.faults["/v1.0/sales/"] = [(429, 600)] * 10
        before = fields.Datetime.now()
        runs = self._sync()
        self._assert_failed_untouched(runs, "429", catalog)
        self.assertEqual(set(runs.mapped("retry_after")), {600})
        self.assertGreaterEqual(self.microsoft.price_sync_next, before + timedelta(seconds=599))
        self.assertLessEqual(
            self.microsoft.price_sync_next, fields.Datetime.now() + timedelta(seconds=601)
        )
        # When the vendor answers again, the next sync lands everything.
        self.partner_center.faults.clear()
        self._check_synced(self._sync())
        self.assertEqual(self.microsoft.price_sync_failures, 0)

    def test_server_error_500(self):
        catalog = self._catalog()
        self.partner_center.always_fail.add("/v1.0/sales/")
        runs = self._sync()
        self._assert_failed_untouched(runs, "500", catalog)
        self.assertIn("Blob read failed", runs[0].message)

    def test_corrupt_zip_and_empty_sheet_are_refused(self):
        self._sync()
        catalog = self._catalog()
        sheets = self.partner_center.price_sheets
        sheets[("US", "updatedlicensebased", "current")] = b"PK\x03\x04\x14\x00broken"
        sheets[("US", "azure_consumption", "current")] = sheet(AZURE_HEADER, [])
        runs = self._sync()
        by_name = {run.file_name: run for run in runs}
        licenses = by_name["updatedlicensebased US (current)"]
        self.assertEqual(licenses.state, "failed")
        self.assertEqual(licenses.message, "The file is not a readable ZIP archive.")
        azure = by_name["azure_consumption US (current)"]
        self.assertEqual(azure.state, "failed")
        self.assertEqual(azure.message, "The price sheet holds no prices: nothing was changed.")
        self.assertEqual(self._catalog(), catalog, "nothing retired, nothing changed")

    def test_no_exchange_rate_for_the_currency(self):
        self.partner_center.fx_rates = {self.month: fx_rates(self.month, "")}
        runs = self._sync()
        azure = runs.filtered(lambda r: r.file_name == "azure_consumption US (current)")
        self.assertEqual(azure.state, "failed")
        self.assertIn("have no rate for EUR", azure.message)
        self.assertFalse(self._product(VM_METER))

    # ------------------------------------------------------------------
    # One sync at a time; background jobs
    # ------------------------------------------------------------------

    def test_same_sheet_twice_at_once_one_sync_runs(self):
        with self.env.registry.cursor() as other:
            # The scheduled sync holds the vendor's price lock in its own transaction.
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [PRICE_LOCK_SPACE, self.microsoft.id]
            )
            with self.assertRaisesRegex(UserError, "A price sync of .* is already running"):
                self.microsoft.action_sync_prices()
            self.assertFalse(self._sync(), "the scheduled one skips, and logs it")
            self.assertEqual(self.partner_center.sheet_requests, [], "nothing was fetched")
            result = self.microsoft._billbyte_price_sync_job()
            self.assertIn("already running", result)
            other.rollback()
        self.assertTrue(self._sync())

    def test_each_vendor_syncs_on_its_own_schedule_as_a_job(self):
        aws = self.env.ref("billbyte_catalog.vendor_aws")
        aws.write({"price_sync_enabled": True, "aws_pricing_service_codes": "AmazonEC2"})
        self.microsoft.write({"price_sync_interval": 6, "price_sync_interval_unit": "hours"})
        Vendor = self.env["billbyte.cloud.vendor"]
        Jobs = self.env["queue.job"]
        domain = [("method_name", "=", "_billbyte_price_sync_job"), ("state", "=", "pending")]
        Vendor._cron_sync_prices()
        Vendor._cron_sync_prices()
        # One job per vendor; the identity key keeps a second one of a vendor out.
        jobs = Jobs.search(domain)
        self.assertEqual(len(jobs), 2)
        self.assertEqual(set(jobs.mapped("model_name")), {"billbyte.cloud.vendor"})
        self.assertEqual({job.records for job in jobs}, {aws, self.microsoft})
        microsoft_job = jobs.filtered(lambda job: job.records == self.microsoft)
        job = Job.load(self.env, microsoft_job.uuid)
        self.assertIn("done", job.perform())
        self.assertEqual(self.microsoft.price_sync_state, "ok")
        self.assertTrue(self._product(VM_METER))
        self.assertAlmostEqual(
            self.microsoft.price_sync_next,
            fields.Datetime.now() + timedelta(hours=6),
            delta=timedelta(minutes=1),
        )
        # Not due again until then: no new job for it.
        microsoft_job.unlink()
        Vendor._cron_sync_prices()
        self.assertFalse(Jobs.search(domain).filtered(lambda job: job.records == self.microsoft))
