# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    billbyte_autopay_retries = fields.Integer(
        related="company_id.billbyte_autopay_retries", readonly=False
    )
