# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Month-to-date deliveries: unchanged blocks (account x day) are skipped, changed
ones are imported and restated as any import restates."""

from decimal import Decimal

from odoo.sql_db import db_connect
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..models.connection import PULL_LOCK_SPACE
from .common import UsageCommon, focus_csv, focus_row


def contoso(day, cost, resource="i-1", **kwargs):
    return focus_row(
        "111111111111",
        day,
        "AmazonEC2",
        cost,
        "10",
        "BoxUsage:m5.large",
        resource=resource,
        **kwargs,
    )


def northwind(day, cost, resource="vm-1", **kwargs):
    return focus_row(
        "333333333333", day, "AmazonS3", cost, "5", "Storage", resource=resource, **kwargs
    )


@tagged("post_install", "-at_install")
class TestUsageBlocks(UsageCommon):
    def blocks(self, connection=None):
        return self.env["billbyte.usage.block"].search(
            [("connection_id", "=", (connection or self.connection).id)]
        )

    def lines_by_day(self, account):
        return {
            str(line.date): (line.amount, line.billbyte_price)
            for line in self.usage_lines(account, billbyte_billed=False)
        }

    def month(self, days, changes=None):
        """A month-to-date delivery of days 1..days: two rows of Contoso and one of
        Northwind a day; `changes` {(account, day, resource): cost} restates some."""
        changes = changes or {}
        rows = []
        for day in range(1, days + 1):
            date = f"2026-10-{day:02d}"
            for resource, cost in (("i-1", "1.00"), ("i-2", "2.00")):
                cost = changes.get(("contoso", day, resource), cost)
                if cost is not None:
                    rows.append(contoso(date, cost, resource=resource))
            cost = changes.get(("northwind", day, "vm-1"), "0.50")
            if cost is not None:
                rows.append(northwind(date, cost))
        return focus_csv(rows)

    def test_month_to_date_deliveries_import_only_what_changed(self):
        first = self.import_bytes(self.month(2), filename="mtd-02.csv")
        self.assertEqual((first.rows_imported, first.rows_duplicate), (6, 0), first.message)
        self.assertEqual(len(self.blocks()), 4)
        second = self.import_bytes(self.month(3), filename="mtd-03.csv")
        self.assertEqual(second.state, "done", second.message)
        # Days 1 and 2 are unchanged blocks: skipped, counted as duplicates.
        self.assertEqual(
            (second.rows_read, second.rows_imported, second.rows_duplicate, second.rows_replaced),
            (9, 3, 6, 0),
        )
        self.assertEqual(self.db_run_sums(second), (Decimal("10.50"), Decimal("10.50")))
        self.assertEqual(
            (str(second.period_start), str(second.period_end)), ("2026-10-01", "2026-10-03")
        )
        blocks = self.blocks()
        self.assertEqual(len(blocks), 6)
        self.assertEqual(blocks.filtered(lambda b: str(b.charge_date) < "2026-10-03").run_id, first)
        self.assertEqual(
            blocks.filtered(lambda b: str(b.charge_date) == "2026-10-03").run_id, second
        )
        self.assertEqual(len(self.records()), 9)
        self.assertEqual(self.db_sum_billed_cost(), Decimal("10.50"))
        self.assertEqual(
            self.lines_by_day(self.account_contoso),
            {f"2026-10-0{day}": (-3.0, 3.6) for day in (1, 2, 3)},
        )
        # The same delivery again changes nothing.
        again = self.import_bytes(self.month(3), filename="mtd-03-again.csv")
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 9), again.message)
        self.assertEqual(self.db_run_sums(again), (Decimal("10.50"), Decimal("10.50")))
        self.assertEqual(len(self.records()), 9)

    def test_delivery_that_drops_rows_restates_them(self):
        """The vendor's new delivery no longer holds a row of Oct 1st: it is gone from
        the unbilled usage, as any restatement removes it."""
        self.import_bytes(self.month(2), filename="mtd-02.csv")
        run = self.import_bytes(self.month(3, {("contoso", 1, "i-2"): None}), filename="mtd-03.csv")
        self.assertEqual((run.rows_imported, run.rows_replaced), (3, 1), run.message)
        self.assertFalse(self.records(charge_date="2026-10-01", resource_id="i-2"))
        self.assertEqual(self.lines_by_day(self.account_contoso)["2026-10-01"], (-1.0, 1.2))
        self.assertEqual(self.db_sum_billed_cost(), Decimal("8.50"))
        # The restated block's digest is the new one: the same delivery again is skipped.
        again = self.import_bytes(
            self.month(3, {("contoso", 1, "i-2"): None}), filename="mtd-03-again.csv"
        )
        self.assertEqual((again.rows_imported, again.rows_replaced), (0, 0), again.message)

    def test_delivery_that_drops_rows_of_an_invoiced_day_reverses_them(self):
        self.import_bytes(self.month(2), filename="mtd-02.csv")
        self.env["account.analytic.line"].search(
            [("billbyte_cloud_account_id", "=", self.account_contoso.id)]
        ).write({"billbyte_billed": True})
        self.account_contoso.billed_until = "2026-10-02"
        run = self.import_bytes(self.month(3, {("contoso", 2, "i-2"): None}), filename="mtd-03.csv")
        # The new day's 3 rows; the dropped row reversed in the next open period.
        self.assertEqual((run.rows_imported, run.rows_replaced), (3, 1), run.message)
        reversal = self.records(resource_id="i-2", charge_date="2026-10-02").filtered(
            lambda r: r.billed_cost < 0
        )
        self.assertEqual(len(reversal), 1)
        self.assertEqual(
            (str(reversal.usage_date), reversal.corrected_period), ("2026-10-03", "2026-10")
        )
        correction = self.usage_lines(
            self.account_contoso, billbyte_billed=False, billbyte_corrected_period="2026-10"
        )
        self.assertEqual((correction.amount, correction.billbyte_price), (2.0, -2.4))
        again = self.import_bytes(
            self.month(3, {("contoso", 2, "i-2"): None}), filename="mtd-03-again.csv"
        )
        self.assertEqual((again.rows_imported, again.rows_replaced), (0, 0), again.message)

    def test_block_missing_from_a_delivery_is_left_as_it_is(self):
        """A delivery without any row of an account and day does not restate that
        block (a source restates the accounts and days it holds: partial and
        overlapping files); its records, lines and digest stay. Brought back
        unchanged, it is skipped; changed, it is imported."""
        self.import_bytes(self.month(2), filename="mtd-02.csv")
        lines = self.lines_by_day(self.account_northwind)
        run = self.import_bytes(
            self.month(3, {("northwind", 1, "vm-1"): None}), filename="mtd-03.csv"
        )
        self.assertEqual((run.rows_imported, run.rows_replaced), (3, 0), run.message)
        self.assertEqual(len(self.records(cloud_account_id=self.account_northwind.id)), 3)
        self.assertEqual(
            self.lines_by_day(self.account_northwind), {**lines, "2026-10-03": lines["2026-10-02"]}
        )
        back = self.import_bytes(self.month(3), filename="mtd-03-back.csv")
        self.assertEqual((back.rows_imported, back.rows_duplicate), (0, 9), back.message)
        changed = self.import_bytes(
            self.month(3, {("northwind", 1, "vm-1"): "0.75"}), filename="mtd-03-changed.csv"
        )
        self.assertEqual((changed.rows_imported, changed.rows_replaced), (1, 1), changed.message)
        self.assertEqual(self.lines_by_day(self.account_northwind)["2026-10-01"][0], -0.75)

    def test_one_cent_changed_in_an_unchanged_looking_block(self):
        """Same rows, same count, one row a cent dearer: the block is imported again
        and the cent is there, in the record, the line and the run's sums."""
        self.import_bytes(self.month(3), filename="mtd-03.csv")
        run = self.import_bytes(
            self.month(3, {("contoso", 2, "i-1"): "1.01"}), filename="mtd-03-cent.csv"
        )
        self.assertEqual(
            (run.rows_imported, run.rows_replaced, run.rows_duplicate), (1, 1, 8), run.message
        )
        self.assertEqual(self.db_run_sums(run), (Decimal("10.51"), Decimal("10.51")))
        self.assertEqual(self.db_sum_billed_cost(), Decimal("10.51"))
        record = self.records(charge_date="2026-10-02", resource_id="i-1")
        self.assertEqual(record.billed_cost, 1.01)
        self.assertEqual(self.lines_by_day(self.account_contoso)["2026-10-02"], (-3.01, 3.61))
        block = self.blocks().filtered(
            lambda b: (
                str(b.charge_date) == "2026-10-02" and b.cloud_account_id == self.account_contoso
            )
        )
        self.assertEqual(block.run_id, run)

    def test_blocks_with_rejected_or_unmatched_rows_are_imported_every_time(self):
        rows = [
            contoso("2026-10-01", "1.00"),
            contoso("2026-10-01", "2.00", resource="i-2", currency="EUR"),
            focus_row("999999999999", "2026-10-01", "AmazonEC2", "4.00"),
        ]
        self.eur.active = False
        first = self.import_bytes(focus_csv(rows))
        self.assertEqual(
            (first.rows_imported, first.rows_rejected, first.rows_unmatched), (2, 1, 1)
        )
        self.assertFalse(self.blocks())
        self.eur.active = True
        again = self.import_bytes(focus_csv(rows), filename="again.csv")
        # The row rejected before imports now: its block was not skipped.
        self.assertEqual((again.rows_imported, again.rows_rejected), (1, 0), again.message)
        self.assertEqual(len(self.blocks()), 1)
        self.assertEqual(len(self.records()), 3)

    def test_other_connection_restating_forgets_blocks_it_held_as_duplicates(self):
        """A line delivered by two connections is stored once. When the connection
        that stored it drops it, the other connection's block is imported again on
        its next delivery, so that the line it still holds is there once."""
        other = self.env["billbyte.connection"].create(
            {"name": "AWS second payer", "vendor_id": self.aws.id, "kind": "file"}
        )
        self.import_bytes(self.month(1), filename="a.csv")
        dup = self.import_bytes(self.month(1), filename="b.csv", connection=other)
        self.assertEqual((dup.rows_imported, dup.rows_duplicate), (0, 3))
        self.import_bytes(self.month(1, {("contoso", 1, "i-2"): None}), filename="a2.csv")
        self.assertFalse(self.records(resource_id="i-2"))
        run = self.import_bytes(self.month(1), filename="b2.csv", connection=other)
        self.assertEqual(run.rows_imported, 1, run.message)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM billbyte_usage_record WHERE resource_id = 'i-2' "
            "AND cloud_account_id = %s",
            [self.account_contoso.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        self.assertEqual(self.lines_by_day(self.account_contoso)["2026-10-01"], (-3.0, 3.6))

    def test_two_deliveries_of_the_same_day_at_once_store_each_row_once(self):
        """Two deliveries of the same day arrive together while another import of the
        connection runs (another database session holds its import lock): both are
        refused for now and retried by their job; then each runs, and every row is
        stored once."""
        connection = self.env["billbyte.connection"].create(
            {"name": "AWS same-day deliveries", "vendor_id": self.aws.id, "kind": "file"}
        )
        runs = self.env["billbyte.usage.import"]
        for name, data in (
            ("morning.csv", self.month(2)),
            ("evening.csv", self.month(2, {("contoso", 2, "i-1"): "1.50"})),
        ):
            runs |= runs.create(
                {
                    "connection_id": connection.id,
                    "source": name,
                    "attachment_id": self.env["ir.attachment"]
                    .create({"name": name, "raw": data})
                    .id,
                }
            )
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SET lock_timeout = '5s'")
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", [PULL_LOCK_SPACE, connection.id])
            self.assertTrue(other.fetchone()[0])
            for run in runs:
                with self.assertRaises(RetryableJobError):
                    run._job_import()
            self.assertFalse(
                self.env["billbyte.usage.record"].search([("connection_id", "=", connection.id)])
            )
            other.execute("SELECT pg_advisory_unlock(%s, %s)", [PULL_LOCK_SPACE, connection.id])
        finally:
            other.close()
        for run in runs:
            run._job_import()
        self.assertEqual(runs.mapped("state"), ["done", "done"], runs.mapped("message"))
        morning, evening = runs
        self.assertEqual(morning.rows_imported, 6)
        self.assertEqual((evening.rows_imported, evening.rows_replaced), (1, 1), evening.message)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*), count(DISTINCT (cloud_account_id, charge_date, resource_id)), "
            "sum(billed_cost)::text FROM billbyte_usage_record WHERE connection_id = %s",
            [connection.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (6, 6, "7.50"))

    def test_deleted_records_are_imported_again_by_the_next_delivery(self):
        self.import_bytes(self.month(2), filename="mtd-02.csv")
        self.records(charge_date="2026-10-01").unlink()
        run = self.import_bytes(self.month(2), filename="mtd-02-again.csv")
        self.assertEqual((run.rows_imported, run.rows_duplicate), (3, 3), run.message)
        self.assertEqual(len(self.records()), 6)
