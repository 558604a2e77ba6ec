# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import socket

import boto3

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ServiceCommon, focus_csv, focus_row
from .vendor_servers import MotoServer

PAYER_ROLE = "arn:aws:iam::900000000001:role/BillByteRead"


@tagged("post_install", "-at_install")
class TestServiceAws(ServiceCommon):
    """Suspend, resume, restrict, release and purge AWS linked accounts through
    Organizations service control policies, boto3 against moto's server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
        self.org = self.boto("organizations")
        self.org.create_organization(FeatureSet="ALL")
        self.linked_id = self.org.create_account(
            AccountName="Tailspin prod", Email="aws@tailspin.example"
        )["CreateAccountStatus"]["AccountId"]
        self.account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Tailspin prod",
                "vendor_id": self.aws.id,
                "vendor_account_id": self.linked_id,
                "partner_id": self.contoso.id,
                "connection_id": self.aws_connection.id,
                "user_id": self.cloud_manager.id,
            }
        )

    def boto(self, service):
        """What the connection sees: the payer account its role belongs to."""
        sts = boto3.client(
            "sts",
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        credentials = sts.assume_role(RoleArn=PAYER_ROLE, RoleSessionName="test")["Credentials"]
        return boto3.client(
            service,
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    def attached(self, account_id=None):
        """{policy name: its statements} of BillByte's SCPs attached to the linked
        account (AWS's own FullAWSAccess aside)."""
        policies = self.org.list_policies_for_target(
            TargetId=account_id or self.linked_id, Filter="SERVICE_CONTROL_POLICY"
        )["Policies"]
        return {
            policy["Name"]: json.loads(
                self.org.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"]
            )["Statement"]
            for policy in policies
            if policy["Name"] != "FullAWSAccess"
        }

    def test_suspend_attaches_deny_all_policy_and_resume_detaches_it(self):
        action = self.account.billbyte_suspend("Budget exceeded")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertEqual(self.account.state, "suspended")
        self.assertIn("BillByte-Suspend", action.vendor_answer)
        statements = self.attached()["BillByte-Suspend"]
        self.assertEqual(
            statements,
            [{"Sid": "BillByteSuspend", "Effect": "Deny", "Action": ["*"], "Resource": "*"}],
        )
        # Service control policies were enabled on the root to do it.
        (root,) = self.org.list_roots()["Roots"]
        self.assertIn({"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}, root["PolicyTypes"])
        self.assertEqual(
            (action.requested_by_id, action.reason, action.connection_id, action.attempts),
            (self.env.user, "Budget exceeded", self.aws_connection, 1),
        )
        self.assertIn("Budget exceeded", self.account.message_ids[0].body)
        # Asked again: nothing new, the suspension holds.
        self.assertEqual(self.account.billbyte_suspend("Still over budget"), action)

        resumed = self.account.billbyte_resume("Paid")
        self.assertEqual(resumed.state, "done", resumed.vendor_answer)
        self.assertEqual(self.account.state, "active")
        self.assertNotIn("BillByte-Suspend", self.attached())
        # A second account reuses the policy made once.
        other_id = self.org.create_account(
            AccountName="Tailspin dev", Email="dev@tailspin.example"
        )["CreateAccountStatus"]["AccountId"]
        other = self.account.copy({"vendor_account_id": other_id, "name": "Tailspin dev"})
        self.assertEqual(other.billbyte_suspend("Budget exceeded").state, "done")
        names = [
            p["Name"]
            for p in self.org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
            if p["Name"].startswith("BillByte")
        ]
        self.assertEqual(names, ["BillByte-Suspend"])
        self.assertIn("BillByte-Suspend", self.attached(other_id))
        self.assertEqual(self.account.state, "active")

    def test_restrict_attaches_only_the_service_policy_and_release_detaches_it(self):
        self.assertTrue(self.account._billbyte_can_restrict("AmazonEC2"))
        self.assertTrue(self.account._billbyte_can_restrict("Amazon Simple Storage Service"))
        self.assertFalse(self.account._billbyte_can_restrict("AmazonQuantumLedger"))
        action = self.account.billbyte_restrict_service("AmazonEC2", "EC2 over its limit")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertEqual(
            self.attached(),
            {
                "BillByte-Restrict-ec2": [
                    {
                        "Sid": "BillByteRestrictec2",
                        "Effect": "Deny",
                        "Action": ["ec2:*"],
                        "Resource": "*",
                    }
                ]
            },
        )
        self.assertEqual(self.account.state, "active")
        self.assertEqual(self.account.restricted_services, "AmazonEC2")
        self.account.billbyte_restrict_service("AWSLambda", "Lambda over its limit")
        self.assertEqual(
            set(self.attached()), {"BillByte-Restrict-ec2", "BillByte-Restrict-lambda"}
        )
        self.assertEqual(self.account.restricted_services, "AWSLambda, AmazonEC2")

        released = self.account.billbyte_release_service("AmazonEC2", "Limit raised")
        self.assertEqual(released.state, "done", released.vendor_answer)
        self.assertEqual(set(self.attached()), {"BillByte-Restrict-lambda"})
        self.assertEqual(self.account.restricted_services, "AWSLambda")

    def test_unknown_service_cannot_be_restricted_alone(self):
        action = self.account.billbyte_restrict_service("AmazonQuantumLedger", "Over its limit")
        self.assertEqual(action.state, "not_enforceable")
        self.assertIn("cannot restrict the service AmazonQuantumLedger", action.vendor_answer)
        self.assertTrue(self.account.enforcement_flag)
        self.assertEqual(self.attached(), {})
        self.assertEqual(len(self.activities(self.account)), 1)

    def test_refusal_keeps_the_account_active_and_the_next_run_retries(self):
        self.account.vendor_account_id = "999999999999"  # not in the organization
        action = self.account.billbyte_suspend("Budget exceeded")
        self.assertEqual(action.state, "refused")
        self.assertIn("AccountNotFoundException", action.vendor_answer)
        self.assertIn("You specified an account that doesn't exist", action.vendor_answer)
        self.assertEqual(self.account.state, "active")
        (activity,) = self.activities(self.account)
        self.assertEqual(activity.user_id, self.cloud_manager)
        self.assertIn("AccountNotFoundException", str(activity.note))
        self.assertIn("AccountNotFoundException", self.account.message_ids[0].body)

        # The next run sends it again: refused again, still one activity.
        retried = self.env["billbyte.service.action"]._cron_retry()
        self.assertEqual(retried.retry_of_id, action)
        self.assertEqual(
            (retried.state, retried.action, retried.reason), ("refused", "suspend", action.reason)
        )
        self.assertEqual(len(self.activities(self.account)), 1)
        # Put right: the run after succeeds, and then has nothing more to send.
        self.account.vendor_account_id = self.linked_id
        done = self.env["billbyte.service.action"]._cron_retry()
        self.assertEqual((done.retry_of_id, done.state), (retried, "done"))
        self.assertEqual(self.account.state, "suspended")
        self.assertIn("BillByte-Suspend", self.attached())
        self.assertFalse(self.env["billbyte.service.action"]._cron_retry())

    def test_timeout_retries_with_backoff_and_changes_nothing(self):
        # An endpoint that accepts connections and never answers.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(32)
        self.addCleanup(silent.close)
        self.aws_connection.aws_endpoint_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        self.env["ir.config_parameter"].sudo().set_param("billbyte.service_timeout", "0.3")
        self.env["ir.config_parameter"].sudo().set_param("billbyte.service_max_tries", "3")
        action = self.account.billbyte_suspend("Budget exceeded")
        # The job asks again later: the action stays open, the account active.
        self.assertEqual((action.state, action.attempts), ("pending", 1))
        self.assertIn("timeout", action.vendor_answer.lower())
        self.assertEqual(self.account.state, "active")
        # Never two suspensions at once: asking again gives the open one.
        self.assertEqual(self.account.billbyte_suspend("Budget exceeded again"), action)
        self.assertEqual(len(self.service_actions(self.account)), 1)
        retry = self.run_again(action)
        self.assertEqual(retry.seconds, 120)  # after 60 s the first time
        self.assertEqual((action.state, action.attempts), ("pending", 2))
        self.assertEqual(self.account.state, "active")
        self.assertFalse(self.activities(self.account))
        # The last try fails it for good; the manager is told.
        self.assertIsNone(self.run_again(action))
        self.assertEqual((action.state, action.attempts), ("failed", 3))
        self.assertIn("gave up after 3 tries", action.vendor_answer)
        self.assertEqual(self.account.state, "active")
        self.assertEqual(len(self.activities(self.account)), 1)

    def test_purge_asks_for_confirmation_closes_the_account_and_keeps_usage(self):
        run = self.import_bytes(
            focus_csv([focus_row(self.linked_id, "2026-10-01", "AmazonEC2", "1.10", "10")])
        )
        self.assertEqual(run.state, "done", run.message)
        records = self.env["billbyte.usage.record"].search(
            [("cloud_account_id", "=", self.account.id)]
        )
        lines = self.usage_lines(self.account)
        self.assertTrue(records and lines)

        action = self.account.action_purge()
        self.assertEqual(action["res_model"], "billbyte.service.action.wizard")

        def confirm(typed):
            wizard = Form(
                self.env[action["res_model"]].with_context(**action["context"]),
                view=action["views"][0][0],
            )
            wizard.reason = "Customer left"
            wizard.confirmation = typed
            return wizard.save().action_confirm()

        with self.assertRaisesRegex(UserError, "to confirm the purge"):
            confirm("111111111111")
        self.assertEqual(self.account.state, "active")
        self.assertFalse(self.service_actions(self.account))
        confirm(self.linked_id)

        (purge,) = self.service_actions(self.account)
        self.assertEqual((purge.action, purge.state), ("purge", "done"), purge.vendor_answer)
        self.assertEqual(self.account.state, "purged")
        described = self.org.describe_account(AccountId=self.linked_id)["Account"]
        self.assertEqual(described["Status"], "SUSPENDED")  # moto: closed at once
        # Usage and analytic lines stay; a purged account takes no further action.
        self.assertEqual(records.exists(), records)
        self.assertEqual(self.usage_lines(self.account), lines)
        with self.assertRaisesRegex(UserError, "cannot be resumed"):
            self.account.billbyte_resume("Came back")
        with self.assertRaises(UserError):
            self.account.billbyte_suspend("Budget exceeded")
        with self.assertRaises(UserError):
            self.account.action_purge()
