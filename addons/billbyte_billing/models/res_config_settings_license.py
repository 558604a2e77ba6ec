# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    # OCA account_spread_cost_revenue's company defaults: where prepaid annual
    # licenses wait to be recognised month by month.
    billbyte_spread_revenue_account_id = fields.Many2one(
        related="company_id.default_spread_revenue_account_id",
        readonly=False,
        string="Deferred Revenue Account",
    )
    billbyte_spread_revenue_journal_id = fields.Many2one(
        related="company_id.default_spread_revenue_journal_id",
        readonly=False,
        string="Deferred Revenue Journal",
    )
    billbyte_license_proration = fields.Selection(
        related="company_id.billbyte_license_proration", readonly=False
    )
    billbyte_license_billing_timing = fields.Selection(
        related="company_id.billbyte_license_billing_timing", readonly=False
    )
    billbyte_bill_suspended_licenses = fields.Boolean(
        related="company_id.billbyte_bill_suspended_licenses", readonly=False
    )
