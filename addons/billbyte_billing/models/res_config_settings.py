# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    billbyte_invoice_post = fields.Boolean(
        related="company_id.billbyte_invoice_post", readonly=False
    )
    billbyte_billing_timing = fields.Selection(
        related="company_id.billbyte_billing_timing", readonly=False
    )
    billbyte_billing_journal_id = fields.Many2one(
        related="company_id.billbyte_billing_journal_id", readonly=False
    )
    billbyte_billing_batch_size = fields.Integer(
        related="company_id.billbyte_billing_batch_size", readonly=False
    )
