# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from lxml import etree

from odoo.tests import tagged

from .common import BillingCommon

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@tagged("post_install", "-at_install")
class TestEinvoice(BillingCommon):
    """A customer asking for BIS Billing 3.0 gets a UBL invoice that carries each
    line's service period and whose totals are the invoice's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        belgium = cls.env.ref("base.be")
        fiscal_country = cls.company.account_fiscal_country_id
        cls.company.partner_id.write(
            {
                "country_id": belgium.id,
                "vat": "BE0477472701",
                "street": "Rue de la Loi 1",
                "city": "Brussels",
                "zip": "1000",
                "peppol_eas": "0208",
                "peppol_endpoint": "0477472701",
            }
        )
        # The taxes of the tests stay those of the company's fiscal country.
        cls.company.account_fiscal_country_id = fiscal_country
        cls.contoso.write(
            {
                "country_id": belgium.id,
                "vat": "BE0202239951",
                "street": "Avenue Louise 10",
                "city": "Brussels",
                "zip": "1050",
                "peppol_eas": "0208",
                "peppol_endpoint": "0202239951",
                "ref": "CONTOSO-PO",
            }
        )
        cls.contoso.invoice_edi_format = "ubl_bis3"
        cls.contoso_dev = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso dev",
                "vendor_id": cls.aws.id,
                "vendor_account_id": "555555555555",
                "partner_id": cls.contoso.id,
            }
        )

    def test_ubl_of_a_usage_invoice(self):
        self.import_rows(
            self.month_rows(cost="1.23")
            + self.month_rows(account="555555555555", cost="0.77", days=10)
        )
        run = self.bill("2026-04-01", self.contoso)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.billbyte_send_state, "email", invoice.billbyte_send_note)
        xml = invoice.ubl_cii_xml_id
        self.assertTrue(xml, invoice.billbyte_send_note)
        # The email carries the PDF and the UBL.
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            sorted(mail.attachment_ids.mapped("name")),
            sorted([invoice.invoice_pdf_report_id.name, xml.name]),
        )

        tree = etree.fromstring(xml.raw)
        self.assertEqual(tree.tag, f"{{{NS['inv']}}}Invoice")
        self.assertIn("peppol", tree.findtext("cbc:CustomizationID", namespaces=NS))
        product_lines = self.product_lines(invoice)
        self.assertEqual(len(product_lines), 2)
        xml_lines = tree.findall("cac:InvoiceLine", NS)
        self.assertEqual(len(xml_lines), len(product_lines))

        def amount(node, path):
            return Decimal(node.findtext(path, namespaces=NS))

        periods = []
        for xml_line, line in zip(xml_lines, product_lines, strict=True):
            period = xml_line.find("cac:InvoicePeriod", NS)
            self.assertIsNotNone(period, "every usage line carries its service period")
            start = period.findtext("cbc:StartDate", namespaces=NS)
            end = period.findtext("cbc:EndDate", namespaces=NS)
            self.assertEqual((start, end), (str(line.start_date), str(line.end_date)))
            periods.append((start, end))
            self.assertEqual(
                amount(xml_line, "cbc:LineExtensionAmount"), self.dec(line.price_subtotal)
            )
        self.assertEqual(periods, [("2026-03-01", "2026-03-31")] * 2)
        header = tree.find("cac:InvoicePeriod", NS)
        self.assertEqual(
            (
                header.findtext("cbc:StartDate", namespaces=NS),
                header.findtext("cbc:EndDate", namespaces=NS),
            ),
            ("2026-03-01", "2026-03-31"),
        )

        totals = tree.find("cac:LegalMonetaryTotal", NS)
        line_sum = sum(amount(x, "cbc:LineExtensionAmount") for x in xml_lines)
        self.assertEqual(amount(totals, "cbc:LineExtensionAmount"), line_sum)
        self.assertEqual(amount(totals, "cbc:TaxExclusiveAmount"), self.dec(invoice.amount_untaxed))
        self.assertEqual(amount(totals, "cbc:TaxInclusiveAmount"), self.dec(invoice.amount_total))
        self.assertEqual(amount(totals, "cbc:PayableAmount"), self.dec(invoice.amount_total))
        # 28 x 1.23 + 10 x 0.77 = 42.14 of cost, plus 20 %: 50.57 untaxed.
        self.assertEqual(line_sum, self.dec("50.57"))
        tax = tree.find("cac:TaxTotal/cbc:TaxAmount", NS)
        self.assertEqual(Decimal(tax.text), self.dec(invoice.amount_tax))
        self.assertIn(xml.name, invoice.billbyte_send_note)

    def test_factur_x_carries_the_billing_period(self):
        self.import_rows(self.month_rows())
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        xml, _errors = self.env["account.edi.xml.cii"]._export_invoice(invoice)
        tree = etree.fromstring(xml)
        ram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
        udt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
        period = tree.find(
            f".//{{{ram}}}ApplicableHeaderTradeSettlement/{{{ram}}}BillingSpecifiedPeriod"
        )
        self.assertIsNotNone(period)
        self.assertEqual(
            [node.text for node in period.iter(f"{{{udt}}}DateTimeString")],
            ["20260301", "20260331"],
        )
