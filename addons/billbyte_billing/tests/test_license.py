# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestLicense(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        Template = cls.env["product.template"]
        cls.e3 = Template.create(
            {
                "name": "Microsoft 365 E3 (monthly)",
                "type": "service",
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "license",
                "billbyte_sku_id": "CFQ7TTC0LFLX:0001",
                "billbyte_term": "monthly",
                "billbyte_published": True,
                "list_price": 12.34,
                "taxes_id": [(6, 0, cls.tax.ids)],
            }
        ).product_variant_id
        cls.e5 = Template.create(
            {
                "name": "Microsoft 365 E5 (annual)",
                "type": "service",
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "license",
                "billbyte_sku_id": "CFQ7TTC0LFLZ:0002",
                "billbyte_term": "annual",
                "billbyte_published": True,
                "list_price": 1000.0,
                "taxes_id": [(6, 0, cls.tax.ids)],
            }
        ).product_variant_id
        cls.tenant = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso M365",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": "6b1f1c2e-0000-4000-8000-000000000001",
                "partner_id": cls.contoso.id,
            }
        )
        cls.License = cls.env["billbyte.license"]

    def order(self, product, seats, day, partner=None, price=None, **line):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.contoso).id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": seats,
                            "price_unit": price if price is not None else product.lst_price,
                            "billbyte_license_date": day,
                            **line,
                        },
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    def license_lines(self, invoice):
        return invoice.invoice_line_ids.filtered("billbyte_license_change_id")

    def test_order_confirm_creates_license(self):
        order = self.order(self.e3, 10, "2026-04-01")
        line = order.order_line
        self.assertEqual(line.billbyte_cloud_account_id, self.tenant, "the only Microsoft account")
        lic = line.billbyte_license_id
        self.assertEqual(lic.cloud_account_id, self.tenant)
        self.assertEqual(lic.partner_id, self.contoso)
        self.assertEqual(lic.product_id, self.e3)
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 10))
        self.assertEqual(lic.term, "monthly")
        self.assertEqual(lic.date_start, date(2026, 4, 1))
        self.assertEqual(self.dec(lic.price_unit), self.dec("12.34"))
        self.assertEqual(lic.currency_id, self.usd)
        self.assertEqual(lic.state, "active")
        self.assertEqual(lic.next_term_start, date(2026, 4, 1))
        self.assertEqual(self.tenant.license_count, 1)
        self.assertEqual(order.billbyte_license_count, 1)
        # Billed by the billing runs per term, never from the order.
        self.assertEqual(line.qty_to_invoice, 0)
        self.assertEqual(line.invoice_status, "no")

    def test_first_run_bills_the_first_term_in_advance(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        run = self.bill("2026-03-31", self.contoso)
        self.assertFalse(run.invoice_ids, "the term has not started")
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.state, "done", run.log)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        line = self.license_lines(invoice)
        self.assertEqual(len(line), 1)
        self.assertEqual(self.dec(line.price_subtotal), self.dec("123.40"))
        self.assertEqual(line.quantity, 10)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 4, 1), date(2026, 4, 30)))
        self.assertIn("10 seat(s), term 2026-04-01 to 2026-04-30", line.name)
        self.assertEqual(line.billbyte_cloud_account_id, self.tenant)
        self.assertEqual(line.analytic_distribution, {str(self.tenant.analytic_account_id.id): 100})
        section = invoice.invoice_line_ids.filtered(lambda x: x.display_type == "line_section")
        self.assertIn("Contoso M365", section.name)
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("123.40"))
        self.assertEqual(self.dec(invoice.amount_total), self.dec("135.74"))
        self.assertEqual(lic.billed_until, date(2026, 4, 30))
        self.assertEqual(lic.next_term_start, date(2026, 5, 1))
        self.assertEqual(lic.change_ids.mapped("state"), ["billed"])
        # A second run, the same day or later in the term, bills nothing new.
        for day in ("2026-04-01", "2026-04-20"):
            again = self.bill(day, self.contoso)
            self.assertFalse(again.invoice_ids, again.log)
        # The next term on its first day.
        may = self.bill("2026-05-01", self.contoso).invoice_ids
        line = self.license_lines(may)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 5, 1), date(2026, 5, 31)))
        self.assertEqual(self.dec(line.price_subtotal), self.dec("123.40"))
        self.assertEqual(len(lic.invoice_line_ids), 2)

    def test_license_and_usage_share_the_customer_invoice(self):
        self.order(self.e3, 2, "2026-04-01")
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(len(invoice), 1)
        sections = invoice.invoice_line_ids.filtered(lambda x: x.display_type == "line_section")
        self.assertEqual(len(sections), 2, "one section per cloud account")
        # 28 days x 1.00 cost-plus 20 % = 33.60 of usage and 2 x 12.34 of licenses.
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("58.28"))

    def test_seat_increase_is_prorated_by_day_on_the_next_invoice(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        self.bill("2026-04-01", self.contoso)
        order = self.order(self.e3, 5, "2026-04-10")
        self.assertEqual(order.order_line.billbyte_license_id, lic, "the same license")
        self.assertEqual((lic.seats, lic.next_term_seats), (15, 15))
        change = lic.change_ids.filtered(lambda c: c.kind == "increase")
        # 5 seats x 12.34 x 21 days (10 to 30 April) / 30 days = 43.19
        self.assertEqual((change.days, change.term_days), (21, 30))
        self.assertEqual(self.dec(change.amount), self.dec("43.19"))
        self.assertEqual(change.state, "to_bill")
        # Not a separate invoice of its own in the middle of the month...
        self.assertFalse(self.bill("2026-04-15", self.contoso).invoice_ids)
        # ...but on the next one, with the new term at 15 seats.
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        lines = self.license_lines(invoice).sorted("start_date")
        self.assertEqual(len(lines), 2)
        increase, term = lines
        self.assertEqual(self.dec(increase.price_subtotal), self.dec("43.19"))
        # 43.19 / 5 is no price at the 'Product Price' precision: 1 unit at 43.19.
        self.assertEqual(self.dec(increase.quantity * increase.price_unit), self.dec("43.19"))
        self.assertEqual(
            (increase.start_date, increase.end_date), (date(2026, 4, 10), date(2026, 4, 30))
        )
        self.assertIn("+5 seat(s) from 2026-04-10 to 2026-04-30, 21 of 30 days", increase.name)
        self.assertEqual(self.dec(term.price_subtotal), self.dec("185.10"))
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("228.29"))
        self.assertEqual(change.state, "billed")
        self.assertEqual(change.invoice_line_id, increase)
        self.assertFalse(self.bill("2026-05-02", self.contoso).invoice_ids, "billed once")

    def test_seat_decrease_applies_at_renewal(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        self.bill("2026-04-01", self.contoso)
        self.order(self.e3, -3, "2026-04-10")
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 7))
        decrease = lic.change_ids.filtered(lambda c: c.kind == "decrease")
        self.assertEqual(decrease.date, date(2026, 5, 1))
        self.assertEqual(decrease.state, "scheduled")
        self.assertFalse(self.bill("2026-04-20", self.contoso).invoice_ids, "no credit mid-term")
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        line = self.license_lines(invoice)
        self.assertEqual(line.quantity, 7)
        self.assertEqual(self.dec(line.price_subtotal), self.dec("86.38"))
        self.assertEqual(lic.seats, 7)
        self.assertEqual(decrease.state, "applied")
        with self.assertRaisesRegex(UserError, "has 7 seat"):
            self.order(self.e3, -8, "2026-05-10")

    def test_annual_license_is_deferred_and_recognised_monthly(self):
        deferred = self.env["account.account"].create(
            {
                "name": "Deferred revenue",
                "code": "DEFREV1",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        journal = self.env["account.journal"].create(
            {"name": "Deferrals", "code": "DEFJ", "type": "general"}
        )
        settings = self.env["res.config.settings"].create(
            {
                "billbyte_spread_revenue_account_id": deferred.id,
                "billbyte_spread_revenue_journal_id": journal.id,
            }
        )
        settings.execute()
        self.assertEqual(self.company.default_spread_revenue_account_id, deferred)
        lic = self.order(self.e5, 1, "2026-01-01").order_line.billbyte_license_id
        self.assertEqual(lic.term, "annual")
        invoice = self.bill("2026-01-01", self.contoso).invoice_ids
        line = self.license_lines(invoice)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 1, 1), date(2026, 12, 31)))
        self.assertEqual(self.dec(line.price_subtotal), self.dec("1000.00"))
        self.assertEqual(line.account_id, deferred, "prepaid: deferred revenue")
        spread = line.spread_id
        self.assertTrue(spread)
        self.assertEqual(spread.journal_id, journal)
        income = spread.credit_account_id
        self.assertEqual(income.account_type, "income")
        months = spread.line_ids.sorted("date")
        self.assertEqual(
            months.mapped("date"),
            [date(2026, m, 1) + relativedelta(day=31) for m in range(1, 13)],
        )
        amounts = [self.dec(-m.amount) for m in months]
        self.assertEqual(amounts, [self.dec("83.33")] * 11 + [self.dec("83.37")])
        self.assertEqual(sum(amounts), self.dec(line.price_subtotal))
        # Each month's entry moves its share from deferred revenue to income.
        spread.create_all_moves()
        self.assertEqual(set(months.move_id.mapped("state")), {"posted"})
        march = months[2].move_id
        self.assertEqual(march.date, date(2026, 3, 31))
        self.assertEqual(
            self.dec(
                sum(march.line_ids.filtered(lambda x: x.account_id == income).mapped("credit"))
            ),
            self.dec("83.33"),
        )
        self.env.flush_all()
        deferred_left = sum(
            self.env["account.move.line"]
            .search(
                [
                    ("account_id", "=", deferred.id),
                    ("parent_state", "=", "posted"),
                    # The test tax has no account of its own: its lines take the base's.
                    ("display_type", "!=", "tax"),
                ]
            )
            .mapped("balance")
        )
        self.assertEqual(self.dec(deferred_left), self.dec(0))
        recognised = sum(
            self.env["account.move.line"]
            .search([("move_id", "in", months.move_id.ids), ("account_id", "=", income.id)])
            .mapped("balance")
        )
        self.assertEqual(self.dec(recognised), self.dec("-1000.00"))

    def test_annual_license_without_deferred_account_says_so(self):
        self.company.default_spread_revenue_account_id = False
        self.order(self.e5, 1, "2026-01-01")
        run = self.bill("2026-01-01", self.contoso)
        self.assertFalse(run.invoice_ids)
        self.assertEqual(run.line_ids.state, "failed")
        self.assertIn("deferred revenue account", run.line_ids.message)

    def test_cancelled_license_invoice_is_billed_again_once(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        term = lic.change_ids
        self.assertEqual(term.state, "to_bill")
        again = self.bill("2026-04-02", self.contoso).invoice_ids
        self.assertEqual(len(again), 1)
        line = self.license_lines(again)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 4, 1), date(2026, 4, 30)))
        self.assertEqual(self.dec(line.price_subtotal), self.dec("123.40"))
        self.assertEqual(term.state, "billed")
        self.assertEqual(len(lic.change_ids), 1, "the same term, not a new one")
        self.assertFalse(self.bill("2026-04-03", self.contoso).invoice_ids, "once")

    def test_deleted_draft_license_invoice_is_billed_again(self):
        self.company.billbyte_invoice_post = False
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(invoice.state, "draft")
        invoice.unlink()
        self.assertEqual(lic.change_ids.state, "to_bill")
        again = self.bill("2026-04-02", self.contoso).invoice_ids
        self.assertEqual(self.dec(again.amount_untaxed), self.dec("123.40"))
        self.assertFalse(self.bill("2026-04-03", self.contoso).invoice_ids)

    def test_no_cloud_account_raises_and_creates_nothing(self):
        # Northwind has an AWS account only.
        order = self.env["sale.order"].create(
            {
                "partner_id": self.northwind.id,
                "order_line": [(0, 0, {"product_id": self.e3.id, "product_uom_qty": 3})],
            }
        )
        self.assertFalse(order.order_line.billbyte_cloud_account_id)
        with self.assertRaisesRegex(UserError, "needs a cloud account of Northwind at Microsoft"):
            order.action_confirm()
        self.assertIn(order.state, ("draft", "sent"))
        self.assertFalse(self.License.search([("partner_id", "=", self.northwind.id)]))

    def test_two_accounts_at_the_vendor_need_a_choice(self):
        other = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso dev tenant",
                "vendor_id": self.microsoft.id,
                "vendor_account_id": "6b1f1c2e-0000-4000-8000-000000000002",
                "partner_id": self.contoso.id,
            }
        )
        with self.assertRaisesRegex(UserError, "needs a cloud account"):
            self.order(self.e3, 1, "2026-04-01")
        lic = self.order(
            self.e3, 1, "2026-04-01", billbyte_cloud_account_id=other.id
        ).order_line.billbyte_license_id
        self.assertEqual(lic.cloud_account_id, other)

    def test_increase_before_the_first_run_is_not_billed_twice(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        self.order(self.e3, 5, "2026-04-10")
        invoice = self.bill("2026-04-11", self.contoso).invoice_ids
        term, increase = self.license_lines(invoice).sorted(
            lambda x: x.billbyte_license_change_id.kind != "term"
        )
        # The term at the 10 seats it started with, the 5 more prorated.
        self.assertIn("10 seat(s)", term.name)
        self.assertEqual(self.dec(term.price_subtotal), self.dec("123.40"))
        self.assertEqual(self.dec(increase.price_subtotal), self.dec("43.19"))
        may = self.license_lines(self.bill("2026-05-01", self.contoso).invoice_ids)
        self.assertEqual(self.dec(may.price_subtotal), self.dec("185.10"))
        self.assertEqual(lic.seats, 15)

    def test_terms_follow_the_start_day_at_month_ends(self):
        self.order(self.e3, 1, "2026-01-31")
        terms = []
        for day in ("2026-01-31", "2026-02-28", "2026-03-31"):
            line = self.license_lines(self.bill(day, self.contoso).invoice_ids)
            terms.append((line.start_date, line.end_date))
        self.assertEqual(
            terms,
            [
                (date(2026, 1, 31), date(2026, 2, 27)),
                (date(2026, 2, 28), date(2026, 3, 30)),
                (date(2026, 3, 31), date(2026, 4, 29)),
            ],
        )

    def setup_deferral(self):
        deferred = self.env["account.account"].create(
            {
                "name": "Deferred revenue",
                "code": "DEFREV2",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        self.company.default_spread_revenue_account_id = deferred
        return deferred

    def test_annual_license_from_mid_month_spreads_by_days(self):
        self.setup_deferral()
        self.order(self.e5, 3, "2026-04-16", price=400.0)
        line = self.license_lines(self.bill("2026-04-16", self.contoso).invoice_ids)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 4, 16), date(2027, 4, 15)))
        months = line.spread_id.line_ids.sorted("date")
        self.assertEqual(len(months), 13)
        amounts = [self.dec(-m.amount) for m in months]
        # 1,200.00 a year is 100.00 a month: April from the 16th is 15/30 of it, the
        # April of the next year the rest.
        self.assertEqual(amounts, [self.dec(50)] + [self.dec(100)] * 11 + [self.dec(50)])
        self.assertEqual(sum(amounts), self.dec("1200.00"))

    def test_annual_license_in_a_foreign_currency_spreads_its_company_amount(self):
        self.setup_deferral()
        self.env["billbyte.cloud.account"].create(
            {
                "name": "Northwind M365",
                "vendor_id": self.microsoft.id,
                "vendor_account_id": "6b1f1c2e-0000-4000-8000-000000000009",
                "partner_id": self.northwind.id,
            }
        )
        lic = self.order(
            self.e5, 1, "2026-11-01", partner=self.northwind, price=1000.0
        ).order_line.billbyte_license_id
        self.assertEqual(lic.currency_id, self.eur)
        line = self.license_lines(self.bill("2026-11-01", self.northwind).invoice_ids)
        self.assertEqual(line.currency_id, self.eur)
        # 1,000.00 EUR at 0.8 EUR per USD: 1,250.00 USD to recognise, 104.17 a month.
        self.assertEqual(self.dec(line.balance), self.dec("-1250.00"))
        months = line.spread_id.line_ids.sorted("date")
        amounts = [self.dec(-m.amount) for m in months]
        self.assertEqual(
            amounts, [self.dec("104.17")] * 11 + [self.dec("1250.00") - 11 * self.dec("104.17")]
        )

    def test_access(self):
        lic = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        Users = self.env["res.users"].with_context(no_reset_password=True)
        billing_user = Users.create(
            {
                "name": "Cloud billing reader",
                "login": "bb_license_reader",
                "groups_id": [(6, 0, [self.env.ref("billbyte_catalog.group_billbyte_user").id])],
            }
        )
        self.assertEqual(lic.with_user(billing_user).seats, 10)
        for model in ("billbyte.license", "billbyte.license.change"):
            views = (
                self.env[model]
                .with_user(billing_user)
                .get_views([(False, "list"), (False, "form"), (False, "search")])
            )
            self.assertIn("list", views["views"])
        Form(lic.with_user(billing_user))
        with self.assertRaises(AccessError):
            lic.with_user(billing_user).write({"seats": 20})
        # A salesperson confirms license orders without Cloud Billing rights.
        seller = Users.create(
            {
                "name": "Seller",
                "login": "bb_license_seller",
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        form = Form(self.env["sale.order"].with_user(seller))
        form.partner_id = self.contoso
        with form.order_line.new() as line:
            line.product_id = self.e3
            line.product_uom_qty = 2
            self.assertEqual(line.billbyte_cloud_account_id, self.tenant)
        order = form.save()
        order.action_confirm()
        self.assertEqual(lic.seats, 12)

    def test_accountant_posting_a_draft_annual_license_invoice_defers_it(self):
        deferred = self.setup_deferral()
        self.company.billbyte_invoice_post = False
        self.order(self.e5, 1, "2026-01-01")
        invoice = self.bill("2026-01-01", self.contoso).invoice_ids
        self.assertEqual(invoice.state, "draft")
        line = self.license_lines(invoice)
        self.assertNotEqual(line.account_id, deferred, "deferred only when posted")
        accountant = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Invoicing clerk",
                    "login": "bb_license_clerk",
                    "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
                }
            )
        )
        invoice.with_user(accountant).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(line.account_id, deferred)
        self.assertEqual(len(line.spread_id.line_ids), 12)
        # The clerk may cancel it as well: its spread entries go, the term bills again.
        invoice.with_user(accountant).button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertFalse(line.spread_id.line_ids)
        again = self.license_lines(self.bill("2026-01-02", self.contoso).invoice_ids)
        self.assertEqual(self.dec(again.price_subtotal), self.dec("1000.00"))

    def test_annual_seat_increase_is_deferred_by_day_to_the_end_of_the_term(self):
        deferred = self.setup_deferral()
        lic = self.order(self.e5, 2, "2026-01-01", price=365.0).order_line.billbyte_license_id
        self.bill("2026-01-01", self.contoso)
        self.order(self.e5, 1, "2026-03-10")
        # 1 seat x 365.00 x 297 days (10 March to 31 December) / 365 days = 297.00
        increase = lic.change_ids.filtered(lambda c: c.kind == "increase")
        self.assertEqual((increase.days, increase.term_days), (297, 365))
        self.assertEqual(self.dec(increase.amount), self.dec("297.00"))
        line = self.license_lines(self.bill("2026-04-01", self.contoso).invoice_ids)
        self.assertEqual(line.billbyte_license_change_id, increase)
        self.assertEqual(line.account_id, deferred)
        months = line.spread_id.line_ids.sorted("date")
        self.assertEqual(months[0].date, date(2026, 3, 31))
        self.assertEqual(months[-1].date, date(2026, 12, 31))
        # 1.00 a day: each month by its days, March from the 10th.
        self.assertEqual(
            [self.dec(-m.amount) for m in months],
            [self.dec(d) for d in (22, 30, 31, 30, 31, 31, 30, 31, 30, 31)],
        )

    def test_demo_license_is_billed(self):
        order = self.env.ref("billbyte_billing.sale_order_license_demo", raise_if_not_found=False)
        if not order:
            self.skipTest("installed without demo data")
        lic = order.order_line.billbyte_license_id
        self.assertEqual(lic.seats, 10)
        self.assertEqual(lic.change_ids.mapped("state"), ["billed"])
        self.assertEqual(self.dec(lic.invoice_line_ids.price_subtotal), self.dec("264.00"))

    def test_licenses_not_renewed_bill_no_more_terms(self):
        to_zero = self.order(self.e3, 10, "2026-04-01").order_line.billbyte_license_id
        annual = self.order(self.e5, 1, "2026-04-01", price=120.0).order_line.billbyte_license_id
        self.setup_deferral()
        self.assertEqual(len(self.license_lines(self.bill("2026-04-01").invoice_ids)), 2)
        # All seats removed: the term runs to its end, the license is not renewed.
        self.order(self.e3, -10, "2026-04-05")
        self.assertEqual((to_zero.seats, to_zero.next_term_seats, to_zero.state), (10, 0, "active"))
        annual.action_cancel()
        self.assertFalse(self.bill("2026-05-01").invoice_ids)
        self.assertEqual(to_zero.state, "cancelled")
        self.assertFalse(self.bill("2027-04-01").invoice_ids)
        self.assertEqual(len(annual.invoice_line_ids), 1)
