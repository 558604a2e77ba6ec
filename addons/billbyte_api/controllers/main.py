# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The JSON API under /api/billbyte/v1: parse, authenticate (Odoo API keys as
Authorization: Bearer, Odoo's own auth='bearer'), call the public methods of the
billbyte.api model with the key owner's rights and company, serialize. Errors are
raised so that the request's transaction is rolled back, and answered as JSON by
ir.http._handle_error (models/ir_http.py)."""

import json

from odoo import http
from odoo.http import request

from ..errors import bad_request
from ..openapi import openapi_document

PREFIX = "/api/billbyte/v1"
ROUTE = {"type": "http", "auth": "bearer", "csrf": False, "save_session": False}


class BillbyteApiController(http.Controller):
    # ------------------------------------------------------------------ plumbing
    def _env(self):
        """The key owner's environment, in the owner's current company."""
        env = request.env
        return env(
            context=dict(
                env.context, allowed_company_ids=env.user.company_id.ids, billbyte_api_http=True
            )
        )

    def _api(self):
        return self._env()["billbyte.api"]

    def _json(self, data, status=200, headers=None):
        return request.make_json_response(data, status=status, headers=headers)

    def _body(self):
        raw = request.httprequest.get_data(as_text=True)
        env = self._env()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise bad_request(
                env, "invalid_json", env._("The body is not JSON: %s", error)
            ) from None
        if not isinstance(body, dict):
            raise bad_request(env, "invalid_body", env._("The body must be a JSON object."))
        return body

    def _creating(self, call, status=201):
        """A creating call: its first answer is kept under the caller's
        Idempotency-Key and given again for the same call with that key."""
        body = self._body()
        httprequest = request.httprequest
        record, replay = self._env()["billbyte.api.idempotency"]._claim(
            httprequest.headers.get("Idempotency-Key"), httprequest.method, httprequest.path, body
        )
        if replay:
            replay_status, text = replay
            return request.make_response(
                text,
                headers=[("Content-Type", "application/json"), ("Idempotent-Replayed", "true")],
                status=replay_status,
            )
        data = call(body)
        if callable(status):
            status = status(data)
        text = json.dumps(data, ensure_ascii=False)
        record._store(status, text)
        return request.make_response(
            text, headers=[("Content-Type", "application/json")], status=status
        )

    def _query(self, name):
        return request.httprequest.args.get(name)

    def _csv(self, text, filename):
        return request.make_response(
            text,
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
            ],
        )

    # ------------------------------------------------------------------ the document
    @http.route(
        f"{PREFIX}/openapi.json",
        methods=["GET"],
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def openapi(self):
        return self._json(openapi_document(request.httprequest.host_url.rstrip("/") + PREFIX))

    # ------------------------------------------------------------------ customers
    @http.route(f"{PREFIX}/customers", methods=["GET"], **ROUTE)
    def customers(self):
        return self._json(self._api().list_customers(self._query("limit"), self._query("cursor")))

    @http.route(f"{PREFIX}/customers", methods=["POST"], **ROUTE)
    def create_customer(self):
        return self._creating(lambda body: self._api().create_customer(body))

    @http.route(f"{PREFIX}/customers/<int:customer_id>", methods=["GET"], **ROUTE)
    def customer(self, customer_id):
        return self._json(self._api().get_customer(customer_id))

    @http.route(f"{PREFIX}/customers/<int:customer_id>/overview", methods=["GET"], **ROUTE)
    def customer_overview(self, customer_id):
        return self._json(self._api().get_customer_overview(customer_id))

    @http.route(f"{PREFIX}/customers/<int:customer_id>/accounts", methods=["GET"], **ROUTE)
    def customer_accounts(self, customer_id):
        return self._json(
            self._api().list_accounts(customer_id, self._query("limit"), self._query("cursor"))
        )

    @http.route(f"{PREFIX}/customers/<int:customer_id>/usage", methods=["GET"], **ROUTE)
    def customer_usage(self, customer_id):
        return self._json(self._api().get_unbilled_usage(customer_id, self._query("account_id")))

    @http.route(f"{PREFIX}/customers/<int:customer_id>/budgets", methods=["GET"], **ROUTE)
    def customer_budgets(self, customer_id):
        return self._json(self._api().get_budgets(customer_id))

    @http.route(f"{PREFIX}/customers/<int:customer_id>/charges", methods=["GET"], **ROUTE)
    def customer_charges(self, customer_id):
        return self._json(self._api().get_open_line_items(customer_id))

    @http.route(
        f"{PREFIX}/customers/<int:customer_id>/month-close/<string(length=7):period>",
        methods=["GET"],
        **ROUTE,
    )
    def month_close(self, customer_id, period):
        accept = request.httprequest.headers.get("Accept") or ""
        if self._query("format") == "csv" or accept.startswith("text/csv"):
            text = self._api().get_month_close_csv(customer_id, period)
            return self._csv(text, f"line-items-{customer_id}-{period}.csv")
        return self._json(self._api().get_month_close(customer_id, period))

    @http.route(
        f"{PREFIX}/customers/<int:customer_id>/month-close/<string(length=7):period>/acknowledge",
        methods=["POST"],
        **ROUTE,
    )
    def month_close_acknowledge(self, customer_id, period):
        return self._creating(
            lambda body: self._api().acknowledge_month_close(
                customer_id, period, body.get("reference")
            ),
            status=lambda data: 201 if data["newly_acknowledged"] else 200,
        )

    @http.route(
        f"{PREFIX}/customers/<int:customer_id>/focus/<string(length=7):period>",
        methods=["GET"],
        **ROUTE,
    )
    def focus(self, customer_id, period):
        text = self._api().get_focus_export(customer_id, period, self._query("account_id"))
        return self._csv(text, f"focus-{customer_id}-{period}.csv")

    # ------------------------------------------------------------------ cloud accounts
    @http.route(f"{PREFIX}/accounts/<int:account_id>", methods=["GET"], **ROUTE)
    def account(self, account_id):
        return self._json(self._api().get_account(account_id))

    @http.route(f"{PREFIX}/accounts/<int:account_id>/usage", methods=["GET"], **ROUTE)
    def account_usage(self, account_id):
        api = self._api()
        account = api._cloud_account(account_id)
        return self._json(
            api.get_unbilled_usage(account.partner_id.commercial_partner_id.id, account.id)
        )

    @http.route(
        f"{PREFIX}/accounts/<int:account_id>/<any(suspend,resume,purge):action>",
        methods=["POST"],
        **ROUTE,
    )
    def account_action(self, account_id, action):
        method = getattr(self._api(), f"{action}_account")
        return self._creating(lambda body: method(account_id, body.get("reason")), status=202)

    # ------------------------------------------------------------------ webhooks
    @http.route(f"{PREFIX}/webhooks", methods=["GET"], **ROUTE)
    def webhooks(self):
        return self._json(self._api().list_webhooks(self._query("limit"), self._query("cursor")))

    @http.route(f"{PREFIX}/webhooks", methods=["POST"], **ROUTE)
    def create_webhook(self):
        return self._creating(lambda body: self._api().register_webhook(body))

    @http.route(f"{PREFIX}/webhooks/<int:webhook_id>", methods=["GET"], **ROUTE)
    def webhook(self, webhook_id):
        return self._json(self._api().get_webhook(webhook_id))

    @http.route(f"{PREFIX}/webhooks/<int:webhook_id>", methods=["DELETE"], **ROUTE)
    def delete_webhook(self, webhook_id):
        self._api().delete_webhook(webhook_id)
        return request.make_response("", status=204)

    @http.route(f"{PREFIX}/webhooks/<int:webhook_id>/deliveries", methods=["GET"], **ROUTE)
    def webhook_deliveries(self, webhook_id):
        return self._json(
            self._api().list_webhook_deliveries(
                webhook_id, self._query("limit"), self._query("cursor")
            )
        )
