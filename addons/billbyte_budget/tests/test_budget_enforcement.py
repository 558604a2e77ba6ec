# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import boto3

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests.common import focus_csv, focus_row
from odoo.addons.billbyte_usage.tests.vendor_servers import MotoServer

from .common import BudgetCommon

PAYER_ROLE = "arn:aws:iam::900000000001:role/BillByteRead"


@tagged("post_install", "-at_install")
class TestBudgetEnforcement(BudgetCommon):
    """Enforcing thresholds and limits stop accounts and services at the vendor
    through service management (AWS: moto's server), and start them again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.service_timeout", "2")
        cls.moto = MotoServer()
        cls.addClassCleanup(cls.moto.stop)
        cls.aws_connection = cls.env["billbyte.connection"].create(
            {
                "name": "AWS payer 900000000001",
                "vendor_id": cls.aws.id,
                "kind": "aws_s3",
                "aws_access_key_id": "AKIAEXAMPLEBILLBYTE",
                "aws_secret_access_key": "aws-secret-never-logged",
                "aws_role_arn": PAYER_ROLE,
                "aws_external_id": "billbyte-ext",
                "aws_endpoint_url": cls.moto.url,
                "aws_s3_bucket": "payer-billing-exports",
            }
        )

    def setUp(self):
        super().setUp()
        self.moto.reset()
        sts = boto3.client(
            "sts",
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        creds = sts.assume_role(RoleArn=PAYER_ROLE, RoleSessionName="test")["Credentials"]
        self.org = boto3.client(
            "organizations",
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        self.org.create_organization(FeatureSet="ALL")
        self.linked_id = self.org.create_account(
            AccountName="Contoso prod", Email="aws@contoso.example"
        )["CreateAccountStatus"]["AccountId"]
        # The account's usage comes from the file connection; its vendor is AWS.
        self.account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso linked",
                "vendor_id": self.aws.id,
                "vendor_account_id": self.linked_id,
                "partner_id": self.contoso.id,
                "connection_id": self.aws_connection.id,
            }
        )

    def attached(self):
        policies = self.org.list_policies_for_target(
            TargetId=self.linked_id, Filter="SERVICE_CONTROL_POLICY"
        )["Policies"]
        return {
            p["Name"]: json.loads(self.org.describe_policy(PolicyId=p["Id"])["Policy"]["Content"])
            for p in policies
            if p["Name"] != "FullAWSAccess"
        }

    def import_linked(self, first, last, cost="1.00", services=("AmazonEC2",)):
        return self.import_days(first, last, cost=cost, services=services, account=self.linked_id)

    def test_enforcing_threshold_suspends_at_aws_and_resumes_when_back_below(self):
        budget = self.budget(
            cloud_account_id=self.account.id,
            threshold_ids=[
                (5, 0, 0),
                (0, 0, {"sequence": 1, "percent": 80}),
                (0, 0, {"sequence": 2, "percent": 100, "action": "enforce"}),
            ],
        )
        self.import_linked(1, 9)  # 10.80 of 10.00
        self.assertEqual(budget.status, "exceeded")
        alert = budget.alert_ids.filtered(lambda a: a.threshold_percent == 100)
        self.assertEqual(alert.enforcement, "requested")
        self.assertEqual(self.account.state, "suspended")
        self.assertIn("BillByte-Suspend", self.attached())
        action = self.account.service_action_ids.filtered(lambda a: a.action == "suspend")
        self.assertEqual(action.origin, budget)
        self.assertEqual(action.state, "done")
        # Another import over the budget asks nothing more of AWS.
        self.import_linked(10, 10)
        self.assertEqual(len(self.account.service_action_ids), 1)
        # The vendor restates day 9 as a credit: back to 8.40, under 100 %.
        credit = [
            focus_row(self.linked_id, "2026-03-09", "AmazonEC2", "-1.00", charge_class="Correction")
        ]
        self.assertEqual(self.import_bytes(focus_csv(credit)).state, "done")
        self.assertEqual(budget.status, "warning")
        self.assertEqual(alert.state, "rearmed")
        self.assertEqual(alert.enforcement, "released")
        self.assertEqual(self.account.state, "active")
        self.assertNotIn("BillByte-Suspend", self.attached())
        resume = self.account.service_action_ids.filtered(lambda a: a.action == "resume")
        self.assertEqual((resume.state, resume.origin), ("done", budget))

    def test_a_late_payer_suspension_is_not_lifted_by_the_budget(self):
        budget = self.budget(
            cloud_account_id=self.account.id,
            threshold_ids=[(5, 0, 0), (0, 0, {"sequence": 1, "percent": 100, "action": "enforce"})],
        )
        self.import_linked(1, 9)
        self.assertEqual(self.account.state, "suspended")
        # Suspended again since for a late payment (another origin): the budget's
        # release must leave it.
        self.account.billbyte_resume("test: resumed by hand")
        self.account.billbyte_suspend("Invoice 30 days overdue", origin=self.contoso)
        self.assertEqual(self.account.state, "suspended")
        budget.with_context(billbyte_as_of="2026-04-02")._billbyte_evaluate()
        self.assertEqual(budget.alert_ids.enforcement, "released")
        self.assertEqual(self.account.state, "suspended")

    def test_service_over_its_cap_is_restricted_alone_and_released(self):
        budget = self.budget(
            cloud_account_id=self.account.id,
            amount=100,
            service_limit_ids=[
                (0, 0, {"service_name": "AmazonEC2", "cap_amount": 3.0, "action": "enforce"}),
                (
                    0,
                    0,
                    {
                        "service_name": "AmazonQuantumLedger",
                        "cap_amount": 1.0,
                        "action": "enforce",
                        "fallback": "flag",
                    },
                ),
            ],
        )
        self.import_linked(1, 3, services=("AmazonEC2", "AmazonQuantumLedger"))  # 3.60 each
        self.assertEqual(self.account.state, "active")
        self.assertEqual(list(self.attached()), ["BillByte-Restrict-ec2"])
        self.assertEqual(self.account.restricted_services, "AmazonEC2")
        ledger = budget.alert_ids.filtered(lambda a: a.service_name == "AmazonQuantumLedger")
        self.assertIn("flagged only", ledger.enforcement_note)
        # A new month: the restriction is lifted.
        budget.with_context(billbyte_as_of="2026-04-02")._billbyte_evaluate()
        self.assertEqual(self.attached(), {})
        self.assertFalse(self.account.restricted_services)

    def test_service_not_restrictable_suspends_the_account_when_the_limit_says_so(self):
        self.budget(
            cloud_account_id=self.account.id,
            amount=100,
            service_limit_ids=[
                (
                    0,
                    0,
                    {
                        "service_name": "AmazonQuantumLedger",
                        "cap_amount": 1.0,
                        "action": "enforce",
                        "fallback": "suspend",
                    },
                ),
            ],
        )
        self.import_linked(1, 1, services=("AmazonQuantumLedger",))
        self.assertEqual(self.account.state, "suspended")
        self.assertIn("BillByte-Suspend", self.attached())

    def test_a_vendor_that_cannot_enforce_flags_the_account_for_its_manager(self):
        # Contoso's first account belongs to the file connection: nothing to call.
        budget = self.budget(
            threshold_ids=[(5, 0, 0), (0, 0, {"sequence": 1, "percent": 100, "action": "enforce"})],
        )
        self.import_days(1, 9)
        self.assertEqual(self.account_contoso.state, "active")
        self.assertTrue(self.account_contoso.enforcement_flag)
        self.assertEqual(self.account_contoso.service_action_ids.state, "not_enforceable")
        self.assertEqual(budget.alert_ids.enforcement, "requested")
        # Back under the budget: the flag is cleared.
        budget.with_context(billbyte_as_of="2026-04-02")._billbyte_evaluate()
        self.assertFalse(self.account_contoso.enforcement_flag)
