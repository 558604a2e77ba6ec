# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FOCUS_12_HEADER, UsageCommon, focus_csv, focus_row


def good_rows():
    return [
        focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.25", "10", "BoxUsage:m5.large"),
        focus_row("111111111111", "2026-10-02", "AmazonEC2", "2.50", "20", "BoxUsage:m5.large"),
    ]


@tagged("post_install", "-at_install")
class TestUsageBadInput(UsageCommon):
    def assertNothingStored(self, run):
        self.assertEqual(run.state, "failed")
        self.assertFalse(self.records())
        self.assertFalse(self.usage_lines())
        self.assertEqual((run.rows_imported, run.rows_read), (0, 0))

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_missing_required_column_names_it(self):
        header = [h for h in FOCUS_12_HEADER if h != "BilledCost"]
        run = self.import_bytes(focus_csv(good_rows(), header=header))
        self.assertNothingStored(run)
        self.assertIn("missing the required FOCUS column BilledCost", run.message)

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_empty_file(self):
        run = self.import_bytes(b"")
        self.assertNothingStored(run)
        self.assertEqual(run.message, "The file is empty.")
        run = self.import_bytes(focus_csv([]), filename="header-only.csv")
        self.assertNothingStored(run)
        self.assertEqual(run.message, "The file has column names but no usage rows.")

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_truncated_gzip(self):
        data = focus_csv(good_rows() * 200, compress=True)
        run = self.import_bytes(data[: len(data) // 2], filename="focus.csv.gz")
        self.assertNothingStored(run)
        self.assertIn("The gzip file is truncated or corrupt", run.message)

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_not_a_csv_file(self):
        run = self.import_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", filename="invoice.pdf")
        self.assertNothingStored(run)
        self.assertTrue(run.message.startswith("The file is not a CSV file"), run.message)
        run = self.import_bytes(b'{"BilledCost": 1}\n', filename="usage.json")
        self.assertNothingStored(run)
        self.assertTrue(run.message.startswith("The file is not a CSV file"), run.message)
        run = self.import_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", filename="logo.png")
        self.assertNothingStored(run)
        self.assertTrue(run.message.startswith("The file is not a CSV file"), run.message)

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import")
    def test_malformed_csv_row_names_the_line(self):
        extra_column = b"," * len(FOCUS_12_HEADER) + b"\n"
        run = self.import_bytes(
            focus_csv(good_rows()) + extra_column + focus_csv(good_rows())[-60:]
        )
        self.assertNothingStored(run)
        self.assertIn(
            "not a well-formed CSV file: line 4: its number of fields differs from the header",
            run.message,
        )
        run = self.import_bytes(
            focus_csv(good_rows()) + b'111,"unterminated\n', filename="quote.csv"
        )
        self.assertNothingStored(run)
        self.assertIn("line 4: unterminated CSV quoted field", run.message)

    def test_malformed_row_after_a_multiline_field_names_its_file_line(self):
        rows = good_rows()
        rows[0]["ChargeDescription"] = "first\nsecond"
        # Header, the row on lines 2-3, the row on line 4, the short row on line 5.
        run = self.import_bytes(focus_csv(rows) + b"1,2,3\n" + focus_csv(good_rows())[-60:])
        self.assertNothingStored(run)
        self.assertIn(
            "not a well-formed CSV file: line 5: its number of fields differs from the header",
            run.message,
        )
        # The same with the line break in the second row (COPY counts it otherwise).
        rows = good_rows()
        rows[1]["ChargeDescription"] = "first\r\nsecond\r\nthird"
        run = self.import_bytes(focus_csv(rows) + b"1,2,3\n" + focus_csv(good_rows())[-60:])
        self.assertNothingStored(run)
        self.assertIn("not a well-formed CSV file: line 6: its number", run.message)

    def test_line_numbers_count_file_lines_across_quoted_line_breaks(self):
        rows = good_rows()
        # A description spanning three lines of the file; blank lines at the end.
        rows[0]["ChargeDescription"] = "Amazon EC2\nline two\nline three"
        rows.append(focus_row("111111111111", "2026-10-03", "AmazonEC2", "twelve", "1"))
        data = focus_csv(rows)
        lines = data.split(b"\n")
        # The bad row is on line 6: header, 3 lines of the first row, the second row.
        self.assertIn(b"twelve", lines[5])
        run = self.import_bytes(data + b"\n\r\n")
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_read, run.rows_imported, run.rows_rejected), (3, 2, 1))
        self.assertEqual(run.rejection_ids.line_number, 6)
        first = self.records().filtered(lambda r: r.line_number == 2)
        self.assertEqual(first.charge_description, "Amazon EC2\nline two\nline three")

    def test_service_seen_only_on_rejected_lines_is_not_added_to_the_catalog(self):
        rows = good_rows() + [
            focus_row("111111111111", "2026-10-03", "NewService", "1.00", "1", currency="XYZ"),
            focus_row("111111111111", "2026-10-03", "OtherNewService", "1.00", "1"),
        ]
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual((run.rows_imported, run.rows_rejected), (3, 1), run.message)
        Template = self.env["product.template"].with_context(active_test=False)
        self.assertFalse(Template.search([("billbyte_service_name", "=", "NewService")]))
        self.assertTrue(Template.search([("billbyte_service_name", "=", "OtherNewService")]))

    def test_many_extra_columns_are_all_kept(self):
        extra = [f"x_Tag{n:02d}" for n in range(60)]
        rows = good_rows()
        for row in rows:
            row.update({name: f"v{name[-2:]}" for name in extra})
        run = self.import_bytes(focus_csv(rows, header=FOCUS_12_HEADER + extra))
        self.assertEqual(run.rows_imported, 2, run.message)
        data = self.records()[0].extra_data
        self.assertEqual(data["x_Tag00"], "v00")
        self.assertEqual(data["x_Tag59"], "v59")

    def test_bad_rows_are_rejected_with_line_and_reason_others_import(self):
        rows = good_rows() + [
            focus_row("111111111111", "2026-10-03", "AmazonEC2", "twelve", "1"),
            focus_row("111111111111", "2026-10-03", "AmazonEC2", "4.00", "1", currency="XYZ"),
            focus_row("111111111111", "2026-10-03", "AmazonEC2", "8.00", "1"),
        ]
        rows[4]["ChargePeriodStart"] = "2026-02-30T00:00:00Z"
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_read, run.rows_imported, run.rows_rejected), (5, 2, 3))
        rejections = [(r.line_number, r.reason) for r in run.rejection_ids]
        self.assertEqual(
            rejections,
            [
                (4, "BilledCost 'twelve' is not a number"),
                (5, "unknown currency code 'XYZ'"),
                (6, "ChargePeriodStart '2026-02-30T00:00:00Z' is not a date"),
            ],
        )
        self.assertIn("twelve", run.rejection_ids[0].raw_values)
        self.assertEqual(self.db_sum_billed_cost(), Decimal("3.75"))
        # The run shows both sums and why they differ.
        self.assertEqual(self.db_run_sums(run), (Decimal("15.75"), Decimal("3.75")))
        self.assertIn(
            "The difference of 12.00 is the BilledCost of the rejected lines.", run.message
        )

    def test_inactive_currency_is_rejected_not_converted_one_to_one(self):
        jpy = self.env.ref("base.JPY")
        self.assertFalse(jpy.active)
        run = self.import_bytes(
            focus_csv(
                good_rows()
                + [focus_row("111111111111", "2026-10-03", "AmazonEC2", "500", "1", currency="JPY")]
            )
        )
        self.assertEqual((run.rows_imported, run.rows_rejected), (2, 1))
        self.assertEqual(
            run.rejection_ids.reason,
            "currency 'JPY' is not active in Odoo: activate it and give it rates",
        )
        self.assertEqual(self.db_sum_billed_cost(), Decimal("3.75"))

    def test_empty_fields_keep_their_place_in_the_dedup_key(self):
        # InvoiceId and ResourceId are neighbours: "X," and ",X" are different lines.
        first = dict(
            focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "1"), InvoiceId="X"
        )
        second = dict(first, InvoiceId="", ResourceId="X")
        run = self.import_bytes(focus_csv([first, second]))
        self.assertEqual((run.rows_imported, run.rows_duplicate), (2, 0))

    @mute_logger("odoo.addons.billbyte_usage.models.usage_import", "odoo.sql_db")
    def test_database_refusing_the_batch_fails_the_run_and_rerun_succeeds(self):
        self.import_bytes(focus_csv(good_rows()[:1]), filename="earlier.csv")
        sum_before = self.db_sum_billed_cost()
        lines_before = self.usage_lines().read(["amount"])
        self.env.cr.execute(
            "ALTER TABLE billbyte_usage_record ADD CONSTRAINT test_refuse_october_2nd "
            "CHECK (charge_date <> '2026-10-02')"
        )
        run = self.import_bytes(
            focus_csv(
                good_rows() + [focus_row("111111111111", "2026-10-01", "AmazonS3", "9.99", "1")]
            )
        )
        self.assertEqual(run.state, "failed")
        self.assertIn("The database refused the import", run.message)
        self.assertIn("test_refuse_october_2nd", run.message)
        # Nothing of that file landed, what was there before is intact.
        self.assertEqual(self.db_sum_billed_cost(), sum_before)
        self.assertEqual(self.usage_lines().read(["amount"]), lines_before)
        self.assertFalse(self.records(service_name="AmazonS3"))
        self.env.cr.execute(
            "ALTER TABLE billbyte_usage_record DROP CONSTRAINT test_refuse_october_2nd"
        )
        run.action_process()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_imported, run.rows_duplicate), (2, 1))
        self.assertEqual(self.db_sum_billed_cost(), Decimal("13.74"))
