# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestSending(BillingCommon):
    """Posted invoices go out on their date through Odoo's sending, as each customer
    prefers; the invoice and the run's log say what went out and why not."""

    def mails_of(self, invoice):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )

    def notes_of(self, invoice):
        return invoice.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_note") and "Cloud billing" in m.body
        )

    def test_customer_with_email_gets_the_pdf_by_email(self):
        self.import_rows(self.month_rows())
        cron = self.env.ref("billbyte_billing.ir_cron_billbyte_send")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        run = self.bill("2026-04-01", self.contoso)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.billbyte_send_state, "email")
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", cron.id)]),
            triggers,
            "the run sends what it posts; the cron is not woken up",
        )
        pdf = invoice.invoice_pdf_report_id
        self.assertTrue(pdf)
        mail = self.mails_of(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.contoso)
        self.assertIn(pdf.name, mail.attachment_ids.mapped("name"))
        self.assertIn(invoice.name, mail.subject)
        # Logged on the invoice (Odoo's message of the email, and the billing's note)
        # and on the run's log.
        note = invoice.billbyte_send_note
        self.assertIn("Sent by email to billing@contoso.example.com", note)
        self.assertIn(pdf.name, note)
        self.assertEqual(len(self.notes_of(invoice)), 1)
        self.assertIn("Sent by email", run.line_ids.message)

    def test_customer_without_email_gets_the_invoice_in_the_portal(self):
        self.northwind.email = False
        self.import_rows(self.month_rows(account="333333333333"))
        run = self.bill("2026-04-01", self.northwind)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.billbyte_send_state, "portal")
        self.assertFalse(self.mails_of(invoice))
        # The PDF exists and the invoice is shared as Odoo shares invoices.
        self.assertTrue(invoice.invoice_pdf_report_id)
        self.assertTrue(invoice.access_token)
        reason = "no email: Northwind has no email address"
        self.assertIn(reason, invoice.billbyte_send_note)
        self.assertIn(invoice.get_portal_url(), invoice.billbyte_send_note)
        self.assertIn(reason, self.notes_of(invoice).body)
        self.assertEqual(run.line_ids.state, "invoiced")
        self.assertIn(reason, run.line_ids.message)

    def test_portal_only_preference_sends_no_email(self):
        self.fabrikam.with_company(self.company).invoice_sending_method = "manual"
        portal_user = self.env["res.users"].create(
            {
                "name": "Fabrikam portal",
                "login": "fabrikam.portal@example.com",
                "partner_id": self.fabrikam.id,
                "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)],
            }
        )
        self.import_rows(self.month_rows(account="222222222222"))
        run = self.bill("2026-04-01", self.fabrikam)
        invoice = run.invoice_ids
        self.assertEqual(invoice.billbyte_send_state, "portal")
        self.assertFalse(self.mails_of(invoice))
        self.assertIn("asks for its invoices in the portal only", invoice.billbyte_send_note)
        self.assertIn("their portal users see it under My Invoices", invoice.billbyte_send_note)
        self.assertIn("portal only", run.line_ids.message)
        # The customer's portal user reads it.
        self.assertEqual(
            self.env["account.move"].with_user(portal_user).search([("id", "=", invoice.id)]),
            invoice,
        )

    def test_einvoice_format_without_identifier_sends_the_pdf_only(self):
        self.contoso.invoice_edi_format = "ubl_bis3"
        self.assertFalse(self.contoso.peppol_endpoint)
        self.import_rows(self.month_rows())
        run = self.bill("2026-04-01", self.contoso)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.billbyte_send_state, "email")
        self.assertFalse(invoice.ubl_cii_xml_id)
        mail = self.mails_of(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            mail.attachment_ids.mapped("mimetype"),
            [invoice.invoice_pdf_report_id.mimetype],
            "the PDF alone",
        )
        reason = "no BIS Billing 3.0 e-invoice: Contoso has no Peppol electronic address"
        self.assertIn(reason, invoice.billbyte_send_note)
        self.assertIn(reason, self.notes_of(invoice).body)
        self.assertIn(reason, run.line_ids.message)

    def test_draft_billing_is_sent_by_the_cron_once_posted_and_only_once(self):
        self.company.billbyte_invoice_post = False
        self.import_rows(self.month_rows())
        run = self.bill("2026-04-01", self.contoso)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "draft")
        Run = self.env["billbyte.billing.run"]
        Run._cron_send_invoices()
        self.assertFalse(self.mails_of(invoice), "a draft is never sent")
        cron = self.env.ref("billbyte_billing.ir_cron_billbyte_send")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        invoice.action_post()
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
            "posting an invoice of the billing wakes the sending cron",
        )
        Run._cron_send_invoices()
        self.assertEqual(invoice.billbyte_send_state, "email")
        self.assertEqual(len(self.mails_of(invoice)), 1)
        Run._cron_send_invoices()
        self.assertEqual(len(self.mails_of(invoice)), 1, "never twice")
        self.assertEqual(len(self.notes_of(invoice)), 1)
        self.assertIn("Sent by email", run.line_ids.message)
        # Nor does the job of a second sending send it again.
        Run._send_invoices(invoice.ids)
        self.assertEqual(len(self.mails_of(invoice)), 1)

    def test_invoice_dated_later_is_sent_on_its_date(self):
        with freeze_time("2026-12-30"):
            self.import_rows(self.month_rows(month="2026-12"))
            run = self.bill("2027-01-01", self.contoso)
            invoice = run.invoice_ids
            self.assertEqual(invoice.state, "posted")
            self.assertEqual(invoice.invoice_date, date(2027, 1, 1))
            self.assertFalse(invoice.billbyte_send_state)
            self.assertIn("sent on that day", invoice.billbyte_send_note)
            self.env["billbyte.billing.run"]._cron_send_invoices()
            self.assertFalse(self.mails_of(invoice))
        with freeze_time("2027-01-01"):
            self.env["billbyte.billing.run"]._cron_send_invoices()
        self.assertEqual(invoice.billbyte_send_state, "email")
        self.assertEqual(len(self.mails_of(invoice)), 1)

    def test_a_batch_sends_each_customer_as_it_prefers(self):
        self.northwind.email = False
        self.fabrikam.with_company(self.company).invoice_sending_method = "manual"
        self.import_rows(
            self.month_rows()
            + self.month_rows(account="222222222222")
            + self.month_rows(account="333333333333")
        )
        run = self.bill("2026-04-01")
        self.assertEqual(len(run.invoice_ids), 3)
        by_partner = {inv.partner_id: inv for inv in run.invoice_ids}
        self.assertEqual(by_partner[self.contoso].billbyte_send_state, "email")
        self.assertEqual(by_partner[self.fabrikam].billbyte_send_state, "portal")
        self.assertEqual(by_partner[self.northwind].billbyte_send_state, "portal")
        self.assertEqual(len(self.mails_of(by_partner[self.contoso])), 1)
        self.assertFalse(self.mails_of(by_partner[self.fabrikam]))
        self.assertFalse(self.mails_of(by_partner[self.northwind]))
        self.assertTrue(all(run.invoice_ids.mapped("is_move_sent")))

    def test_einvoice_that_cannot_be_made_falls_back_to_the_pdf(self):
        # The customer has its identifier, but the company lacks what Factur-X needs
        # of the seller (its VAT): Odoo's own checks refuse the e-invoice.
        self.company.partner_id.vat = False
        self.contoso.write({"vat": "FR23334175221", "country_id": self.env.ref("base.fr").id})
        self.contoso.invoice_edi_format = "facturx"
        self.import_rows(self.month_rows())
        run = self.bill("2026-04-01", self.contoso)
        invoice = run.invoice_ids
        self.assertEqual(invoice.billbyte_send_state, "email")
        self.assertFalse(invoice.ubl_cii_xml_id)
        mail = self.mails_of(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            mail.attachment_ids, mail.attachment_ids.filtered(lambda a: a.name.endswith(".pdf"))
        )
        self.assertIn("no e-invoice: it could not be made", invoice.billbyte_send_note)
        self.assertIn("no e-invoice", run.line_ids.message)

    def test_one_invoice_that_fails_never_stops_the_others(self):
        # Fabrikam's invoice layout is not an invoice report: Odoo refuses to send it.
        self.fabrikam.invoice_template_pdf_report_id = self.env.ref(
            "account.action_report_payment_receipt"
        )
        self.import_rows(
            self.month_rows()
            + self.month_rows(account="222222222222")
            + self.month_rows(account="333333333333")
        )
        run = self.bill("2026-04-01")
        self.assertEqual(run.state, "done")
        by_partner = {inv.partner_id: inv for inv in run.invoice_ids}
        failed = by_partner[self.fabrikam]
        self.assertEqual(failed.state, "posted", "a failed sending never undoes the billing")
        self.assertEqual(failed.billbyte_send_state, "failed")
        self.assertIn("Not sent", failed.billbyte_send_note)
        self.assertFalse(self.mails_of(failed))
        for partner in (self.contoso, self.northwind):
            self.assertEqual(by_partner[partner].billbyte_send_state, "email")
            self.assertEqual(len(self.mails_of(by_partner[partner])), 1)
        line = run.line_ids.filtered(lambda x: x.partner_id == self.fabrikam)
        self.assertIn("Not sent", line.message)
        # The cron does not retry it by itself (an accountant fixes it and sends it).
        self.env["billbyte.billing.run"]._cron_send_invoices()
        self.assertFalse(self.mails_of(failed))
