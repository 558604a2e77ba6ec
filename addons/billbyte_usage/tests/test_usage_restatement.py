# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged

from .common import UsageCommon, focus_csv, focus_row


def contoso(day, cost, **kwargs):
    return focus_row("111111111111", day, "AmazonEC2", cost, "10", "BoxUsage:m5.large", **kwargs)


@tagged("post_install", "-at_install")
class TestUsageRestatement(UsageCommon):
    def test_same_file_twice_changes_nothing(self):
        data = focus_csv([contoso("2026-10-01", "1.00"), contoso("2026-10-02", "2.00")])
        first = self.import_bytes(data)
        lines_before = self.usage_lines().read(["id", "amount", "billbyte_price", "date"])
        records_before = self.records().ids
        second = self.import_bytes(data, filename="focus-again.csv")
        self.assertEqual(second.state, "done", second.message)
        self.assertEqual((second.rows_read, second.rows_imported, second.rows_duplicate), (2, 0, 2))
        self.assertEqual(second.rows_replaced, 0)
        self.assertEqual(self.records().ids, records_before)
        self.assertEqual(
            self.usage_lines().read(["id", "amount", "billbyte_price", "date"]), lines_before
        )
        self.assertEqual(self.db_sum_billed_cost(), Decimal("3.00"))
        self.assertEqual(first.rows_imported, 2)

    def test_two_connections_add_up_on_one_unbilled_line(self):
        """A second source for the same account, day and service adds to the line the
        first built (the line is summed again from all its records)."""
        self.import_bytes(focus_csv([contoso("2026-10-05", "1.00")]))
        other = self.env["billbyte.connection"].create(
            {"name": "AWS second payer", "vendor_id": self.aws.id, "kind": "file"}
        )
        run = self.import_bytes(focus_csv([contoso("2026-10-05", "2.50")]), connection=other)
        self.assertEqual(run.rows_imported, 1, run.message)
        line = self.usage_lines(self.account_contoso)
        self.assertEqual(len(line), 1)
        self.assertEqual((line.amount, line.unit_amount), (-3.50, 20.0))
        self.assertAlmostEqual(line.billbyte_price, 4.20, places=2)
        # The first source again changes nothing; a restatement of it keeps the other's.
        self.import_bytes(focus_csv([contoso("2026-10-05", "1.00")]))
        self.assertEqual(self.usage_lines(self.account_contoso).amount, -3.50)
        self.import_bytes(focus_csv([contoso("2026-10-05", "0.50")]))
        line = self.usage_lines(self.account_contoso)
        self.assertEqual((len(line), line.amount), (1, -3.00))
        self.assertAlmostEqual(line.billbyte_price, 3.60, places=2)

    def test_new_row_beside_known_rows_that_are_now_rejected_is_imported(self):
        """Rows already imported that a later file repeats but that are now rejected
        (their currency was deactivated) do not hide the file's new rows."""
        known = [contoso("2026-10-05", "1.00"), contoso("2026-10-05", "2.00", currency="EUR")]
        first = self.import_bytes(focus_csv(known))
        self.assertEqual(first.rows_imported, 2, first.message)
        self.eur.active = False
        run = self.import_bytes(focus_csv([*known, contoso("2026-10-06", "4.00")]))
        self.assertEqual(
            (run.rows_imported, run.rows_duplicate, run.rows_rejected), (1, 1, 1), run.message
        )
        self.assertEqual(len(self.records()), 3)
        self.assertEqual(self.db_sum_billed_cost(), Decimal("7.00"))

    def test_identical_lines_within_one_file_are_both_kept(self):
        row = contoso("2026-10-01", "1.00")
        run = self.import_bytes(focus_csv([row, dict(row)]))
        self.assertEqual(run.rows_imported, 2)
        again = self.import_bytes(focus_csv([row, dict(row)]), filename="again.csv")
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 2))
        self.assertEqual(self.usage_lines().amount, -2.0)

    def test_restatement_replaces_unbilled_period(self):
        self.import_bytes(
            focus_csv(
                [
                    contoso("2026-10-01", "1.00", resource="i-1"),
                    contoso("2026-10-01", "3.00", resource="i-2"),
                    contoso("2026-10-02", "2.00", resource="i-1"),
                ]
            )
        )
        # The vendor restates Oct 1st: i-1 now costs 1.50 and i-2 is gone.
        run = self.import_bytes(
            focus_csv([contoso("2026-10-01", "1.50", resource="i-1")]), filename="restated.csv"
        )
        self.assertEqual((run.rows_imported, run.rows_replaced, run.rows_duplicate), (1, 2, 0))
        self.assertEqual(self.db_sum_billed_cost(), Decimal("3.50"))
        lines = {str(line.date): (line.amount, line.billbyte_price) for line in self.usage_lines()}
        self.assertEqual(lines, {"2026-10-01": (-1.50, 1.80), "2026-10-02": (-2.00, 2.40)})

    def test_overlapping_files_for_the_same_period(self):
        first = [contoso(f"2026-10-0{day}", "1.00") for day in (1, 2, 3)]
        second = [contoso(f"2026-10-0{day}", "2.00") for day in (3, 4, 5)]
        self.import_bytes(focus_csv(first), filename="days-1-3.csv")
        run = self.import_bytes(focus_csv(second), filename="days-3-5.csv")
        self.assertEqual((run.rows_imported, run.rows_replaced), (3, 1))
        self.assertEqual(len(self.records()), 5)
        amounts = {str(line.date): line.amount for line in self.usage_lines()}
        self.assertEqual(
            amounts,
            {
                "2026-10-01": -1.0,
                "2026-10-02": -1.0,
                "2026-10-03": -2.0,
                "2026-10-04": -2.0,
                "2026-10-05": -2.0,
            },
        )

    def test_late_rows_for_an_invoiced_period_go_to_the_next_open_period(self):
        self.import_bytes(focus_csv([contoso("2026-10-01", "1.00"), contoso("2026-10-02", "2.00")]))
        # October 1st to 2nd is invoiced.
        self.env["account.analytic.line"].search(
            [("billbyte_cloud_account_id", "=", self.account_contoso.id)]
        ).write({"billbyte_billed": True})
        self.account_contoso.billed_until = "2026-10-02"
        invoiced = self.usage_lines().read(["id", "amount", "billbyte_price"])
        # An Oct 1st row again, a late row for Oct 1st and a correction for Oct 2nd.
        run = self.import_bytes(
            focus_csv(
                [
                    contoso("2026-10-01", "1.00"),  # already imported: duplicate
                    contoso("2026-10-01", "0.25", resource="i-late"),
                    contoso(
                        "2026-10-02", "-0.40", category="Adjustment", charge_class="Correction"
                    ),
                ]
            ),
            filename="late.csv",
        )
        self.assertEqual((run.rows_imported, run.rows_duplicate, run.rows_late), (2, 1, 2))
        self.assertEqual(run.rows_replaced, 0)
        # Invoiced lines are untouched.
        self.assertEqual(
            self.usage_lines(billbyte_billed=True).read(["id", "amount", "billbyte_price"]),
            invoiced,
        )
        corrections = self.usage_lines(billbyte_billed=False)
        self.assertEqual(len(corrections), 1)
        self.assertEqual(str(corrections.date), "2026-10-03")
        self.assertEqual(corrections.billbyte_corrected_period, "2026-10")
        self.assertEqual(corrections.amount, 0.15)
        self.assertEqual(corrections.billbyte_price, -0.18)
        self.assertIn("correction of 2026-10", corrections.name)
        # Importing the same late file again adds nothing.
        again = self.import_bytes(
            focus_csv([contoso("2026-10-01", "0.25", resource="i-late")]), filename="l2.csv"
        )
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 1))

    def test_correction_in_open_period_is_labelled(self):
        run = self.import_bytes(
            focus_csv(
                [contoso("2026-10-05", "-1.00", category="Adjustment", charge_class="Correction")]
            )
        )
        self.assertEqual(run.rows_imported, 1)
        line = self.usage_lines()
        self.assertEqual(
            (str(line.date), line.billbyte_corrected_period), ("2026-10-05", "2026-10")
        )
        self.assertEqual(line.billbyte_price, -1.20)

    def test_restated_invoiced_day_bills_only_the_difference(self):
        self.import_bytes(
            focus_csv(
                [
                    contoso("2026-10-01", "1.00", resource="i-0"),
                    contoso("2026-10-02", "2.00", resource="i-1"),
                    contoso("2026-10-02", "3.00", resource="i-2"),
                ]
            )
        )
        self.env["account.analytic.line"].search(
            [("billbyte_cloud_account_id", "=", self.account_contoso.id)]
        ).write({"billbyte_billed": True})
        self.account_contoso.billed_until = "2026-10-02"
        invoiced = self.usage_lines(billbyte_billed=True).read(["id", "amount", "billbyte_price"])
        # The vendor restates Oct 2nd: i-1 now costs 2.50 and i-2 is gone.
        restated = focus_csv([contoso("2026-10-02", "2.50", resource="i-1")])
        run = self.import_bytes(restated, filename="restated-invoiced.csv")
        self.assertEqual((run.rows_imported, run.rows_replaced, run.rows_late), (1, 2, 1))
        self.assertEqual(
            self.usage_lines(billbyte_billed=True).read(["id", "amount", "billbyte_price"]),
            invoiced,
        )
        correction = self.usage_lines(billbyte_billed=False)
        self.assertEqual(len(correction), 1)
        self.assertEqual(
            (str(correction.date), correction.billbyte_corrected_period), ("2026-10-03", "2026-10")
        )
        # +2.50 - 2.00 - 3.00 = -2.50 of cost, -3.00 for the customer (cost-plus 20 %)
        self.assertEqual((correction.amount, correction.billbyte_price), (2.50, -3.00))
        # Oct 1st was not in the file: left alone.
        self.assertEqual(len(self.records(charge_date="2026-10-01")), 1)
        again = self.import_bytes(restated, filename="restated-again.csv")
        self.assertEqual(
            (again.rows_imported, again.rows_replaced, again.rows_duplicate), (0, 0, 1)
        )
        self.assertEqual(
            self.usage_lines(billbyte_billed=False).read(["amount", "billbyte_price"]),
            correction.read(["amount", "billbyte_price"]),
        )
