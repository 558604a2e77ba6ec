# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.billbyte_catalog.tests.standard_groups import (
    open_form,
    open_list,
    standard_users,
)

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

    def test_partner_and_invoice_views_open(self):
        """The automatic payment page of the contact form, and the automatic payment state
        on invoices, for each standard group that may read them."""
        users = standard_users(self.env, "bb_pay_std_ap")
        self.contoso.billbyte_autopay = True
        invoice = self.usage_invoice()
        self.assertEqual(invoice.billbyte_autopay_state, "failed")  # no card saved
        opened = set()
        for role, user in users.items():
            with self.subTest(role=role):
                form = open_form(self.contoso.with_user(user), "base.view_partner_form")
                self.assertEqual(
                    "billbyte_autopay" in form._view["fields"],
                    role in ("invoicing", "accountant", "account_manager"),
                )
                Move = self.env["account.move"].with_user(user)
                if not invoice.with_user(user).has_access("read"):
                    continue
                form = open_form(invoice.with_user(user), "account.view_move_form")
                self.assertEqual(form.billbyte_autopay_state, "failed")
                names, rows = open_list(
                    Move,
                    view_xmlid="account.view_out_invoice_tree",
                    domain=[("billbyte_autopay_state", "in", ("failed", "stopped"))],
                )
                self.assertIn("billbyte_autopay_state", names)
                self.assertEqual([row["id"] for row in rows], invoice.ids)
                opened.add(role)
        self.assertTrue({"invoicing", "accountant", "auditor"} <= opened, opened)
        admin = self.env.ref("base.user_admin")
        settings = open_form(self.env["res.config.settings"].with_user(admin))
        self.assertEqual(settings.billbyte_autopay_retries, 3)
