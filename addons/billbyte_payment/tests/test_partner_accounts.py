# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPartnerAccounts(TransactionCase):
    def test_paypal_provider_available(self):
        self.assertTrue(self.env["payment.provider"].search([("code", "=", "paypal")]))
