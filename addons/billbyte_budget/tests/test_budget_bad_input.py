# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetBadInput(BudgetCommon):
    def assertRefused(self, message, **values):
        Budget = self.env["billbyte.cloud.budget"]
        before = Budget.search_count([])
        with self.assertRaises(ValidationError) as refused, mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.budget(**values)
        self.assertIn(message, str(refused.exception))
        self.assertEqual(Budget.search_count([]), before, "nothing was created")
        return refused.exception

    def test_thresholds_out_of_range_or_order_are_refused(self):
        for percent in (120, 0, -10):
            self.assertRefused(
                "above 0 and up to 100",
                threshold_ids=[(5, 0, 0), (0, 0, {"sequence": 1, "percent": percent})],
            )
        self.assertRefused(
            "Thresholds must rise in the order they are listed: 50",
            threshold_ids=[
                (5, 0, 0),
                (0, 0, {"sequence": 1, "percent": 80}),
                (0, 0, {"sequence": 2, "percent": 50}),
            ],
        )
        # Editing an existing budget is refused alike, and keeps its thresholds.
        budget = self.budget()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            budget.threshold_ids[0].percent = 120
        budget.invalidate_recordset()
        self.assertEqual(budget.threshold_ids.mapped("percent"), [50.0, 80.0, 100.0])

    def test_default_thresholds(self):
        budget = self.budget()
        self.assertEqual(
            [(t.percent, t.action) for t in budget.threshold_ids],
            [(50.0, "notify"), (80.0, "notify"), (100.0, "notify")],
        )

    def test_overlapping_budgets_are_refused_naming_the_other(self):
        first = self.budget(name="Contoso monthly")
        self.assertRefused("overlaps the budget Contoso monthly", name="Second")
        # A one-off budget of a month inside a recurring one overlaps too.
        self.assertRefused(
            "overlaps the budget Contoso monthly",
            name="Spike",
            recurring=False,
            date_start="2026-05-01",
        )
        # One that ends before the first starts does not.
        first.date_start = "2026-06-01"
        self.budget(name="Before", recurring=False, date_start="2026-05-01")
        # A quota on a product is another measure; a customer budget another scope.
        self.budget(name="EC2 hours", amount=0, product_id=self.ec2.id, quota_qty=100)
        self.budget(
            name="Contoso all", scope="customer", cloud_account_id=False, partner_id=self.contoso.id
        )

    def test_budget_needs_an_amount_or_a_quota(self):
        self.assertRefused("positive amount", amount=-5)
        self.assertRefused("a quantity quota on a product, or both", amount=0)
        self.assertRefused(
            "needs a positive quantity", amount=0, product_id=self.ec2.id, quota_qty=0
        )
        self.assertRefused("needs an end date", period_type="custom")

    def test_service_limit_caps_are_checked(self):
        self.assertRefused(
            "must be a positive amount",
            service_limit_ids=[(0, 0, {"service_name": "AmazonS3", "cap_amount": 0})],
        )
        self.assertRefused(
            "above 0 and up to 100",
            service_limit_ids=[
                (0, 0, {"service_name": "AmazonS3", "cap_type": "share", "cap_share": 150})
            ],
        )

    def test_other_companies_and_customers_do_not_see_a_budget(self):
        budget = self.budget()
        other_company = self.env["res.company"].create({"name": "Other provider"})
        stranger = new_test_user(
            self.env,
            login="bb_budget_other_co",
            groups="billbyte_catalog.group_billbyte_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        Budget = self.env["billbyte.cloud.budget"].with_user(stranger)
        self.assertFalse(Budget.search([("id", "=", budget.id)]))
        with self.assertRaises(AccessError):
            budget.with_user(stranger).get_budget_status()
        portal = new_test_user(
            self.env,
            login="bb_budget_fabrikam",
            groups="base.group_portal",
            partner_id=self.env["res.partner"]
            .create({"name": "Fab user", "parent_id": self.fabrikam.id})
            .id,
        )
        with self.assertRaises(AccessError):
            budget.with_user(portal).get_budget_status()
        with self.assertRaises(AccessError):
            self.env["billbyte.budget.alert"].with_user(portal).search([])
