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
    billbyte_send_state = fields.Selection(
        [
            ("email", "Emailed"),
            ("portal", "Portal only"),
            ("failed", "Not sent"),
        ],
        string="Cloud Billing Sending",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="How the billing sent this invoice on its date (see Sending Note): by email "
        "(PDF and the customer's e-invoice), or only in the customer's portal. Empty: not "
        "sent by the billing yet.",
    )
    billbyte_send_note = fields.Text(
        string="Sending Note",
        readonly=True,
        copy=False,
        help="What the billing did when it sent this invoice, and why no email or no "
        "e-invoice went out.",
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

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # Posted by an accountant (after a draft billing): the sending cron sends them
        # now rather than tomorrow (a billing run sends the invoices it posts itself).
        if posted.filtered("billbyte_run_id") and not self.env.context.get("billbyte_in_run"):
            cron = self.env.ref("billbyte_billing.ir_cron_billbyte_send", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return posted

    def button_cancel(self):
        res = super().button_cancel()
        # Cancelled: its usage is unbilled again and goes on the next run's invoice.
        self.filtered(lambda m: m.state == "cancel" and m.billbyte_run_id).line_ids.filtered(
            "billbyte_usage_line_ids"
        )._billbyte_release_usage()
        return res
