# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingRun(BillingCommon):
    def test_monthly_usage_becomes_an_invoice(self):
        self.import_rows(self.march_rows())
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.state, "done", run.log)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.contoso)
        self.assertEqual(invoice.invoice_date, date(2026, 4, 1))
        # 31 days x 1.00 USD cost-plus 20 % = 37.20, plus 10 % tax.
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("37.20"))
        self.assertEqual(self.dec(invoice.amount_total), self.dec("40.92"))
        line = invoice.invoice_line_ids.filtered(lambda x: x.display_type == "product")
        self.assertEqual(line.start_date, date(2026, 3, 1))
        self.assertEqual(line.end_date, date(2026, 3, 31))
        self.assertIn("Contoso prod (111111111111)", line.name)
        self.assertEqual(self.account_contoso.billed_until, date(2026, 3, 31))
        usage = self.usage_lines(self.account_contoso)
        self.assertTrue(all(usage.mapped("billbyte_billed")))
        self.assertEqual(usage.billbyte_invoice_line_id, line)
