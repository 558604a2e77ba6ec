# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    billbyte_deposit_account_id = fields.Many2one(
        "account.account",
        string="Customer Deposits Account",
        check_company=True,
        help="The liability account customer deposits are kept on until they pay usage "
        "invoices or are refunded (reconcilable).",
    )
    billbyte_deposit_months = fields.Float(
        string="Deposit (months of usage)",
        default=1.0,
        help="The deposit asked of a customer without an amount of their own: this many "
        "months of their average monthly usage of the last three months.",
    )
