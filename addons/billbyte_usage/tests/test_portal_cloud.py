# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import UsageCommon, focus_csv, focus_row


@tagged("post_install", "-at_install")
class TestPortalCloud(UsageCommon, HttpCase):
    """/my/cloud: a customer's accounts, unbilled usage by day and service, and the
    usage download, never another customer's, never a vendor cost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"].create(
            {"name": "Carl Contoso", "parent_id": cls.contoso.id, "email": "carl@contoso.example"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="bb_cloud_carl",
            password="bb_cloud_carl",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        today = fields.Date.context_today(cls.env.user)
        cls.days = [today - timedelta(days=2), today - timedelta(days=1)]
        rows = [
            focus_row(account, day.isoformat(), service, cost)
            for day in cls.days
            for account, service, cost in (
                ("111111111111", "AmazonEC2", "10.00"),
                ("111111111111", "AmazonS3", "0.50"),
                ("222222222222", "AmazonEC2", "77.77"),
            )
        ]
        wizard = cls.env["billbyte.usage.import.wizard"].create(
            {
                "connection_id": cls.connection.id,
                "file": base64.b64encode(focus_csv(rows)),
                "filename": "portal.csv",
            }
        )
        wizard.action_import()

    def test_portal_shows_own_accounts_and_unbilled_usage(self):
        self.authenticate("bb_cloud_carl", "bb_cloud_carl")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Contoso prod", page.text)
        self.assertNotIn("Fabrikam prod", page.text)
        # Cost + 20 %: EC2 2 x 12.00, S3 2 x 0.60 = 25.20 unbilled.
        self.assertIn("25.20", page.text)
        self.assertIn("24.00", page.text)
        self.assertIn("AmazonS3", page.text)
        self.assertIn("o_billbyte_usage_chart", page.text)
        self.assertNotIn("77.77", page.text)
        self.assertNotIn("93.32", page.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["billbyte_cloud_account_count"]}
        )
        self.assertEqual(counters["billbyte_cloud_account_count"], 1)
        detail = self.url_open(f"/my/cloud/accounts/{self.account_contoso.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("111111111111", detail.text)

    def test_another_customers_account_and_download_are_not_found(self):
        self.authenticate("bb_cloud_carl", "bb_cloud_carl")
        self.assertEqual(
            self.url_open(f"/my/cloud/accounts/{self.account_fabrikam.id}").status_code, 404
        )
        download = self.url_open(f"/my/cloud/usage.csv?account_id={self.account_fabrikam.id}")
        self.assertEqual(download.status_code, 404)
        self.assertNotIn("77.77", download.text)

    def test_usage_download_has_customer_amounts_only(self):
        self.authenticate("bb_cloud_carl", "bb_cloud_carl")
        month = self.days[-1].strftime("%Y-%m")
        download = self.url_open(f"/my/cloud/usage.csv?month={month}")
        self.assertEqual(download.status_code, 200)
        self.assertIn("text/csv", download.headers["Content-Type"])
        lines = download.content.decode("utf-8-sig").splitlines()
        self.assertEqual(
            lines[0],
            "Date,Cloud Account,Vendor Account ID,Service,Quantity,Unit,Amount,Currency,Billed,"
            "Corrects Period",
        )
        body = [line for line in lines[1:] if line.startswith(month)]
        self.assertTrue(all("Contoso prod" in line for line in body))
        self.assertIn(f"{self.days[-1]},Contoso prod,111111111111,AmazonEC2,1,", "\n".join(body))
        self.assertIn(",12.00,USD,no,", "\n".join(body))
        # Never the vendor's cost (10.00) nor another customer's usage.
        self.assertNotIn(",10.00,", download.text)
        self.assertNotIn("222222222222", download.text)
