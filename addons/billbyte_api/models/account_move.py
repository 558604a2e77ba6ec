# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .api import money


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        """Webhook invoice.posted for each customer invoice or credit note posted."""
        posted = super()._post(soft=soft)
        invoices = posted.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        if invoices:
            self.env["billbyte.webhook.endpoint"]._emit(
                "invoice.posted",
                [(move.company_id, move._billbyte_webhook_data()) for move in invoices.sudo()],
            )
        return posted

    def _billbyte_webhook_data(self):
        self.ensure_one()
        currency = self.currency_id
        return {
            "invoice_id": self.id,
            "number": self.name,
            "type": self.move_type,
            "customer_id": self.commercial_partner_id.id,
            "date": fields.Date.to_string(self.invoice_date),
            "due_date": fields.Date.to_string(self.invoice_date_due),
            "currency": currency.name,
            "amount_untaxed": money(self.amount_untaxed, currency),
            "amount_total": money(self.amount_total, currency),
            "amount_open": money(self.amount_residual, currency),
        }
