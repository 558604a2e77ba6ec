# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged

from .common import FOCUS_12_HEADER, UsageCommon, focus_csv, focus_row


def month_rows():
    return [
        focus_row(
            "111111111111",
            "2026-10-01",
            "AmazonEC2",
            "0.9600000001",
            "10",
            "BoxUsage:m5.large",
            resource="i-1",
            usage_type="EU-BoxUsage:m5.large",
        ),
        focus_row(
            "111111111111",
            "2026-10-01",
            "AmazonEC2",
            "0.48",
            "5",
            "BoxUsage:m5.large",
            resource="i-2",
        ),
        focus_row("111111111111", "2026-10-01", "AmazonS3", "2.30", "100", "TimedStorage-ByteHrs"),
        focus_row(
            "111111111111",
            "2026-10-02",
            "AmazonEC2",
            "0.96",
            "10",
            "BoxUsage:m5.large",
            resource="i-1",
        ),
        focus_row("111111111111", "2026-10-02", "AmazonEC2", "-0.50", "0", category="Credit"),
        focus_row("222222222222", "2026-10-01", "AmazonEC2", "2.304", "24", "BoxUsage:t3.small"),
        focus_row("222222222222", "2026-10-02", "AmazonEC2", "2.304", "24", "BoxUsage:t3.small"),
        focus_row("333333333333", "2026-10-01", "AmazonRDS", "10.00", "24"),
        focus_row("333333333333", "2026-10-02", "AmazonRDS", "10.00", "24"),
    ]


