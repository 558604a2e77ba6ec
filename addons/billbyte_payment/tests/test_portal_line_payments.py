# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo.tests import tagged
from odoo.tools.misc import formatLang

from .common import PaymentHttpCommon
from .test_line_allocation import AllocationCommon, dec


@tagged("post_install", "-at_install")
class TestPortalLinePayments(AllocationCommon, PaymentHttpCommon):
    def test_line_table_shows_paid_and_open(self):
        invoice = self.two_service_invoice()
        ec2 = self.service_line(invoice, "AmazonEC2")
        s3 = self.service_line(invoice, "AmazonS3")
        payment = self.receive(self.contoso, dec(ec2.price_total))
        self.allocate(payment, {ec2: dec(ec2.price_total)})
        self.authenticate(self.contoso_user.login, "contoso-billing-2026")
        response = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertEqual(response.status_code, 200)
        tree = etree.fromstring(response.text, parser=etree.HTMLParser())
        rows = {
            int(row.get("data-line-id")): row
            for row in tree.xpath("//table[contains(@class, 'o_billbyte_line_payments')]/tbody/tr")
        }
        self.assertEqual(set(rows), {ec2.id, s3.id})

        def cell(line, name):
            text = "".join(rows[line.id].xpath(f".//td[contains(@class, '{name}')]")[0].itertext())
            return " ".join(text.replace("\xa0", " ").split())

        def money(amount):
            text = formatLang(self.env, float(amount), currency_obj=invoice.currency_id)
            return " ".join(text.replace("\xa0", " ").split())

        self.assertEqual(cell(ec2, "o_line_paid"), money(ec2.price_total))
        self.assertEqual(cell(ec2, "o_line_open"), money(0))
        self.assertEqual(cell(s3, "o_line_paid"), money(0))
        self.assertEqual(cell(s3, "o_line_open"), money(s3.price_total))

    def test_another_customers_invoice_is_not_shown(self):
        theirs = self.two_service_invoice(partner=self.fabrikam)
        self.authenticate(self.contoso_user.login, "contoso-billing-2026")
        response = self.url_open(f"/my/invoices/{theirs.id}", allow_redirects=False)
        # Odoo's portal sends whoever has no access back to /my.
        self.assertIn(response.status_code, (303, 403, 404))
        if response.status_code == 303:
            self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertNotIn("o_billbyte_line_payments", response.text)
