# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inputs real vendor exports carry: literal NULLs, BOMs and blank lines, 150
columns, several providers in one file, Azure resource paths, sub-cent amounts,
absurd magnitudes, the same line through two connections."""

import codecs
import csv
import io
from decimal import Decimal

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FOCUS_12_HEADER, UsageCommon, focus_csv, focus_row

AZURE_SUB = "5c1b8e2a-3f4d-4e6a-9b7c-1d2e3f4a5b6c"


@tagged("post_install", "-at_install")
class TestUsageRealFiles(UsageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.account_azure = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso Azure",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": AZURE_SUB,
                "partner_id": cls.contoso.id,
            }
        )

    def all_records(self, connections=None, **domain):
        """Usage records of the test's connections (not the demo data's)."""
        connections = connections or self.connection
        return self.env["billbyte.usage.record"].search(
            [("connection_id", "in", connections.ids)] + [(k, "=", v) for k, v in domain.items()]
        )

    # -- 6. NULLs ---------------------------------------------------------------
    def test_literal_null_in_optional_columns_is_no_value(self):
        rows = [
            dict(
                focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10"),
                ListCost="NULL",
                EffectiveCost="null",
                ConsumedQuantity="",
                BillingPeriodStart="NULL",
                ChargeClass="NULL",
                SkuId="Null",
            ),
            # A credit with no quantity at all reduces the customer's amount.
            dict(
                focus_row(
                    "111111111111", "2026-10-01", "AmazonEC2", "-0.50", "", category="Credit"
                ),
                PricingQuantity="NULL",
                ConsumedQuantity="NULL",
            ),
            # A required column holding NULL is still a rejection, with its reason.
            dict(
                focus_row("111111111111", "2026-10-01", "AmazonEC2", "2.00", "1"), BilledCost="NULL"
            ),
        ]
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual((run.state, run.rows_imported, run.rows_rejected), ("done", 2, 1))
        self.assertEqual(run.rejection_ids.reason, "BilledCost is empty")
        self.assertEqual(run.rejection_ids.line_number, 4)
        usage = self.records(charge_category="Usage")
        self.assertFalse(usage.list_cost)
        self.assertFalse(usage.charge_class)
        self.assertFalse(usage.sku_id)
        self.assertFalse(usage.billing_period_start)
        credit = self.records(charge_category="Credit")
        self.assertFalse(credit.pricing_quantity)
        self.assertEqual(self.db_sum_billed_cost(), Decimal("0.50"))
        # 1.00 x 1.2 - 0.50 x 1.2
        self.assertEqual(self.account_contoso.unbilled_amount, 0.60)

    # -- 7. any number of columns ------------------------------------------------
    def test_150_columns_import_with_all_extra_data_kept(self):
        extra = [f"x_Column{n:03d}" for n in range(150 - len(FOCUS_12_HEADER))]
        rows = [
            dict(
                focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.25", "10"),
                **{name: f"value {n}" for n, name in enumerate(extra)},
            )
        ]
        header = FOCUS_12_HEADER + extra
        self.assertEqual(len(header), 150)
        run = self.import_bytes(focus_csv(rows, header=header))
        self.assertEqual((run.state, run.rows_imported), ("done", 1), run.message)
        data = self.records().extra_data
        self.assertEqual(len(data), len(extra))
        self.assertEqual(data["x_Column000"], "value 0")
        self.assertEqual(data[extra[-1]], f"value {len(extra) - 1}")
        again = self.import_bytes(focus_csv(rows, header=header), filename="again.csv")
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 1))

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_150_columns_with_a_bad_row_rejects_only_that_row(self):
        extra = [f"x_Column{n:03d}" for n in range(150 - len(FOCUS_12_HEADER))]
        good = focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.25", "10")
        bad = dict(good, BilledCost="twelve", ResourceId="i-2")
        run = self.import_bytes(focus_csv([good, bad], header=FOCUS_12_HEADER + extra))
        self.assertEqual((run.rows_imported, run.rows_rejected), (1, 1))
        self.assertIn("twelve", run.rejection_ids.raw_values)

    # -- 8. one vendor line, two connections ----------------------------------------
    def test_same_month_on_two_connections_is_imported_once(self):
        other = self.env["billbyte.connection"].create(
            {"name": "AWS S3 export", "vendor_id": self.aws.id, "kind": "file"}
        )
        rows = [
            focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10", resource="i-1"),
            focus_row("111111111111", "2026-10-02", "AmazonEC2", "2.00", "20", resource="i-1"),
        ]
        # The same lines, in another column order, as an export would write them.
        reordered = list(reversed(FOCUS_12_HEADER))
        both = self.connection | other
        for first, second in ((self.connection, other), (other, self.connection)):
            self.all_records(both).unlink()
            self.usage_lines(self.account_contoso).unlink()
            one = self.import_bytes(focus_csv(rows), connection=first)
            two = self.import_bytes(focus_csv(rows, header=reordered), connection=second)
            self.assertEqual((one.rows_imported, two.rows_imported), (2, 0))
            self.assertEqual(two.rows_duplicate, 2)
            again = self.import_bytes(focus_csv(rows), connection=second, filename="again.csv")
            self.assertEqual(again.rows_imported, 0)
            self.assertEqual(len(self.all_records(both)), 2)
            self.assertEqual(self.account_contoso.unbilled_amount, 3.60)

    # -- 9. several providers in one file ----------------------------------------
    def test_multi_provider_file_files_rows_under_their_vendor(self):
        azure_row = dict(
            focus_row(AZURE_SUB, "2026-10-01", "Virtual Machines", "3.00", "4"),
            ProviderName="Microsoft",
        )
        oracle_row = dict(
            focus_row("ocid1.tenancy.oc1..aaa", "2026-10-01", "Compute", "7.00", "1"),
            ProviderName="Oracle",
        )
        aws_row = focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")
        run = self.import_bytes(focus_csv([aws_row, azure_row, oracle_row]))
        self.assertEqual((run.rows_imported, run.rows_unmatched), (3, 1), run.message)
        azure = self.all_records(service_name="Virtual Machines")
        self.assertEqual(azure.vendor_id, self.microsoft)
        self.assertEqual(azure.cloud_account_id, self.account_azure)
        self.assertEqual(azure.product_id.billbyte_vendor_id, self.microsoft)
        oracle = self.all_records(service_name="Compute")
        self.assertEqual(oracle.state, "unmatched")
        self.assertFalse(oracle.vendor_id, "never under the connection's vendor")
        self.assertIn("'Oracle' is none of our cloud vendors", oracle.unmatched_reason)
        # Assignable: the row takes the account's vendor and is rated.
        oracle.action_assign_cloud_account(self.account_azure)
        self.assertEqual((oracle.state, oracle.vendor_id), ("rated", self.microsoft))
        self.assertEqual(oracle.product_id.billbyte_vendor_id, self.microsoft)
        self.assertTrue(self.usage_lines(self.account_azure, billbyte_service_name="Compute"))

    # -- 10. account ids in their other forms ----------------------------------------
    def test_azure_resource_paths_and_case_match_the_subscription(self):
        rows = [
            dict(
                focus_row(f"/subscriptions/{AZURE_SUB.upper()}", "2026-10-01", "Storage", "1"),
                ProviderName="Microsoft",
            ),
            dict(
                focus_row(
                    f"/SUBSCRIPTIONS/{AZURE_SUB}/resourceGroups/rg1", "2026-10-01", "Bandwidth", "2"
                ),
                ProviderName="Microsoft",
            ),
            dict(
                focus_row(
                    f"0f0e0d0c-0b0a-0908-0706-050403020100/{AZURE_SUB}",
                    "2026-10-01",
                    "Microsoft 365",
                    "3",
                ),
                ProviderName="Microsoft",
            ),
        ]
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual((run.rows_imported, run.rows_unmatched), (3, 0), run.message)
        self.assertEqual(
            self.all_records(vendor_id=self.microsoft.id).cloud_account_id, self.account_azure
        )

    def test_new_account_claims_unmatched_rows_written_in_another_form(self):
        sub = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
        row = dict(
            focus_row(f"/subscriptions/{sub.upper()}", "2026-10-01", "Storage", "1"),
            ProviderName="Microsoft",
        )
        run = self.import_bytes(focus_csv([row]))
        self.assertEqual(run.rows_unmatched, 1)
        account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Fabrikam Azure",
                "vendor_id": self.microsoft.id,
                "vendor_account_id": sub,
                "partner_id": self.fabrikam.id,
            }
        )
        self.assertEqual(self.all_records(service_name="Storage").cloud_account_id, account)

    # -- 11. rounding ----------------------------------------------------------------
    def test_sub_cent_records_round_once_per_account_and_service(self):
        # 3,000 records of 0.0013 USD over 30 days: each day's line rounds 100 x 0.0013
        # x 1.2 = 0.156 to 0.16; the month is 30 x 0.156 = 4.68, not 30 x 0.16 = 4.80.
        rows = [
            focus_row(
                "111111111111", f"2026-10-{day:02d}", "AmazonS3", "0.0013", "1", resource=f"r{n}"
            )
            for day in range(1, 31)
            for n in range(100)
        ]
        self.import_bytes(focus_csv(rows))
        lines = self.usage_lines(self.account_contoso)
        self.assertEqual(len(lines), 30)
        self.assertEqual(lines[0].billbyte_price, 0.16)
        (summary,) = self.account_contoso.get_unbilled_usage()
        self.assertEqual(summary["total"], "4.68")
        self.assertEqual(summary["by_service"][0]["amount"], "4.68")
        self.assertEqual(self.account_contoso.unbilled_amount, 4.68)

    # -- 12. framing ---------------------------------------------------------------------
    def test_bom_blank_lines_and_crlf_import(self):
        data = focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")])
        data = codecs.BOM_UTF8 + b"\r\n\r\n" + data.replace(b"\n", b"\r\n")
        run = self.import_bytes(data)
        self.assertEqual((run.state, run.rows_imported), ("done", 1), run.message)
        self.assertEqual(self.records().line_number, 4)

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_blank_file_is_empty_and_json_says_which_connection_reads_it(self):
        run = self.import_bytes(b"\n\r\n  \n")
        self.assertEqual((run.state, run.message), ("failed", "The file is empty."))
        run = self.import_bytes(b'{"customerId": "x", "billingPreTaxTotal": 1.5}\n')
        self.assertEqual(run.state, "failed")
        self.assertIn("it is JSON", run.message)
        self.assertIn("Microsoft Partner Center", run.message)
        self.assertFalse(self.records())

    # -- 13. money as decimal strings ---------------------------------------------------
    def test_costs_come_back_as_stored(self):
        cost = "12.345678901234567890123457"
        self.import_bytes(
            focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", cost, "1")])
        )
        (record,) = self.records().get_usage_records()
        self.assertEqual(record["billed_cost"], cost)
        self.assertEqual(record["billing_currency"], "USD")
        (summary,) = self.account_contoso.get_unbilled_usage()
        # 12.345678901234567890123457 x 1.2 = 14.8148146814814814681481484
        self.assertEqual(summary["total"], "14.81")
        self.assertIsInstance(summary["by_service"][0]["quantity"], str)

    # -- 19. absurd magnitudes ----------------------------------------------------------
    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_absurd_magnitudes_and_dates_are_rejected_with_line_and_reason(self):
        good = focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")
        rows = [
            good,
            dict(good, BilledCost="1e150", ResourceId="a"),
            dict(good, BilledCost="1e400", ResourceId="b"),
            dict(good, PricingQuantity="-2E+20", ResourceId="c"),
            dict(good, ChargePeriodStart="9999-12-31T00:00:00Z", ResourceId="d"),
        ]
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual((run.state, run.rows_imported, run.rows_rejected), ("done", 1, 4))
        reasons = {r.line_number: r.reason for r in run.rejection_ids}
        self.assertEqual(
            reasons,
            {
                3: "BilledCost is out of range: its magnitude is 10^15 or more",
                4: "BilledCost is out of range: its magnitude is 10^15 or more",
                5: "PricingQuantity is out of range: its magnitude is 10^15 or more",
                6: "ChargePeriodStart '9999-12-31T00:00:00Z' is out of range",
            },
        )
        self.assertEqual(self.db_run_sums(run), (Decimal("3.00"), Decimal("1.00")))
        self.assertEqual(self.db_sum_billed_cost(), Decimal("1.00"))

    def test_vendor_file_with_scientific_notation_and_quoted_line_breaks(self):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FOCUS_12_HEADER, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(
            dict(
                focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.2345E-02", "1E+1"),
                ChargeDescription="two\nlines",
            )
        )
        run = self.import_bytes(buffer.getvalue().encode())
        self.assertEqual(run.rows_imported, 1, run.message)
        self.assertEqual(self.db_sum_billed_cost(), Decimal("0.012345"))
