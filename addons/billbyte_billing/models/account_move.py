# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    billbyte_run_id = fields.Many2one(
        "billbyte.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    billbyte_cloud_account_ids = fields.Many2many(
        "billbyte.cloud.account",
        compute="_compute_billbyte_cloud_account_ids",
        string="Cloud Accounts",
    )

    @api.depends("invoice_line_ids.billbyte_cloud_account_id")
    def _compute_billbyte_cloud_account_ids(self):
        for move in self:
            move.billbyte_cloud_account_ids = move.invoice_line_ids.billbyte_cloud_account_id

    def button_cancel(self):
        res = super().button_cancel()
        # Cancelled: its usage is unbilled again and goes on the next run's invoice.
        self.filtered(lambda m: m.state == "cancel" and m.billbyte_run_id).line_ids.filtered(
            "billbyte_usage_line_ids"
        )._billbyte_release_usage()
        return res
