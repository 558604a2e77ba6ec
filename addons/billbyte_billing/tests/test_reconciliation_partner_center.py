# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from urllib.parse import unquote, urlparse

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests import test_connection_microsoft as ms
from odoo.addons.billbyte_usage.tests.vendor_servers import PartnerCenterStandIn, gzip_json_lines

from .common import BillingCommon


class PartnerCenterWithInvoices(PartnerCenterStandIn):
    """The stand-in, plus the Partner Center invoices API (GET /v1/invoices/{id})."""

    def reset(self):
        result = super().reset()
        self.invoices = {}
        return result

    def _handle(self, handler, method):
        path = urlparse(handler.path).path
        if (
            method == "GET"
            and path.startswith("/v1/invoices/")
            and handler.headers.get("Authorization") == "Bearer pc-access-token"
        ):
            self.requests.append((method, path))
            invoice = self.invoices.get(unquote(path.rsplit("/", 1)[1]))
            if invoice is None:
                return self._send(handler, 404, {"code": 2000, "description": "Not found"})
            # Amounts as Partner Center writes them: JSON numbers.
            return self._send(handler, 200, raw=invoice.encode())
        return super()._handle(handler, method)


@tagged("post_install", "-at_install")
class TestPartnerCenterInvoiceReconciliation(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.billbyte_reconcile_tolerance = 0.01
        cls.partner_center = PartnerCenterWithInvoices()
        cls.addClassCleanup(cls.partner_center.stop)
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.retry_base_delay", "0.01")
        stand_in = cls.partner_center
        microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.ms_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Partner Center",
                "vendor_id": microsoft.id,
                "kind": "microsoft",
                "ms_tenant_id": stand_in.TENANT,
                "ms_client_id": stand_in.CLIENT_ID,
                "ms_client_secret": stand_in.CLIENT_SECRET,
                "ms_authority_url": stand_in.url,
                "ms_graph_url": stand_in.url,
                "ms_partner_center_url": stand_in.url,
                "tls_ca_bundle": stand_in.ca_path,
            }
        )
        cls.azure_plan = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso Azure plan",
                "vendor_id": microsoft.id,
                "vendor_account_id": ms.AZURE_PLAN,
                "vendor_customer_id": ms.CUSTOMER,
                "partner_id": cls.contoso.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.partner_center.reset()
        self.partner_center.blobs = {
            "part-00000-azure.json.gz": gzip_json_lines(
                [
                    ms.azure_usage("2026-10-01", 2.30, 2.76, InvoiceNumber="G000123456"),
                    ms.azure_usage("2026-10-02", 1.15, 1.38, InvoiceNumber="G000123456"),
                ]
            ),
        }

    def pull_billed_invoice(self):
        wizard = self.env["billbyte.vendor.invoice.pull.wizard"].create(
            {"connection_id": self.ms_connection.id, "invoice_id": "G000123456", "export": "billed"}
        )
        wizard.action_pull()
        return self.env["billbyte.vendor.reconciliation"].search(
            [("connection_id", "=", self.ms_connection.id), ("invoice_id", "=", "G000123456")]
        )

    def test_billed_invoice_pull_then_vendor_total_from_partner_center(self):
        self.partner_center.invoices["G000123456"] = (
            '{"id": "G000123456", "invoiceDate": "2026-11-08T00:00:00Z", '
            '"billingPeriodStartDate": "2026-10-01T00:00:00Z", '
            '"billingPeriodEndDate": "2026-10-31T00:00:00Z", '
            '"totalCharges": 3.45, "paidAmount": 0, "currencyCode": "USD"}'
        )
        rec = self.pull_billed_invoice()
        self.assertEqual(len(rec), 1)
        self.assertEqual(rec.state, "to_check")
        self.assertEqual(self.dec(rec.imported_total), self.dec("3.45"))
        self.assertEqual(rec.line_ids.cloud_account_id, self.azure_plan)
        self.assertEqual(rec.line_ids.service_name, "Virtual Machines")
        rec.action_pull_vendor_total()
        self.assertEqual(self.dec(rec.vendor_total), self.dec("3.45"))
        self.assertEqual(rec.invoice_date, date(2026, 11, 8))
        self.assertEqual(rec.state, "reconciled")
        self.assertIn("Partner Center", rec.message_ids[0].body)

    def test_cron_reads_partner_center_totals_it_does_not_know(self):
        self.partner_center.invoices["G000123456"] = (
            '{"id": "G000123456", "invoiceDate": "2026-11-08T00:00:00Z", '
            '"totalCharges": 3.50, "currencyCode": "USD"}'
        )
        rec = self.pull_billed_invoice()
        self.env["billbyte.vendor.reconciliation"]._cron_sync()
        self.assertEqual(rec.state, "difference")
        self.assertEqual(self.dec(rec.difference), self.dec("-0.05"))
