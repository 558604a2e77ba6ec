# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingJobs(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Jobs are enqueued here, not run inline.
        cls.env = cls.env(
            context={k: v for k, v in cls.env.context.items() if k != "queue_job__no_delay"}
        )
        cls.company.billbyte_billing_batch_size = 1

    def jobs(self, run):
        return self.env["queue.job"].search(
            [
                ("method_name", "=", "_bill_batch"),
                ("identity_key", "=like", f"billbyte_billing_run:{run.id}:%"),
                ("state", "=", "pending"),
            ]
        )

    def perform(self, jobs):
        for record in jobs:
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()

    def _usage_for_all(self):
        self.import_rows(
            self.month_rows(account="111111111111", days=2)
            + self.month_rows(account="222222222222", days=2)
            + self.month_rows(account="333333333333", days=2)
        )

    def test_a_large_run_is_split_into_jobs_of_a_batch_each(self):
        self._usage_for_all()
        run = self.env["billbyte.billing.run"].create(
            {"date": date(2026, 4, 1), "partner_ids": [(6, 0, self.customers.ids)]}
        )
        run.action_start()
        jobs = self.jobs(run)
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("channel")), {"root.billbyte_billing"})
        self.assertEqual(run.state, "running")
        self.assertEqual(run.pending_count, 3)
        self.assertFalse(run.invoice_ids)
        self.perform(jobs)
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(len(run.invoice_ids), 3)
        self.assertEqual(run.invoice_ids.partner_id, self.customers)

    def test_a_failed_batch_fails_alone_and_is_retried_alone(self):
        self._usage_for_all()
        # Fabrikam's receivable account is deprecated: posting its invoice fails.
        receivable = self.fabrikam.property_account_receivable_id.copy(
            {"code": "121099", "name": "Old receivable"}
        )
        receivable.deprecated = True
        self.fabrikam.property_account_receivable_id = receivable
        run = self.env["billbyte.billing.run"].create(
            {"date": date(2026, 4, 1), "partner_ids": [(6, 0, self.customers.ids)]}
        )
        run.action_start()
        self.perform(self.jobs(run))
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.invoice_ids.partner_id, self.contoso | self.northwind)
        failed = run.line_ids.filtered(lambda line: line.state == "failed")
        self.assertEqual(failed.partner_id, self.fabrikam)
        self.assertIn("deprecated", failed.message)
        self.assertIn("failed", run.log)
        # Nothing of Fabrikam's usage is marked billed, no half invoice is left.
        self.assertFalse(any(self.usage_lines(self.account_fabrikam).mapped("billbyte_billed")))
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.fabrikam.id)]))
        self.assertFalse(self.account_fabrikam.billed_until)
        receivable.deprecated = False
        done = self.env["queue.job"].search([("method_name", "=", "_bill_batch")])
        run.action_retry_failed()
        retry = self.env["queue.job"].search([("method_name", "=", "_bill_batch")]) - done
        self.assertEqual(len(retry), 1)
        self.perform(retry)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 3)
        self.assertEqual(
            len(self.env["account.move"].search([("partner_id", "in", self.customers.ids)])), 3
        )

    def test_the_daily_cron_bills_closed_periods(self):
        self._usage_for_all()
        self.env["billbyte.billing.run"].with_context(queue_job__no_delay=True)._cron_bill()
        run = self.env["billbyte.billing.run"].search([("trigger", "=", "cron")], limit=1)
        self.assertEqual(run.date, date.today())
        self.assertIn(run.state, ("done", "failed"))
        self.assertTrue(self.account_contoso.billed_until)
