# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import logging
import time

import requests

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.utils import must_run_without_delay

from .webhook_endpoint import WEBHOOK_EVENTS

_logger = logging.getLogger(__name__)

ANSWER_KEPT = 2000


def signature(secret, timestamp, body):
    """X-BillByte-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the
    endpoint's secret>."""
    message = f"{timestamp}.".encode() + (body if isinstance(body, bytes) else body.encode())
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class BillbyteWebhookDelivery(models.Model):
    """One event sent to one endpoint, its tries and the endpoint's answers."""

    _name = "billbyte.webhook.delivery"
    _description = "Webhook Delivery"
    _order = "id desc"
    _check_company_auto = True

    endpoint_id = fields.Many2one(
        "billbyte.webhook.endpoint", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    event = fields.Selection(WEBHOOK_EVENTS, required=True, readonly=True, index=True)
    event_id = fields.Char(string="Event ID", required=True, readonly=True, index=True)
    body = fields.Text(required=True, readonly=True, help="The JSON body sent, byte for byte.")
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Delivered"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    last_status = fields.Integer(string="Last HTTP Status", readonly=True)
    last_answer = fields.Text(readonly=True)
    last_attempt_on = fields.Datetime(readonly=True)
    done_on = fields.Datetime(readonly=True)
    job_uuid = fields.Char(string="Job UUID", readonly=True, copy=False)
    attempt_ids = fields.One2many("billbyte.webhook.attempt", "delivery_id", string="Tries")

    def _enqueue(self):
        for delivery in self:
            try:
                job = delivery.with_delay(
                    channel="root.billbyte_webhook",
                    description=self.env._(
                        "Webhook %(event)s to %(url)s",
                        event=delivery.event,
                        url=delivery.endpoint_id.url,
                    ),
                    identity_key=f"billbyte.webhook.delivery:{delivery.id}",
                    # The delivery counts its own tries (see _deliver).
                    max_retries=0,
                )._deliver()
            except RetryableJobError:
                # Run inline (queue_job__no_delay): the delivery stays pending, as a
                # postponed job leaves it.
                if not must_run_without_delay(self.env):
                    raise
                job = None
            if job is not None:
                delivery.job_uuid = job.uuid
        return self

    @api.model
    def _param(self, name, default):
        value = self.env["ir.config_parameter"].sudo().get_param(name, default)
        try:
            return float(value)
        except ValueError:
            return float(default)

    def _max_tries(self):
        return int(self._param("billbyte.webhook_max_tries", "6"))

    def _backoff_seconds(self, attempt):
        """30 s, 1, 2, 4 ... minutes after each failed try, at most an hour."""
        base = self._param("billbyte.webhook_retry_delay", "30")
        return int(min(base * 2 ** max(attempt - 1, 0), 3600))

    def _deliver(self):
        """The job: one try. A 2xx answer delivers; a timeout, a lost connection or
        any other answer is retried later with backoff, until the tries run out and
        the delivery fails (the endpoint is then marked failing). Other endpoints'
        deliveries are jobs of their own: one failing URL delays nobody else."""
        self.ensure_one()
        delivery = self.sudo()
        if delivery.state != "pending":
            return self.env._("Nothing to do: the delivery is %s.", delivery.state)
        endpoint = delivery.endpoint_id
        timestamp = str(int(time.time()))
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "BillByte-Webhooks/1.0",
            "X-BillByte-Event": delivery.event,
            "X-BillByte-Delivery": str(delivery.id),
            "X-BillByte-Event-Id": delivery.event_id,
            "X-BillByte-Timestamp": timestamp,
            "X-BillByte-Signature": signature(endpoint.secret or "", timestamp, body),
        }
        timeout = self._param("billbyte.webhook_timeout", "10")
        started = time.monotonic()
        status, answer = 0, ""
        try:
            response = requests.post(
                endpoint.url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
            status, answer = response.status_code, response.text[:ANSWER_KEPT]
        except requests.Timeout:
            answer = self.env._("No answer within %s s.", timeout)
        except requests.RequestException as error:
            answer = self.env._("Could not connect: %s", error)
        attempt = {
            "delivery_id": delivery.id,
            "status": status,
            "answer": answer,
            "duration": time.monotonic() - started,
        }
        tries = delivery.attempts + 1
        if 200 <= status < 300:
            delivery._record(attempt, {"state": "done", "done_on": fields.Datetime.now()}, tries)
            if endpoint.state != "active":
                endpoint.write({"state": "active", "failing_since": False, "last_error": False})
            return answer
        if tries >= delivery._max_tries():
            delivery._record(attempt, {"state": "failed", "done_on": fields.Datetime.now()}, tries)
            endpoint.write(
                {
                    "state": "failing",
                    "failing_since": endpoint.failing_since or fields.Datetime.now(),
                    "last_error": self.env._(
                        "Delivery %(delivery)s (%(event)s) failed after %(tries)s tries: "
                        "%(status)s %(answer)s",
                        delivery=delivery.id,
                        event=delivery.event,
                        tries=tries,
                        status=status or "-",
                        answer=answer,
                    ),
                }
            )
            _logger.warning("Webhook delivery %s to %s failed for good", delivery.id, endpoint.url)
            return answer
        # The job's transaction is rolled back to retry: the try is kept in one of its own.
        delivery._record(attempt, {}, tries, separately=True)
        raise RetryableJobError(
            self.env._(
                "Webhook answered %(status)s: %(answer)s", status=status or "-", answer=answer
            ),
            seconds=delivery._backoff_seconds(tries),
        )

    def _record(self, attempt, values, tries, separately=False):
        values = dict(
            values,
            attempts=tries,
            last_status=attempt["status"],
            last_answer=attempt["answer"],
            last_attempt_on=fields.Datetime.now(),
        )
        if separately and self.env["billbyte.connection"]._commits():
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                self.with_env(env).write(values)
                env["billbyte.webhook.attempt"].create(attempt)
            return
        self.write(values)
        self.env["billbyte.webhook.attempt"].sudo().create(attempt)
