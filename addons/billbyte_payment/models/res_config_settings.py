# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    billbyte_deposit_account_id = fields.Many2one(
        related="company_id.billbyte_deposit_account_id", readonly=False
    )
    billbyte_deposit_months = fields.Float(
        related="company_id.billbyte_deposit_months", readonly=False
    )
    billbyte_autopay_retries = fields.Integer(
        related="company_id.billbyte_autopay_retries", readonly=False
    )
    billbyte_credit_accountant_id = fields.Many2one(
        related="company_id.billbyte_credit_accountant_id", readonly=False
    )
