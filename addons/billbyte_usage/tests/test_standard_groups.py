# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast

from odoo.tests import tagged

from odoo.addons.billbyte_catalog.tests.standard_groups import (
    open_form,
    open_list,
    standard_users,
)

from .common import UsageCommon, focus_csv, focus_row


@tagged("post_install", "-at_install")
class TestUsageStandardGroups(UsageCommon):
    """The Odoo views the usage module extends, and Odoo's views of the records it
    adds fields to, open for each of Odoo's standard groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = standard_users(cls.env, "bb_usage_std")
        cls.users["cloud_user"] = cls.env["res.users"].create(
            {
                "name": "Cloud user",
                "login": "bb_usage_std_cloud",
                "groups_id": [(6, 0, cls.env.ref("billbyte_catalog.group_billbyte_user").ids)],
            }
        )

    def test_partner_form_opens(self):
        for role, user in self.users.items():
            with self.subTest(role=role):
                form = open_form(self.contoso.with_user(user), "base.view_partner_form")
                self.assertEqual(form.name, "Contoso")
                # The unbilled usage button is Cloud Billing's.
                self.assertEqual(
                    "action_billbyte_view_unbilled_usage"
                    in form._view["tree"].xpath("//button/@name"),
                    role == "cloud_user",
                )

    def test_analytic_line_views_open_on_usage(self):
        self.import_bytes(
            focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")])
        )
        (line,) = self.usage_lines(self.account_contoso)
        opened = set()
        for role, user in self.users.items():
            Line = self.env["account.analytic.line"].with_user(user)
            if not Line.has_access("read"):
                continue
            with self.subTest(role=role):
                form = open_form(line.with_user(user), "analytic.view_account_analytic_line_form")
                self.assertEqual(form.amount, -1.0)
                (values,) = line.with_user(user).read()
                self.assertEqual(values["billbyte_price"], 1.2)
                names, rows = open_list(Line, domain=[("id", "=", line.id)])
                self.assertEqual([row["id"] for row in rows], line.ids)
                opened.add(role)
        self.assertTrue({"invoicing", "accountant", "cloud_user"} <= opened, opened)

    def test_unbilled_usage_views_open_for_cloud_users(self):
        self.import_bytes(
            focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")])
        )
        Line = self.env["account.analytic.line"].with_user(self.users["cloud_user"])
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_unbilled_usage"
        )
        views = Line.get_views(action["views"] + [(action["search_view_id"][0], "search")])
        self.assertEqual(set(views["views"]), {"list", "pivot", "graph", "search"})
        names, rows = open_list(
            Line,
            view_xmlid="billbyte_usage.billbyte_usage_line_view_list",
            domain=ast.literal_eval(action["domain"])
            + [("billbyte_cloud_account_id", "=", self.account_contoso.id)],
        )
        self.assertIn("billbyte_price", names)
        self.assertEqual(len(rows), 1)

    def test_our_fields_read_for_every_group(self):
        """Every BillByte field a user is shown on the Odoo models we add fields to
        (fields_get: what an export or an API client offers) reads for every group;
        those a group may not use are not offered."""
        self.import_bytes(
            focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10")])
        )
        records = [
            self.contoso,
            self.ec2,
            self.ec2.product_tmpl_id,
            self.cost_plus_usd,
            self.usage_lines(self.account_contoso),
        ]
        for role, user in self.users.items():
            for record in records:
                record = record.with_user(user)
                if not record.has_access("read"):
                    continue
                with self.subTest(role=role, model=record._name):
                    ours = [name for name in record.fields_get() if name.startswith("billbyte_")]
                    if not ours:
                        continue  # res.partner's are billbyte_payment's
                    (values,) = record.read(ours)
                    self.assertEqual(
                        "billbyte_cloud_account_count" in values,
                        record._name == "res.partner"
                        and "billbyte_cloud_account_count" in record._fields
                        and role == "cloud_user",
                    )
