# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_line_allocation import AllocationCommon, dec


@tagged("post_install", "-at_install")
class TestDiscountCredit(AllocationCommon):
    def discount(self, invoice, values, mode="percent"):
        """The accountant opens "Discount Lines" on the invoice and enters these
        discounts ({invoice line: value})."""
        wizard = (
            self.env["billbyte.discount.credit"]
            .with_context(active_id=invoice.id)
            .create({"mode": mode, "reason": "Outage credit"})
        )
        for row in wizard.line_ids:
            row.value = float(values.get(row.invoice_line_id, 0))
        action = wizard.action_credit()
        return self.env["account.move"].browse(action["res_id"])

    def test_percentage_discount_on_one_line(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        refund = self.discount(invoice, {s3: 50})
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        credit = refund.invoice_line_ids
        self.assertEqual(len(credit), 1)
        half = (dec(s3.price_subtotal) / 2).quantize(Decimal("0.01"))
        self.assertEqual(dec(credit.price_subtotal), half)
        # What revenue by service and period needs is kept.
        self.assertEqual(credit.account_id, s3.account_id)
        self.assertEqual(credit.analytic_distribution, s3.analytic_distribution)
        self.assertEqual((credit.start_date, credit.end_date), (s3.start_date, s3.end_date))
        self.assertEqual(credit.product_id, s3.product_id)
        self.assertEqual(credit.billbyte_credited_line_id, s3)
        # Linked to the line as a credit and reconciled with the invoice.
        self.assertEqual(s3.billbyte_allocation_ids.kind, "credit")
        self.assertEqual(s3.billbyte_allocation_ids.source_move_id, refund)
        self.assertEqual(dec(s3.billbyte_amount_credited), dec(credit.price_total))
        self.assertEqual(
            dec(s3.billbyte_amount_open), dec(s3.price_total) - dec(credit.price_total)
        )
        self.assertFalse(ec2.billbyte_allocation_ids)
        self.assertEqual(refund.payment_state, "paid")
        self.assertEqual(
            dec(invoice.amount_residual), dec(invoice.amount_total) - dec(refund.amount_total)
        )
        self.assertReconciledEqualsAllocated(invoice)

    def test_amount_discount_after_a_payment_of_the_other_line(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        payment = self.receive(self.contoso, dec(ec2.price_total))
        self.allocate(payment, {ec2: dec(ec2.price_total)})
        refund = self.discount(invoice, {s3: Decimal("2.00")}, mode="amount")
        self.assertEqual(dec(refund.amount_untaxed), Decimal("2.00"))
        self.assertEqual(dec(s3.billbyte_amount_credited), dec(refund.amount_total))
        self.assertEqual(dec(invoice.amount_residual), dec(s3.billbyte_amount_open))
        self.assertEqual(dec(ec2.billbyte_amount_paid), dec(ec2.price_total))
        self.assertReconciledEqualsAllocated(invoice)

    def test_more_than_the_line_is_refused(self):
        invoice = self.two_service_invoice()
        s3 = self.service_line(invoice, "AmazonS3")
        refunds = self.env["account.move"].search_count([("move_type", "=", "out_refund")])
        with self.assertRaisesRegex(UserError, "is more than the line"):
            self.discount(invoice, {s3: dec(s3.price_subtotal) + Decimal("0.01")}, mode="amount")
        with self.assertRaisesRegex(UserError, "is more than the whole line"):
            self.discount(invoice, {s3: 101})
        self.assertEqual(
            self.env["account.move"].search_count([("move_type", "=", "out_refund")]), refunds
        )
        self.assertFalse(s3.billbyte_allocation_ids)
        self.assertEqual(dec(invoice.amount_residual), dec(invoice.amount_total))
