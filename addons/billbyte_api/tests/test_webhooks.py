# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import hashlib
import hmac
import json
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests.common import focus_row
from odoo.addons.queue_job.exception import RetryableJobError

from .common import ApiCommon, validate


class Receiver:
    """The provider's systems: a local HTTP server that checks each delivery's
    signature (HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret) and
    answers by path: /ok 200, /fail 500, /slow after the sender gave up."""

    def __init__(self):
        self.secrets = {}
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                timestamp = self.headers.get("X-BillByte-Timestamp", "")
                secret = receiver.secrets.get(self.path, "")
                expected = (
                    "v1="
                    + hmac.new(
                        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                    ).hexdigest()
                )
                signed = hmac.compare_digest(expected, self.headers.get("X-BillByte-Signature", ""))
                receiver.received.append((self.path, dict(self.headers), body, signed))
                if self.path == "/slow":
                    # Odoo's tests raise any HTTP timeout below 10 s to 10 s.
                    time.sleep(10.5)
                status = 200 if self.path == "/ok" and signed else 500
                if self.path == "/ok" and not signed:
                    status = 401
                answer = b'{"received": true}' if status == 200 else b"boom"
                with contextlib.suppress(OSError):  # the sender timed out and left
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda request, client_address: None
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestWebhooks(ApiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Deliveries are jobs the tests run themselves, try by try.
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=False))
        cls.receiver = Receiver()
        cls.addClassCleanup(cls.receiver.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("billbyte.webhook_timeout", "0.5")
        params.set_param("billbyte.webhook_max_tries", "2")

    def register(self, path, events, key="w"):
        status, endpoint, _response = self.post(
            "/webhooks",
            {"url": self.receiver.url + path, "events": events, "name": path},
            idempotency_key=f"{key}{path}",
        )
        self.assertEqual(status, 201, endpoint)
        validate(endpoint, "Webhook")
        self.assertEqual(len(endpoint["secret"]), 64)
        self.receiver.secrets[path] = endpoint["secret"]
        return self.env["billbyte.webhook.endpoint"].browse(endpoint["id"])

    def deliveries(self, endpoint):
        return self.env["billbyte.webhook.delivery"].search(
            [("endpoint_id", "=", endpoint.id)], order="id"
        )

    def run_job(self, delivery):
        """One try, as the queue runs it (the retry it asks for, or None)."""
        try:
            delivery._deliver()
        except RetryableJobError as error:
            return error
        return None

    def test_signed_deliveries_retried_then_failing_others_unaffected(self):
        ok = self.register("/ok", ["invoice.posted", "payment.received"])
        failing = self.register("/fail", ["invoice.posted"])
        slow = self.register("/slow", ["invoice.posted"])
        self.import_rows(self.month_rows(account="222222222222"))
        run = self.env["billbyte.billing.run"].create(
            {"date": date(2026, 4, 1), "partner_ids": [(6, 0, self.fabrikam.ids)]}
        )
        run.action_start()
        run._bill_batch(self.fabrikam.ids)  # the run's job
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        delivered, failed, timed_out = (self.deliveries(e) for e in (ok, failing, slow))
        self.assertEqual(
            [len(delivered), len(failed), len(timed_out)], [1, 1, 1], "one event per endpoint"
        )
        jobs = self.env["queue.job"].search(
            [("uuid", "in", (delivered | failed).mapped("job_uuid"))]
        )
        self.assertEqual(set(jobs.mapped("channel")), {"root.billbyte_webhook"})
        # The receiver checks the signature of what it got.
        self.assertIsNone(self.run_job(delivered))
        self.assertEqual(delivered.state, "done")
        path, headers, body, signed = self.receiver.received[-1]
        self.assertEqual(path, "/ok")
        self.assertTrue(signed)
        self.assertEqual(headers["X-BillByte-Event"], "invoice.posted")
        event = json.loads(body)
        self.assertEqual(event["type"], "invoice.posted")
        self.assertEqual(event["data"]["number"], invoice.name)
        self.assertEqual(event["data"]["currency"], "EUR")
        self.assertEqual(event["data"]["amount_untaxed"], "28.00")
        validate(event, "WebhookEvent")
        # 500 and a timeout: retried with backoff, then failed; the endpoint failing.
        for delivery in (failed, timed_out):
            first = self.run_job(delivery)
            self.assertIsInstance(first, RetryableJobError)
            self.assertEqual(first.seconds, 30)
            self.assertEqual(delivery.state, "pending")
            self.assertIsNone(self.run_job(delivery))
            self.assertEqual((delivery.state, delivery.attempts), ("failed", 2))
            self.assertEqual(len(delivery.attempt_ids), 2)
            self.assertEqual(delivery.endpoint_id.state, "failing")
        # 30 s, then 1, 2, 4 ... minutes, at most an hour.
        self.assertEqual([failed._backoff_seconds(n) for n in (1, 2, 3, 9)], [30, 60, 120, 3600])
        self.assertEqual(failed.attempt_ids.mapped("status"), [500, 500])
        self.assertEqual(failed.attempt_ids[0].answer, "boom")
        self.assertEqual(timed_out.attempt_ids.mapped("status"), [0, 0])
        self.assertIn("No answer", timed_out.attempt_ids[0].answer)
        self.assertEqual(ok.state, "active")
        # The log, over the API.
        status, page, _response = self.call("GET", f"/webhooks/{failing.id}/deliveries")
        self.assertEqual(status, 200, page)
        validate(page, "DeliveryPage")
        self.assertEqual([t["status"] for t in page["data"][0]["tries"]], [500, 500])
        status, endpoint, _response = self.call("GET", f"/webhooks/{failing.id}")
        self.assertEqual(endpoint["state"], "failing")
        self.assertNotIn("secret", endpoint)
        # A payment: only the endpoint that asked for payments gets it.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({}).action_create_payments()
        self.assertEqual(
            self.deliveries(ok).mapped("event"), ["invoice.posted", "payment.received"]
        )
        self.assertEqual(len(self.deliveries(failing)), 1)

    def test_account_import_and_budget_events(self):
        endpoint = self.register(
            "/ok",
            ["account.suspended", "account.resumed", "import.failed", "budget.threshold_crossed"],
        )
        action = self.env["billbyte.service.action"].create(
            {
                "cloud_account_id": self.account_contoso.id,
                "action": "suspend",
                "reason": "Over budget",
            }
        )
        action._done("AWS attached the policy.")
        self.import_bytes(b"not,a,focus\nfile", filename="broken.csv")
        first = date.today().replace(day=1)
        budget = self.env["billbyte.cloud.budget"].create(
            {
                "name": "Contoso small",
                "scope": "account",
                "cloud_account_id": self.account_contoso.id,
                "amount": 10.0,
                "date_start": first,
            }
        )
        self.import_rows([focus_row("111111111111", first.isoformat(), "AmazonEC2", "9.00")])
        # The job that acts on the alerts the import fired.
        alerts = self.env["billbyte.budget.alert"].search([("budget_id", "=", budget.id)])
        self.assertTrue(alerts)
        alerts._act()
        events = {d.event: json.loads(d.body)["data"] for d in self.deliveries(endpoint)}
        self.assertEqual(events["account.suspended"]["reason"], "Over budget")
        self.assertEqual(events["account.suspended"]["account_id"], self.account_contoso.id)
        self.assertEqual(events["import.failed"]["connection_id"], self.connection.id)
        self.assertIn("budget.threshold_crossed", events)
        self.assertEqual(events["budget.threshold_crossed"]["currency"], "USD")

    def test_register_bad_input_and_delete(self):
        answer = self.post(
            "/webhooks", {"url": "ftp://x", "events": ["invoice.posted"]}, idempotency_key="b1"
        )
        self.assertError(answer, 422, "invalid", "url")
        answer = self.post(
            "/webhooks",
            {"url": self.receiver.url, "events": ["coffee.ready"]},
            idempotency_key="b2",
        )
        self.assertError(answer, 422, "unknown_event", "events")
        self.assertFalse(self.env["billbyte.webhook.endpoint"].search([]))
        endpoint = self.register("/ok", ["invoice.posted"])
        status, _body, _response = self.call("DELETE", f"/webhooks/{endpoint.id}")
        self.assertEqual(status, 204)
        self.assertFalse(endpoint.active)
        self.assertError(self.call("GET", "/webhooks", key_value=self.user_key), 403, "forbidden")
