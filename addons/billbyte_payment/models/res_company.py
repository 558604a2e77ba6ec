# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    billbyte_autopay_retries = fields.Integer(
        string="Automatic Payment Retries",
        default=3,
        help="A failed automatic payment of a usage invoice is tried again once a day, at most "
        "this many times; then it stops and the customer's salesperson gets an activity. "
        "0: no retry.",
    )

    @api.constrains("billbyte_autopay_retries")
    def _check_billbyte_autopay_retries(self):
        if any(company.billbyte_autopay_retries < 0 for company in self):
            raise ValidationError(
                self.env._("The number of automatic payment retries cannot be negative.")
            )

    billbyte_credit_accountant_id = fields.Many2one(
        "res.users",
        string="Credit Limit Accountant",
        help="Warned, with the customer's salesperson, when a customer goes over its cloud "
        "credit limit (the administrator when empty).",
    )
