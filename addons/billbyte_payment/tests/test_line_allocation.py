# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PaymentCommon


def dec(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class AllocationCommon(PaymentCommon):
    def two_service_invoice(self, partner=None, month="2026-03"):
        """A posted usage invoice with an EC2 and an S3 line."""
        partner = partner or self.contoso
        account = self.env["billbyte.cloud.account"].search(
            [("partner_id", "=", partner.id)], limit=1
        )
        vendor_account = account.vendor_account_id
        self.import_rows(
            self.month_rows(month, vendor_account)
            + self.month_rows(month, vendor_account, service="AmazonS3", cost="0.25")
        )
        year, number = map(int, month.split("-"))
        run = self.bill(f"{year + number // 12}-{number % 12 + 1:02d}-01", partner)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1, run.log)
        self.assertEqual(invoice.state, "posted")
        return invoice

    def service_line(self, invoice, service):
        return invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and service in line.name
        )

    def receive(self, partner, amount):
        """A posted bank payment of the customer, not yet matched with any invoice."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": float(amount),
                "journal_id": self.env["account.journal"]
                .search([("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1)
                .id,
            }
        )
        payment.action_post()
        return payment

    def payment_line(self, payment):
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def allocate(self, payment, amounts):
        """The accountant opens "Allocate to Lines" on the payment and enters these
        amounts ({invoice line: amount})."""
        wizard = (
            self.env["billbyte.payment.allocate"]
            .with_context(active_model="account.payment", active_id=payment.id)
            .create({})
        )
        wizard.line_ids = [Command.clear()] + [
            Command.create({"invoice_line_id": line.id, "amount": float(amount)})
            for line, amount in amounts.items()
        ]
        return wizard.action_allocate()

    def assertReconciledEqualsAllocated(self, invoice):
        allocated = sum(
            (dec(a.amount) for a in invoice.invoice_line_ids.billbyte_allocation_ids), Decimal(0)
        )
        self.assertEqual(allocated, dec(invoice.amount_total) - dec(invoice.amount_residual))


@tagged("post_install", "-at_install")
class TestLineAllocation(AllocationCommon):
    def test_oldest_line_first_without_a_choice(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        first, second = invoice._billbyte_allocation_lines()
        payment = self.receive(self.contoso, dec(first.price_total) + Decimal("1.00"))
        invoice.js_assign_outstanding_line(self.payment_line(payment).id)
        self.assertEqual(dec(first.billbyte_amount_paid), dec(first.price_total))
        self.assertEqual(dec(first.billbyte_amount_open), Decimal("0.00"))
        self.assertEqual(dec(second.billbyte_amount_paid), Decimal("1.00"))
        self.assertEqual(
            dec(second.billbyte_amount_open), dec(second.price_total) - Decimal("1.00")
        )
        self.assertEqual(first | second, ec2 | s3)
        self.assertEqual(set(first.billbyte_allocation_ids.mapped("kind")), {"payment"})
        self.assertEqual(first.billbyte_allocation_ids.source_move_id, payment.move_id)
        self.assertReconciledEqualsAllocated(invoice)

    def test_disputed_service_stays_open(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        payment = self.receive(self.contoso, dec(ec2.price_total))
        self.allocate(payment, {ec2: dec(ec2.price_total)})
        self.assertEqual(dec(ec2.billbyte_amount_open), Decimal("0.00"))
        self.assertEqual(dec(s3.billbyte_amount_paid), Decimal("0.00"))
        self.assertEqual(dec(s3.billbyte_amount_open), dec(s3.price_total))
        self.assertEqual(dec(invoice.amount_residual), dec(s3.price_total))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertReconciledEqualsAllocated(invoice)

    def test_part_of_a_payment_to_lines_of_two_invoices(self):
        march = self.two_service_invoice()
        april = self.two_service_invoice(month="2026-04")
        march_s3 = self.service_line(march, "AmazonS3")
        april_ec2 = self.service_line(april, "AmazonEC2")
        payment = self.receive(self.contoso, Decimal("500.00"))
        self.allocate(payment, {march_s3: Decimal("2.00"), april_ec2: Decimal("3.50")})
        self.assertEqual(dec(march_s3.billbyte_amount_paid), Decimal("2.00"))
        self.assertEqual(dec(april_ec2.billbyte_amount_paid), Decimal("3.50"))
        self.assertEqual(dec(self.service_line(march, "AmazonEC2").billbyte_amount_paid), 0)
        self.assertEqual(dec(self.payment_line(payment).amount_residual), Decimal("-494.50"))
        self.assertReconciledEqualsAllocated(march)
        self.assertReconciledEqualsAllocated(april)
        # A second payment later on the same line: two allocations on it.
        second = self.receive(self.contoso, Decimal("1.00"))
        self.allocate(second, {march_s3: Decimal("1.00")})
        self.assertEqual(len(march_s3.billbyte_allocation_ids), 2)
        self.assertEqual(dec(march_s3.billbyte_amount_paid), Decimal("3.00"))
        self.assertEqual(
            dec(march_s3.billbyte_amount_open), dec(march_s3.price_total) - Decimal("3.00")
        )
        self.assertReconciledEqualsAllocated(march)

    def test_more_than_the_open_amount_is_refused(self):
        invoice = self.two_service_invoice()
        s3 = self.service_line(invoice, "AmazonS3")
        payment = self.receive(self.contoso, Decimal("1000.00"))
        too_much = dec(s3.price_total) + Decimal("0.01")
        with self.assertRaisesRegex(UserError, "is more than the .* still open on the line"):
            self.allocate(payment, {s3: too_much})
        self.assertFalse(invoice.invoice_line_ids.billbyte_allocation_ids)
        self.assertEqual(dec(invoice.amount_residual), dec(invoice.amount_total))
        self.assertEqual(dec(self.payment_line(payment).amount_residual), Decimal("-1000.00"))

    def test_line_of_another_customer_is_refused(self):
        theirs = self.two_service_invoice(partner=self.fabrikam)
        payment = self.receive(self.contoso, Decimal("10.00"))
        line = self.service_line(theirs, "AmazonEC2")
        with self.assertRaisesRegex(UserError, "a payment only pays its own customer's invoices"):
            self.allocate(payment, {line: Decimal("5.00")})
        self.assertFalse(line.billbyte_allocation_ids)
        self.assertEqual(dec(theirs.amount_residual), dec(theirs.amount_total))

    def test_bounced_payment_opens_the_lines_again(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        payment = self.receive(self.contoso, dec(ec2.price_total))
        self.allocate(payment, {ec2: dec(ec2.price_total)})
        self.assertEqual(dec(ec2.billbyte_amount_open), 0)
        # The bank returns the payment: its entry is reversed.
        payment.move_id._reverse_moves(cancel=True)
        self.assertFalse(
            self.env["billbyte.payment.allocation"].search([("invoice_id", "=", invoice.id)])
        )
        self.assertEqual(dec(ec2.billbyte_amount_paid), 0)
        self.assertEqual(dec(ec2.billbyte_amount_open), dec(ec2.price_total))
        self.assertEqual(dec(invoice.amount_residual), dec(invoice.amount_total))

    def test_unreconciled_payment_opens_the_lines_again(self):
        invoice = self.two_service_invoice()
        payment = self.receive(self.contoso, Decimal("5.00"))
        invoice.js_assign_outstanding_line(self.payment_line(payment).id)
        self.assertEqual(
            sum(dec(line.billbyte_amount_paid) for line in invoice.invoice_line_ids),
            Decimal("5.00"),
        )
        self.payment_line(payment).remove_move_reconcile()
        self.assertFalse(invoice.invoice_line_ids.billbyte_allocation_ids)
        for line in invoice._billbyte_allocation_lines():
            self.assertEqual(dec(line.billbyte_amount_open), dec(line.price_total))

    def test_ordinary_invoice_gets_no_allocation(self):
        product = self.env["product.product"].create({"name": "Consulting", "list_price": 100})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.contoso.id,
                "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 100})],
            }
        )
        invoice.action_post()
        payment = self.receive(self.contoso, Decimal("40.00"))
        invoice.js_assign_outstanding_line(self.payment_line(payment).id)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(invoice.invoice_line_ids.billbyte_allocation_ids)
