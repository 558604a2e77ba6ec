# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.queue_job.job import Job

from .common import ServiceCommon


@tagged("post_install", "-at_install")
class TestServiceManagement(ServiceCommon):
    """What service management does whatever the vendor: requests, the audit,
    accounts that cannot be enforced, the queue, the buttons and who may do what."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gcp = cls.env.ref("billbyte_catalog.vendor_gcp")
        cls.gcp_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Google Cloud export",
                "vendor_id": cls.gcp.id,
                "kind": "gcp_file",
                "gcp_file_path": "/nonexistent/focus.csv",
            }
        )
        cls.gcp_account = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Tailspin project",
                "vendor_id": cls.gcp.id,
                "vendor_account_id": "tailspin-prod-4711",
                "partner_id": cls.contoso.id,
                "connection_id": cls.gcp_connection.id,
                "user_id": cls.cloud_manager.id,
            }
        )

    def test_file_connection_cannot_enforce_the_account_is_flagged_once(self):
        action = self.gcp_account.billbyte_suspend("Budget exceeded", origin=self.contoso)
        self.assertEqual(action.state, "not_enforceable")
        self.assertIn("cannot act on accounts at the vendor", action.vendor_answer)
        self.assertEqual(action.origin, self.contoso)
        self.assertEqual(action.connection_id, self.gcp_connection)
        self.assertEqual(self.gcp_account.state, "active")
        self.assertTrue(self.gcp_account.enforcement_flag)
        self.assertIn("cannot act on accounts", self.gcp_account.enforcement_flag_reason)
        (activity,) = self.activities(self.gcp_account)
        self.assertEqual(activity.user_id, self.cloud_manager)
        self.assertIn("Over limit, not enforceable", activity.summary)
        # Asked again (a budget checks every day): the same action, no second activity.
        self.assertEqual(self.gcp_account.billbyte_suspend("Budget exceeded"), action)
        restricted = self.gcp_account.billbyte_restrict_service("BigQuery", "Over its limit")
        self.assertEqual(restricted.state, "not_enforceable")
        self.assertFalse(self.gcp_account._billbyte_can_restrict("BigQuery"))
        self.assertEqual(len(self.activities(self.gcp_account)), 1)
        self.assertEqual(len(self.service_actions(self.gcp_account)), 2)
        # Resuming clears the flag.
        resumed = self.gcp_account.billbyte_resume("Budget raised")
        self.assertEqual(resumed.state, "not_enforceable")
        self.assertFalse(self.gcp_account.enforcement_flag)
        self.assertEqual(self.gcp_account.state, "active")

    def test_account_without_connection_cannot_be_enforced(self):
        self.account_contoso.connection_id = False
        self.account_contoso.user_id = False
        action = self.account_contoso.with_user(self.cloud_user).billbyte_suspend("Over budget")
        self.assertEqual(action.state, "not_enforceable")
        self.assertIn("no vendor connection", action.vendor_answer)
        self.assertEqual(action.requested_by_id, self.cloud_user)
        # No account manager: whoever asked gets the activity.
        self.assertEqual(self.activities(self.account_contoso).user_id, self.cloud_user)

    def test_connection_and_manager_defaults(self):
        self.contoso.user_id = self.cloud_manager
        account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Tailspin staging",
                "vendor_id": self.gcp.id,
                "vendor_account_id": "tailspin-staging-4712",
                "partner_id": self.contoso.id,
            }
        )
        # The company's only Google Cloud connection; the customer's salesperson.
        self.assertEqual(account.connection_id, self.gcp_connection)
        self.assertEqual(account.user_id, self.cloud_manager)
        self.gcp_connection.copy({"name": "Second export"})
        other = account.copy({"vendor_account_id": "tailspin-test-4713"})
        self.assertEqual(other.connection_id, self.gcp_connection)  # kept, still valid
        self.assertFalse(
            self.env["billbyte.cloud.account"]
            .create(
                {
                    "name": "Tailspin dev",
                    "vendor_id": self.gcp.id,
                    "vendor_account_id": "tailspin-dev-4714",
                    "partner_id": self.fabrikam.id,
                }
            )
            .connection_id,
            "two connections of the vendor: none is picked",
        )

    def test_two_requests_make_one_action_and_one_job(self):
        # Queued for real (queue_job's trap_jobs does not import on this Odoo).
        account = self.gcp_account.with_context(queue_job__no_delay=False)
        first = account.billbyte_suspend("Budget exceeded")
        second = account.billbyte_suspend("Budget exceeded, again")
        self.assertEqual(first, second)
        self.assertEqual(first.state, "pending")
        jobs = (
            self.env["queue.job"]
            .search(
                [("model_name", "=", "billbyte.service.action"), ("method_name", "=", "_execute")]
            )
            .filtered(lambda job: job.records == first)
        )
        self.assertEqual(len(jobs), 1)
        self.assertEqual(
            (jobs.method_name, jobs.channel, jobs.uuid),
            ("_execute", "root.billbyte_service", first.job_uuid),
        )
        self.assertTrue(jobs.identity_key.startswith(f"billbyte.service.action:{first.id}:"))
        # Queued again (the scheduled action finds it lost): still the one job.
        first._enqueue()
        self.assertEqual(self.env["queue.job"].search_count([("uuid", "=", first.job_uuid)]), 1)
        self.assertEqual(
            self.env["queue.job"].search_count([("identity_key", "=", jobs.identity_key)]), 1
        )
        # A resumption is another action, sent after the suspension.
        resume = account.billbyte_resume("Paid")
        self.assertNotEqual(resume, first)
        Job.load(self.env, first.job_uuid).perform()
        Job.load(self.env, resume.job_uuid).perform()
        self.assertEqual((first.state, resume.state), ("not_enforceable", "not_enforceable"))
        self.assertFalse(self.gcp_account.enforcement_flag)

    def test_reason_and_service_are_required(self):
        with self.assertRaises(UserError):
            self.gcp_account.billbyte_suspend("  ")
        with self.assertRaises(UserError):
            self.gcp_account.billbyte_restrict_service("", "Over its limit")
        with self.assertRaises(UserError):
            self.gcp_account.billbyte_suspend("Over budget", origin="no.such.model,1")

    def test_buttons_ask_the_reason_in_a_wizard(self):
        action = self.gcp_account.action_suspend()
        self.assertEqual(action["res_model"], "billbyte.service.action.wizard")
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard.reason = "Customer asked for it"
        wizard.save().action_confirm()
        (suspension,) = self.service_actions(self.gcp_account)
        self.assertEqual(
            (suspension.action, suspension.reason), ("suspend", "Customer asked for it")
        )
        # From code, the reason may come with the context instead.
        self.assertTrue(
            self.gcp_account.with_context(billbyte_reason="Budget raised").action_resume()
        )
        self.assertEqual(self.service_actions(self.gcp_account)[-1].action, "resume")
        action = self.gcp_account.action_restrict_service()
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard.service_name = "BigQuery"
        wizard.reason = "Over its limit"
        wizard.save().action_confirm()
        self.assertEqual(self.service_actions(self.gcp_account)[-1].service_name, "BigQuery")
        self.assertEqual(self.gcp_account.service_action_count, 3)
        shown = self.gcp_account.action_view_service_actions()
        self.assertEqual(
            self.env["billbyte.service.action"].search(shown["domain"]),
            self.service_actions(self.gcp_account),
        )

    def test_public_methods_over_rpc_return_ids(self):
        account = self.gcp_account.with_user(self.cloud_user)
        result = call_kw(
            account.browse(),
            "billbyte_suspend",
            [[account.id], "Budget exceeded"],
            {"origin": f"res.partner,{self.contoso.id}"},
        )
        (action,) = self.service_actions(self.gcp_account)
        self.assertEqual(result, [action.id])
        self.assertEqual(action.origin, self.contoso)
        self.assertEqual(action.requested_by_id, self.cloud_user)

    def test_only_administrators_purge(self):
        account = self.gcp_account.with_user(self.cloud_user)
        self.assertEqual(account.billbyte_suspend("Budget exceeded").state, "not_enforceable")
        with self.assertRaises(AccessError):
            account.billbyte_purge("Customer left")
        with self.assertRaises(AccessError):
            account.action_purge()
        self.assertEqual(len(self.service_actions(self.gcp_account)), 1)
        # Nobody writes the audit by hand, not even an administrator.
        action = self.service_actions(self.gcp_account)
        with self.assertRaises(AccessError):
            action.with_user(self.cloud_manager).write({"state": "done"})
        with self.assertRaises(AccessError):
            action.with_user(self.cloud_manager).unlink()
        # Someone outside Cloud Billing may not act either.
        clerk = new_test_user(self.env, login="bb_svc_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.gcp_account.with_user(clerk).billbyte_suspend("Budget exceeded")

    def test_other_company_actions_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "BillByte Other"})
        other_account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Other company account",
                "vendor_id": self.gcp.id,
                "vendor_account_id": "other-company-1",
                "partner_id": self.fabrikam.id,
                "company_id": other_company.id,
            }
        )
        theirs = other_account.billbyte_suspend("Budget exceeded")
        ours = self.gcp_account.billbyte_suspend("Budget exceeded")
        Action = self.env["billbyte.service.action"].with_user(self.cloud_manager)
        self.assertEqual(Action.search([("id", "in", (theirs | ours).ids)]), ours)
        with self.assertRaises(AccessError):
            theirs.with_user(self.cloud_manager).read(["reason"])
        with self.assertRaises(AccessError):
            other_account.with_user(self.cloud_manager).billbyte_resume("Paid")

    def test_portal_user_cannot_read_actions(self):
        action = self.gcp_account.billbyte_suspend("Budget exceeded")
        portal = new_test_user(
            self.env,
            login="bb_svc_portal",
            groups="base.group_portal",
            partner_id=self.contoso.id,
        )
        # The customer reads their account, not the vendor actions on it.
        self.assertEqual(self.gcp_account.with_user(portal).read(["state"])[0]["state"], "active")
        with self.assertRaises(AccessError):
            self.env["billbyte.service.action"].with_user(portal).search([])
        with self.assertRaises(AccessError):
            action.with_user(portal).read(["reason"])
        with self.assertRaises(AccessError):
            self.gcp_account.with_user(portal).billbyte_suspend("Budget exceeded")
