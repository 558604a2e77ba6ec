# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
import tempfile

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from .common import FOCUS_12_HEADER, UsageCommon, focus_csv, focus_row

# Google Cloud's FOCUS export: the common FOCUS 1.2 columns, without InvoiceId,
# ResourceId and vendor extensions.
GCP_HEADER = [
    column for column in FOCUS_12_HEADER if column not in ("InvoiceId", "ResourceId", "x_UsageType")
]


@tagged("post_install", "-at_install")
class TestConnectionPull(UsageCommon):
    """Google Cloud FOCUS export files, scheduled pulls as queue jobs, one pull at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gcp = cls.env.ref("billbyte_catalog.vendor_gcp")
        cls.folder = tempfile.mkdtemp(prefix="billbyte-gcp-")
        cls.gcp_path = os.path.join(cls.folder, "focus-export.csv")
        cls.gcp_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Google Cloud billing account",
                "vendor_id": cls.gcp.id,
                "kind": "gcp_file",
                "gcp_file_path": cls.gcp_path,
            }
        )
        cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso GCP project",
                "vendor_id": cls.gcp.id,
                "vendor_account_id": "contoso-prod-4711",
                "partner_id": cls.contoso.id,
            }
        )

    def write_gcp_export(self, cost):
        row = focus_row(
            "contoso-prod-4711", "2026-10-01", "Compute Engine", cost, "24", "6B8F-E63D-832B"
        )
        row["ProviderName"] = "Google Cloud"
        with open(self.gcp_path, "wb") as handle:
            handle.write(focus_csv([row], header=GCP_HEADER))

    def gcp_records(self):
        return self.env["billbyte.usage.record"].search(
            [("connection_id", "=", self.gcp_connection.id)]
        )

    def test_gcp_focus_export_file_is_pulled_and_restated(self):
        self.write_gcp_export("4.80")
        run = self.gcp_connection._pull()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 1)
        self.assertEqual(self.gcp_records().cloud_account_id.vendor_account_id, "contoso-prod-4711")
        self.assertEqual(self.gcp_connection.state, "ok")
        # Unchanged file: nothing to do. A restated file replaces the day.
        self.assertFalse(self.gcp_connection._pull())
        self.write_gcp_export("5.10")
        os.utime(self.gcp_path, (1, 1))
        run = self.gcp_connection._pull()
        self.assertEqual((run.rows_imported, run.rows_replaced), (1, 1))
        self.assertEqual(self.gcp_records().billed_cost, 5.10)

    def test_gcp_missing_file_fails_the_pull_in_plain_words(self):
        self.gcp_connection.gcp_file_path = os.path.join(self.folder, "nothing-here.csv")
        run = self.gcp_connection._pull()
        self.assertEqual(run.state, "failed")
        self.assertIn("nothing-here.csv cannot be read", run.message)
        self.assertEqual(self.gcp_connection.state, "error")
        result = self.gcp_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")

    def test_cron_queues_one_job_per_due_connection(self):
        self.write_gcp_export("4.80")
        Job_ = self.env["queue.job"]
        self.env["billbyte.connection"]._cron_pull_due()
        jobs = Job_.search(
            [("model_name", "=", "billbyte.connection"), ("method_name", "=", "_pull_job")]
        )
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs.records, self.gcp_connection)
        # Still queued: the next round of the scheduled action adds no second job.
        self.env["billbyte.connection"]._cron_pull_due()
        self.assertEqual(
            Job_.search_count(
                [("model_name", "=", "billbyte.connection"), ("method_name", "=", "_pull_job")]
            ),
            1,
        )
        # The job runs: a pull, i.e. an import run with its counts; the connection is
        # not due again before its interval (one hour by default).
        Job.load(self.env, jobs.uuid).perform()
        run = self.gcp_connection.import_run_ids
        self.assertEqual((run.state, run.rows_imported), ("done", 1))
        self.assertTrue(self.gcp_connection.next_pull_date > self.gcp_connection.last_pull_date)
        self.assertEqual(self.gcp_connection.pull_interval_unit, "hours")
        self.assertFalse(self.env["billbyte.connection"]._cron_pull_due())

    def test_cron_pull_runs_inline_without_delay(self):
        self.write_gcp_export("4.80")
        self.env["billbyte.connection"].with_context(queue_job__no_delay=True)._cron_pull_due()
        self.assertEqual(self.gcp_connection.import_run_ids.rows_imported, 1)

    def test_a_pull_never_runs_twice_at_once(self):
        self.write_gcp_export("4.80")
        # Another worker is pulling this connection: it holds the connection's pull lock.
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(72431, %s)", [self.gcp_connection.id])
            self.assertIs(self.gcp_connection._pull(), False)
            self.assertFalse(self.gcp_connection.import_run_ids)
            other.rollback()
        run = self.gcp_connection._pull()
        self.assertEqual(run.rows_imported, 1)
