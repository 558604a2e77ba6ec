# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"

    budget_ids = fields.One2many("billbyte.cloud.budget", "cloud_account_id")
    budget_count = fields.Integer(compute="_compute_budget_count")

    def _compute_budget_count(self):
        counts = dict(
            self.env["billbyte.cloud.budget"]._read_group(
                [("cloud_account_id", "in", self.ids)], ["cloud_account_id"], ["__count"]
            )
        )
        for account in self:
            account.budget_count = counts.get(account, 0)

    def action_view_budgets(self):
        """This account's budgets and those of its customer."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "billbyte_budget.action_billbyte_cloud_budget"
        )
        action["domain"] = [
            "|",
            ("cloud_account_id", "=", self.id),
            "&",
            ("scope", "=", "customer"),
            ("partner_id", "=", self.partner_id.commercial_partner_id.id),
        ]
        action["context"] = {"default_cloud_account_id": self.id, "default_scope": "account"}
        return action

    def _usage_lines_changed(self, keys):
        keys = super()._usage_lines_changed(keys)
        if keys:
            self.env["billbyte.budget.evaluation"]._evaluate_accounts({key[0] for key in keys})
        return keys
