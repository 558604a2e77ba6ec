# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CatalogCommon, csv_bytes

SHEET = [
    ["meterId", "meterName", "meterCategory", "unitOfMeasure", "unitPrice", "currencyCode"],
    ["sec-meter", "E4s v5", "Virtual Machines", "1 Hour", "0.252", "USD"],
    ["sec-bad", "E8s v5", "Virtual Machines", "1 Hour", "-1", "USD"],
]


@tagged("post_install", "-at_install")
class TestCatalogSecurity(CatalogCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create(
            {"name": "BillByte Other Co", "currency_id": cls.usd.id}
        )
        cls.manager = cls._new_user("bb_catalog_manager", "billbyte_catalog.group_billbyte_manager")
        cls.user = cls._new_user("bb_catalog_user", "billbyte_catalog.group_billbyte_user")
        Import = cls.env["billbyte.price.import"]
        cls.own_run = Import._billbyte_import_file(cls.microsoft, "azure_meter", csv_bytes(SHEET))
        other_vendor = cls.env["billbyte.cloud.vendor"].create(
            {"name": "Other Co's cloud", "code": "otherco", "company_id": cls.other_company.id}
        )
        cls.other_run = Import.with_company(cls.other_company)._billbyte_import_file(
            other_vendor, "azure_meter", csv_bytes([SHEET[0], ["otherco-meter", *SHEET[1][1:]]])
        )
        cls.other_product = cls.env["product.template"].search(
            [("billbyte_sku_id", "=", "otherco-meter")]
        )

    def test_imports_of_another_company_are_hidden(self):
        self.assertEqual(self.other_run.company_id, self.other_company)
        self.assertEqual(
            self.other_product.company_id,
            self.other_company,
            "products follow their vendor's company",
        )
        Import = self.env["billbyte.price.import"].with_user(self.manager)
        self.assertIn(self.own_run, Import.search([]))
        self.assertNotIn(self.other_run, Import.search([]))
        History = self.env["billbyte.price.history"].with_user(self.manager)
        self.assertFalse(History.search([("product_tmpl_id", "=", self.other_product.id)]))
        Rejection = self.env["billbyte.price.import.rejection"].with_user(self.manager)
        self.assertEqual(Rejection.search([]).import_id, self.own_run)

    def test_users_read_managers_import(self):
        self.assertEqual(self.own_run.with_user(self.user).rejected_count, 1)
        self.assertTrue(self.vm.with_user(self.user).billbyte_price_history_ids)
        with self.assertRaises(AccessError):
            self.env["billbyte.price.import.wizard"].with_user(self.user).create(
                {"file_format": "azure_meter"}
            )
        with self.assertRaises(AccessError):
            self.own_run.with_user(self.user).unlink()
        with self.assertRaises(AccessError):
            self.vm.billbyte_price_history_ids.with_user(self.manager).write({"new_cost": 0.0})
        wizard = (
            self.env["billbyte.price.import.wizard"]
            .with_user(self.manager)
            .create({"file_format": "azure_meter"})
        )
        self.assertEqual(wizard.vendor_id, self.microsoft)

    def test_price_change_by_a_manager_is_in_the_history(self):
        self.vm.with_user(self.manager).billbyte_vendor_cost = 0.1
        change = self.vm.billbyte_price_history_ids[0]
        self.assertEqual(
            (change.user_id, change.source, change.new_cost), (self.manager, "manual", 0.1)
        )
