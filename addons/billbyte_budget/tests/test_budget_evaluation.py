# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests.common import focus_csv, focus_row

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetEvaluation(BudgetCommon):
    def test_thresholds_fire_once_per_period_after_imports(self):
        budget = self.budget()
        self.assertEqual(budget.status, "ok")
        self.import_days(1, 5)  # 5 x 1.20 = 6.00 of 10.00
        self.assertEqual(budget.consumed_amount, 6.0)
        self.assertEqual(budget.consumed_pct, 60.0)
        self.assertEqual(budget.status, "warning")
        alerts = budget.alert_ids
        self.assertEqual(alerts.mapped("threshold_percent"), [50.0])
        self.assertEqual(alerts.consumed_amount, 6.0)
        self.assertEqual(alerts.state, "fired")
        # The email went to the billing contact and the salesperson, with the figures.
        mails = self.alert_mails(budget)
        self.assertEqual(len(mails), 1)
        self.assertEqual(
            set(mails.partner_ids.mapped("email")),
            {"ap@contoso.example.com", "sam@provider.example.com"},
        )
        self.assertIn("50", mails.body)
        self.assertIn("6.00", mails.body)
        self.assertIn("10.00", mails.body)
        # An activity for the responsible (the salesperson: no account manager).
        activity = budget.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        # The same file again, and usage that stays under 80 %: nothing fires again.
        self.import_days(1, 5)
        self.import_days(6, 6)  # 7.20
        self.assertEqual(budget.consumed_amount, 7.2)
        self.assertEqual(len(budget.alert_ids), 1)
        self.assertEqual(len(self.alert_mails(budget)), 1)
        # Crossing 80 %: that threshold fires, once.
        self.import_days(7, 7)  # 8.40
        self.assertEqual(sorted(budget.alert_ids.mapped("threshold_percent")), [50.0, 80.0])
        self.assertEqual(len(self.alert_mails(budget)), 2)
        self.import_days(7, 7)
        self.assertEqual(len(budget.alert_ids), 2)

    def test_forecast_is_linear_to_the_period_end(self):
        budget = self.budget()
        self.import_days(1, 7)  # 8.40 by the 10th
        self.assertEqual(budget.period_start, date(2026, 3, 1))
        self.assertEqual(budget.period_end, date(2026, 3, 31))
        # 8.40 in 10 days: 26.04 over 31 days; 100 % (10.00) on day 12.
        self.assertEqual(budget.forecast_amount, 26.04)
        self.assertEqual(budget.forecast_date, date(2026, 3, 12))
        self.assertIn("2026-03-12", budget.forecast_text)
        self.assertEqual(budget.remaining_amount, 1.6)
        status = budget.get_budget_status()[0]
        self.assertEqual(status["consumed"], "8.40")
        self.assertEqual(status["remaining"], "1.60")
        self.assertEqual(status["amount"], "10.00")
        self.assertEqual(status["currency"], "USD")
        self.assertEqual(status["forecast"], "26.04")
        self.assertEqual(status["forecast_reaches_100_on"], "2026-03-12")
        self.assertEqual([t["percent"] for t in status["thresholds_fired"]], ["50", "80"])
        self.assertEqual(
            [(t["percent"], t["fired"]) for t in status["thresholds"]],
            [("50", True), ("80", True), ("100", False)],
        )

    def test_restatement_below_a_threshold_rearms_it_without_a_second_email(self):
        budget = self.budget()
        self.import_days(1, 7)  # 84 %
        fired_80 = budget.alert_ids.filtered(lambda a: a.threshold_percent == 80)
        self.assertEqual(fired_80.state, "fired")
        mails = len(self.alert_mails(budget))
        # The vendor restates day 2 as a credit of 1.00 (-1.20 instead of 1.20): 6.00, 60 %.
        correction = [
            focus_row("111111111111", "2026-03-02", "AmazonEC2", "-1.00", charge_class="Correction")
        ]
        self.assertEqual(self.import_bytes(focus_csv(correction)).state, "done")
        self.assertEqual(budget.consumed_amount, 6.0)
        self.assertEqual(fired_80.state, "rearmed")
        self.assertEqual(fired_80.rearmed_percent, 60.0)
        self.assertEqual(
            budget.alert_ids.filtered(lambda a: a.threshold_percent == 50).state, "fired"
        )
        self.assertEqual(len(self.alert_mails(budget)), mails, "re-arming sends nothing")
        # A new crossing fires again, and is logged with its own consumption.
        self.import_days(8, 9)  # 8.40 again
        crossings = budget.alert_ids.filtered(lambda a: a.threshold_percent == 80)
        self.assertEqual(len(crossings), 2)
        self.assertEqual(sorted(crossings.mapped("state")), ["fired", "rearmed"])
        self.assertEqual(len(self.alert_mails(budget)), mails + 1)

    def test_quantity_quota_on_a_product(self):
        # A delivery holds every service of its days (a later one restates them).
        self.import_days(1, 3, qty="10", services=("AmazonEC2", "AmazonS3"))  # 30 hours each
        product = self.usage_lines(
            self.account_contoso, billbyte_service_name="AmazonEC2"
        ).product_id
        self.assertEqual(len(product), 1)
        budget = self.budget(amount=0, product_id=product.id, quota_qty=50)
        self.assertEqual(budget.consumed_qty, 30.0)
        self.assertEqual(budget.consumed_pct, 60.0)
        self.assertEqual(budget.alert_ids.threshold_percent, 50.0)
        # S3 does not count against an EC2 quota, but its amount does count.
        self.assertEqual(budget.consumed_amount, 7.2)
        self.import_days(1, 4, qty="10", services=("AmazonEC2", "AmazonS3"))
        self.assertEqual(budget.consumed_qty, 40.0)
        self.assertEqual(budget.alert_ids.mapped("threshold_percent"), [80.0, 50.0])

    def test_budget_in_another_currency_is_converted_and_says_at_which_rate(self):
        self.env["res.currency.rate"].create(
            {
                "name": "2026-03-01",
                "rate": 0.9,
                "currency_id": self.eur.id,
                "company_id": self.company.id,
            }
        )
        budget = self.budget(currency_id=self.eur.id, amount=10.0)
        self.import_days(1, 5)  # 6.00 USD = 5.40 EUR
        self.assertEqual(budget.currency_id, self.eur)
        self.assertEqual(budget.consumed_amount, 5.4)
        self.assertEqual(budget.consumed_pct, 54.0)
        self.assertIn("1 USD = 0.900000 EUR", budget.rate_note)
        self.assertIn("2026-03-10", budget.rate_note)
        self.assertEqual(budget.get_budget_status()[0]["consumed"], "5.40")

    def test_customer_budget_sums_all_its_accounts(self):
        second = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso dev",
                "vendor_id": self.aws.id,
                "vendor_account_id": "111111111112",
                "partner_id": self.contoso_billing.id,
            }
        )
        budget = self.budget(
            scope="customer", cloud_account_id=False, partner_id=self.contoso.id, amount=20
        )
        self.import_days(1, 5)
        self.import_days(1, 5, account="111111111112")
        self.assertEqual(second.partner_id.commercial_partner_id, self.contoso)
        self.assertEqual(budget.consumed_amount, 12.0)
        self.assertEqual(budget.alert_ids.threshold_percent, 50.0)

    def test_service_limit_flags_the_service_over_its_cap(self):
        budget = self.budget(
            amount=100,
            service_limit_ids=[
                (0, 0, {"service_name": "AmazonS3", "cap_type": "amount", "cap_amount": 2.0}),
                (0, 0, {"service_name": "AmazonEC2", "cap_type": "share", "cap_share": 50}),
            ],
        )
        s3_limit, ec2_limit = (
            budget.service_limit_ids.sorted("service_name").filtered(
                lambda limit: limit.service_name == "AmazonS3"
            ),
            budget.service_limit_ids.filtered(lambda limit: limit.service_name == "AmazonEC2"),
        )
        self.import_days(1, 2, services=("AmazonEC2", "AmazonS3"))  # S3 2.40 > 2.00
        self.import_days(3, 5)  # EC2 6.00 of 50.00
        self.assertTrue(s3_limit.exceeded)
        self.assertEqual(s3_limit.consumed_amount, 2.4)
        self.assertEqual(s3_limit.consumed_pct, 120.0)
        self.assertFalse(ec2_limit.exceeded)
        self.assertEqual(ec2_limit.cap_value, 50.0)
        self.assertEqual(ec2_limit.consumed_amount, 6.0)
        alert = budget.alert_ids
        self.assertEqual(
            (alert.kind, alert.service_name, alert.consumed_amount), ("limit", "AmazonS3", 2.4)
        )
        self.assertEqual(len(self.alert_mails(budget)), 1)
        self.assertEqual(
            [(s["service"], s["over_cap"]) for s in budget.get_budget_status()[0]["services"]],
            [("AmazonEC2", False), ("AmazonS3", True)],
        )

    def test_a_new_period_starts_with_nothing_fired(self):
        budget = self.budget()
        self.import_days(1, 7)
        self.assertEqual(len(budget.alert_ids.filtered(lambda a: a.state == "fired")), 2)
        budget.with_context(billbyte_as_of="2026-04-02")._billbyte_evaluate()
        self.assertEqual(budget.period_start, date(2026, 4, 1))
        self.assertEqual(budget.consumed_amount, 0.0)
        self.assertEqual(budget.status, "ok")
        self.assertFalse(budget.alert_ids.filtered(lambda a: a.state == "fired"))
        # A one-off budget ends with its period.
        budget.recurring = False
        budget.with_context(billbyte_as_of="2026-04-02")._billbyte_evaluate()
        self.assertEqual(budget.status, "ended")

    def test_evaluation_is_set_based(self):
        """The queries of an evaluation do not grow with the number of budgets."""
        accounts = self.env["billbyte.cloud.account"].create(
            [
                {
                    "name": f"Bulk {n}",
                    "vendor_id": self.aws.id,
                    "vendor_account_id": f"4444444444{n:02d}",
                    "partner_id": self.contoso.id,
                }
                for n in range(20)
            ]
        )
        Budget = self.env["billbyte.cloud.budget"]
        budgets = Budget.create(
            [
                {
                    "name": f"Bulk {n}",
                    "cloud_account_id": account.id,
                    "amount": 1.0,
                    "date_start": "2026-03-01",
                    "service_limit_ids": [
                        (0, 0, {"service_name": "AmazonEC2", "cap_amount": 0.5}),
                        (0, 0, {"service_name": "AmazonS3", "cap_amount": 0.5}),
                    ],
                }
                for n, account in enumerate(accounts)
            ]
        )
        rows = [
            focus_row(account.vendor_account_id, "2026-03-02", "AmazonEC2", "1.00")
            for account in accounts
        ]
        self.assertEqual(self.import_bytes(focus_csv(rows)).state, "done")
        self.assertEqual(len(budgets.alert_ids.filtered(lambda a: a.kind == "limit")), 20)

        def queries(some):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["billbyte.budget.evaluation"].with_context(
                queue_job__no_delay=False
            )._evaluate_accounts(set(some.mapped("cloud_account_id").ids))
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(budgets[:2]), queries(budgets))

    def test_amounts_are_exact_decimals(self):
        budget = self.budget(amount=1.0)
        self.import_days(1, 3, cost="0.0333333")  # 3 x 0.03999996 = 0.11999988
        status = budget.get_budget_status()[0]
        self.assertEqual(status["consumed"], "0.12")
        self.assertEqual(Decimal(status["consumed"]), Decimal("0.12"))
