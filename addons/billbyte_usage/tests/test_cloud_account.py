# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestCloudAccount(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Customer EUR", "currency_id": cls.eur.id}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Contoso", "property_product_pricelist": cls.pricelist.id}
        )
        cls.aws = cls.env.ref("billbyte_catalog.vendor_aws")

    def test_account_gets_analytic_account_pricelist_and_currency(self):
        account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso prod",
                "vendor_id": self.aws.id,
                "vendor_account_id": "123456789012",
                "partner_id": self.customer.id,
            }
        )
        self.assertEqual(account.state, "active")
        self.assertEqual(account.pricelist_id, self.pricelist)
        self.assertEqual(account.currency_id, self.eur)
        analytic = account.analytic_account_id
        self.assertEqual(
            analytic.plan_id, self.env.ref("billbyte_usage.analytic_plan_cloud_accounts")
        )
        self.assertEqual(analytic.partner_id, self.customer)

    def test_vendor_account_id_unique_per_vendor(self):
        vals = {
            "name": "A",
            "vendor_id": self.aws.id,
            "vendor_account_id": "999988887777",
            "partner_id": self.customer.id,
        }
        self.env["billbyte.cloud.account"].create(vals)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["billbyte.cloud.account"].create(dict(vals, name="B"))

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
