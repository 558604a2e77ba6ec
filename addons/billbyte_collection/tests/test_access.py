# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionAccess(CollectionCommon):
    """Who sees suspensions for late payment: billing users of the company; not
    another company's users, not portal users; only Billing administrators approve."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.suspension = cls.env["billbyte.collection.suspension"].create(
            {
                "partner_id": cls.contoso.id,
                "cloud_account_id": cls.m365.id,
                "reason": "Late payment",
                "approved_by_id": cls.billing_manager.id,
            }
        )
        cls.other_company = cls.env["res.company"].create({"name": "BillByte Europe"})
        cls.other_user = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Europe clerk",
                    "login": "bb_collect_europe",
                    "company_id": cls.other_company.id,
                    "company_ids": [Command.set(cls.other_company.ids)],
                    "groups_id": [
                        Command.set(
                            [
                                cls.env.ref("account.group_account_manager").id,
                                cls.env.ref(
                                    "account_credit_control.group_account_credit_control_info"
                                ).id,
                            ]
                        )
                    ],
                }
            )
        )
        cls.portal_user = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Contoso portal",
                    "login": "bb_collect_portal",
                    "partner_id": cls.contoso.id,
                    "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
                }
            )
        )

    def test_company_users_read_others_do_not(self):
        Suspension = self.env["billbyte.collection.suspension"]
        self.assertEqual(Suspension.with_user(self.billing_user).search([]), self.suspension)
        self.assertEqual(Suspension.with_user(self.cloud_manager).search([]), self.suspension)
        self.assertFalse(Suspension.with_user(self.other_user).search([]))
        with self.assertRaises(AccessError):
            self.suspension.with_user(self.other_user).read(["state"])
        with self.assertRaises(AccessError):
            self.suspension.with_user(self.portal_user).read(["state"])
        with self.assertRaises(AccessError):
            self.suspension.with_user(self.billing_user).write({"reason": "changed"})

    def test_the_policy_is_per_company(self):
        # No chart of accounts yet: nothing to follow up.
        self.assertFalse(
            self.env["credit.control.policy"]._billbyte_ensure_company_policies(self.other_company)
        )
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.other_company, install_demo=False
        )
        self.env["credit.control.policy"]._billbyte_ensure_company_policies(self.other_company)
        policy = self.other_company.credit_policy_id
        self.assertNotEqual(policy, self.policy)
        self.assertEqual(policy.company_id, self.other_company)
        self.assertEqual(
            policy.level_ids.mapped("delay_days"), self.policy.level_ids.mapped("delay_days")
        )
        receivables = self.env["account.account"].search(
            [
                ("account_type", "=", "asset_receivable"),
                ("company_ids", "in", self.other_company.ids),
            ]
        )
        self.assertEqual(policy.account_ids, receivables)
        self.assertEqual(self.company.credit_policy_id, self.policy)
        # The Europe clerk sees the policy of its company only.
        self.assertEqual(
            self.env["credit.control.policy"]
            .with_user(self.other_user)
            .search([("level_ids", "!=", False)])
            & (policy | self.policy),
            policy,
        )
