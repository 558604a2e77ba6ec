# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .api import money


class BillbyteBudgetAlert(models.Model):
    _inherit = "billbyte.budget.alert"

    def _act(self):
        """Webhook budget.threshold_crossed for each alert acted on (once, as its
        email and activity)."""
        firing = self.filtered(lambda a: a.state == "fired" and not a.notified)
        result = super()._act()
        self.env["billbyte.webhook.endpoint"]._emit(
            "budget.threshold_crossed",
            [(alert.company_id, alert._billbyte_webhook_data()) for alert in firing.sudo()],
        )
        return result

    def _billbyte_webhook_data(self):
        self.ensure_one()
        currency = self.currency_id
        return {
            "alert_id": self.id,
            "budget_id": self.budget_id.id,
            "budget": self.budget_id.name,
            "kind": self.kind,
            "action": self.action,
            "customer_id": self.partner_id.commercial_partner_id.id or None,
            "cloud_account_id": self.cloud_account_id.id or None,
            "service": self.service_name or None,
            "threshold_percent": f"{self.threshold_percent:g}"
            if self.kind == "threshold"
            else None,
            "consumed_percent": f"{self.percent:.2f}",
            "consumed": money(self.consumed_amount, currency),
            "limit": money(self.limit_amount, currency),
            "forecast": money(self.forecast_amount, currency),
            "currency": currency.name,
            "period_start": fields.Date.to_string(self.period_start),
            "period_end": fields.Date.to_string(self.period_end),
            "fired_on": fields.Datetime.to_string(self.fired_on),
        }
