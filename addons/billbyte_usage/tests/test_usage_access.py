# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.job import Job

from .common import UsageCommon, focus_csv, focus_row


def rows():
    return [
        focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10"),
        focus_row("222222222222", "2026-10-01", "AmazonEC2", "2.00", "24"),
    ]


@tagged("post_install", "-at_install")
class TestUsageAccess(UsageCommon):
    def test_import_runs_as_a_background_job(self):
        run = self.env["billbyte.usage.import"].create(
            {"connection_id": self.connection.id, "source": "bg.csv"}
        )
        run.attachment_id = self.env["ir.attachment"].create(
            {"name": "bg.csv", "raw": focus_csv(rows()), "res_model": run._name, "res_id": run.id}
        )
        run.action_enqueue()
        job = self.env["queue.job"].search(
            [("model_name", "=", "billbyte.usage.import"), ("method_name", "=", "_job_import")]
        )
        self.assertEqual(len(job), 1)
        self.assertEqual(job.records, run)
        self.assertEqual(run.state, "queued")
        Job.load(self.env, job.uuid).perform()
        self.assertEqual((run.state, run.rows_imported), ("done", 2))

    def test_portal_user_reads_only_own_usage(self):
        portal = new_test_user(
            self.env, login="contoso-portal", groups="base.group_portal", partner_id=self.contoso.id
        )
        self.import_bytes(focus_csv(rows()))
        records = self.env["billbyte.usage.record"].with_user(portal).search([])
        self.assertEqual(records.cloud_account_id, self.account_contoso)
        accounts = self.env["billbyte.cloud.account"].with_user(portal).search([])
        self.assertEqual(accounts, self.account_contoso)
        # The provider's costs stay hidden from the customer.
        with self.assertRaises(AccessError):
            records.read(["billed_cost"])
        (summary,) = self.account_contoso.with_user(portal).get_unbilled_usage()
        self.assertNotIn("cost", summary)
        # Decimal strings beside the currency, never binary floats.
        self.assertEqual((summary["currency"], summary["total"]), ("USD", "1.20"))
        with self.assertRaises(AccessError):
            self.env["billbyte.usage.import"].with_user(portal).search([])
        with self.assertRaises(AccessError):
            self.account_fabrikam.with_user(portal).read(["name"])

    def test_other_company_sees_nothing(self):
        self.import_bytes(focus_csv(rows()))
        other_company = self.env["res.company"].create({"name": "Other Provider"})
        user = new_test_user(
            self.env,
            login="other-accountant",
            groups="billbyte_catalog.group_billbyte_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        Record = self.env["billbyte.usage.record"].with_user(user)
        self.assertFalse(Record.search([]))
        self.assertFalse(self.env["billbyte.usage.import"].with_user(user).search([]))
        self.assertFalse(self.env["billbyte.cloud.account"].with_user(user).search([]))

    def test_billbyte_user_cannot_import(self):
        user = new_test_user(self.env, login="sales", groups="billbyte_catalog.group_billbyte_user")
        with self.assertRaises(AccessError):
            self.env["billbyte.usage.import"].with_user(user).create(
                {"connection_id": self.connection.id, "source": "x.csv"}
            )

    def test_master_data_with_usage_cannot_be_deleted(self):
        run = self.import_bytes(focus_csv(rows()))
        for record in (run, self.connection, self.ec2, self.cost_plus_usd, self.account_contoso):
            with self.assertRaises(UserError):
                record.unlink()
