# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import BillingCommon, focus_row


@tagged("post_install", "-at_install")
class TestVendorReconciliation(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.billbyte_reconcile_tolerance = 0.50
        cls.Reconciliation = cls.env["billbyte.vendor.reconciliation"]

    def invoiced_rows(self, invoice, account="111111111111", service="AmazonEC2", cost="1.00"):
        rows = self.month_rows(account=account, service=service, cost=cost)
        for row in rows:
            row["InvoiceId"] = invoice
        return rows

    def reconciliation(self, invoice):
        return self.Reconciliation.search(
            [("connection_id", "=", self.connection.id), ("invoice_id", "=", invoice)]
        )

    def test_new_invoice_id_makes_a_reconciliation_once(self):
        self.import_rows(self.invoiced_rows("EUINUS26-0001"))
        rec = self.reconciliation("EUINUS26-0001")
        self.assertEqual(len(rec), 1)
        self.assertEqual(rec.state, "to_check")
        self.assertEqual(self.dec(rec.imported_total), self.dec("28.00"))
        self.assertEqual(rec.record_count, 28)
        self.assertEqual(str(rec.period_start), "2026-03-01")
        self.assertEqual(str(rec.period_end), "2026-03-28")
        self.assertEqual(rec.currency_id, self.usd)
        self.assertEqual(len(rec.line_ids), 1)
        self.assertEqual(rec.line_ids.cloud_account_id, self.account_contoso)
        # The same file again changes nothing.
        self.import_rows(self.invoiced_rows("EUINUS26-0001"))
        rec = self.reconciliation("EUINUS26-0001")
        self.assertEqual(len(rec), 1)
        self.assertEqual(len(rec.line_ids), 1)
        self.assertEqual(self.dec(rec.imported_total), self.dec("28.00"))

    def test_vendor_total_within_tolerance_reconciles(self):
        self.import_rows(self.invoiced_rows("EUINUS26-0002"))
        rec = self.reconciliation("EUINUS26-0002")
        rec.vendor_total = 28.40
        self.assertTrue(rec.vendor_total_known)
        self.assertEqual(self.dec(rec.difference), self.dec("-0.40"))
        self.assertEqual(rec.state, "reconciled")
        rec.vendor_total = 28.51
        self.assertEqual(rec.state, "difference")
        rec.vendor_total = 28.00
        self.assertEqual(rec.state, "reconciled")

    def test_difference_listed_per_account_and_service(self):
        rows = (
            self.invoiced_rows("EUINUS26-0003", cost="1.00")
            + self.invoiced_rows("EUINUS26-0003", service="AmazonS3", cost="0.25")
            + self.invoiced_rows("EUINUS26-0003", account="222222222222", cost="2.10")
        )
        self.import_rows(rows)
        rec = self.reconciliation("EUINUS26-0003")
        # 28.00 + 7.00 + 58.80
        self.assertEqual(self.dec(rec.imported_total), self.dec("93.80"))
        lines = {(line.cloud_account_id, line.service_name): line for line in rec.line_ids}
        self.assertEqual(len(lines), 3)
        self.assertEqual(
            self.dec(lines[self.account_contoso, "AmazonS3"].imported_amount), self.dec("7.00")
        )
        rec.vendor_total = 81.46
        self.assertEqual(rec.state, "difference")
        self.assertEqual(self.dec(rec.difference), self.dec("12.34"))
        # The accountant enters the vendor's figures per account and service.
        lines[self.account_contoso, "AmazonEC2"].vendor_amount = 28.00
        lines[self.account_contoso, "AmazonS3"].vendor_amount = 7.00
        lines[self.account_fabrikam, "AmazonEC2"].vendor_amount = 46.46
        self.assertEqual(rec.difference_line_count, 1)
        diff = rec.line_ids.filtered(lambda line: line.difference)
        self.assertEqual(diff.cloud_account_id, self.account_fabrikam)
        self.assertEqual(diff.service_name, "AmazonEC2")
        self.assertEqual(self.dec(diff.difference), self.dec("12.34"))
        self.assertEqual(rec.state, "difference")
        # Accepted by hand: reconciled, and said in the chatter.
        rec.action_accept_difference()
        self.assertEqual(rec.state, "reconciled")
        self.assertIn("12.34", rec.message_ids[0].body)
        # A later change of the imported cost needs a new look.
        self.import_rows(self.invoiced_rows("EUINUS26-0003", account="333333333333", cost="0.10"))
        self.assertEqual(self.dec(rec.imported_total), self.dec("96.60"))
        self.assertEqual(rec.state, "difference")

    def test_reconciled_mode_waits_for_the_vendor_invoice(self):
        self.company.billbyte_billing_timing = "reconciled"
        self.import_rows(self.invoiced_rows("EUINUS26-0004"))
        self.import_rows(self.month_rows(account="222222222222", days=3))  # no invoice id
        run = self.bill("2026-04-01", self.contoso | self.fabrikam)
        self.assertEqual(run.state, "done", run.log)
        self.assertFalse(run.invoice_ids)
        line_c = run.line_ids.filtered(lambda x: x.partner_id == self.contoso)
        line_f = run.line_ids.filtered(lambda x: x.partner_id == self.fabrikam)
        self.assertEqual(line_c.state, "skipped")
        self.assertIn("EUINUS26-0004 (To Check)", line_c.message)
        self.assertEqual(line_f.state, "skipped")
        self.assertIn("no invoice id", line_f.message)
        self.assertFalse(self.usage_lines(self.account_contoso).filtered("billbyte_billed"))
        # Reconciled: the next run bills Contoso, Fabrikam still waits.
        self.reconciliation("EUINUS26-0004").vendor_total = 28.00
        run = self.bill("2026-04-01", self.contoso | self.fabrikam)
        self.assertEqual(run.invoice_ids.partner_id, self.contoso)
        self.assertEqual(self.dec(run.invoice_ids.amount_untaxed), self.dec("33.60"))
        self.assertEqual(
            run.line_ids.filtered(lambda x: x.partner_id == self.fabrikam).state, "skipped"
        )

    def test_invoice_day_mode_blocks_nothing(self):
        self.assertEqual(self.company.billbyte_billing_timing, "invoice_day")
        self.import_rows(self.invoiced_rows("EUINUS26-0005"))
        run = self.bill("2026-04-01", self.contoso)
        self.assertEqual(run.invoice_ids.partner_id, self.contoso)

    def test_portal_and_plain_users_cannot_read_reconciliations(self):
        self.import_rows(self.invoiced_rows("EUINUS26-0006"))
        rec = self.reconciliation("EUINUS26-0006")
        portal = new_test_user(self.env, "recon_portal", groups="base.group_portal")
        plain = new_test_user(self.env, "recon_plain", groups="base.group_user")
        for user in (portal, plain):
            with self.assertRaises(AccessError):
                rec.with_user(user).read(["imported_total"])
            with self.assertRaises(AccessError):
                rec.line_ids.with_user(user).read(["imported_amount"])
        accountant = new_test_user(
            self.env, "recon_accountant", groups="base.group_user,account.group_account_invoice"
        )
        self.assertEqual(rec.with_user(accountant).imported_total, 28.0)

    def test_unmatched_records_are_found_by_the_cron(self):
        rows = [focus_row("999999999999", "2026-03-01", "AmazonEC2", "4.56")]
        rows[0]["InvoiceId"] = "EUINUS26-0007"
        self.import_rows(rows)
        self.assertFalse(self.reconciliation("EUINUS26-0007"))
        self.Reconciliation._cron_sync()
        rec = self.reconciliation("EUINUS26-0007")
        self.assertEqual(self.dec(rec.imported_total), self.dec("4.56"))
        self.assertFalse(rec.line_ids.cloud_account_id)
        self.assertEqual(rec.line_ids.sub_account_id, "999999999999")
