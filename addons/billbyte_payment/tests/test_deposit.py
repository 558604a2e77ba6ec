# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.billbyte_billing.tests.common import BillingCommon


@tagged("post_install", "-at_install")
class TestDeposit(BillingCommon):
    """Contoso pays a deposit: kept on its own account, applied to the next usage
    invoices, refunded; a cloud account waits for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deposits = cls.env["account.account"].create(
            {
                "name": "Customer Deposits",
                "code": "219950",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        cls.company.billbyte_deposit_account_id = cls.deposits
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.contoso.billbyte_deposit_amount = 50.0

    def pay_deposit(self, amount, payment_type="inbound"):
        payment = self.env["account.payment"].create(
            {
                "payment_type": payment_type,
                "partner_type": "customer",
                "partner_id": self.contoso.id,
                "amount": amount,
                "journal_id": self.bank.id,
                "currency_id": self.usd.id,
                "billbyte_is_deposit": True,
            }
        )
        payment.action_post()
        return payment

    def status(self):
        self.contoso.invalidate_recordset()
        return self.contoso.get_deposit_status()[0]

    def test_deposit_is_kept_on_its_own_account_and_pays_the_next_invoices(self):
        payment = self.pay_deposit(50)
        self.assertEqual(
            self.status(),
            {
                "customer_id": self.contoso.id,
                "currency": "USD",
                "required": "50.00",
                "received": "50.00",
                "available": "50.00",
                "paid": True,
            },
        )
        transfer = payment.billbyte_deposit_move_id
        self.assertEqual(transfer.state, "posted")
        self.assertEqual(
            sum(
                transfer.line_ids.filtered(lambda line: line.account_id == self.deposits).mapped(
                    "balance"
                )
            ),
            -50.0,
        )
        # The customer's receivable holds no credit: the deposit is not a top-up.
        self.assertEqual(self.contoso.get_wallet_status()[0]["balance"], "0.00")
        # First invoice: 28 x 1.20 = 33.60 + 10 % tax = 36.96, paid from the deposit.
        self.import_rows(self.month_rows())
        first = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(first.payment_state, "paid")
        self.assertEqual(self.status()["available"], "13.04")
        # Second invoice: 13.04 of its 36.96 from what is left; the rest stays due.
        self.import_rows(self.month_rows(month="2026-04"))
        second = self.bill("2026-05-01", self.contoso).invoice_ids
        self.assertEqual(self.dec(second.amount_residual), self.dec("23.92"))
        self.assertEqual(self.status()["available"], "0.00")
        self.assertEqual(self.status()["received"], "50.00")

    def test_refund_reverses_the_advance_and_the_account_waits_again(self):
        self.pay_deposit(50)
        account = self.account_contoso
        account.billbyte_requires_deposit = True
        self.assertFalse(account.enforcement_flag, "paid: nothing to wait for")
        action = self.contoso.action_billbyte_refund_deposit()
        refund = self.env["account.payment"].browse(action["res_id"])
        self.assertEqual((refund.payment_type, refund.amount), ("outbound", 50.0))
        refund.action_post()
        status = self.status()
        self.assertEqual(
            (status["received"], status["available"], status["paid"]), ("0.00", "0.00", False)
        )
        # The account needing a deposit is held again (the file connection cannot act
        # at the vendor: flagged for its manager).
        self.assertTrue(account.enforcement_flag)
        suspend = account.service_action_ids.filtered(lambda a: a.action == "suspend")
        self.assertEqual(suspend.reason, "Awaiting the customer's deposit")
        with self.assertRaises(UserError):
            self.contoso.action_billbyte_refund_deposit()

    def test_account_needing_a_deposit_waits_until_it_is_paid(self):
        account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso new",
                "vendor_id": self.aws.id,
                "vendor_account_id": "111111111199",
                "partner_id": self.contoso.id,
                "billbyte_requires_deposit": True,
            }
        )
        self.assertTrue(account.enforcement_flag)
        self.pay_deposit(30)  # 30 of 50: still waiting
        self.assertTrue(account.enforcement_flag)
        self.pay_deposit(20)
        self.assertFalse(account.enforcement_flag)
        self.assertEqual(
            account.service_action_ids.sorted("id").mapped("action"), ["suspend", "resume"]
        )

    def test_company_rule_asks_months_of_average_usage(self):
        self.contoso.billbyte_deposit_amount = 0
        self.company.billbyte_deposit_months = 2
        self.assertEqual(self.status()["required"], "0.00", "no usage yet: nothing asked")
        last_month = fields.Date.context_today(self.env.user) - relativedelta(months=1)
        self.import_rows(self.month_rows(month=last_month.strftime("%Y-%m")))
        # 33.60 in the last three months: 11.20 a month, two months asked.
        self.assertEqual(self.status()["required"], "22.40")

    def test_deposit_without_a_deposits_account_is_refused(self):
        self.company.billbyte_deposit_account_id = False
        with self.assertRaises(UserError) as refused:
            self.pay_deposit(10)
        self.assertIn("Customer Deposits account", str(refused.exception))
