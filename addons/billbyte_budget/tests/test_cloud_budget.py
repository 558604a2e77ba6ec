# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCloudBudget(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create({"name": "Fabrikam"})
        cls.account = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Fabrikam dev",
                "vendor_id": cls.env.ref("billbyte_catalog.vendor_aws").id,
                "vendor_account_id": "210987654321",
                "partner_id": customer.id,
            }
        )

    def test_budget_must_be_positive(self):
        with self.assertRaises(ValidationError) as refused:
            self.env["billbyte.cloud.budget"].create(
                {"name": "Cap", "cloud_account_id": self.account.id, "amount": 0}
            )
        self.assertIn("positive amount", str(refused.exception))
        self.assertFalse(
            self.env["billbyte.cloud.budget"].search([("cloud_account_id", "=", self.account.id)])
        )

    def test_budget_follows_account_customer(self):
        budget = self.env["billbyte.cloud.budget"].create(
            {"name": "Cap", "cloud_account_id": self.account.id, "amount": 500}
        )
        self.assertEqual(budget.partner_id, self.account.partner_id)
        self.assertEqual(budget.currency_id, self.account.currency_id)
