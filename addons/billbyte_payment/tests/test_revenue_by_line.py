# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged

from .test_discount_credit import TestDiscountCredit
from .test_line_allocation import AllocationCommon, dec


@tagged("post_install", "-at_install")
class TestRevenueByLine(AllocationCommon):
    discount = TestDiscountCredit.discount

    def test_invoiced_credited_paid_open_per_line(self):
        invoice = self.two_service_invoice()
        other = self.two_service_invoice(partner=self.fabrikam)
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        payment = self.receive(self.contoso, dec(ec2.price_total))
        self.allocate(payment, {ec2: dec(ec2.price_total)})
        refund = self.discount(invoice, {s3: 10})
        Report = self.env["billbyte.revenue.line"]
        rows = Report.search([("partner_id", "=", self.contoso.id)])
        self.assertEqual(rows.invoice_line_id, ec2 | s3)
        ec2_row = rows.filtered(lambda row: row.invoice_line_id == ec2)
        s3_row = rows.filtered(lambda row: row.invoice_line_id == s3)
        self.assertEqual(
            (dec(ec2_row.amount_invoiced), dec(ec2_row.amount_paid), dec(ec2_row.amount_open)),
            (dec(ec2.price_total), dec(ec2.price_total), Decimal("0.00")),
        )
        self.assertEqual(dec(s3_row.amount_credited), dec(refund.amount_total))
        self.assertEqual(dec(s3_row.amount_open), dec(s3.price_total) - dec(refund.amount_total))
        self.assertEqual(s3_row.account_id, s3.account_id)
        self.assertEqual((s3_row.start_date, s3_row.end_date), (s3.start_date, s3.end_date))
        self.assertEqual(
            s3_row.analytic_account_id, s3.billbyte_cloud_account_id.analytic_account_id
        )
        self.assertEqual(s3_row.vendor_id, s3.billbyte_cloud_account_id.vendor_id)
        # Filters: by service, vendor and period.
        self.assertEqual(
            Report.search(
                [("service_name", "=", "AmazonS3"), ("partner_id", "=", self.contoso.id)]
            ),
            s3_row,
        )
        self.assertEqual(
            Report.search(
                [("invoice_id", "in", (invoice | other).ids), ("start_date", ">=", "2026-04-01")]
            ),
            Report,
        )
        vendor_rows = Report.search([("vendor_id", "=", s3_row.vendor_id.id)])
        self.assertIn(s3_row, vendor_rows)
        self.assertEqual(len(Report.search([("invoice_id", "=", other.id)])), 2)
