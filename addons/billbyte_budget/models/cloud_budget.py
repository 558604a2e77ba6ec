# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class BillbyteCloudBudget(models.Model):
    """A monthly spending budget on a customer's cloud account."""

    _name = "billbyte.cloud.budget"
    _description = "Cloud Budget"
    _inherit = ["mail.thread"]
    _order = "cloud_account_id, id"
    _check_company_auto = True
    # What a customer may read of their own budgets (see billbyte_catalog's models/base.py).
    _billbyte_portal_fields = frozenset(
        {
            "name",
            "cloud_account_id",
            "partner_id",
            "company_id",
            "currency_id",
            "amount",
            "alert_threshold",
        }
    )

    name = fields.Char(required=True, tracking=True)
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(related="cloud_account_id.partner_id", store=True)
    company_id = fields.Many2one(related="cloud_account_id.company_id", store=True)
    currency_id = fields.Many2one(related="cloud_account_id.currency_id")
    amount = fields.Monetary(
        string="Monthly Budget",
        required=True,
        tracking=True,
        help="Customer amount the account may use per calendar month.",
    )
    alert_threshold = fields.Float(
        string="Alert at (%)",
        default=80.0,
        help="Percentage of the budget at which the customer is notified.",
    )
    active = fields.Boolean(default=True)

    @api.constrains("amount", "alert_threshold")
    def _check_amounts(self):
        for budget in self:
            if budget.amount <= 0:
                raise ValidationError(self.env._("A budget must be a positive amount."))
            if not 0 < budget.alert_threshold <= 100:
                raise ValidationError(
                    self.env._("The alert threshold is a percentage between 0 and 100.")
                )
