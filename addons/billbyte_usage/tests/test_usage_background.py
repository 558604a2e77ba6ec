# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from .common import UsageCommon, focus_csv, focus_row


@tagged("post_install", "-at_install")
class TestUsageBackgroundImport(UsageCommon):
    def test_large_upload_is_a_background_job_not_a_long_request(self):
        self.env["ir.config_parameter"].sudo().set_param("billbyte.import_background_bytes", "1000")
        rows = [
            focus_row("111111111111", "2026-10-01", "AmazonEC2", "0.01", "1", resource=f"i-{n}")
            for n in range(50)
        ]
        data = focus_csv(rows)
        self.assertGreater(len(data), 1000)
        wizard = self.env["billbyte.usage.import.wizard"].create(
            {
                "connection_id": self.connection.id,
                "file": base64.b64encode(data),
                "filename": "large.csv",
            }
        )
        run = self.env["billbyte.usage.import"].browse(wizard.action_import()["res_id"])
        # The request only queued it: the user sees the run, queued.
        self.assertEqual(run.state, "queued")
        self.assertIn("imported in the background", run.message)
        self.assertFalse(self.records())
        stored = self.env["queue.job"].search(
            [("model_name", "=", run._name), ("method_name", "=", "_job_import")]
        )
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored.channel, "root.billbyte_import")
        self.assertEqual(stored.records, run)
        job = Job.load(self.env, stored.uuid)
        self.assertEqual(job.job_config.retry_pattern, {1: 30, 5: 120, 10: 600})
        job.perform()
        run.invalidate_recordset()
        self.assertEqual((run.state, run.rows_imported), ("done", 50), run.message)
        self.assertEqual(self.account_contoso.unbilled_amount, 0.6)

    def test_small_upload_is_imported_at_once(self):
        run = self.import_bytes(
            focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "1")])
        )
        self.assertEqual(run.state, "done")
