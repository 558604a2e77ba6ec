# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import UsageCommon, focus_csv, focus_row


@tagged("post_install", "-at_install")
class TestUnmatchedUsage(UsageCommon):
    def _import_unknown(self):
        return self.import_bytes(
            focus_csv(
                [
                    focus_row("444444444444", "2026-10-01", "AmazonEC2", "5.00", "50"),
                    focus_row("444444444444", "2026-10-02", "AmazonEC2", "5.00", "50"),
                    focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10"),
                ]
            )
        )

    def test_unknown_account_is_kept_unmatched_and_assignable(self):
        run = self._import_unknown()
        self.assertEqual((run.rows_imported, run.rows_unmatched), (3, 2))
        unmatched = self.records(state="unmatched")
        self.assertEqual(len(unmatched), 2)
        self.assertFalse(unmatched.cloud_account_id)
        self.assertFalse(
            self.usage_lines().filtered(
                lambda line: line.billbyte_cloud_account_id != self.account_contoso
            )
        )
        wizard = Form(
            self.env["billbyte.usage.assign.wizard"].with_context(
                active_model="billbyte.usage.record", active_ids=unmatched.ids
            )
        )
        wizard.cloud_account_id = self.account_northwind
        wizard.save().action_assign()
        self.assertEqual(set(unmatched.mapped("state")), {"rated"})
        lines = self.usage_lines(self.account_northwind)
        # 5 USD x 0.9 (then 0.8) EUR/USD x 1.10
        self.assertEqual(
            {str(line.date): line.billbyte_price for line in lines},
            {"2026-10-01": 4.95, "2026-10-02": 4.40},
        )
        # Re-importing the file does not bring them back as duplicates or unmatched rows.
        again = self._import_unknown()
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 3))
        self.assertFalse(self.records(state="unmatched"))

    def test_new_cloud_account_claims_its_unmatched_usage(self):
        self._import_unknown()
        account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso dev",
                "vendor_id": self.aws.id,
                "vendor_account_id": "444444444444",
                "partner_id": self.contoso.id,
            }
        )
        self.assertFalse(self.records(state="unmatched"))
        self.assertEqual(account.unbilled_amount, 12.0)  # 10 USD + 20 %

    def test_assigning_to_another_vendors_account_is_refused(self):
        self._import_unknown()
        azure_account = self.env["billbyte.cloud.account"].create(
            {
                "name": "Azure",
                "vendor_id": self.env.ref("billbyte_catalog.vendor_microsoft").id,
                "vendor_account_id": "sub-1",
                "partner_id": self.contoso.id,
            }
        )
        unmatched = self.records(state="unmatched")
        with self.assertRaises(UserError):
            unmatched.action_assign_cloud_account(azure_account)
        self.assertEqual(set(unmatched.mapped("state")), {"unmatched"})
