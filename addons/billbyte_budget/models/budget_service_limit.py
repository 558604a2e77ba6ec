# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class BillbyteBudgetServiceLimit(models.Model):
    """A cap on one service inside a budget, so that one service cannot use what the
    others need."""

    _name = "billbyte.budget.service.limit"
    _description = "Cloud Budget Service Limit"
    _order = "budget_id, service_name, id"
    _billbyte_portal_fields = frozenset(
        {
            "budget_id",
            "service_name",
            "cap_type",
            "cap_amount",
            "cap_share",
            "cap_value",
            "currency_id",
            "consumed_amount",
            "consumed_pct",
            "forecast_amount",
            "exceeded",
        }
    )

    budget_id = fields.Many2one(
        "billbyte.cloud.budget", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="budget_id.company_id", store=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    service_name = fields.Char(
        string="Service",
        required=True,
        help="The vendor's service name as in the usage (FOCUS ServiceName), e.g. AmazonEC2.",
    )
    cap_type = fields.Selection(
        [("amount", "Amount"), ("share", "Share of the Budget")],
        string="Cap",
        default="amount",
        required=True,
    )
    cap_amount = fields.Monetary()
    cap_share = fields.Float(string="Cap (% of budget)", digits=(5, 2))
    cap_value = fields.Monetary(
        compute="_compute_cap_value", help="The cap in the budget's currency."
    )
    action = fields.Selection(
        [("notify", "Flag and Notify"), ("enforce", "Enforce")],
        default="notify",
        required=True,
        help="Enforce: over its cap the service is restricted at the vendor where the "
        "vendor allows it, otherwise as 'If not restrictable' says.",
    )
    fallback = fields.Selection(
        [("suspend", "Suspend the Whole Account"), ("flag", "Only Flag and Notify")],
        string="If Not Restrictable",
        default="flag",
        required=True,
        help="What enforcing does where the vendor cannot restrict this one service.",
    )
    # Written by the evaluation, in bulk.
    consumed_amount = fields.Monetary(string="Consumed", readonly=True, copy=False)
    consumed_pct = fields.Float(string="Consumed (%)", readonly=True, copy=False)
    forecast_amount = fields.Monetary(string="Forecast", readonly=True, copy=False)
    exceeded = fields.Boolean(string="Over Cap", readonly=True, copy=False)

    @api.depends("cap_type", "cap_amount", "cap_share", "budget_id.amount")
    def _compute_cap_value(self):
        for limit in self:
            limit.cap_value = limit._cap()

    def _cap(self, budget_amount=None):
        self.ensure_one()
        if self.cap_type == "share":
            amount = self.budget_id.amount if budget_amount is None else budget_amount
            return self.currency_id.round(amount * self.cap_share / 100.0)
        return self.cap_amount

    @api.constrains("cap_type", "cap_amount", "cap_share")
    def _check_cap(self):
        for limit in self:
            if limit.cap_type == "amount" and limit.cap_amount <= 0:
                raise ValidationError(
                    self.env._("The cap of %s must be a positive amount.", limit.service_name)
                )
            if limit.cap_type == "share":
                if not 0 < limit.cap_share <= 100:
                    raise ValidationError(
                        self.env._(
                            "The cap of %s is a share of the budget above 0 and up to 100 %%.",
                            limit.service_name,
                        )
                    )
                if not limit.budget_id.amount:
                    raise ValidationError(
                        self.env._(
                            "The cap of %s is a share of the budget's amount: give the budget "
                            "an amount.",
                            limit.service_name,
                        )
                    )

    _sql_constraints = [
        (
            "service_uniq",
            "unique(budget_id, service_name)",
            "A budget has one limit per service.",
        ),
    ]
