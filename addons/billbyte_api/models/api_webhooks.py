# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..errors import bad_request, invalid, missing, not_found
from .api import answer
from .webhook_endpoint import EVENT_CODES


class BillbyteApi(models.AbstractModel):
    _inherit = "billbyte.api"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _endpoint_values(self, endpoint):
        return {
            "id": endpoint.id,
            "name": endpoint.name,
            "url": endpoint.url,
            "events": endpoint._event_list(),
            "state": endpoint.state,
            "failing_since": fields.Datetime.to_string(endpoint.failing_since) or None,
            "last_error": endpoint.last_error or None,
            "created_at": fields.Datetime.to_string(endpoint.create_date),
        }

    @api.model
    def _endpoint(self, webhook_id):
        self._check_api_user(manager=True)
        endpoint = self.env["billbyte.webhook.endpoint"].search(
            [
                ("id", "=", self._int_id(webhook_id, "webhook_id")),
                ("company_id", "=", self.env.company.id),
            ]
        )
        if not endpoint:
            raise not_found(self.env, self.env._("Webhook"), webhook_id)
        return endpoint

    @api.model
    @answer
    def register_webhook(self, values):
        """Register a URL for events. The answer holds the endpoint's signing secret,
        given this once (Cloud Billing administrators)."""
        self._check_api_user(manager=True)
        if not isinstance(values, dict):
            raise bad_request(
                self.env, "invalid_body", self.env._("The body must be a JSON object.")
            )
        self._unknown_keys(values, {"name", "url", "events", "secret"})
        url = self._text(values, "url", "url", required=True)
        events = values.get("events")
        if not events:
            raise missing(self.env, "events")
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise invalid(self.env, "events", self.env._("events is a list of event names."))
        unknown = [event for event in events if event not in EVENT_CODES]
        if unknown:
            raise invalid(
                self.env,
                "events",
                self.env._(
                    "Unknown event %(event)s; the events are %(events)s.",
                    event=unknown[0],
                    events=", ".join(EVENT_CODES),
                ),
                code="unknown_event",
            )
        secret = self._text(values, "secret", "secret")
        if secret is not None and len(secret) < 16:
            raise invalid(self.env, "secret", self.env._("A secret has 16 characters at least."))
        vals = {
            "name": self._text(values, "name", "name") or url,
            "url": url,
            "events": ",".join(dict.fromkeys(events)),
            "company_id": self.env.company.id,
        }
        Endpoint = self.env["billbyte.webhook.endpoint"]
        Endpoint.check_access("create")
        try:
            # The secret is a system administrator's field: written as such, shown once.
            endpoint = Endpoint.sudo().create(vals)
        except ValidationError as error:
            raise invalid(self.env, "url", str(error.args[0])) from None
        if secret:
            endpoint.secret = secret
        return dict(self._endpoint_values(endpoint), secret=endpoint.secret)

    @api.model
    @answer
    def list_webhooks(self, limit=None, cursor=None):
        self._check_api_user(manager=True)
        records, following = self._page(
            self.env["billbyte.webhook.endpoint"],
            [("company_id", "=", self.env.company.id)],
            limit,
            cursor,
        )
        return {"data": [self._endpoint_values(e) for e in records], "next_cursor": following}

    @api.model
    @answer
    def get_webhook(self, webhook_id):
        return self._endpoint_values(self._endpoint(webhook_id))

    @api.model
    def delete_webhook(self, webhook_id):
        """Stop sending to an endpoint (it is archived: its deliveries stay)."""
        self._endpoint(webhook_id).active = False
        return True

    @api.model
    @answer
    def list_webhook_deliveries(self, webhook_id, limit=None, cursor=None):
        """An endpoint's deliveries, newest first, with each try's answer."""
        endpoint = self._endpoint(webhook_id)
        Delivery = self.env["billbyte.webhook.delivery"]
        limit = self._limit(limit)
        before = self._decode_cursor(cursor) if cursor else None
        domain = [("endpoint_id", "=", endpoint.id)]
        if before:
            domain.append(("id", "<", before))
        records = Delivery.search(domain, order="id desc", limit=limit + 1)
        following = None
        if len(records) > limit:
            records = records[:limit]
            following = self._encode_cursor(records[-1].id)
        return {
            "data": [
                {
                    "id": delivery.id,
                    "event": delivery.event,
                    "event_id": delivery.event_id,
                    "state": delivery.state,
                    "attempts": delivery.attempts,
                    "last_status": delivery.last_status or None,
                    "created_at": fields.Datetime.to_string(delivery.create_date),
                    "tries": [
                        {
                            "at": fields.Datetime.to_string(attempt.create_date),
                            "status": attempt.status or None,
                            "answer": attempt.answer or None,
                            "seconds": f"{attempt.duration:.3f}",
                        }
                        for attempt in delivery.attempt_ids
                    ],
                }
                for delivery in records
            ],
            "next_cursor": following,
        }
