# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import secrets
import uuid
from urllib.parse import urlparse

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The events a provider can subscribe to, with what their `data` holds.
WEBHOOK_EVENTS = [
    ("budget.threshold_crossed", "Budget threshold crossed"),
    ("account.suspended", "Cloud account suspended"),
    ("account.resumed", "Cloud account resumed"),
    ("account.purged", "Cloud account purged"),
    ("invoice.posted", "Invoice posted"),
    ("payment.received", "Payment received"),
    ("import.failed", "Usage import failed"),
]
EVENT_CODES = [code for code, _label in WEBHOOK_EVENTS]


class BillbyteWebhookEndpoint(models.Model):
    """A URL of the provider's systems that receives events: each delivery is a
    JSON POST signed with the endpoint's secret (HMAC-SHA256 over the timestamp and
    the body), retried with backoff through queue_job and logged with each answer."""

    _name = "billbyte.webhook.endpoint"
    _description = "Webhook Endpoint"
    _order = "id"
    _check_company_auto = True

    name = fields.Char(required=True)
    url = fields.Char(string="URL", required=True)
    events = fields.Char(
        required=True,
        help="The events sent to this URL, comma separated: " + ", ".join(EVENT_CODES),
    )
    secret = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Signs every delivery (X-BillByte-Signature); given once, when the endpoint "
        "is registered.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Registered By", readonly=True, default=lambda self: self.env.user
    )
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("active", "Receiving"), ("failing", "Failing")],
        default="active",
        required=True,
        readonly=True,
        help="Failing: a delivery was given up after its last retry. Deliveries go on; "
        "the next one answered with a 2xx makes the endpoint Receiving again.",
    )
    failing_since = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)
    delivery_ids = fields.One2many("billbyte.webhook.delivery", "endpoint_id", string="Deliveries")
    delivery_count = fields.Integer(compute="_compute_delivery_count")

    @api.constrains("url")
    def _check_url(self):
        for endpoint in self:
            parsed = urlparse(endpoint.url or "")
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValidationError(
                    self.env._("A webhook URL is an http(s) URL: %s", endpoint.url)
                )

    @api.constrains("events")
    def _check_events(self):
        for endpoint in self:
            unknown = set(endpoint._event_list()) - set(EVENT_CODES)
            if unknown or not endpoint._event_list():
                raise ValidationError(
                    self.env._(
                        "Unknown webhook event(s) %(unknown)s; the events are %(events)s.",
                        unknown=", ".join(sorted(unknown)) or "-",
                        events=", ".join(EVENT_CODES),
                    )
                )

    def _compute_delivery_count(self):
        counts = dict(
            self.env["billbyte.webhook.delivery"]._read_group(
                [("endpoint_id", "in", self.ids)], ["endpoint_id"], ["__count"]
            )
        )
        for endpoint in self:
            endpoint.delivery_count = counts.get(endpoint, 0)

    def _event_list(self):
        self.ensure_one()
        return [event.strip() for event in (self.events or "").split(",") if event.strip()]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("secret", secrets.token_hex(32))
        return super().create(vals_list)

    def action_view_deliveries(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_api.action_billbyte_webhook_delivery"
        )
        action["domain"] = [("endpoint_id", "in", self.ids)]
        return action

    @api.model
    def _emit(self, event, payloads):
        """Queue the delivery of an event to every active endpoint of its company that
        subscribes to it. `payloads`: (company, data) pairs. One query finds the
        endpoints, whatever the number of events."""
        if not payloads:
            return self.env["billbyte.webhook.delivery"]
        endpoints = (
            self.sudo()
            .search([("company_id", "in", list({company.id for company, _data in payloads}))])
            .filtered(lambda endpoint: event in endpoint._event_list())
        )
        if not endpoints:
            return self.env["billbyte.webhook.delivery"]
        now = fields.Datetime.now()
        vals_list = []
        for company, data in payloads:
            event_id = str(uuid.uuid4())
            body = json.dumps(
                {
                    "id": event_id,
                    "type": event,
                    "created_at": fields.Datetime.to_string(now) + "Z",
                    "company_id": company.id,
                    "data": data,
                },
                sort_keys=True,
                default=str,
            )
            vals_list += [
                {"endpoint_id": endpoint.id, "event": event, "event_id": event_id, "body": body}
                for endpoint in endpoints
                if endpoint.company_id == company
            ]
        deliveries = self.env["billbyte.webhook.delivery"].sudo().create(vals_list)
        deliveries._enqueue()
        return deliveries
