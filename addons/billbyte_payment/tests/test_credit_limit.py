# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billbyte_billing.tests.common import BillingCommon
from odoo.addons.billbyte_catalog.tests.standard_groups import (
    open_form,
    open_list,
    standard_users,
)


@tagged("post_install", "-at_install")
class TestCreditLimit(BillingCommon):
    """Contoso (USD, cost + 20 %: a 1.00 USD row is 1.20 of usage) under a cloud credit
    limit; Sam sells to it, Alice is the company's credit accountant, Max manages
    credit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.salesman = Users.create(
            {
                "name": "Sam Sales",
                "login": "bb_credit_sam",
                "email": "sam@provider.example.com",
                "groups_id": [Command.set([cls.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        cls.accountant = Users.create(
            {
                "name": "Alice Accounts",
                "login": "bb_credit_alice",
                "email": "alice@provider.example.com",
                "groups_id": [Command.set([cls.env.ref("account.group_account_invoice").id])],
            }
        )
        cls.manager = Users.create(
            {
                "name": "Max Credit",
                "login": "bb_credit_max",
                "email": "max@provider.example.com",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("sales_team.group_sale_salesman_all_leads").id,
                            cls.env.ref(
                                "account_financial_risk.group_account_financial_risk_manager"
                            ).id,
                        ]
                    )
                ],
            }
        )
        cls.company.billbyte_credit_accountant_id = cls.accountant
        cls.contoso.write(
            {
                "user_id": cls.salesman.id,
                "credit_limit": 30.0,
                "billbyte_credit_control": True,
            }
        )
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.deposits = cls.env["account.account"].create(
            {
                "name": "Customer Deposits",
                "code": "219951",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        cls.company.billbyte_deposit_account_id = cls.deposits
        cls.service = cls.env["product.product"].create(
            {"name": "Cloud migration", "type": "service", "list_price": 500.0}
        )

    # ----------------------------------------------------------------- helpers
    def status(self, partner=None):
        partner = partner or self.contoso
        partner.invalidate_recordset()
        return partner.get_credit_status()[0]

    def pay(self, amount, deposit=False):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.contoso.id,
                "amount": amount,
                "journal_id": self.bank.id,
                "currency_id": self.usd.id,
                "billbyte_is_deposit": deposit,
            }
        )
        payment.action_post()
        return payment

    def breaches(self, partner=None):
        return self.env["billbyte.credit.breach"].search(
            [("partner_id", "=", (partner or self.contoso).id)], order="id"
        )

    def warnings(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.contoso.id),
                ("body", "ilike", "over its credit limit"),
            ]
        )

    def quotation(self, partner=None, user=None):
        env = self.env(user=user) if user else self.env
        return env["sale.order"].create(
            {
                "partner_id": (partner or self.contoso).id,
                "order_line": [Command.create({"product_id": self.service.id})],
            }
        )

    # ------------------------------------------------------------------- tests
    def test_exposure_is_open_invoices_plus_unbilled_usage_less_deposits(self):
        self.assertEqual(
            self.status(),
            {
                "customer_id": self.contoso.id,
                "controlled": True,
                "currency": "USD",
                "credit_limit": "30.00",
                "no_credit": False,
                "open_invoices": "0.00",
                "unbilled_usage": "0.00",
                "deposits": "0.00",
                "exposure": "0.00",
                "remaining": "30.00",
                "over": False,
            },
        )
        # March: 28 x 1.20 = 33.60 + 10 % tax = 36.96, invoiced and left open.
        self.contoso.credit_limit = 1000.0
        self.import_rows(self.month_rows())
        self.assertEqual(self.status()["unbilled_usage"], "33.60")
        self.bill("2026-04-01", self.contoso)
        # April so far: 5 x 1.20 unbilled.
        self.import_rows(self.month_rows(month="2026-04", days=5))
        status = self.status()
        self.assertEqual(status["open_invoices"], "36.96")
        self.assertEqual(status["unbilled_usage"], "6.00")
        self.assertEqual(status["exposure"], "42.96")
        # A payment of 50.00: the invoice paid, 13.04 credit left on the receivable
        # (OCA's open amount is negative: the customer's money).
        self.pay(50)
        status = self.status()
        self.assertEqual(status["open_invoices"], "-13.04")
        self.assertEqual(status["exposure"], "-7.04")
        # A deposit of 20.00 is held: it lowers the exposure too.
        self.pay(20, deposit=True)
        status = self.status()
        self.assertEqual(status["deposits"], "-20.00")
        self.assertEqual(status["exposure"], "-27.04")
        self.assertEqual(status["remaining"], "1027.04")
        # OCA's own figures on the partner form say the same.
        self.assertEqual(self.dec(self.contoso.risk_total), self.dec("-27.04"))
        self.assertEqual(self.dec(self.contoso.billbyte_risk_usage), self.dec("6.00"))

    def test_wallet_debt_counts_once(self):
        """A prepaid customer's exposure is its wallet's debt: the wallet is the
        credit on the receivable less unbilled usage."""
        self.contoso.billbyte_prepaid = True
        self.pay(10)
        self.import_rows(self.month_rows(days=20))  # 24.00 of usage on 10.00 paid
        self.assertEqual(self.contoso.get_wallet_status()[0]["balance"], "-14.00")
        status = self.status()
        self.assertEqual(
            (status["open_invoices"], status["unbilled_usage"], status["exposure"]),
            ("-10.00", "24.00", "14.00"),
        )

    def test_over_the_limit_warns_salesperson_and_accountant_once(self):
        self.import_rows(self.month_rows(days=20))  # 24.00 of 30.00
        self.assertFalse(self.breaches())
        self.import_rows(self.month_rows(days=26))  # 31.20: over
        breach = self.breaches()
        self.assertEqual(len(breach), 1)
        self.assertEqual(breach.state, "open")
        self.assertEqual(self.dec(breach.exposure), self.dec("31.20"))
        self.assertEqual(self.dec(breach.credit_limit), self.dec("30.00"))
        self.assertTrue(self.contoso.billbyte_credit_over)
        warning = self.warnings()
        self.assertEqual(len(warning), 1)
        self.assertIn("31.20", warning.body)
        self.assertEqual(
            set(warning.partner_ids.ids),
            {self.salesman.partner_id.id, self.accountant.partner_id.id},
        )
        activities = self.contoso.activity_ids
        self.assertEqual(set(activities.user_id.ids), {self.salesman.id, self.accountant.id})
        self.assertEqual(len(activities), 2)
        # More usage while over, a re-check, the hourly action: nothing more.
        self.import_rows(self.month_rows(days=28))
        self.env["res.partner"]._billbyte_credit_check(self.contoso.ids)
        self.env["res.partner"]._cron_billbyte_credit_check()
        self.assertEqual(len(self.breaches()), 1)
        self.assertEqual(len(self.warnings()), 1)
        self.assertEqual(len(self.contoso.activity_ids), 2)
        # Not suspended: the customer is set to notify only.
        self.assertFalse(self.account_contoso.service_action_ids)
        # A payment brings it back within; the next crossing warns again.
        self.pay(10)  # 33.60 - 10 = 23.60
        self.assertEqual(breach.state, "cleared")
        self.assertFalse(self.contoso.billbyte_credit_over)
        self.contoso.with_env(self.env).credit_limit = 20.0
        self.assertEqual(len(self.breaches()), 2)
        self.assertEqual(len(self.warnings()), 2)

    def test_suspends_when_set_so_and_resumes_what_it_suspended(self):
        self.contoso.billbyte_credit_action = "suspend"
        self.import_rows(self.month_rows(days=26))  # 31.20 of 30.00
        breach = self.breaches()
        action = self.account_contoso.service_action_ids
        self.assertEqual(action.action, "suspend")
        self.assertEqual(action.origin, breach)
        self.assertIn("Credit limit exceeded", action.reason)
        self.assertEqual(breach.service_action_ids, action)
        # The file connection cannot act at the vendor: the account is flagged.
        self.assertTrue(self.account_contoso.enforcement_flag)
        # Still over: no second request.
        self.import_rows(self.month_rows(days=28))
        self.assertEqual(len(self.account_contoso.service_action_ids), 1)
        self.pay(20)
        self.assertFalse(self.account_contoso.enforcement_flag)
        self.assertEqual(
            self.account_contoso.service_action_ids.sorted("id").mapped("action"),
            ["suspend", "resume"],
        )

    def test_zero_limit_means_no_credit_beyond_the_deposit(self):
        """Bad input: a credit limit of 0 is no credit, not no limit: the first
        usage over the deposit triggers the configured action."""
        self.contoso.write({"credit_limit": 0.0, "billbyte_credit_action": "suspend"})
        self.pay(12, deposit=True)
        self.import_rows(self.month_rows(days=10))  # 12.00 of usage: covered
        status = self.status()
        self.assertEqual(
            (status["exposure"], status["no_credit"], status["over"]), ("0.00", True, False)
        )
        self.assertFalse(self.breaches())
        self.import_rows(self.month_rows(days=11))  # 13.20: 1.20 over the deposit
        self.assertEqual(self.status()["exposure"], "1.20")
        breach = self.breaches()
        self.assertEqual(len(breach), 1)
        self.assertIn("no credit (limit 0)", self.warnings().body)
        self.assertEqual(self.account_contoso.service_action_ids.origin, breach)
        # Without the cloud credit limit, OCA reads 0 as no limit at all.
        fabrikam = self.fabrikam
        fabrikam.credit_limit = 0.0
        self.import_rows(self.month_rows(account="222222222222", days=3))
        self.assertFalse(fabrikam.risk_exception)
        self.assertFalse(self.breaches(fabrikam))

    def test_quotations_over_the_limit_need_a_managers_approval(self):
        self.import_rows(self.month_rows(days=26))  # over
        order = self.quotation(user=self.salesman)
        self.assertTrue(order.billbyte_credit_blocked)
        with self.assertRaises(UserError) as refused:
            order.action_confirm()
        self.assertIn(
            "Contoso is over its credit limit: exposure 31.20 USD", str(refused.exception)
        )
        self.assertIn("A credit manager must approve", str(refused.exception))
        self.assertEqual(order.state, "draft")
        # The salesperson (or an invoicing clerk) cannot approve.
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_billbyte_credit_approve()
        with self.assertRaises(AccessError):
            self.contoso.with_user(self.accountant).billbyte_credit_control = False
        order.with_user(self.manager).action_billbyte_credit_approve()
        self.assertEqual(order.billbyte_credit_approved_by_id, self.manager)
        self.assertFalse(order.billbyte_credit_blocked)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        # The next quotation is blocked again; a customer without a limit is not.
        self.assertTrue(self.quotation(user=self.salesman).billbyte_credit_blocked)
        other = self.quotation(partner=self.fabrikam, user=self.salesman)
        self.assertFalse(other.billbyte_credit_blocked)
        other.action_confirm()
        self.assertEqual(other.state, "sale")

    def test_billing_runs_post_usage_invoices_of_customers_over_the_limit(self):
        # OCA's invoice check would hold the posting behind its wizard.
        self.contoso.write({"risk_invoice_open_limit": 1.0})
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(self.status()["exposure"], "36.96")
        self.assertEqual(len(self.breaches()), 1)

    def test_credit_views_open_for_each_standard_group(self):
        """The Financial Risk tab for accountants (exposure and limit), the quotation with
        its credit banner for salespeople, the breaches for accountants."""
        self.import_rows(self.month_rows(days=26))  # over
        order = self.quotation()
        users = standard_users(self.env, "bb_credit_std")
        opened = set()
        for role, user in users.items():
            with self.subTest(role=role):
                form = open_form(self.contoso.with_user(user), "base.view_partner_form")
                accounting = role in ("invoicing", "accountant", "account_manager")
                self.assertEqual("billbyte_risk_usage" in form._view["fields"], accounting)
                if accounting:
                    self.assertEqual(self.dec(form.risk_total), self.dec("31.20"))
                    self.assertEqual(self.dec(form.credit_limit), self.dec("30.00"))
                    self.assertTrue(form.billbyte_credit_over)
                    names, rows = open_list(
                        self.env["billbyte.credit.breach"].with_user(user),
                        view_xmlid="billbyte_payment.billbyte_credit_breach_view_list",
                        domain=[("partner_id", "=", self.contoso.id)],
                    )
                    self.assertEqual([row["id"] for row in rows], self.breaches().ids)
                # (Odoo's quotation form needs the quotation templates, which only
                # sales users read.)
                if role in ("salesman", "sales_manager"):
                    order.user_id = user  # a salesman reads their own orders
                    quotation = open_form(order.with_user(user), "sale.view_order_form")
                    self.assertTrue(quotation.billbyte_credit_blocked)
                    self.assertIn("over its credit limit", quotation.billbyte_credit_message)
                    buttons = quotation._view["tree"].xpath("//button/@name")
                    self.assertNotIn("action_billbyte_credit_approve", buttons)
                opened.add(role)
        self.assertEqual(opened, set(users))
        quotation = open_form(order.with_user(self.manager), "sale.view_order_form")
        self.assertIn(
            "action_billbyte_credit_approve", quotation._view["tree"].xpath("//button/@name")
        )


@tagged("post_install", "-at_install")
class TestCreditPortal(BillingCommon, HttpCase):
    """The customer reads its credit in /my/cloud."""

    def test_portal_shows_limit_and_exposure_to_the_customer_only(self):
        self.contoso.write({"credit_limit": 30.0, "billbyte_credit_control": True})
        contact = self.env["res.partner"].create(
            {"name": "Carl Credit", "parent_id": self.contoso.id, "email": "carl@contoso.example"}
        )
        new_test_user(
            self.env,
            login="bb_credit_carl",
            password="bb_credit_carl",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        new_test_user(
            self.env,
            login="bb_credit_fay",
            password="bb_credit_fay",
            groups="base.group_portal",
            partner_id=self.fabrikam.id,
        )
        self.import_rows(self.month_rows(days=26))  # 31.20 of 30.00
        self.authenticate("bb_credit_carl", "bb_credit_carl")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        tree = html.fromstring(page.text)
        section = tree.xpath("//div[contains(@class, 'o_billbyte_cloud_credit')]")
        self.assertEqual(len(section), 1)

        def cell(name):
            return section[0].xpath(f".//*[contains(@class, '{name}')]")[0].text_content().strip()

        self.assertEqual(cell("o_billbyte_credit_exposure"), "31.20")
        self.assertEqual(cell("o_billbyte_credit_limit"), "30.00")
        self.assertEqual(cell("o_billbyte_credit_usage"), "31.20")
        self.assertEqual(cell("o_billbyte_credit_remaining"), "-1.20")
        self.assertIn("Over the limit", section[0].text_content())
        # Fabrikam, without a cloud credit limit, has no credit section.
        self.authenticate("bb_credit_fay", "bb_credit_fay")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("o_billbyte_cloud_credit", page.text)
        self.assertNotIn("31.20", page.text)
