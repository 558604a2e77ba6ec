# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestBillingDemo(TransactionCase):
    """`make run` opens on the demo usage's last closed month invoiced."""

    def test_demo_run_billed_the_closed_month(self):
        production = self.env.ref("billbyte_usage.cloud_account_demo_aws", raise_if_not_found=False)
        if not production:
            self.skipTest("installed without demo data")
        run = self.env["billbyte.billing.run"].search([], order="id", limit=1)
        self.assertEqual(run.state, "done", run.log)
        start, end = production._billing_period(run.date)
        self.assertEqual(production.billed_until, end)
        invoices = run.invoice_ids.filtered(
            lambda m: production in m.invoice_line_ids.billbyte_cloud_account_id
        )
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices.state, "posted")
        self.assertGreater(invoices.amount_total, 0)
        lines = self.env["account.analytic.line"].search(
            [("billbyte_cloud_account_id", "=", production.id)]
        )
        billed = lines.filtered("billbyte_billed")
        self.assertEqual(billed, lines.filtered(lambda line: line.date <= end))
        self.assertTrue(billed.billbyte_invoice_line_id.move_id == invoices)
        self.assertLessEqual(run.date, fields.Date.context_today(run))
