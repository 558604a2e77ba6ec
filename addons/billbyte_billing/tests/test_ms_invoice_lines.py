# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import date
from decimal import Decimal

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_license_partner_center import (
    CUSTOMER,
    E3_OFFER,
    E5_OFFER,
    SUB_E3,
    SUB_E5,
    PartnerCenterLicenseCommon,
)

INVOICE = "G000777001"
UNKNOWN_SUB = "c1c2c3c4-3333-4333-8333-0000000000aa"


@tagged("post_install", "-at_install")
class TestMicrosoftInvoiceLines(PartnerCenterLicenseCommon):
    def setUp(self):
        super().setUp()
        self.Line = self.env["billbyte.ms.invoice.line"]
        self.company.billbyte_reconcile_tolerance = 0.01

    def item(self, sub_id, charge_type, quantity, start, end, unit, subtotal, **values):
        offer = values.pop("offer", E3_OFFER)
        product, sku = offer.split(":")
        item = self.partner_center.license_line_item(
            INVOICE,
            CUSTOMER,
            sub_id,
            chargeType=charge_type,
            quantity=quantity,
            billableQuantity=quantity,
            chargeStartDate=f"{start}T00:00:00Z",
            chargeEndDate=f"{end}T00:00:00Z",
            productId=product,
            skuId=sku,
            unitPrice="@unitPrice@",
            effectiveUnitPrice="@effectiveUnitPrice@",
            subtotal="@subtotal@",
            totalForCustomer="@subtotal@",
            **values,
        )
        text = json.dumps(item)
        for name, value in (
            ("unitPrice", unit),
            ("effectiveUnitPrice", unit),
            ("subtotal", subtotal),
        ):
            text = text.replace(f'"@{name}@"', value)
        return text

    def serve_invoice(self, invoice_id, total, items, currency="USD"):
        self.partner_center.invoice_resources[invoice_id] = (
            f'{{"id": "{invoice_id}", "invoiceDate": "2026-11-08T00:00:00Z", '
            '"billingPeriodStartDate": "2026-10-01T00:00:00Z", '
            '"billingPeriodEndDate": "2026-10-31T00:00:00Z", '
            f'"totalCharges": {total}, "paidAmount": 0, "currencyCode": "{currency}", '
            '"currencySymbol": "$", "pdfDownloadLink": null, "invoiceDetails": [], '
            '"amendments": [], "invoiceType": "Recurring", "documentType": "Invoice", '
            '"attributes": {"objectType": "Invoice"}}'
        )
        self.partner_center.invoice_line_items[invoice_id] = items

    def stored_subtotals(self, rec):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT line_number, subtotal::text FROM billbyte_ms_invoice_line "
            "WHERE reconciliation_id = %s ORDER BY line_number",
            [rec.id],
        )
        return {
            number: Decimal(text) if text is not None else None
            for number, text in self.env.cr.fetchall()
        }

    def october_licenses(self):
        """E3 10 seats and E5 3 seats from 2026-10-01, billed for October; two E3
        seats added on 2026-10-15, not billed yet."""
        self.ms_subscription(SUB_E3, quantity=12)
        self.ms_subscription(
            SUB_E5, offer=E5_OFFER, name="Microsoft 365 E5", quantity=4, termDuration="P1M"
        )
        e3 = self.license(self.e3, 10, SUB_E3, start=date(2026, 10, 1))
        e5 = self.license(self.e5, 3, SUB_E5, start=date(2026, 10, 1), term="monthly")
        self.sync()
        run = self.bill("2026-10-01", partners=self.contoso)
        self.assertEqual(e3.billed_until, date(2026, 10, 31), run.line_ids.mapped("message"))
        e3._change_seats(2, date(2026, 10, 15))
        return e3, e5

    def test_invoice_lines_import_paged_matched_and_deduplicated(self):
        e3, e5 = self.october_licenses()
        items = [
            self.item(SUB_E3, "new", 10, "2026-10-01", "2026-10-31", "28.8", "288.0"),
            self.item(
                SUB_E3, "addQuantity", 2, "2026-10-15", "2026-10-31", "28.8", "31.5870967741935"
            ),
            self.item(
                SUB_E5,
                "new",
                4,
                "2026-10-01",
                "2026-10-31",
                "45.6",
                "182.4",
                offer=E5_OFFER,
                productName="Microsoft 365 E5",
                skuName="Microsoft 365 E5",
                termAndBillingCycle="One-Month commitment for monthly/yearly billing",
            ),
            self.item(UNKNOWN_SUB, "new", 1, "2026-10-03", "2026-11-02", "10.0", "10.0"),
            self.item(
                SUB_E3,
                "customerCredit",
                1,
                "2026-10-01",
                "2026-10-31",
                "-12.5",
                "-12.5",
                creditReasonCode="Service credit",
            ),
        ]
        # 288.00 + 31.5870967741935 + 182.40 + 10.00 - 12.50 = 499.4870967741935
        self.serve_invoice(INVOICE, "499.49", items)
        self.partner_center.line_item_page_size = 2

        stats = self.Line._import_invoice(self.ms_connection, INVOICE)

        rec = stats["reconciliation"]
        self.assertEqual((stats["lines"], stats["added"], stats["removed"]), (5, 5, 0))
        pages = [q[2] for q in self.partner_center.line_item_queries if q[0] == INVOICE]
        self.assertEqual(pages, [None, "2", "4"], "3 pages, continuation tokens followed")
        query = self.partner_center.line_item_queries[0][1]
        self.assertEqual(query["provider"], ["onetime"])
        self.assertEqual(query["invoicelineitemtype"], ["billinglineitems"])
        # Stored exactly as Microsoft wrote them, to the last decimal.
        subtotals = self.stored_subtotals(rec)
        self.assertEqual(subtotals[2], Decimal("31.5870967741935"))
        self.assertEqual(sum(subtotals.values()), Decimal("499.4870967741935"))
        self.assertEqual(stats["microsoft_subtotal"], Decimal("499.4870967741935"))
        self.assertEqual(stats["stored_subtotal"], stats["microsoft_subtotal"])
        self.assertEqual(self.dec(rec.license_total), Decimal("499.49"))
        self.assertEqual(self.dec(rec.vendor_total), Decimal("499.49"))
        self.assertEqual(rec.invoice_date, date(2026, 11, 8))

        lines = {line.line_number: line for line in rec.ms_line_ids}
        self.assertEqual((lines[1].state, lines[1].license_id), ("matched", e3))
        self.assertEqual(lines[1].license_change_id.kind, "term")
        self.assertTrue(lines[1].odoo_invoice_line_id)
        self.assertEqual((lines[2].state, lines[2].reason), ("waiting", "not_billed"))
        self.assertEqual(lines[2].license_change_id.kind, "increase")
        self.assertIn("not billed to the customer yet", lines[2].note)
        self.assertEqual((lines[3].state, lines[3].reason), ("difference", "seats"))
        self.assertEqual(lines[3].license_id, e5)
        self.assertIn("Microsoft charged 4 seat(s), Odoo bills 3", lines[3].note)
        self.assertEqual((lines[4].state, lines[4].reason), ("difference", "unknown_subscription"))
        self.assertIn(UNKNOWN_SUB, lines[4].note)
        self.assertEqual((lines[5].state, lines[5].reason), ("difference", "credit"))
        self.assertIn("-12.5", lines[5].note)
        self.assertIn("Service credit", lines[5].note)
        self.assertEqual(lines[5].charge_type, "credit")
        self.assertEqual(lines[3].charge_type_vendor, "new")
        self.assertEqual(rec.license_difference_count, 3)
        self.assertEqual(rec.state, "difference", "the amounts agree, the lines do not")

        # Imported again: nothing added, nothing duplicated.
        ids = rec.ms_line_ids.ids
        again = self.Line._import_invoice(self.ms_connection, INVOICE)
        self.assertEqual((again["added"], again["removed"]), (0, 0))
        self.assertEqual(rec.ms_line_ids.ids, ids)
        self.assertEqual(self.dec(rec.license_total), Decimal("499.49"))

        # Differences settled: the rest is reconciled.
        (lines[3] | lines[4] | lines[5]).action_accept()
        self.assertEqual(rec.license_difference_count, 0)
        self.assertEqual(rec.state, "reconciled")
        self.assertIn("accepted by", rec.message_ids[0].body)

        # The seat increase billed by the next run: the waiting line matches.
        self.bill("2026-11-01", partners=self.contoso)
        self.assertEqual(lines[2].state, "matched")

    def test_price_change_is_listed(self):
        self.ms_subscription(SUB_E3, quantity=10)
        e3 = self.license(self.e3, 10, SUB_E3, start=date(2026, 9, 1))
        self.sync()
        self.bill("2026-10-01", partners=self.contoso)
        self.serve_invoice(
            "G000666001",
            "288.00",
            [self.item(SUB_E3, "new", 10, "2026-09-01", "2026-09-30", "28.8", "288.00")],
        )
        self.serve_invoice(
            INVOICE,
            "302.40",
            [self.item(SUB_E3, "renew", 10, "2026-10-01", "2026-10-31", "30.24", "302.40")],
        )
        september = self.Line._import_invoice(self.ms_connection, "G000666001")["reconciliation"]
        self.assertEqual(september.ms_line_ids.state, "matched")
        self.assertEqual(september.state, "reconciled")
        october = self.Line._import_invoice(self.ms_connection, INVOICE)["reconciliation"]
        line = october.ms_line_ids
        self.assertEqual((line.state, line.reason, line.license_id), ("difference", "price", e3))
        self.assertIn("from 28.8 to 30.24", line.note)

    def test_restated_invoice_replaces_its_lines(self):
        self.ms_subscription(SUB_E3, quantity=10)
        self.license(self.e3, 10, SUB_E3, start=date(2026, 10, 1))
        self.sync()
        first = self.item(SUB_E3, "new", 10, "2026-10-01", "2026-10-31", "28.8", "288.0")
        self.serve_invoice(INVOICE, "288.00", [first])
        wizard = self.env["billbyte.ms.invoice.import.wizard"].create(
            {"connection_id": self.ms_connection.id, "invoice_id": " G000777002 "}
        )
        with self.assertRaisesRegex(UserError, "G000777002"):
            wizard.action_import()
        wizard.invoice_id = INVOICE
        action = wizard.action_import()
        rec = self.env["billbyte.vendor.reconciliation"].search([("invoice_id", "=", INVOICE)])
        self.assertEqual(action["domain"], [("reconciliation_id", "=", rec.id)])
        restated = first.replace('"quantity": 10', '"quantity": 9').replace("288.0", "259.2")
        self.serve_invoice(INVOICE, "259.20", [restated])
        stats = self.Line._import_invoice(self.ms_connection, INVOICE)
        self.assertEqual((stats["added"], stats["removed"]), (1, 1))
        self.assertEqual(len(rec.ms_line_ids), 1)
        self.assertEqual(self.dec(rec.license_total), Decimal("259.20"))

    def test_billing_after_reconciliation_waits_for_microsofts_invoice(self):
        self.company.billbyte_billing_timing = "reconciled"
        self.ms_subscription(SUB_E3, quantity=10)
        e3 = self.license(self.e3, 10, SUB_E3, start=date(2026, 10, 1))
        self.sync()
        run = self.bill("2026-10-01", partners=self.contoso)
        line = run.line_ids.filtered(lambda x: x.partner_id == self.contoso)
        self.assertEqual(line.state, "skipped")
        self.assertIn("not on a Microsoft invoice yet", line.message)
        self.assertFalse(e3.billed_until)

        self.serve_invoice(
            INVOICE,
            "288.00",
            [self.item(SUB_E3, "new", 10, "2026-10-01", "2026-10-31", "28.8", "288.00")],
        )
        rec = self.Line._import_invoice(self.ms_connection, INVOICE)["reconciliation"]
        self.assertEqual(rec.ms_line_ids.state, "waiting")
        self.assertEqual(rec.state, "reconciled")
        run = self.bill("2026-10-01", partners=self.contoso)
        self.assertEqual(e3.billed_until, date(2026, 10, 31))
        invoice = run.invoice_ids
        self.assertEqual(self.dec(invoice.amount_untaxed), Decimal("360.00"))
        self.assertEqual(rec.ms_line_ids.state, "matched")

    def test_seat_difference_holds_the_license_until_settled(self):
        self.company.billbyte_billing_timing = "reconciled"
        self.ms_subscription(SUB_E3, quantity=10)
        lic = self.license(self.e3, 9, SUB_E3, start=date(2026, 10, 1))
        self.sync()
        self.serve_invoice(
            INVOICE,
            "288.00",
            [self.item(SUB_E3, "new", 10, "2026-10-01", "2026-10-31", "28.8", "288.00")],
        )
        rec = self.Line._import_invoice(self.ms_connection, INVOICE)["reconciliation"]
        line = rec.ms_line_ids
        self.assertEqual((line.state, line.reason, line.odoo_quantity), ("difference", "seats", 9))
        self.assertEqual(rec.state, "difference")
        run = self.bill("2026-10-01", partners=self.contoso)
        self.assertFalse(run.invoice_ids)
        self.assertIn(f"Microsoft invoice {INVOICE} not reconciled", run.line_ids.message)
        # Microsoft's side adopted (one more seat from the 1st): matched again, billed.
        lic.seats = 10
        lic.next_term_seats = 10
        rec.action_rematch_license_lines()
        self.assertEqual((line.state, rec.state), ("waiting", "reconciled"))
        run = self.bill("2026-10-01", partners=self.contoso)
        self.assertEqual(self.dec(run.invoice_ids.amount_untaxed), Decimal("360.00"))
        self.assertEqual(line.state, "matched")

    def test_amounts_written_as_text_are_read_and_unreadable_ones_said(self):
        self.ms_subscription(SUB_E3, quantity=10)
        self.license(self.e3, 10, SUB_E3, start=date(2026, 10, 1))
        self.sync()
        as_text = self.partner_center.license_line_item(
            INVOICE,
            CUSTOMER,
            SUB_E3,
            chargeType="Add quantity",
            quantity="3",
            unitPrice="28.80",
            effectiveUnitPrice="28.80",
            subtotal="47.3806451612903",
            totalForCustomer="47.3806451612903",
            chargeStartDate="2026-10-15T00:00:00Z",
        )
        broken = self.partner_center.license_line_item(
            INVOICE, CUSTOMER, SUB_E3, subtotal="N/A", totalForCustomer=None
        )
        self.serve_invoice(INVOICE, "47.38", [as_text, broken])
        stats = self.Line._import_invoice(self.ms_connection, INVOICE)
        rec = stats["reconciliation"]
        self.assertEqual(stats["stored_subtotal"], Decimal("47.3806451612903"))
        lines = {line.line_number: line for line in rec.ms_line_ids}
        self.assertEqual(lines[1].charge_type, "add_quantity")
        self.assertEqual(self.stored_subtotals(rec)[1], Decimal("47.3806451612903"))
        self.assertEqual(lines[1].reason, "not_in_odoo", "no seats were added in Odoo")
        self.assertEqual((lines[2].state, lines[2].reason), ("difference", "unreadable"))
        self.assertIn("subtotal='N/A'", lines[2].note)
        self.assertEqual(rec.state, "difference")
