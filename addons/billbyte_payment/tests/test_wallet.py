# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billbyte_billing.tests.common import BillingCommon
from odoo.addons.billbyte_usage.tests.common import focus_row


@tagged("post_install", "-at_install")
class TestWallet(BillingCommon, HttpCase):
    """Contoso runs prepaid in USD at cost + 20 %: a 1.00 USD row draws 1.20."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "bb_wallet_sam",
                "email": "sam@provider.example.com",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id])],
            }
        )
        cls.contoso.write(
            {
                "billbyte_prepaid": True,
                "billbyte_wallet_floor": 5.0,
                "user_id": cls.salesman.id,
            }
        )
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )

    def top_up(self, amount, partner=None):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or self.contoso).id,
                "amount": amount,
                "journal_id": self.bank.id,
                "currency_id": self.usd.id,
            }
        )
        payment.action_post()
        return payment

    def balance(self):
        self.contoso.invalidate_recordset()
        return self.contoso.get_wallet_status()[0]

    def low_mails(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.contoso.id),
                ("message_type", "=", "comment"),
                ("subject", "=", "Your prepaid cloud balance is running out"),
            ]
        )

    def test_top_ups_raise_and_imported_usage_draws_down_the_balance(self):
        self.assertEqual(self.balance()["balance"], "0.00")
        self.top_up(100)
        self.assertEqual(self.balance()["balance"], "100.00")
        self.import_rows(self.month_rows(days=10))  # 10 x 1.20
        status = self.balance()
        self.assertEqual(status["balance"], "88.00")
        self.assertEqual(status["currency"], "USD")
        self.assertEqual(status["state"], "ok")
        self.assertEqual(self.contoso.billbyte_wallet_balance, 88.0)

    def test_running_low_notifies_once_and_a_top_up_restores(self):
        self.top_up(20)
        self.import_rows(self.month_rows(days=10))  # 8.00 left: above the floor
        self.assertEqual(self.contoso.billbyte_wallet_state, "ok")
        self.import_rows(self.month_rows(days=13))  # 4.40 left: at the floor
        self.assertEqual(self.balance()["balance"], "4.40")
        self.assertEqual(self.contoso.billbyte_wallet_state, "low")
        mails = self.low_mails()
        self.assertEqual(len(mails), 1)
        self.assertIn("4.40", mails.body)
        activity = self.contoso.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        # More usage while low: no second email.
        self.import_rows(self.month_rows(days=14))
        self.assertEqual(self.balance()["balance"], "3.20")
        self.assertEqual(len(self.low_mails()), 1)
        # A top-up brings it back; the next crossing notifies again.
        self.top_up(10)
        self.assertEqual(self.contoso.billbyte_wallet_state, "ok")
        self.import_rows(self.month_rows(days=20))  # 13.20 - 7.20 = 6.00... then below
        self.assertEqual(self.balance()["balance"], "6.00")
        self.import_rows(self.month_rows(days=21))
        self.assertEqual(self.balance()["balance"], "4.80")
        self.assertEqual(len(self.low_mails()), 2)

    def test_suspend_action_flags_and_releases_the_accounts(self):
        self.contoso.billbyte_wallet_action = "suspend"
        self.top_up(5)
        self.import_rows(self.month_rows(days=1))  # 3.80 left
        action = self.account_contoso.service_action_ids
        self.assertEqual(action.action, "suspend")
        self.assertEqual(action.origin, self.contoso)
        # The file connection cannot act at the vendor: the account is flagged.
        self.assertTrue(self.account_contoso.enforcement_flag)
        self.top_up(50)
        self.assertFalse(self.account_contoso.enforcement_flag)
        self.assertEqual(
            self.account_contoso.service_action_ids.sorted("id").mapped("action"),
            ["suspend", "resume"],
        )

    def test_usage_invoices_are_paid_from_the_balance(self):
        self.top_up(100)
        self.import_rows(self.month_rows(days=28))  # 33.60 unbilled
        self.assertEqual(self.balance()["balance"], "66.40")
        invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(invoice.amount_untaxed), self.dec("33.60"))
        self.assertEqual(self.dec(invoice.amount_total), self.dec("36.96"))
        self.assertEqual(invoice.payment_state, "paid")
        # The tax, not counted on usage before it is invoiced, now is.
        self.assertEqual(self.balance()["balance"], "63.04")

    def test_balance_lasts_at_the_pace_of_the_last_30_days(self):
        self.top_up(60)
        today = fields.Date.context_today(self.env.user)
        rows = []
        for n in range(1, 11):
            day = today - timedelta(days=n)
            row = focus_row("111111111111", day.isoformat(), "AmazonEC2", "5.00")
            row["ChargePeriodEnd"] = f"{day + timedelta(days=1)}T00:00:00Z"
            rows.append(row)  # 10 days x 6.00 in the last 30 days: 2.00 a day; 60 - 60 = 0 left
        self.import_rows(rows)
        status = self.balance()
        self.assertEqual(status["daily_use"], "2.00")
        self.assertEqual(status["balance"], "0.00")
        self.assertFalse(status["lasts_until"])
        self.top_up(30)
        self.assertEqual(
            self.balance()["lasts_until"], fields.Date.to_string(today + timedelta(days=15))
        )

    def test_portal_shows_the_balance_and_tops_it_up_through_odoo_payments(self):
        contact = self.env["res.partner"].create(
            {"name": "Wendy Wallet", "parent_id": self.contoso.id, "email": "wendy@contoso.example"}
        )
        new_test_user(
            self.env,
            login="bb_wallet_wendy",
            password="bb_wallet_wendy",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        self.top_up(42)
        self.authenticate("bb_wallet_wendy", "bb_wallet_wendy")
        page = self.url_open("/my/cloud")
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        self.assertIn("o_billbyte_cloud_wallet", page.text)
        self.assertIn("42.00", page.text)
        answer = self.url_open(
            "/my/cloud/wallet/topup",
            data={"amount": "25", "csrf_token": csrf},
            allow_redirects=False,
        )
        self.assertEqual(answer.status_code, 303)
        target = urlparse(answer.headers["Location"])
        self.assertEqual(target.path, "/payment/pay")
        query = parse_qs(target.query)
        self.assertEqual(query["amount"], ["25.0"])
        self.assertEqual(query["partner_id"], [str(contact.id)])
        # Odoo's payment page accepts the link (its access token is valid).
        self.assertEqual(self.url_open(answer.headers["Location"]).status_code, 200)
        # A customer who is not prepaid has no wallet section and cannot top up.
        self.contoso.billbyte_prepaid = False
        self.assertNotIn("o_billbyte_cloud_wallet", self.url_open("/my/cloud").text)
        refused = self.url_open(
            "/my/cloud/wallet/topup",
            data={"amount": "25", "csrf_token": csrf},
            allow_redirects=False,
        )
        self.assertIn("wallet_error", refused.headers["Location"])
