# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountCutoffLine(models.Model):
    _inherit = "account.cutoff.line"

    billbyte_cloud_account_id = fields.Many2one(
        "billbyte.cloud.account", string="Cloud Account", readonly=True, index="btree_not_null"
    )
    billbyte_service_name = fields.Char(string="Cloud Service", readonly=True)
