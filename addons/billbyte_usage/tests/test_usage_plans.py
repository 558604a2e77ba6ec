# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A large import on a database whose usage table was never analysed must not
stall on a bad plan (once: a nested loop reading the work table once per stored
record, minutes instead of seconds)."""

import csv
import logging
import tempfile
import time
import unittest

from odoo.tests import tagged

from .common import UsageCommon

_logger = logging.getLogger(__name__)

ROWS = 300000
ACCOUNTS = ("111111111111", "222222222222", "333333333333")


@tagged("post_install", "-at_install")
class TestUsageImportPlans(UsageCommon):
    def _write_file(self, handle, month):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "BillingCurrency",
                "BilledCost",
                "ChargePeriodStart",
                "ChargePeriodEnd",
                "ChargeCategory",
                "ServiceName",
                "SubAccountId",
                "PricingQuantity",
                "ResourceId",
            ]
        )
        for n in range(ROWS):
            day = n % 28 + 1
            writer.writerow(
                [
                    "USD",
                    f"0.{n % 9973:04d}",
                    f"{month}-{day:02d}T00:00:00Z",
                    f"{month}-{day + 1:02d}T00:00:00Z",
                    "Usage",
                    f"Service{n % 40}",
                    ACCOUNTS[n % 3],
                    "1",
                    f"r-{n}",
                ]
            )
        handle.flush()

    def _forget_statistics(self):
        """The usage table as on a database that never analysed it (autovacuum off)."""
        cr = self.env.cr
        cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cr.fetchone()[0]:
            raise unittest.SkipTest("forgetting statistics needs a PostgreSQL superuser")
        cr.execute("ALTER TABLE billbyte_usage_record SET (autovacuum_enabled = false)")
        cr.execute("DELETE FROM pg_statistic WHERE starelid = 'billbyte_usage_record'::regclass")
        cr.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 "
            "WHERE oid = 'billbyte_usage_record'::regclass"
        )

    def test_large_import_into_a_never_analysed_table_stays_near_copy_speed(self):
        with tempfile.NamedTemporaryFile("w+", suffix=".csv", newline="") as handle:
            # A month of data already there (a restatement has records to compare).
            self._write_file(handle, "2026-09")
            earlier = self.env["billbyte.usage.import"].create(
                {
                    "connection_id": self.connection.id,
                    "source": "september",
                    "source_path": handle.name,
                }
            )
            earlier._process()
            self.assertEqual(earlier.rows_imported, ROWS, earlier.message)
        self._forget_statistics()
        with tempfile.NamedTemporaryFile("w+", suffix=".csv", newline="") as handle:
            self._write_file(handle, "2026-10")
            cr = self.env.cr
            cr.execute(
                "CREATE TEMP TABLE copy_floor (a text, b text, c text, d text, e text, "
                "f text, g text, h text, i text)"
            )
            started = time.monotonic()
            with open(handle.name, "rb") as source:
                cr._obj.copy_expert("COPY copy_floor FROM STDIN WITH (FORMAT csv, HEADER)", source)
            floor = time.monotonic() - started
            run = self.env["billbyte.usage.import"].create(
                {
                    "connection_id": self.connection.id,
                    "source": "october",
                    "source_path": handle.name,
                }
            )
            started = time.monotonic()
            run._process()
            elapsed = time.monotonic() - started
        self.assertEqual((run.state, run.rows_imported), ("done", ROWS), run.message)
        _logger.info(
            "%s rows into a never-analysed usage table: import %.1f s, COPY %.2f s",
            ROWS,
            elapsed,
            floor,
        )
        # On the development machine: COPY ~0.4 s, the import ~10 s; the stalled
        # plan took over 150 s. The bound leaves room for a slow, busy machine.
        self.assertLess(elapsed, 60 * floor + 60, f"import {elapsed:.1f} s, COPY {floor:.2f} s")
