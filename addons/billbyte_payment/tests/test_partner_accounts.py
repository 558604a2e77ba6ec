# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPartnerAccounts(TransactionCase):
    def test_paypal_provider_available(self):
        self.assertTrue(self.env["payment.provider"].search([("code", "=", "paypal")]))

    def test_partner_counts_cloud_accounts(self):
        customer = self.env["res.partner"].create({"name": "Northwind"})
        self.env["billbyte.cloud.account"].create(
            [
                {
                    "name": f"Northwind {n}",
                    "vendor_id": self.env.ref("billbyte_catalog.vendor_gcp").id,
                    "vendor_account_id": f"northwind-{n}",
                    "partner_id": customer.id,
                }
                for n in range(3)
            ]
        )
        self.assertEqual(customer.billbyte_cloud_account_count, 3)
