# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class BillbyteBudgetThreshold(models.Model):
    """A share of a budget at which something happens, once per period."""

    _name = "billbyte.budget.threshold"
    _description = "Cloud Budget Threshold"
    _order = "budget_id, sequence, percent, id"
    _billbyte_portal_fields = frozenset({"budget_id", "sequence", "percent", "action"})

    budget_id = fields.Many2one(
        "billbyte.cloud.budget", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="budget_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(string="At (%)", required=True, digits=(5, 2))
    action = fields.Selection(
        [("notify", "Notify"), ("enforce", "Notify and Enforce")],
        default="notify",
        required=True,
        help="Notify: email the customer's billing contact and the salesperson, and an "
        "activity for the responsible. Enforce: also suspend the cloud accounts of the "
        "budget at their vendor until the period ends or consumption falls below.",
    )

    @api.constrains("percent")
    def _check_percent(self):
        for threshold in self:
            if not 0 < threshold.percent <= 100:
                raise ValidationError(
                    self.env._(
                        "A threshold is a percentage of the budget above 0 and up to 100 "
                        "(%(value)s %% given).",
                        value=threshold.percent,
                    )
                )

    @api.depends("percent")
    def _compute_display_name(self):
        for threshold in self:
            threshold.display_name = f"{threshold.percent:g} %"
