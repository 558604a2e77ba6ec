# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    billbyte_reconcile_tolerance = fields.Float(
        related="company_id.billbyte_reconcile_tolerance", readonly=False
    )
    billbyte_accrual_cost_account_id = fields.Many2one(
        related="company_id.billbyte_accrual_cost_account_id", readonly=False
    )
    billbyte_accrued_revenue_account_id = fields.Many2one(
        related="company_id.default_accrued_revenue_account_id",
        readonly=False,
        string="Unbilled Revenue Account",
    )
    billbyte_accrued_expense_account_id = fields.Many2one(
        related="company_id.default_accrued_expense_account_id",
        readonly=False,
        string="Accrued Payable Account",
    )
    billbyte_cutoff_journal_id = fields.Many2one(
        related="company_id.default_cutoff_journal_id",
        readonly=False,
        string="Accrual Journal",
    )