@tagged("post_install", "-at_install")
class TestUsageImport(UsageCommon):
    def test_import_counts_sums_and_focus_columns(self):
        run = self.import_bytes(focus_csv(month_rows()))
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(
            (
                run.rows_read,
                run.rows_imported,
                run.rows_duplicate,
                run.rows_rejected,
                run.rows_unmatched,
            ),
            (9, 9, 0, 0, 0),
        )
        self.assertEqual(str(run.period_start), "2026-10-01")
        self.assertEqual(str(run.period_end), "2026-10-02")
        # Exact to the last decimal: the sum stored equals the file's own sum.
        expected = sum(Decimal(r["BilledCost"]) for r in month_rows())
        self.assertEqual(self.db_sum_billed_cost(run), expected)
        self.assertEqual(
            self.db_run_sums(run), (Decimal("28.8080000001"), Decimal("28.8080000001"))
        )
        record = self.records(resource_id="i-1", charge_date="2026-10-01")
        self.assertEqual(record.cloud_account_id, self.account_contoso)
        self.assertEqual(record.sku_id, "BoxUsage:m5.large")
        self.assertEqual(record.provider_name, "AWS")
        self.assertEqual(record.region_id, "eu-west-1")
        self.assertEqual(record.pricing_unit, "Hours")
        self.assertEqual(record.product_id, self.ec2)
        self.assertEqual(record.extra_data, {"x_UsageType": "EU-BoxUsage:m5.large"})
        self.env.cr.execute(
            "SELECT billed_cost::text FROM billbyte_usage_record WHERE id = %s", [record.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], "0.9600000001")

    def work_tables(self):
        """The import's unlogged work tables and temporary views still present."""
        self.env.cr.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^billbyte_(stage|rows)_[0-9]+$' "
            "OR (relname IN ('bb_stage', 'bb_rows') AND relpersistence = 't')"
        )
        return [name for (name,) in self.env.cr.fetchall()]

    def test_import_leaves_no_work_tables(self):
        """The staged file and typed rows (unlogged tables, so that PostgreSQL's
        parallel workers can read them) go with the import, whatever its outcome."""
        run = self.import_bytes(focus_csv(month_rows()))
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(self.work_tables(), [])
        failed = self.import_bytes(focus_csv(month_rows()) + b"1,2\n", filename="broken.csv")
        self.assertEqual(failed.state, "failed")
        self.assertEqual(self.work_tables(), [])
        # The same file again takes the shortcut for a source with nothing new.
        again = self.import_bytes(focus_csv(month_rows()))
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 9))
        self.assertEqual(self.work_tables(), [])

    def test_unknown_service_becomes_a_catalog_product(self):
        self.import_bytes(focus_csv(month_rows()))
        s3 = self.env["product.template"].search(
            [("billbyte_vendor_id", "=", self.aws.id), ("billbyte_service_name", "=", "AmazonS3")]
        )
        self.assertEqual(len(s3), 1)
        self.assertEqual(s3.billbyte_offer_type, "metered")
        self.import_bytes(focus_csv(month_rows()[:3]), filename="again.csv")
        self.assertEqual(
            self.env["product.template"].search_count([("billbyte_service_name", "=", "AmazonS3")]),
            1,
        )

    def test_cost_plus_rating_and_credits_to_the_cent(self):
        self.import_bytes(focus_csv(month_rows()))
        lines = self.usage_lines(self.account_contoso)
        summary = [
            (str(line.date), line.product_id.name, line.amount, line.billbyte_price)
            for line in lines
        ]
        s3 = self.records(service_name="AmazonS3").product_id
        self.assertEqual(
            sorted(summary),
            sorted(
                [
                    # 0.9600000001 + 0.48 = 1.4400000001 USD cost, +20 %
                    ("2026-10-01", "Amazon EC2", -1.44, 1.73),
                    ("2026-10-01", s3.name, -2.30, 2.76),
                    # 0.96 usage and a -0.50 credit, both +20 %: 0.552
                    ("2026-10-02", "Amazon EC2", -0.46, 0.55),
                ]
            ),
        )
        line = lines.filtered(
            lambda line: str(line.date) == "2026-10-01" and line.product_id == self.ec2
        )
        self.assertEqual(line.unit_amount, 15.0)
        self.assertEqual(line.partner_id, self.contoso)
        self.assertEqual(line.billbyte_currency_id, self.usd)
        plan_column = self.env.ref("billbyte_usage.analytic_plan_cloud_accounts")._column_name()
        self.assertEqual(line[plan_column], self.account_contoso.analytic_account_id)
        credit = self.records(charge_category="Credit")
        self.assertAlmostEqual(credit.price, -0.60, places=6)

    def test_fixed_price_per_unit_in_customer_currency(self):
        self.import_bytes(focus_csv(month_rows()))
        lines = self.usage_lines(self.account_fabrikam)
        self.assertEqual(len(lines), 2)
        for line in lines:
            self.assertEqual(line.billbyte_currency_id, self.eur)
            self.assertEqual(line.billbyte_price, 2.40)  # 24 hours x 0.10 EUR
            self.assertEqual(line.amount, -2.30)  # 2.304 USD cost, company currency
            self.assertEqual(line.unit_amount, 24.0)

    def test_vendor_currency_converted_at_the_charge_date(self):
        self.import_bytes(focus_csv(month_rows()))
        lines = self.usage_lines(self.account_northwind)
        prices = {str(line.date): line.billbyte_price for line in lines}
        # 10 USD x 0.9 EUR/USD x 1.10 on Oct 1st, x 0.8 on Oct 2nd
        self.assertEqual(prices, {"2026-10-01": 9.90, "2026-10-02": 8.80})
        self.assertEqual(set(lines.mapped("billbyte_currency_id")), {self.eur})

    def test_gzip_file_and_focus_13_and_10_names(self):
        rows = month_rows()[:2]
        header_13 = [("ServiceProviderName" if h == "ProviderName" else h) for h in FOCUS_12_HEADER]
        for row in rows:
            row["ServiceProviderName"] = "Amazon Web Services"
        run = self.import_bytes(
            focus_csv(rows, header=header_13, compress=True), filename="focus13.csv.gz"
        )
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 2)
        self.assertEqual(set(self.records().mapped("provider_name")), {"Amazon Web Services"})
        # FOCUS 1.0 has neither InvoiceId nor x_ columns here: still fine.
        header_10 = [h for h in FOCUS_12_HEADER if h not in ("InvoiceId", "x_UsageType")]
        run = self.import_bytes(
            focus_csv(month_rows()[5:6], header=header_10), filename="focus10.csv"
        )
        self.assertEqual((run.state, run.rows_imported), ("done", 1), run.message)

    def test_unbilled_usage_per_account_and_customer(self):
        self.import_bytes(focus_csv(month_rows()))
        self.assertEqual(self.account_contoso.unbilled_amount, 5.04)
        (summary,) = self.account_contoso._get_unbilled_usage()
        self.assertEqual(summary["currency"], "USD")
        self.assertAlmostEqual(summary["total"], 5.04)
        self.assertAlmostEqual(summary["cost"], 4.20)
        by_service = {entry["service"]: entry["amount"] for entry in summary["by_service"]}
        self.assertEqual(by_service, {"AmazonEC2": 2.28, "AmazonS3": 2.76})
        by_day = [(str(entry["date"]), round(entry["amount"], 2)) for entry in summary["by_day"]]
        self.assertEqual(by_day, [("2026-10-01", 4.49), ("2026-10-02", 0.55)])
        (customer_summary,) = self.fabrikam._billbyte_get_unbilled_usage()
        self.assertEqual((customer_summary["currency"], customer_summary["total"]), ("EUR", 4.80))
