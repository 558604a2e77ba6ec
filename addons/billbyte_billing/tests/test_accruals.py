# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestAccruals(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.unbilled = Account.create(
            {"name": "Unbilled cloud revenue", "code": "BB1100", "account_type": "asset_current"}
        )
        cls.accrued_payable = Account.create(
            {"name": "Accrued cloud costs", "code": "BB2100", "account_type": "liability_current"}
        )
        cls.cost_account = Account.create(
            {
                "name": "Cost of cloud services",
                "code": "BB6100",
                "account_type": "expense_direct_cost",
            }
        )
        cls.company.write(
            {
                "default_accrued_revenue_account_id": cls.unbilled.id,
                "default_accrued_expense_account_id": cls.accrued_payable.id,
                "billbyte_accrual_cost_account_id": cls.cost_account.id,
            }
        )
        cls.Cutoff = cls.env["account.cutoff"]

    def accrue(self, day="2026-03-31"):
        return self.Cutoff._billbyte_month_end(self.company, date.fromisoformat(day))

    def test_month_end_accrual_and_reversal(self):
        self.import_rows(self.month_rows() + self.month_rows(service="AmazonS3", cost="0.25"))
        cutoffs = self.accrue()
        revenue = cutoffs.filtered(lambda c: c.cutoff_type == "accrued_revenue")
        expense = cutoffs.filtered(lambda c: c.cutoff_type == "accrued_expense")
        self.assertEqual(revenue.state, "done")
        self.assertEqual(expense.state, "done")
        # Revenue: 28.00 EC2 and 7.00 S3 of cost, cost-plus 20 %.
        move = revenue.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.date, date(2026, 3, 31))
        income = move.line_ids.filtered("billbyte_cloud_account_id")
        self.assertEqual(
            sorted((line.billbyte_service_name, self.dec(line.credit)) for line in income),
            [("AmazonEC2", self.dec("33.60")), ("AmazonS3", self.dec("8.40"))],
        )
        self.assertEqual(income.partner_id, self.contoso)
        self.assertEqual(income.billbyte_cloud_account_id, self.account_contoso)
        analytic = str(self.account_contoso.analytic_account_id.id)
        for line in income:
            self.assertEqual(line.analytic_distribution, {analytic: 100})
        counterpart = move.line_ids - income
        self.assertEqual(counterpart.account_id, self.unbilled)
        self.assertEqual(self.dec(counterpart.debit), self.dec("42.00"))
        # Cost: debit cost of services, credit accrued payable.
        cost_move = expense.move_id
        costs = cost_move.line_ids.filtered("billbyte_cloud_account_id")
        self.assertEqual(costs.account_id, self.cost_account)
        self.assertEqual(
            sorted((line.billbyte_service_name, self.dec(line.debit)) for line in costs),
            [("AmazonEC2", self.dec("28.00")), ("AmazonS3", self.dec("7.00"))],
        )
        payable = cost_move.line_ids - costs
        self.assertEqual(payable.account_id, self.accrued_payable)
        self.assertEqual(self.dec(payable.credit), self.dec("35.00"))
        # Both reversed, posted, on the first of April, with the same details.
        for cutoff in cutoffs:
            reversal = cutoff.move_reversal_id
            self.assertEqual(reversal.state, "posted")
            self.assertEqual(reversal.date, date(2026, 4, 1))
            self.assertEqual(reversal.reversed_entry_id, cutoff.move_id)
            self.assertEqual(
                sorted(
                    (line.billbyte_service_name, self.dec(line.debit), self.dec(line.credit))
                    for line in reversal.line_ids.filtered("billbyte_cloud_account_id")
                ),
                sorted(
                    (line.billbyte_service_name, self.dec(line.credit), self.dec(line.debit))
                    for line in cutoff.move_id.line_ids.filtered("billbyte_cloud_account_id")
                ),
            )
        # Running the month end again adds nothing.
        again = self.accrue()
        self.assertEqual(again, cutoffs)
        self.assertEqual(again.move_id, cutoffs.move_id)

    def test_invoiced_usage_is_not_accrued(self):
        self.import_rows(self.month_rows())
        self.bill("2026-03-31", self.contoso)  # nothing closed yet
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.invoice_ids.state, "posted")
        # Invoiced on April 1st: March still accrues it; April has nothing to accrue.
        march = self.accrue("2026-03-31")
        self.assertEqual(
            self.dec(
                march.filtered(lambda c: c.cutoff_type == "accrued_revenue").total_cutoff_amount
            ),
            self.dec("33.60"),
        )
        april = self.accrue("2026-04-30")
        self.assertFalse(april.line_ids)
        self.assertFalse(april.move_id)

    def test_margin_report_reads_posted_entries(self):
        self.import_rows(self.month_rows())
        self.import_rows(self.month_rows(account="222222222222", days=10, cost="2.00"))
        self.accrue("2026-03-31")
        self.bill("2026-04-01", self.contoso)
        Report = self.env["billbyte.margin.report"]

        def totals(domain):
            groups = Report.read_group(domain, ["revenue:sum", "cost:sum", "margin:sum"], [])
            return tuple(self.dec(groups[0][f] or 0) for f in ("revenue", "cost", "margin"))

        contoso = [("cloud_account_id", "=", self.account_contoso.id)]
        march = [("date", ">=", "2026-03-01"), ("date", "<=", "2026-03-31")]
        april = [("date", ">=", "2026-04-01"), ("date", "<=", "2026-04-30")]
        # March: the accrual. April: its reversal and the invoice cancel out.
        self.assertEqual(
            totals(contoso + march), (self.dec("33.60"), self.dec("28.00"), self.dec("5.60"))
        )
        self.assertEqual(totals(contoso + april), (self.dec(0), self.dec(0), self.dec(0)))
        invoice_rows = Report.search(contoso + [("kind", "=", "invoice")])
        self.assertEqual(
            (
                self.dec(sum(invoice_rows.mapped("revenue"))),
                self.dec(sum(invoice_rows.mapped("cost"))),
            ),
            (self.dec("33.60"), self.dec("28.00")),
        )
        # Fabrikam (fixed 0.10 EUR x 10 h a day, not billed): accrual and reversal.
        fabrikam = [("partner_id", "=", self.fabrikam.id)]
        self.assertEqual(totals(fabrikam + march)[1], self.dec("20.00"))
        self.assertEqual(totals(fabrikam + april)[1], self.dec("-20.00"))
        # Every figure equals the posted journal items it reads.
        items = self.env["account.move.line"].search(
            [
                ("parent_state", "=", "posted"),
                ("billbyte_cloud_account_id", "!=", False),
                ("display_type", "not in", ("line_section", "line_note")),
            ]
        )
        revenue = -sum(
            items.filtered(lambda x: x.account_id.internal_group == "income").mapped("balance")
        )
        cost = sum(
            items.filtered(lambda x: x.account_id.internal_group == "expense").mapped("balance")
        ) + sum(
            items.filtered(lambda x: x.account_id.internal_group != "expense").mapped(
                "billbyte_cost"
            )
        )
        self.assertEqual(totals([]), (self.dec(revenue), self.dec(cost), self.dec(revenue - cost)))
        # Draft entries are not read.
        self.assertFalse(Report.search([("move_id.state", "!=", "posted")]))

    def test_margin_report_access(self):
        portal = new_test_user(self.env, "margin_portal", groups="base.group_portal")
        plain = new_test_user(self.env, "margin_plain", groups="base.group_user")
        billbyte_user = new_test_user(
            self.env,
            "margin_bb_user",
            groups="base.group_user,billbyte_catalog.group_billbyte_user",
        )
        for user in (portal, plain, billbyte_user):
            with self.assertRaises(AccessError):
                self.env["billbyte.margin.report"].with_user(user).search([])
        accountant = new_test_user(
            self.env, "margin_accountant", groups="base.group_user,account.group_account_invoice"
        )
        self.env["billbyte.margin.report"].with_user(accountant).search([])

    def test_cron_needs_the_accounts(self):
        self.company.default_accrued_revenue_account_id = False
        self.import_rows(self.month_rows())
        self.Cutoff._cron_billbyte_month_end()
        self.assertFalse(self.Cutoff.search([("company_id", "=", self.company.id)]))

    def test_month_end_by_hand_and_views(self):
        self.import_rows(self.month_rows())
        manager = new_test_user(
            self.env,
            "accrual_manager",
            groups="base.group_user,account.group_account_manager",
        )
        wizard = (
            self.env["billbyte.accrual.wizard"]
            .with_user(manager)
            .create({"date": "2026-03-31", "company_id": self.company.id})
        )
        action = wizard.action_accrue()
        moves = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(moves), 4)  # revenue and cost, each with its reversal
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertEqual(
            sorted(str(d) for d in moves.mapped("date")),
            ["2026-03-31", "2026-03-31", "2026-04-01", "2026-04-01"],
        )
        accountant = new_test_user(
            self.env, "margin_views", groups="base.group_user,account.group_account_invoice"
        )
        for model, kinds in (
            ("billbyte.margin.report", ["pivot", "graph", "list", "search"]),
            ("billbyte.vendor.reconciliation", ["list", "form", "search", "pivot", "graph"]),
        ):
            views = self.env[model].with_user(accountant).get_views([(False, k) for k in kinds])
            self.assertEqual(set(views["views"]), set(kinds))

    def test_revenue_in_customer_currency_converted_at_month_end(self):
        # Northwind: cost-plus 10 % in EUR; EUR is 0.9 per USD on Oct 1st, 0.8 after.
        self.import_rows(self.month_rows(month="2026-10", account="333333333333"))
        cutoffs = self.accrue("2026-10-31")
        revenue = cutoffs.filtered(lambda c: c.cutoff_type == "accrued_revenue").line_ids
        # 0.99 EUR on the 1st, 0.88 EUR on 27 days: 24.75 EUR, at 0.8 on Oct 31st.
        self.assertEqual(revenue.currency_id, self.eur)
        self.assertEqual(self.dec(revenue.amount), self.dec("24.75"))
        self.assertEqual(self.dec(revenue.cutoff_amount), self.dec("30.94"))
        cost = cutoffs.filtered(lambda c: c.cutoff_type == "accrued_expense").line_ids
        self.assertEqual(self.dec(cost.cutoff_amount), self.dec("-28.00"))
        self.assertEqual(revenue.partner_id, self.northwind)
