# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import BillingCommon
from .test_license_partner_center import (
    AZURE_PLAN,
    CUSTOMER,
    E3_OFFER,
    E5_OFFER,
    SUB_E3,
    PartnerCenterLicenseCommon,
)


@tagged("post_install", "-at_install")
class TestLicenseRules(BillingCommon):
    """Co-termination by day or by whole month, in advance or in arrears, upgrades
    and changes at renewal billed as such, and suspended licenses billed or not by
    the provider's rule; a license Odoo bills alone (no Partner Center link)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        Template = cls.env["product.template"]

        def sku(name, offer, price):
            return Template.create(
                {
                    "name": name,
                    "type": "service",
                    "billbyte_vendor_id": cls.microsoft.id,
                    "billbyte_offer_type": "license",
                    "billbyte_sku_id": offer,
                    "billbyte_term": "monthly",
                    "billbyte_published": True,
                    "list_price": price,
                    "taxes_id": [(6, 0, cls.tax.ids)],
                }
            ).product_variant_id

        cls.e3 = sku("Microsoft 365 E3 (monthly)", "CFQ7TTC0LFLX:0001", 12.34)
        cls.e5 = sku("Microsoft 365 E5 (monthly)", "CFQ7TTC0LFLZ:0002", 20.00)
        cls.tenant = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso M365",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": "6b1f1c2e-0000-4000-8000-000000000002",
                "partner_id": cls.contoso.id,
            }
        )
        cls.company = cls.env.company

    def license(self, product, seats, start, **values):
        return self.env["billbyte.license"].create(
            {
                "cloud_account_id": self.tenant.id,
                "product_id": product.id,
                "seats": seats,
                "date_start": start,
                "price_unit": product.lst_price,
                **values,
            }
        )

    def license_lines(self, invoice):
        return invoice.invoice_line_ids.filtered("billbyte_license_change_id").sorted(
            lambda line: (line.start_date, line.billbyte_license_change_id.id)
        )

    def test_seats_added_mid_term_by_whole_month(self):
        self.company.billbyte_license_proration = "month"
        lic = self.license(self.e3, 10, date(2026, 4, 1))
        self.bill("2026-04-01", self.contoso)
        change = lic._change_seats(5, date(2026, 4, 10))
        # The month the seats join counts in full: 5 x 12.34 = 61.70 (by day: 43.19).
        self.assertEqual((change.days, change.term_days, change.proration), (1, 1, "month"))
        self.assertEqual(self.dec(change.amount), Decimal("61.70"))
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        increase, term = self.license_lines(invoice)
        self.assertEqual(self.dec(increase.price_subtotal), Decimal("61.70"))
        self.assertEqual(
            (increase.start_date, increase.end_date), (date(2026, 4, 10), date(2026, 4, 30))
        )
        self.assertIn("1 of 1 months (prorated by whole month, billed in advance)", increase.name)
        self.assertIn("(billed in advance)", term.name)
        self.assertEqual(self.dec(term.price_subtotal), Decimal("185.10"))

    def test_seats_added_mid_term_by_day_say_so(self):
        lic = self.license(self.e3, 10, date(2026, 4, 1))
        self.bill("2026-04-01", self.contoso)
        change = lic._change_seats(5, date(2026, 4, 10))
        self.assertEqual(self.dec(change.amount), Decimal("43.19"))
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        increase = self.license_lines(invoice)[0]
        self.assertIn("21 of 30 days (prorated by day, billed in advance)", increase.name)

    def test_terms_billed_in_arrears(self):
        self.company.billbyte_license_billing_timing = "arrears"
        lic = self.license(self.e3, 10, date(2026, 4, 1))
        self.assertFalse(self.bill("2026-04-01", self.contoso).invoice_ids, "not before its end")
        lic._change_seats(5, date(2026, 4, 10))
        self.assertFalse(self.bill("2026-04-30", self.contoso).invoice_ids)
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        lines = self.license_lines(invoice)
        self.assertEqual(len(lines), 2, "April's term and April's seats; May waits for its end")
        term, increase = lines
        self.assertEqual((term.start_date, term.end_date), (date(2026, 4, 1), date(2026, 4, 30)))
        self.assertEqual(self.dec(term.price_subtotal), Decimal("123.40"))
        self.assertIn("(billed in arrears)", term.name)
        self.assertEqual(self.dec(increase.price_subtotal), Decimal("43.19"))
        self.assertIn("(prorated by day, billed in arrears)", increase.name)
        self.assertEqual(self.dec(invoice.amount_untaxed), Decimal("166.59"))
        may = lic.change_ids.filtered(lambda c: c.kind == "term" and c.date == date(2026, 5, 1))
        self.assertEqual((may.state, self.dec(may.amount)), ("to_bill", Decimal("185.10")))
        self.assertFalse(self.bill("2026-05-20", self.contoso).invoice_ids)
        june = self.bill("2026-06-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(june.amount_untaxed), Decimal("185.10"))

    def test_upgrade_bills_the_new_sku_less_the_unused_old_one(self):
        lic = self.license(self.e3, 10, date(2026, 4, 1))
        self.bill("2026-04-01", self.contoso)
        changes = lic.billbyte_upgrade(self.e5, 20.00, day=date(2026, 4, 10))
        credit = changes.filtered(lambda c: c.kind == "upgrade_credit")
        upgrade = changes.filtered(lambda c: c.kind == "upgrade")
        # 21 of 30 days: 10 x 12.34 x 21/30 = 86.38 back, 10 x 20.00 x 21/30 = 140.00.
        self.assertEqual(self.dec(credit.amount), Decimal("-86.38"))
        self.assertEqual(self.dec(upgrade.amount), Decimal("140.00"))
        self.assertEqual((lic.product_id, self.dec(lic.price_unit)), (self.e5, Decimal("20.00")))
        invoice = self.bill("2026-05-01", self.contoso).invoice_ids
        lines = self.license_lines(invoice)
        self.assertEqual(len(lines), 3)
        by_kind = {line.billbyte_license_change_id.kind: line for line in lines}
        self.assertEqual(self.dec(by_kind["upgrade_credit"].price_subtotal), Decimal("-86.38"))
        self.assertIn("credit for the unused part", by_kind["upgrade_credit"].name)
        self.assertIn("Microsoft 365 E3", by_kind["upgrade_credit"].name)
        self.assertIn("upgraded from Microsoft 365 E3", by_kind["upgrade"].name)
        self.assertIn("21 of 30 days (prorated by day, billed in advance)", by_kind["upgrade"].name)
        self.assertEqual(by_kind["term"].product_id, self.e5)
        self.assertEqual(self.dec(by_kind["term"].price_subtotal), Decimal("200.00"))
        # 140.00 - 86.38 + 200.00
        self.assertEqual(self.dec(invoice.amount_untaxed), Decimal("253.62"))
        self.assertFalse(self.bill("2026-05-02", self.contoso).invoice_ids, "billed once")

    def test_change_at_renewal_applies_and_bills_from_then(self):
        today = date.today()
        start = today.replace(day=1)
        renewal = start + relativedelta(months=1)
        lic = self.license(self.e3, 10, start)
        self.bill(start, self.contoso)
        lic.billbyte_schedule_renewal_change(seats=7)
        # Asked again: the second change replaces the first, one change is scheduled.
        lic.billbyte_schedule_renewal_change(seats=12, product=self.e5, price_unit=20.00)
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 12))
        self.assertFalse(lic.change_ids.filtered(lambda c: c.kind == "decrease"))
        self.assertEqual((lic.next_term_product_id, lic.renewal_change_date), (self.e5, renewal))
        self.assertFalse(self.bill(renewal - timedelta(days=1), self.contoso).invoice_ids)
        invoice = self.bill(renewal, self.contoso).invoice_ids
        line = self.license_lines(invoice)
        self.assertEqual((line.product_id, line.quantity), (self.e5, 12))
        self.assertEqual(self.dec(line.price_subtotal), Decimal("240.00"))
        self.assertEqual(line.start_date, renewal)
        self.assertEqual((lic.product_id, lic.seats), (self.e5, 12))
        self.assertFalse(lic.renewal_change_date)

    def test_change_of_term_at_renewal_starts_annual_terms(self):
        self.company.billbyte_invoice_post = False
        today = date.today()
        start = today.replace(day=1)
        renewal = start + relativedelta(months=1)
        lic = self.license(self.e3, 4, start)
        self.bill(start, self.contoso)
        lic.billbyte_schedule_renewal_change(term="annual", price_unit=120.00)
        self.assertEqual(lic.seats, 4)
        self.bill(renewal, self.contoso)
        term = lic.change_ids.filtered(lambda c: c.kind == "term" and c.date == renewal)
        self.assertEqual(term.date_end, renewal + relativedelta(years=1) - timedelta(days=1))
        self.assertEqual(self.dec(term.amount), Decimal("480.00"))
        self.assertEqual((lic.term, lic.date_start), ("annual", renewal))

    def test_suspended_license_billed_or_not_by_the_rule(self):
        lic = self.license(self.e3, 10, date(2026, 4, 1))
        self.bill("2026-04-01", self.contoso)
        self.tenant.state = "suspended"
        self.assertTrue(lic.suspended)
        # The company's rule (default): the customer keeps paying while suspended.
        policy = self.tenant.billbyte_suspended_license_policy()[0]
        self.assertEqual(
            (policy["vendor_still_bills"], policy["bill_customer"], policy["rule"]),
            (True, True, "company"),
        )
        self.assertIn("Microsoft keeps billing you", policy["warning"])
        may = self.bill("2026-05-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(may.amount_untaxed), Decimal("123.40"))
        # This customer does not pay for suspended licenses.
        self.contoso.billbyte_suspended_license_billing = "waive"
        self.assertFalse(self.tenant.billbyte_bill_suspended_licenses)
        self.assertEqual(self.tenant.billbyte_suspended_license_policy()[0]["rule"], "customer")
        self.assertFalse(self.bill("2026-06-01", self.contoso).invoice_ids)
        june = lic.change_ids.filtered(lambda c: c.kind == "term" and c.date == date(2026, 6, 1))
        self.assertEqual((june.state, june.waived, june.amount), ("waived", True, 0.0))
        self.assertTrue(
            any("not billed to the customer" in b for b in lic.message_ids.mapped("body"))
        )
        # Resumed: billed again from the next term.
        self.tenant.state = "active"
        july = self.bill("2026-07-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(july.amount_untaxed), Decimal("123.40"))
        # The company's rule off, no customer rule: not billed either.
        self.contoso.billbyte_suspended_license_billing = False
        self.company.billbyte_bill_suspended_licenses = False
        self.tenant.state = "suspended"
        self.assertFalse(self.bill("2026-08-01", self.contoso).invoice_ids)


@tagged("post_install", "-at_install")
class TestLicenseRenewalPartnerCenter(PartnerCenterLicenseCommon):
    """Changes at renewal, upgrades and suspension against the Partner Center stand-in."""

    E5_PLUS = "CFQ7TTC0LFM1:0001"

    def setUp(self):
        super().setUp()
        self.env.company.billbyte_license_proration = "day"

    def wizard(self, lic, **values):
        return self.env["billbyte.license.renewal.wizard"].create({"license_id": lic.id, **values})

    def test_change_at_renewal_scheduled_twice_is_one_instruction(self):
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(-2))
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        first = self.wizard(lic, mode="renewal", seats=8)
        first.action_apply()
        self.assertIn("From the renewal on", first.message)
        second = self.wizard(lic, mode="renewal", seats=12, product_id=self.e5.id, term="annual")
        second.action_apply()
        subscription = self.partner_center.subscription(SUB_E3)
        self.assertEqual(subscription["quantity"], 10, "nothing changes before the renewal")
        instruction = subscription["scheduledNextTermInstructions"]
        self.assertEqual(instruction["quantity"], 12)
        self.assertEqual(
            instruction["product"],
            {
                "productId": "CFQ7TTC0LFLZ",
                "skuId": "0002",
                "termDuration": "P1Y",
                "billingCycle": "annual",
            },
        )
        self.assertEqual(len(self.applied("scheduledNextTermInstructions")), 2)
        calls = self.calls(license_id=lic.id)
        self.assertEqual(calls.mapped("state"), ["done", "done"])
        self.assertEqual(calls.mapped("method"), ["PATCH", "PATCH"])
        self.assertTrue(all(calls.mapped("correlation_id")))
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 12))
        self.assertEqual((lic.next_term_product_id, lic.next_term_term), (self.e5, "annual"))
        self.assertFalse(lic.change_ids.filtered(lambda c: c.kind == "decrease"), "one change")
        self.assertEqual(lic.renewal_change_date, lic._ms_renewal_date())

    def test_refused_change_at_renewal_changes_nothing(self):
        self.ms_subscription(SUB_E3, quantity=10)
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        self.partner_center.patch_refusal = (
            400,
            {
                "code": 800002,
                "description": "Next-term instructions are not allowed.",
                "source": "PartnerFD",
            },
        )
        wizard = self.wizard(lic, mode="renewal", seats=5)
        wizard.action_apply()
        self.assertIn("Next-term instructions are not allowed", wizard.message)
        self.assertIn("Nothing changed in Odoo", wizard.message)
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 10))
        self.assertFalse(lic.renewal_change_date)
        self.assertEqual(self.calls(license_id=lic.id).mapped("state"), ["refused"])

    def test_upgrade_converts_at_microsoft_and_credits_the_old_sku(self):
        start = self.today - timedelta(days=10)
        self.ms_subscription(SUB_E3, quantity=10, effectiveStartDate=f"{start}T00:00:00Z")
        lic = self.license(self.e3, 10, SUB_E3, start=start)
        self.sync()
        self.bill(self.today)
        self.partner_center.upgrade_targets[SUB_E3] = [
            (E5_OFFER, "Microsoft 365 E5", True, ""),
            (self.E5_PLUS, "Microsoft 365 E5 Plus", False, "Not available for this customer"),
        ]
        wizard = self.wizard(lic, mode="upgrade", product_id=self.e5.id, price_unit=57.00)
        wizard.action_list_upgrades()
        self.assertIn("Microsoft 365 E5 (CFQ7TTC0LFLZ:0002): eligible", wizard.upgrade_options)
        self.assertIn("not eligible: Not available for this customer", wizard.upgrade_options)
        wizard.action_apply()
        self.assertIn("Upgraded to", wizard.message)
        # Microsoft: the old subscription converted into one of the new SKU.
        self.assertEqual(self.partner_center.subscription(SUB_E3)["status"], "deleted")
        body = self.partner_center.upgrade_bodies[-1]
        self.assertEqual(body, {"targetOffer": {"id": E5_OFFER}, "upgradeType": "upgrade_only"})
        target = self.partner_center.subscription(lic.ms_subscription_id)
        self.assertNotEqual(lic.ms_subscription_id, SUB_E3)
        self.assertEqual((target["offerId"], target["quantity"]), (E5_OFFER, 10))
        self.assertEqual(lic.product_id, self.e5)
        call = self.calls(license_id=lic.id, name="Upgrade")
        self.assertEqual((call.method, call.state), ("POST", "done"))
        # Odoo: the rest of the term at 57.00, less the unused part at 36.00, by day.
        first, last = lic._term_bounds(self.today)
        days, term_days = (last - self.today).days + 1, (last - first).days + 1
        credit = lic.change_ids.filtered(lambda c: c.kind == "upgrade_credit")
        upgrade = lic.change_ids.filtered(lambda c: c.kind == "upgrade")
        self.assertEqual(self.dec(credit.amount), -self.dec(Decimal(360) * days / term_days))
        self.assertEqual(self.dec(upgrade.amount), self.dec(Decimal(570) * days / term_days))
        self.assertEqual((upgrade.days, upgrade.term_days), (days, term_days))
        # Nothing left to reconcile: Odoo bills the subscription Microsoft holds.
        self.sync()
        self.assertFalse(self.open_differences())

    def test_upgrade_microsoft_refuses_changes_nothing(self):
        self.ms_subscription(SUB_E3, quantity=10)
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        self.partner_center.upgrade_targets[SUB_E3] = [
            (E5_OFFER, "Microsoft 365 E5", False, "The customer's tenant does not qualify")
        ]
        wizard = self.wizard(lic, mode="upgrade", product_id=self.e5.id)
        wizard.action_apply()
        self.assertIn("The customer's tenant does not qualify", wizard.message)
        self.assertIn("Nothing changed in Odoo", wizard.message)
        self.assertEqual((lic.product_id, lic.ms_subscription_id), (self.e3, SUB_E3))
        self.assertFalse(lic.change_ids.filtered(lambda c: c.kind in ("upgrade", "upgrade_credit")))
        self.assertEqual(self.partner_center.subscription(SUB_E3)["status"], "active")
        self.assertEqual(self.calls(license_id=lic.id).mapped("state"), ["refused"])

    def test_suspending_an_account_with_licenses_says_microsoft_still_bills(self):
        self.ms_subscription(SUB_E3, quantity=10)
        self.partner_center.add_subscription(CUSTOMER, AZURE_PLAN, billingType="usage")
        self.license(self.e3, 10, SUB_E3)
        self.sync()
        env = self.env(context=dict(self.env.context, queue_job__no_delay=True))
        tenant = self.tenant.with_env(env)
        wizard = (
            self.env["billbyte.service.action.wizard"]
            .with_env(env)
            .create({"cloud_account_ids": [(6, 0, tenant.ids)], "action": "suspend", "reason": "x"})
        )
        self.assertIn("Microsoft keeps billing you", wizard.suspension_warning)
        self.assertIn("Microsoft 365 E3, 10 seat(s)", wizard.suspension_warning)
        self.assertIn(
            "the customer keeps paying for them (company rule)", wizard.suspension_warning
        )
        action = tenant.billbyte_suspend("Invoice unpaid")
        self.assertEqual(action.state, "done", action.vendor_answer)
        # The account's own subscription is the Azure plan: its consumption stops.
        self.assertEqual(self.partner_center.subscription(AZURE_PLAN)["status"], "suspended")
        self.assertIn("no new consumption is billed", action.vendor_answer)
        notes = tenant.message_ids.mapped("body")
        self.assertTrue(any("Microsoft keeps billing you" in body for body in notes))
        # Asked again: the same action, no second note.
        count = len(tenant.message_ids)
        self.assertEqual(tenant.billbyte_suspend("Invoice unpaid"), action)
        self.assertEqual(len(tenant.message_ids), count)

    def test_suspending_a_license_subscription_is_still_billed_by_microsoft(self):
        self.ms_subscription(SUB_E3, quantity=10)
        env = self.env(context=dict(self.env.context, queue_job__no_delay=True))
        account = (
            self.env["billbyte.cloud.account"]
            .with_env(env)
            .create(
                {
                    "name": "Contoso E3",
                    "vendor_id": self.microsoft.id,
                    "vendor_account_id": SUB_E3,
                    "vendor_customer_id": CUSTOMER,
                    "partner_id": self.contoso.id,
                    "connection_id": self.ms_connection.id,
                }
            )
        )
        action = account.billbyte_suspend("Budget exceeded")
        self.assertEqual(action.state, "done", action.vendor_answer)
        self.assertIn("Microsoft keeps billing the provider for its seats", action.vendor_answer)
        self.assertTrue(
            any(
                "Microsoft keeps billing the provider" in b
                for b in account.message_ids.mapped("body")
            )
        )
        self.assertEqual(E3_OFFER, self.partner_center.subscription(SUB_E3)["offerId"])
