# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCloudAccountTransferWizard(models.TransientModel):
    _name = "billbyte.cloud.account.transfer.wizard"
    _description = "Move Cloud Accounts to Another Customer"

    cloud_account_ids = fields.Many2many(
        "billbyte.cloud.account",
        "billbyte_transfer_wizard_account_rel",
        "wizard_id",
        "account_id",
        required=True,
    )
    partner_id = fields.Many2one("res.partner", string="New Customer", required=True)
    date_from = fields.Date(
        string="From",
        required=True,
        default=fields.Date.context_today,
        help="Usage from this day on bills the new customer; earlier usage still bills "
        "the customer who had the account then.",
    )

    def action_transfer(self):
        self.ensure_one()
        self.cloud_account_ids.action_transfer(self.partner_id, self.date_from)
        return {"type": "ir.actions.act_window_close"}
