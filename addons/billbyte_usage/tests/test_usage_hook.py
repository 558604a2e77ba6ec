# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from odoo.tests import tagged

from .common import UsageCommon, focus_csv, focus_row


@tagged("post_install", "-at_install")
class TestUsageLinesChangedHook(UsageCommon):
    """Later steps (budgets, billing) override billbyte.cloud.account
    ._usage_lines_changed(keys): every pipeline step calls it with the keys
    (cloud account id, day, product id) of the unbilled lines it changed."""

    def received(self, action):
        """The keys an override of the hook receives while `action` runs (the override
        calls super(), as a real one does)."""
        Account = type(self.env["billbyte.cloud.account"])
        original = Account._usage_lines_changed
        calls = []

        def override(accounts, keys):
            calls.append(set(keys))
            return original(accounts, keys)

        with patch.object(Account, "_usage_lines_changed", override):
            action()
        return calls

    def key(self, account, day, product):
        return (account.id, date.fromisoformat(day), product.id)

    def test_import_restatement_assignment_and_rerating_call_the_hook(self):
        rows = [
            focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10"),
            focus_row("111111111111", "2026-10-02", "AmazonEC2", "2.00", "20"),
            focus_row("222222222222", "2026-10-01", "AmazonEC2", "2.304", "24"),
        ]
        calls = self.received(lambda: self.import_bytes(focus_csv(rows)))
        self.assertEqual(
            calls,
            [
                {
                    self.key(self.account_contoso, "2026-10-01", self.ec2),
                    self.key(self.account_contoso, "2026-10-02", self.ec2),
                    self.key(self.account_fabrikam, "2026-10-01", self.ec2),
                }
            ],
        )
        # The same file again changes no line: the hook is not called.
        self.assertEqual(self.received(lambda: self.import_bytes(focus_csv(rows))), [])
        # A restatement of one day of one account: that key only.
        restated = [dict(rows[0], BilledCost="1.50")] + rows[1:]
        calls = self.received(lambda: self.import_bytes(focus_csv(restated)))
        self.assertEqual(calls, [{self.key(self.account_contoso, "2026-10-01", self.ec2)}])
        # Unmatched usage assigned to an account: its keys.
        self.import_bytes(
            focus_csv([focus_row("444444444444", "2026-10-03", "AmazonEC2", "5.00", "50")])
        )
        unmatched = self.records(state="unmatched")
        calls = self.received(lambda: unmatched.action_assign_cloud_account(self.account_northwind))
        self.assertEqual(calls, [{self.key(self.account_northwind, "2026-10-03", self.ec2)}])
        # Re-rating records: their keys.
        records = self.records(cloud_account_id=self.account_fabrikam.id)
        calls = self.received(
            lambda: self.env["billbyte.usage.pipeline"]._rerate(records.ids, self.company)
        )
        self.assertEqual(calls, [{self.key(self.account_fabrikam, "2026-10-01", self.ec2)}])
