# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    billbyte_reconcile_tolerance = fields.Float(
        string="Vendor Invoice Tolerance",
        digits=(16, 2),
        default=1.0,
        help="A vendor invoice is reconciled when its total (and every amount entered per "
        "cloud account and service) differs from the imported cost by at most this "
        "amount, in the vendor invoice's currency.",
    )
    billbyte_accrual_cost_account_id = fields.Many2one(
        "account.account",
        string="Cost of Cloud Services",
        check_company=True,
        help="Expense account debited by the month-end accrual of the imported vendor "
        "cost of usage not yet invoiced; the product's expense account when empty.",
    )
