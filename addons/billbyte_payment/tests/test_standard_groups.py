# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.billbyte_catalog.tests.standard_groups import open_form, standard_users

from .common import PaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentStandardGroups(PaymentCommon):
    """The payment provider form we extend opens for each of Odoo's standard groups that
    may read providers; the set-up and the stand-in URL are for administrators only."""

    def test_provider_form_opens(self):
        users = standard_users(self.env, "bb_pay_std")
        users["admin"] = self.env.ref("base.user_admin")
        opened = set()
        for role, user in users.items():
            provider = self.paypal.with_user(user)
            if not provider.has_access("read"):
                continue
            with self.subTest(role=role):
                form = open_form(provider, "payment.payment_provider_form")
                self.assertEqual(form.code, "paypal")
                buttons = form._view["tree"].xpath("//button/@name")
                self.assertEqual("action_billbyte_setup" in buttons, role == "admin")
                if role != "admin":
                    self.assertNotIn("billbyte_api_url", form._view["fields"])
                opened.add(role)
        self.assertIn("admin", opened)
