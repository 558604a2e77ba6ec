# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestExternalBilling(BillingCommon):
    """Customers invoiced by the provider's own system: no Odoo invoice, line items
    as a run would bill them, billed once when the export is acknowledged."""

    def setUp(self):
        super().setUp()
        self.contoso.billbyte_external_billing = True
        self.import_rows(self.month_rows() + self.month_rows(account="222222222222"))

    def test_runs_skip_them(self):
        run = self.bill("2026-04-01")
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(run.invoice_ids.partner_id, self.fabrikam)
        self.assertNotIn(self.contoso, run.line_ids.partner_id)
        self.assertFalse(any(self.usage_lines(self.account_contoso).mapped("billbyte_billed")))

    def test_line_items_as_a_run_bills_them(self):
        items = self.contoso.billbyte_get_line_items("2026-04-01")
        self.assertFalse(items["acknowledged"])
        self.assertEqual(
            items["line_items"],
            [
                {
                    "cloud_account_id": self.account_contoso.id,
                    "cloud_account": "Contoso prod",
                    "vendor": "aws",
                    "vendor_account_id": "111111111111",
                    "service": "AmazonEC2",
                    "product": self.ec2.display_name,
                    "description": "AmazonEC2, Contoso prod (111111111111)",
                    "period_start": "2026-03-01",
                    "period_end": "2026-03-31",
                    "corrected_period": None,
                    "quantity": "280",
                    "unit": self.ec2.uom_id.name,
                    "amount": "33.60",
                    "currency": "USD",
                }
            ],
        )
        # Before the period ends nothing is due.
        self.assertEqual(self.contoso.billbyte_get_line_items("2026-03-15")["line_items"], [])

    def test_acknowledged_once(self):
        export, created = self.contoso.billbyte_acknowledge_external_billing(
            "2026-04-01", "OSS-2026-0042"
        )
        self.assertTrue(created)
        usage = self.usage_lines(self.account_contoso)
        self.assertEqual(len(usage), 28)
        self.assertTrue(all(usage.mapped("billbyte_billed")))
        self.assertEqual(usage.billbyte_external_billing_id, export)
        self.assertFalse(usage.billbyte_invoice_line_id)
        self.assertEqual(self.account_contoso.billed_until.isoformat(), "2026-03-31")
        self.assertEqual(self.account_contoso.unbilled_amount, 0.0)
        again, created = self.contoso.billbyte_acknowledge_external_billing("2026-04-01", "X")
        self.assertEqual((again, created), (export, False))
        self.assertEqual(
            self.env["billbyte.external.billing"].search_count(
                [("partner_id", "=", self.contoso.id)]
            ),
            1,
        )
        # The acknowledged items stay what they were.
        items = self.contoso.billbyte_get_line_items("2026-04-01")
        self.assertTrue(items["acknowledged"])
        self.assertEqual(items["reference"], "OSS-2026-0042")
        self.assertEqual([item["amount"] for item in items["line_items"]], ["33.60"])
        # A later run bills nothing of it, an invoice cannot take it, and the
        # database refuses to move it to another export.
        self.contoso.billbyte_external_billing = False
        run = self.bill("2026-04-02", self.contoso)
        self.assertFalse(run.invoice_ids)
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.Error):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE account_analytic_line SET billbyte_external_billing_id = NULL "
                    "WHERE id = %s",
                    [usage[0].id],
                )

    def test_customers_invoiced_by_odoo_cannot_be_acknowledged(self):
        with self.assertRaises(UserError):
            self.fabrikam.billbyte_acknowledge_external_billing("2026-04-01")

    @freeze_time("2026-03-20")
    def test_open_line_items_of_the_current_period(self):
        items = self.fabrikam.billbyte_get_open_line_items()
        self.assertEqual(len(items), 1)
        self.assertEqual(
            (items[0]["period_start"], items[0]["period_end"], items[0]["currency"]),
            ("2026-03-01", "2026-03-31", "EUR"),
        )
