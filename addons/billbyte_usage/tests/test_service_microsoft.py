# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import ServiceCommon
from .vendor_servers import PartnerCenterStandIn

CUSTOMER = "0a1b2c3d-0000-4000-8000-00000000c0de"
M365 = "b1b2c3d4-2222-4222-8222-0000000000b2"
SUBSCRIPTION_PATH = f"/v1/customers/{CUSTOMER}/subscriptions/{M365}"


@tagged("post_install", "-at_install")
class TestServiceMicrosoft(ServiceCommon):
    """Suspend, resume and cancel a Partner Center subscription by changing its
    status (GET the subscription, PATCH it back), against the stand-in over HTTPS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        stand_in = cls.partner_center
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.ms_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Partner Center",
                "vendor_id": cls.microsoft.id,
                "kind": "microsoft",
                "ms_tenant_id": stand_in.TENANT,
                "ms_client_id": stand_in.CLIENT_ID,
                "ms_client_secret": stand_in.CLIENT_SECRET,
                "ms_authority_url": stand_in.url,
                "ms_graph_url": stand_in.url,
                "ms_partner_center_url": stand_in.url,
                "tls_ca_bundle": stand_in.ca_path,
            }
        )
        cls.m365 = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso M365",
                "vendor_id": cls.microsoft.id,
                # Written in upper case: the calls use the subscription id as usage
                # rows match it (lower case).
                "vendor_account_id": M365.upper(),
                "vendor_customer_id": CUSTOMER,
                "partner_id": cls.contoso.id,
                "connection_id": cls.ms_connection.id,
                "user_id": cls.cloud_manager.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.partner_center.reset()
        self.subscription = self.partner_center.add_subscription(CUSTOMER, M365)

    def patches(self):
        return [(path, body) for path, _headers, body in self.partner_center.patches]

    def test_suspend_and_resume_patch_the_documented_subscription(self):
        etag = self.subscription["attributes"]["etag"]
        action = self.m365.billbyte_suspend("Invoice unpaid for 30 days")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertEqual(self.m365.state, "suspended")
        self.assertEqual(self.subscription["status"], "suspended")
        # The whole subscription resource as Partner Center gave it, status changed,
        # sent back with its ETag.
        ((path, headers, body),) = self.partner_center.patches
        self.assertEqual(path, SUBSCRIPTION_PATH)
        self.assertEqual(headers["if-match"], etag)
        self.assertEqual(headers["authorization"], "Bearer pc-access-token")
        self.assertTrue(headers["content-type"].startswith("application/json"))
        expected = self.partner_center.subscription_resource(
            CUSTOMER,
            M365,
            status="suspended",
            entitlementId=self.subscription["entitlementId"],
            attributes={"etag": etag, "objectType": "Subscription"},
        )
        self.assertEqual(body, expected)
        # Then the status was read back: GET, PATCH, GET.
        calls = [(m, p) for m, p in self.partner_center.requests if p == SUBSCRIPTION_PATH]
        self.assertEqual(
            calls,
            [("GET", SUBSCRIPTION_PATH), ("PATCH", SUBSCRIPTION_PATH), ("GET", SUBSCRIPTION_PATH)],
        )
        self.assertIn("suspended", action.vendor_answer)

        resumed = self.m365.billbyte_resume("Paid")
        self.assertEqual(resumed.state, "done", resumed.vendor_answer)
        self.assertEqual(self.m365.state, "active")
        self.assertEqual(self.patches()[-1][1]["status"], "active")
        self.assertEqual(self.subscription["status"], "active")
        self.assertFalse(self.m365._billbyte_can_restrict("Virtual Machines"))

    def test_partner_center_refusal_keeps_the_account_active(self):
        self.partner_center.patch_refusal = (
            403,
            {
                "code": "20002",
                "description": "The partner ID 2b5cbc57 has no commerce relationship with the "
                f"customer ID {CUSTOMER}.",
                "data": [],
                "source": "PartnerFD",
            },
        )
        action = self.m365.billbyte_suspend("Invoice unpaid for 30 days")
        self.assertEqual(action.state, "refused")
        self.assertIn("403", action.vendor_answer)
        self.assertIn("has no commerce relationship", action.vendor_answer)
        self.assertEqual(self.m365.state, "active")
        self.assertEqual(self.subscription["status"], "active")
        (activity,) = self.activities(self.m365)
        self.assertEqual(activity.user_id, self.cloud_manager)
        # Sent again from its form: refused again, still one activity for the manager.
        shown = action.with_user(self.cloud_user).action_retry()
        again = self.env["billbyte.service.action"].browse(shown["res_id"])
        self.assertEqual((again.retry_of_id, again.state), (action, "refused"))
        self.assertEqual(again.requested_by_id, action.requested_by_id)
        self.assertEqual(len(self.activities(self.m365)), 1)
        # Partner Center accepts it on the next run.
        self.partner_center.patch_refusal = None
        retried = self.env["billbyte.service.action"]._cron_retry()
        self.assertEqual((retried.retry_of_id, retried.state), (again, "done"))
        self.assertEqual(self.m365.state, "suspended")

    def test_resume_waits_while_partner_center_still_reports_suspended(self):
        self.m365.billbyte_suspend("Invoice unpaid")
        self.assertEqual(self.m365.state, "suspended")
        self.partner_center.keep_suspended = True
        action = self.m365.billbyte_resume("Paid")
        self.assertEqual(action.state, "waiting_vendor")
        self.assertIn("still reports the account suspended", action.vendor_answer)
        self.assertEqual(self.m365.state, "suspended")
        self.assertEqual(self.patches()[-1][1]["status"], "active")
        # Asked again meanwhile: the same action; checked again: still waiting, and
        # the resumption is not sent twice.
        self.assertEqual(self.m365.billbyte_resume("Paid"), action)
        self.assertTrue(self.run_again(action))
        self.assertEqual(len(self.partner_center.patches), 2)
        self.assertEqual((action.state, self.m365.state), ("waiting_vendor", "suspended"))
        # Microsoft reactivates it: the next check confirms.
        self.subscription["status"] = "active"
        self.assertIsNone(self.run_again(action))
        self.assertEqual((action.state, self.m365.state), ("done", "active"))
        self.assertEqual(len(self.partner_center.patches), 2)

    def test_suspension_overtakes_a_resumption_waiting_for_the_vendor(self):
        self.m365.billbyte_suspend("Invoice unpaid")
        self.partner_center.keep_suspended = True
        waiting = self.m365.billbyte_resume("Paid")
        self.assertEqual(waiting.state, "waiting_vendor")
        suspended = self.m365.billbyte_suspend("Payment reversed")
        self.assertEqual(suspended.state, "done")
        self.assertEqual(waiting.state, "cancelled")
        self.assertEqual(self.m365.state, "suspended")

    def test_unavailable_partner_center_is_retried_with_backoff(self):
        self.partner_center.faults[SUBSCRIPTION_PATH] = [(503, None), (429, "5")]
        action = self.m365.billbyte_suspend("Invoice unpaid")
        self.assertEqual((action.state, action.attempts), ("pending", 1))
        self.assertIn("503", action.vendor_answer)
        self.assertEqual(self.m365.state, "active")
        self.assertFalse(self.activities(self.m365))
        retry = self.run_again(action)
        self.assertEqual(retry.seconds, 120)
        self.assertIn("429", action.vendor_answer)
        self.assertEqual((action.state, action.attempts, self.m365.state), ("pending", 2, "active"))
        # Back: the next try suspends.
        self.assertIsNone(self.run_again(action))
        self.assertEqual((action.state, action.attempts), ("done", 3))
        self.assertEqual(self.m365.state, "suspended")

    def test_partner_center_timing_out_is_retried(self):
        # Odoo's tests raise every HTTP timeout to 10 s: Partner Center answers after 11.
        self.partner_center.slow[SUBSCRIPTION_PATH] = 11
        action = self.m365.billbyte_suspend("Invoice unpaid")
        self.assertEqual((action.state, action.attempts), ("pending", 1))
        self.assertIn("timed out", action.vendor_answer)
        self.assertEqual(self.m365.state, "active")
        self.assertFalse(self.partner_center.patches)

    def test_purge_cancels_the_subscription(self):
        action = self.m365.billbyte_purge("Customer left")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertEqual(self.patches()[-1][1]["status"], "deleted")
        self.assertEqual(self.subscription["status"], "deleted")
        self.assertEqual(self.m365.state, "purged")

    def test_suspension_says_what_it_still_costs(self):
        # A license subscription: Microsoft keeps billing the provider for its seats.
        action = self.m365.billbyte_suspend("Invoice unpaid for 30 days")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertIn(
            "license subscription: Microsoft keeps billing the provider", action.vendor_answer
        )
        self.assertTrue(
            any(
                "Microsoft keeps billing the provider" in body
                for body in self.m365.message_ids.mapped("body")
            )
        )
        self.m365.billbyte_resume("Paid")
        # An Azure plan: its consumption stops.
        self.subscription["billingType"] = "usage"
        action = self.m365.billbyte_suspend("Budget exceeded")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertEqual(self.subscription["status"], "suspended")
        self.assertIn("no new consumption is billed", action.vendor_answer)
        self.assertNotIn("keeps billing", action.vendor_answer)
