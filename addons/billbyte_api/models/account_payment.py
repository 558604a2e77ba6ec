# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .api import money


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        """Webhook payment.received for each customer payment posted."""
        result = super().action_post()
        received = self.filtered(
            lambda p: p.payment_type == "inbound" and p.partner_type == "customer"
        )
        if received:
            self.env["billbyte.webhook.endpoint"]._emit(
                "payment.received",
                [
                    (payment.company_id, payment._billbyte_webhook_data())
                    for payment in received.sudo()
                ],
            )
        return result

    def _billbyte_webhook_data(self):
        self.ensure_one()
        return {
            "payment_id": self.id,
            "customer_id": self.partner_id.commercial_partner_id.id or None,
            "date": fields.Date.to_string(self.date),
            "amount": money(self.amount, self.currency_id),
            "currency": self.currency_id.name,
            "memo": self.memo or None,
            "invoice_ids": self.invoice_ids.ids,
        }
