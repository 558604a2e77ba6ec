# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from odoo import fields
from odoo.tests import tagged

from ..models.usage_demo import demo_focus_csv
from .common import UsageCommon

DEMO_CONNECTIONS = [
    "billbyte_usage.connection_demo_aws_files",
    "billbyte_usage.connection_demo_microsoft_files",
]


@tagged("post_install", "-at_install")
class TestUsageDemo(UsageCommon):
    """`make run` opens on a month of unbilled usage, imported the way files are."""

    def test_demo_file_is_deterministic_focus(self):
        accounts = [("111111111111", "Contoso prod")]
        content = demo_focus_csv("aws", accounts, date(2026, 10, 31))
        self.assertEqual(content, demo_focus_csv("aws", accounts, date(2026, 10, 31)))
        rows = list(csv.DictReader(io.StringIO(content.decode())))
        # 30 days of 4 services, and one credit.
        self.assertEqual(len(rows), 30 * 4 + 1)
        self.assertEqual(
            {row["ChargePeriodStart"][:10] for row in rows},
            {str(date(2026, 10, 2) + timedelta(days=n)) for n in range(30)},
        )
        self.assertEqual([row["ChargeCategory"] for row in rows].count("Credit"), 1)

    def test_demo_usage_goes_through_the_import(self):
        run = self.env["billbyte.usage.demo"]._import_demo_usage(
            self.connection, date(2026, 10, 31)
        )
        accounts = self.env["billbyte.cloud.account"].search([("vendor_id", "=", self.aws.id)])
        expected_rows = len(accounts) * (30 * 4 + 1)
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(
            (run.rows_read, run.rows_imported, run.rows_rejected, run.rows_unmatched),
            (expected_rows, expected_rows, 0, 0),
        )
        self.assertEqual(run.attachment_id.raw[:16], b"BillingAccountId")
        (usage,) = self.account_contoso.get_unbilled_usage()
        self.assertEqual(len(usage["by_day"]), 30)
        # Cost-plus 20 % on what the vendor billed, credits included.
        self.assertAlmostEqual(float(usage["total"]), float(usage["cost"]) * 1.2, delta=0.05)
        self.assertGreater(float(usage["total"]), 300)
        self.assertEqual(
            {line["service"] for line in usage["by_service"]},
            {
                "Amazon Elastic Compute Cloud",
                "Amazon Simple Storage Service",
                "Amazon Relational Database Service",
                "AWS Data Transfer",
            },
        )
        # A connection that already imported is left alone.
        self.env["ir.model.data"].create(
            {
                "module": "billbyte_usage_test",
                "name": "demo_connection",
                "model": self.connection._name,
                "res_id": self.connection.id,
            }
        )
        self.assertFalse(
            self.env["billbyte.usage.demo"]._load_demo_usage(
                ["billbyte_usage_test.demo_connection"]
            )
        )

    def test_installed_demo_shows_unbilled_usage(self):
        aws_connection = self.env.ref(DEMO_CONNECTIONS[0], raise_if_not_found=False)
        if not aws_connection:
            self.skipTest("installed without demo data")
        runs = self.env["billbyte.usage.import"].search(
            [("connection_id.id", "in", [self.env.ref(x).id for x in DEMO_CONNECTIONS])]
        )
        self.assertEqual(len(runs), 2)
        for run in runs:
            self.assertEqual(run.state, "done", run.message)
            self.assertTrue(run.rows_imported)
            self.assertFalse(run.rows_rejected or run.rows_unmatched)
            self.assertEqual(
                Decimal(str(run.source_billed_cost)), Decimal(str(run.imported_billed_cost))
            )
        production = self.env.ref("billbyte_usage.cloud_account_demo_aws")
        Line = self.env["account.analytic.line"]
        # A line a day of each of its 4 services; with billbyte_billing's demo data,
        # the closed month's lines are billed and the current month's are not.
        lines = Line.search([("billbyte_cloud_account_id", "=", production.id)])
        self.assertEqual(len(lines), 30 * 4)
        self.assertEqual(max(lines.mapped("date")), run.period_end)
        unbilled = lines.filtered(lambda line: not line.billbyte_billed)
        if unbilled:
            (usage,) = production.get_unbilled_usage()
            self.assertEqual(len(usage["by_day"]), len(set(unbilled.mapped("date"))))
            self.assertEqual(usage["by_day"][-1]["date"], fields.Date.to_string(run.period_end))
            self.assertGreater(production.unbilled_amount, 0)
        # The Unbilled Usage menu: its list, pivot and graph show exactly the unbilled lines.
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_unbilled_usage"
        )
        domain = ast.literal_eval(action["domain"])
        self.assertEqual(
            Line.search(domain + [("billbyte_cloud_account_id", "=", production.id)]), unbilled
        )
        groups = Line.read_group(
            domain + [("billbyte_cloud_account_id", "=", production.id)],
            ["billbyte_price:sum"],
            ["date:day"],
        )
        self.assertEqual(len(groups), len(set(unbilled.mapped("date"))))
        azure = self.env.ref("billbyte_usage.cloud_account_demo_azure")
        self.assertTrue(
            Line.search_count([("billbyte_cloud_account_id", "=", azure.id)]), "no Azure usage"
        )

    def test_app_opens_on_unbilled_usage(self):
        root = self.env.ref("billbyte_catalog.menu_billbyte_root")
        menus = self.env["ir.ui.menu"].load_web_menus(debug=False)
        self.assertEqual(
            menus[root.id]["actionID"],
            self.env.ref("billbyte_usage.action_billbyte_unbilled_usage").id,
        )
