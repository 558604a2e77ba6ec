# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteWebhookAttempt(models.Model):
    """One try of a delivery and the endpoint's answer (the delivery's log)."""

    _name = "billbyte.webhook.attempt"
    _description = "Webhook Delivery Try"
    _order = "id"

    delivery_id = fields.Many2one(
        "billbyte.webhook.delivery", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="delivery_id.company_id", store=True)
    create_date = fields.Datetime(string="Tried On", readonly=True)
    status = fields.Integer(
        string="HTTP Status", readonly=True, help="0: no answer (timeout, connection refused)."
    )
    answer = fields.Text(readonly=True, help="The endpoint's answer, or why there was none.")
    duration = fields.Float(string="Seconds", digits=(16, 3), readonly=True)
