# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from decimal import Decimal

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BillingCommon, focus_row


@tagged("post_install", "-at_install")
class TestBillingRun(BillingCommon):
    def test_monthly_usage_becomes_an_invoice(self):
        self.import_rows(self.month_rows())
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual((run.customer_count, run.invoiced_count), (1, 1))
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.partner_id, self.contoso)
        self.assertEqual(invoice.invoice_date, date(2026, 4, 1))
        # 28 days x 1.00 USD cost-plus 20 % = 33.60, plus 10 % tax.
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("33.60"))
        self.assertEqual(self.dec(invoice.amount_total), self.dec("36.96"))
        section = invoice.invoice_line_ids.filtered(lambda x: x.display_type == "line_section")
        self.assertEqual(section.name, "Amazon Web Services: Contoso prod (111111111111)")
        line = self.product_lines(invoice)
        self.assertEqual(line.product_id, self.ec2)
        self.assertEqual((line.quantity, line.price_unit), (280.0, 0.12))
        self.assertEqual(line.tax_ids, self.tax)
        self.assertEqual(
            line.account_id,
            self.ec2.property_account_income_id
            or self.ec2.categ_id.property_account_income_categ_id,
        )
        self.assertEqual(line.start_date, date(2026, 3, 1))
        self.assertEqual(line.end_date, date(2026, 3, 31))
        self.assertEqual(line.name, "AmazonEC2, Contoso prod (111111111111)")
        self.assertEqual(
            line.analytic_distribution,
            {str(self.account_contoso.analytic_account_id.id): 100},
        )
        # Accountants see the vendor cost and the margin.
        self.assertEqual(self.dec(line.billbyte_cost), self.dec("28.00"))
        self.assertEqual(self.dec(line.billbyte_vendor_cost), self.dec("28.00"))
        self.assertEqual(line.billbyte_vendor_currency_id, self.usd)
        self.assertEqual(self.dec(line.billbyte_margin), self.dec("5.60"))
        self.assertEqual(self.account_contoso.billed_until, date(2026, 3, 31))
        usage = self.usage_lines(self.account_contoso)
        self.assertEqual(len(usage), 28)
        self.assertTrue(all(usage.mapped("billbyte_billed")))
        self.assertEqual(usage.billbyte_invoice_line_id, line)
        self.assertEqual(self.account_contoso.unbilled_amount, 0.0)

    def test_a_line_per_account_and_service_in_the_customer_currency(self):
        second = self.env["billbyte.cloud.account"].create(
            {
                "name": "Northwind dev",
                "vendor_id": self.aws.id,
                "vendor_account_id": "444444444444",
                "partner_id": self.northwind.id,
            }
        )
        self.import_rows(
            self.month_rows("2026-10", "333333333333", "AmazonEC2", "1.00", days=3)
            + self.month_rows("2026-10", "333333333333", "AmazonS3", "0.50", days=3)
            + self.month_rows("2026-10", second.vendor_account_id, "AmazonS3", "2.00", days=2)
        )
        run = self.bill("2026-11-01", self.northwind)
        invoice = run.invoice_ids
        self.assertEqual(invoice.currency_id, self.eur)
        sections = invoice.invoice_line_ids.filtered(lambda x: x.display_type == "line_section")
        self.assertEqual(
            sections.mapped("name"),
            [
                "Amazon Web Services: Northwind prod (333333333333)",
                "Amazon Web Services: Northwind dev (444444444444)",
            ],
        )
        lines = self.product_lines(invoice)
        self.assertEqual(len(lines), 3)
        # The amounts the rating stored, converted at each charge date (0.9 on Oct 1st,
        # 0.8 after) with 10 %: EC2 (0.99 + 0.88 + 0.88), S3 (0.495 + 0.44 + 0.44).
        by_key = {(x.billbyte_cloud_account_id, x.billbyte_service_name): x for x in lines}
        self.assertEqual(
            self.dec(by_key[self.account_northwind, "AmazonEC2"].price_subtotal), self.dec("2.75")
        )
        self.assertEqual(
            self.dec(by_key[self.account_northwind, "AmazonS3"].price_subtotal), self.dec("1.38")
        )
        self.assertEqual(self.dec(by_key[second, "AmazonS3"].price_subtotal), self.dec("3.74"))
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("7.87"))

    def test_a_run_twice_creates_nothing_new(self):
        self.import_rows(self.month_rows())
        first = self.bill("2026-04-01")
        self.assertEqual(len(first.invoice_ids), 1)
        again = self.bill("2026-04-01")
        self.assertFalse(again.invoice_ids)
        self.assertEqual(again.customer_count, 0)
        self.assertEqual(again.state, "done")
        later = self.bill("2026-04-15")
        self.assertFalse(later.invoice_ids)

    def test_no_usage_makes_no_invoice(self):
        self.import_rows(self.month_rows())
        run = self.bill("2026-04-01")
        self.assertEqual(run.invoice_ids.partner_id, self.contoso)
        self.assertFalse(
            self.env["account.move"].search(
                [("partner_id", "in", (self.fabrikam | self.northwind).ids)]
            )
        )

    def test_only_credits_make_a_credit_note(self):
        self.import_rows(
            [
                focus_row(
                    "111111111111", "2026-03-02", "AmazonEC2", "-5.00", qty="0", category="Credit"
                ),
                focus_row("111111111111", "2026-03-03", "AmazonEC2", "1.00", qty="1"),
            ]
        )
        run = self.bill("2026-04-01", self.contoso)
        credit = run.invoice_ids
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        # (-5.00 + 1.00) x 1.2 = -4.80, credited as 4.80 plus tax.
        self.assertEqual(self.dec(credit.amount_untaxed), self.dec("4.80"))
        self.assertEqual(self.dec(credit.amount_total), self.dec("5.28"))
        self.assertIn("credit note", run.line_ids.message)
        self.assertTrue(all(self.usage_lines(self.account_contoso).mapped("billbyte_billed")))

    def test_each_line_is_its_rounded_usage_and_the_total_their_sum(self):
        # 28 days x 3 sub-cent records: 0.0033 x 1.2 = 0.00396 each; per day 0.01188.
        rows = []
        for day in range(1, 29):
            for n in range(3):
                rows.append(
                    focus_row(
                        "111111111111",
                        f"2026-03-{day:02d}",
                        "AmazonEC2",
                        "0.0033",
                        qty="0.001",
                        resource=f"i-{n}",
                    )
                )
        rows += self.month_rows(service="AmazonS3", cost="0.0049", qty="0.5")
        self.import_rows(rows)
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        lines = self.product_lines(invoice)
        usage = self.usage_lines(self.account_contoso)
        for line in lines:
            exact = sum(
                Decimal(str(u.billbyte_price_exact))
                for u in usage.filtered(
                    lambda u, inv_line=line: u.billbyte_invoice_line_id == inv_line
                )
            )
            self.assertEqual(self.dec(line.price_subtotal), self.dec(exact))
        # 84 x 0.00396 = 0.33264 -> 0.33 (not 28 x 0.01 = 0.28 from rounded days);
        # 28 x 0.00588 = 0.16464 -> 0.16.
        self.assertEqual(
            sorted(self.dec(x) for x in lines.mapped("price_subtotal")),
            [self.dec("0.16"), self.dec("0.33")],
        )
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("0.49"))

    def test_locked_period_dates_the_invoice_on_the_first_open_day(self):
        self.import_rows(self.month_rows())
        self.company.sale_lock_date = date(2026, 4, 5)
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.invoice_ids.invoice_date, date(2026, 4, 6))
        self.assertEqual(run.invoice_ids.state, "posted")
        self.assertIn("lock date 2026-04-05", run.log)
        self.assertIn("dated 2026-04-06", run.line_ids.message)

    def test_cancelled_invoice_is_billed_again_once(self):
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        usage = self.usage_lines(self.account_contoso)
        self.assertFalse(any(usage.mapped("billbyte_billed")))
        self.assertFalse(usage.billbyte_invoice_line_id)
        self.assertEqual(self.account_contoso.billed_until, date(2026, 2, 28))
        self.assertEqual(self.dec(self.account_contoso.unbilled_amount), self.dec("33.60"))
        rerun = self.bill("2026-04-01", self.contoso)
        self.assertEqual(self.dec(rerun.invoice_ids.amount_untaxed), self.dec("33.60"))
        self.assertEqual(usage.billbyte_invoice_line_id.move_id, rerun.invoice_ids)
        self.assertFalse(self.bill("2026-04-01", self.contoso).invoice_ids)

    def test_reset_to_draft_and_deleted_invoice_returns_its_usage(self):
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        invoice.button_draft()
        # Still on a draft invoice: still billed.
        self.assertTrue(all(self.usage_lines(self.account_contoso).mapped("billbyte_billed")))
        invoice.unlink()
        self.assertFalse(any(self.usage_lines(self.account_contoso).mapped("billbyte_billed")))
        self.assertEqual(self.account_contoso.billed_until, date(2026, 2, 28))
        self.assertEqual(len(self.bill("2026-04-01", self.contoso).invoice_ids), 1)

    def test_late_usage_after_posting_is_a_labelled_correction_next_run(self):
        self.import_rows(self.month_rows(days=10))
        first = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(first.amount_untaxed), self.dec("12.00"))
        # The vendor's final data: March 5th restated at 2.00 (it was 1.00), a
        # correction of -0.50 for March 6th, and April's first usage.
        self.import_rows(
            [
                focus_row("111111111111", "2026-03-05", "AmazonEC2", "2.00", resource="late"),
                focus_row(
                    "111111111111",
                    "2026-03-06",
                    "AmazonEC2",
                    "-0.50",
                    category="Adjustment",
                    charge_class="Correction",
                ),
                focus_row("111111111111", "2026-04-02", "AmazonEC2", "1.00"),
            ]
        )
        self.assertEqual(first.state, "posted")
        self.assertEqual(self.dec(first.amount_untaxed), self.dec("12.00"))
        second = self.bill("2026-05-01", self.contoso).invoice_ids
        lines = self.product_lines(second)
        correction = lines.filtered("billbyte_corrected_period")
        self.assertEqual(correction.billbyte_corrected_period, "2026-03")
        self.assertIn("correction of 2026-03", correction.name)
        self.assertEqual(
            (correction.start_date, correction.end_date), (date(2026, 3, 1), date(2026, 3, 31))
        )
        # Only the difference is billed: (2.00 - 1.00 - 0.50) x 1.2 = 0.60; April's
        # own usage 1.20.
        self.assertEqual(self.dec(correction.price_subtotal), self.dec("0.60"))
        april = lines - correction
        self.assertEqual(self.dec(april.price_subtotal), self.dec("1.20"))
        self.assertEqual((april.start_date, april.end_date), (date(2026, 4, 1), date(2026, 4, 30)))
        self.assertEqual(self.account_contoso.billed_until, date(2026, 4, 30))

    def test_account_moved_mid_period_bills_each_customer_its_days(self):
        self.import_rows(self.month_rows(days=20))
        self.env["billbyte.cloud.account.transfer.wizard"].create(
            {
                "cloud_account_ids": [(6, 0, self.account_contoso.ids)],
                "partner_id": self.fabrikam.id,
                "date_from": "2026-03-11",
            }
        ).action_transfer()
        self.assertEqual(self.account_contoso.partner_id, self.fabrikam)
        run = self.bill("2026-04-01", self.contoso | self.fabrikam)
        old = run.invoice_ids.filtered(lambda m: m.partner_id == self.contoso)
        new = run.invoice_ids.filtered(lambda m: m.partner_id == self.fabrikam)
        # Rated when imported: 1.20 USD a day for Contoso's pricing strategy.
        self.assertEqual(self.dec(old.amount_untaxed), self.dec("12.00"))
        self.assertEqual(self.dec(new.amount_untaxed), self.dec("12.00"))
        self.assertEqual(self.product_lines(old).end_date, date(2026, 3, 31))
        self.assertEqual(self.account_contoso.billed_until, date(2026, 3, 31))

    def test_quarterly_cycle_and_invoice_day(self):
        self.account_fabrikam.billing_cycle = "quarterly"
        self.contoso.billbyte_invoice_day = 15
        self.import_rows(
            self.month_rows("2026-03", "111111111111", days=20)
            + self.month_rows("2026-03", "222222222222", days=3)
        )
        # Contoso's month runs from the 15th to the 14th.
        run = self.bill("2026-03-15")
        self.assertEqual(run.invoice_ids.partner_id, self.contoso)
        line = self.product_lines(run.invoice_ids)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 2, 15), date(2026, 3, 14)))
        self.assertEqual(self.dec(line.price_subtotal), self.dec("16.80"))
        # Fabrikam's quarter ends on March 31st.
        self.assertFalse(self.bill("2026-03-31", self.fabrikam).invoice_ids)
        quarter = self.bill("2026-04-01", self.fabrikam).invoice_ids
        line = self.product_lines(quarter)
        self.assertEqual((line.start_date, line.end_date), (date(2026, 1, 1), date(2026, 3, 31)))

    def test_draft_setting_leaves_invoices_to_review(self):
        self.company.billbyte_invoice_post = False
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(invoice.state, "draft")
        self.assertTrue(all(self.usage_lines(self.account_contoso).mapped("billbyte_billed")))
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_a_usage_line_is_never_on_two_invoices(self):
        self.import_rows(self.month_rows(days=2))
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        other = invoice.copy()
        usage = self.usage_lines(self.account_contoso)
        with (
            self.assertRaisesRegex(psycopg2.Error, "already billed on invoice line"),
            self.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            self.cr.execute(
                "UPDATE account_analytic_line SET billbyte_invoice_line_id = %s WHERE id = %s",
                [self.product_lines(other).id, usage[0].id],
            )
        with (
            self.assertRaisesRegex(psycopg2.Error, "billbyte_billed_invoice"),
            self.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            self.cr.execute(
                "UPDATE account_analytic_line SET billbyte_billed = false WHERE id = %s",
                [usage[0].id],
            )
        self.assertEqual(usage.billbyte_invoice_line_id.move_id, invoice)
