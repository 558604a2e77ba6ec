# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingAccess(BillingCommon):
    def test_who_may_run_billing(self):
        self.import_rows(self.month_rows(days=2))
        accountant = new_test_user(
            self.env, login="accountant", groups="account.group_account_invoice"
        )
        run = (
            self.env["billbyte.billing.run"]
            .with_user(accountant)
            .create({"date": "2026-04-01", "partner_ids": [(6, 0, self.contoso.ids)]})
        )
        run.with_context(queue_job__no_delay=True).action_start()
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(len(run.invoice_ids), 1)

        # A Cloud Billing user (sales) reads runs but cannot make one.
        sales = new_test_user(
            self.env, login="sales", groups="billbyte_catalog.group_billbyte_user"
        )
        self.assertEqual(run.with_user(sales).invoice_count, 1)
        with self.assertRaises(AccessError):
            self.env["billbyte.billing.run"].with_user(sales).create({"date": "2026-05-01"})

        # A customer in the portal sees nothing of runs, and no vendor cost.
        portal = new_test_user(
            self.env, login="contoso-portal", groups="base.group_portal", partner_id=self.contoso.id
        )
        with self.assertRaises(AccessError):
            run.with_user(portal).read(["name"])
        line = self.product_lines(run.invoice_ids)
        with self.assertRaises(AccessError):
            line.with_user(portal).read(["billbyte_cost"])
        with self.assertRaises(AccessError):
            line.with_user(portal).read(["billbyte_margin"])

    def test_runs_of_another_company_are_invisible(self):
        other = self.env["res.company"].create({"name": "Other CSP"})
        user = new_test_user(
            self.env,
            login="other-accountant",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        run = self.env["billbyte.billing.run"].create({"date": "2026-04-01"})
        self.assertFalse(
            self.env["billbyte.billing.run"].with_user(user).search([("id", "=", run.id)])
        )
        with self.assertRaises(AccessError):
            run.with_user(user).read(["name"])
