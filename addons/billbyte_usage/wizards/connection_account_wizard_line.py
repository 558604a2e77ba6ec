# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteConnectionAccountWizardLine(models.TransientModel):
    _name = "billbyte.connection.account.wizard.line"
    _description = "Account at the Vendor"

    wizard_id = fields.Many2one(
        "billbyte.connection.account.wizard", required=True, ondelete="cascade"
    )
    selected = fields.Boolean(string="Create")
    exists = fields.Boolean(string="Already a Cloud Account", readonly=True)
    vendor_account_id = fields.Char(string="Vendor Account ID", required=True, readonly=True)
    vendor_customer_id = fields.Char(string="Vendor Customer ID", readonly=True)
    name = fields.Char(required=True)
    customer_name = fields.Char(string="At the Vendor", readonly=True)
    status = fields.Char(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer")
