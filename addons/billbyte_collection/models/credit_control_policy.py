# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class CreditControlPolicy(models.Model):
    _inherit = "credit.control.policy"

    @api.model
    def _billbyte_ensure_company_policies(self, companies=None, make_default=False):
        """Every company follows up its late payers with the Cloud Billing policy by
        default: a copy of the template policy per company, on all its receivable
        accounts, set as the company's policy unless it has one already (or always with
        `make_default`, as at install)."""
        template = self.env.ref(
            "billbyte_collection.credit_control_policy_cloud", raise_if_not_found=False
        )
        if not template:
            return self.browse()
        policies = self.browse()
        for company in companies or self.env["res.company"].sudo().search(
            [("active", "in", (True, False))]
        ):
            receivables = (
                self.env["account.account"]
                .sudo()
                .search(
                    [
                        ("account_type", "=", "asset_receivable"),
                        ("company_ids", "in", company.ids),
                    ]
                )
            )
            if not receivables:
                continue  # no chart of accounts yet
            policy = company.credit_policy_id
            if make_default and not policy.level_ids.filtered("billbyte_suspend"):
                policy = self.browse()
            if not policy:
                policy = template.sudo()
                if policy.company_id and policy.company_id != company:
                    policy = policy.copy(
                        {"name": template.name, "company_id": company.id, "account_ids": False}
                    )
                elif not policy.company_id:
                    policy.company_id = company
                company.sudo().credit_policy_id = policy
            if policy == template or policy.level_ids.filtered("billbyte_suspend"):
                policy.sudo().account_ids = [(4, account.id) for account in receivables]
            policies |= policy
        return policies
