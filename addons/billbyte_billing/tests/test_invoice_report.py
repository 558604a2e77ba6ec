# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_date

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestInvoiceReport(BillingCommon, HttpCase):
    """The invoice PDF and the portal show the cloud accounts' sections and each line's
    service period, never vendor costs or margins."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Contoso portal",
                "login": "contoso.portal",
                "password": "contoso.portal.pw",
                "email": "portal@contoso.example.com",
                "partner_id": cls.contoso.id,
                "groups_id": [(6, 0, cls.env.ref("base.group_portal").ids)],
            }
        )

    def bill_contoso(self):
        # 28 days x 1.23 of vendor cost = 34.44; billed at cost + 20 %: 41.33, so a
        # margin of 6.89. Neither 34.44 nor 6.89 may show to the customer.
        self.import_rows(self.month_rows(cost="1.23"))
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        line = self.product_lines(invoice)
        self.assertEqual(self.dec(line.price_subtotal), self.dec("41.33"))
        self.assertEqual(self.dec(line.billbyte_cost), self.dec("34.44"))
        self.assertEqual(self.dec(line.billbyte_vendor_cost), self.dec("34.44"))
        self.assertEqual(self.dec(line.billbyte_margin), self.dec("6.89"))
        return invoice, line

    def assert_customer_view(self, html, invoice, line):
        self.assertIn("Amazon Web Services: Contoso prod (111111111111)", html)
        self.assertIn("Service period", html)
        self.assertIn(format_date(self.env, line.start_date), html)
        self.assertIn(format_date(self.env, line.end_date), html)
        self.assertIn("41.33", html)
        for secret in ("34.44", "6.89"):
            self.assertNotIn(secret, html, "no vendor cost or margin on the customer's copy")

    def test_pdf_shows_sections_and_service_periods_not_costs(self):
        invoice, line = self.bill_contoso()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.account_invoices", invoice.ids)[0]
            .decode()
        )
        self.assert_customer_view(html, invoice, line)

    def test_portal_shows_the_invoice_but_never_costs(self):
        invoice, line = self.bill_contoso()
        self.authenticate("contoso.portal", "contoso.portal.pw")
        page = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(invoice.name, page.text)
        for secret in ("34.44", "6.89"):
            self.assertNotIn(secret, page.text)
        report = self.url_open(f"/my/invoices/{invoice.id}?report_type=html")
        self.assertEqual(report.status_code, 200)
        self.assert_customer_view(report.text, invoice, line)
        # Through the ORM, the portal user reads the line but not its costs.
        portal_line = line.with_user(self.portal_user)
        self.assertEqual(
            portal_line.read(["price_subtotal"])[0]["price_subtotal"], line.price_subtotal
        )
        for field in ("billbyte_cost", "billbyte_vendor_cost", "billbyte_margin"):
            with self.assertRaises(AccessError):
                portal_line.read([field])

    def test_cloud_page_lists_the_invoices_with_their_amount_due(self):
        invoice, _line = self.bill_contoso()
        self.authenticate("contoso.portal", "contoso.portal.pw")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_billbyte_cloud_invoices", page.text)
        self.assertIn(invoice.name, page.text)
        self.assertIn(invoice.get_portal_url().split("?")[0], page.text)
        # 41.33 + 10 % tax, all of it due.
        self.assertIn("45.46", page.text)
        self.assertNotIn(f'breadcrumb-item active">\n                {invoice.name}', page.text)
        for secret in ("34.44", "6.89"):
            self.assertNotIn(secret, page.text)
