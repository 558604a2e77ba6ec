# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, models


def _last_month_end(wizard):
    return fields.Date.context_today(wizard).replace(day=1) - timedelta(days=1)


class BillbyteAccrualWizard(models.TransientModel):
    """Accrue a month's cloud usage not yet invoiced, by hand (the cron does it on the
    1st of every month)."""

    _name = "billbyte.accrual.wizard"
    _description = "Month-End Cloud Usage Accruals"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(
        string="Month End",
        required=True,
        default=_last_month_end,
        help="Usage up to this day not on a posted invoice dated on or before it is "
        "accrued on this day and reversed on the next.",
    )

    def action_accrue(self):
        self.ensure_one()
        # Accountants and Cloud Billing managers run it; the cut-offs and their
        # entries are made with the rights of the accounting module.
        cutoffs = (
            self.env["account.cutoff"]
            .sudo()
            .with_company(self.company_id)
            ._billbyte_month_end(self.company_id, self.date)
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Month-End Accruals"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", (cutoffs.move_id | cutoffs.move_reversal_id).ids)],
            "context": {"create": False},
        }
