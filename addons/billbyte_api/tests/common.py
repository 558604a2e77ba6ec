# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from functools import lru_cache

from openapi_schema_validator import OAS31Validator

from odoo.tests import HttpCase

from odoo.addons.billbyte_billing.tests.common import BillingCommon

from ..openapi import openapi_document

PREFIX = "/api/billbyte/v1"


@lru_cache(maxsize=1)
def _document():
    return openapi_document("http://localhost" + PREFIX)


def validate(instance, schema_name):
    """Check an answer against a schema of our OpenAPI document."""
    document = _document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    OAS31Validator(schema).validate(instance)


class ApiCommon(BillingCommon, HttpCase):
    """BillingCommon's provider and customers, API users with real API keys, and a
    second company with a customer of its own; calls go over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        group = cls.env.ref
        cls.api_manager = Users.create(
            {
                "name": "OSS integration",
                "login": "bb_api_oss",
                "email": "oss@provider.example",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            group("billbyte_catalog.group_billbyte_manager").id,
                            group("account.group_account_invoice").id,
                            group("base.group_partner_manager").id,
                        ],
                    )
                ],
            }
        )
        cls.api_user = Users.create(
            {
                "name": "Help desk",
                "login": "bb_api_helpdesk",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            group("billbyte_catalog.group_billbyte_user").id,
                            group("account.group_account_invoice").id,
                        ],
                    )
                ],
            }
        )
        cls.no_rights = Users.create(
            {
                "name": "Internal without Cloud Billing",
                "login": "bb_api_norights",
                "groups_id": [(6, 0, [group("base.group_user").id])],
            }
        )
        cls.key = cls.api_key(cls.api_manager)
        cls.user_key = cls.api_key(cls.api_user)
        cls.no_rights_key = cls.api_key(cls.no_rights)
        cls.other_company = cls.env["res.company"].create(
            {"name": "Other Provider", "currency_id": cls.usd.id}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other's customer", "company_id": cls.other_company.id}
        )
        cls.other_account = (
            cls.env["billbyte.cloud.account"]
            .with_company(cls.other_company)
            .create(
                {
                    "name": "Other's account",
                    "vendor_id": cls.aws.id,
                    "vendor_account_id": "999999999999",
                    "partner_id": cls.other_customer.id,
                    "company_id": cls.other_company.id,
                }
            )
        )

    @classmethod
    def api_key(cls, user):
        return (
            cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, f"API test {user.login}", None)
        )

    def call(self, method, path, body=None, key=True, headers=None, raw=None, key_value=None):
        """An API call over HTTP; returns (status, JSON body or text, response)."""
        self.opener.cookies.clear()
        send = {"Accept": "application/json"}
        if key:
            send["Authorization"] = f"Bearer {key_value or self.key}"
        if body is not None or raw is not None:
            send["Content-Type"] = "application/json"
        send.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.opener.request(
            method, self.base_url() + PREFIX + path, data=data, headers=send, timeout=60
        )
        content_type = response.headers.get("Content-Type", "")
        payload = response.json() if content_type.startswith("application/json") else response.text
        return response.status_code, payload, response

    def post(self, path, body=None, idempotency_key="k-1", **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self.call("POST", path, body, headers=headers, **kwargs)

    def assertError(self, answer, status, code, field=None):
        got_status, payload, _response = answer
        self.assertEqual(got_status, status, payload)
        validate(payload, "Error")
        self.assertEqual(payload["error"]["code"], code, payload)
        self.assertEqual(payload["error"]["status"], status)
        if field:
            self.assertEqual(payload["error"].get("field"), field, payload)
        return payload
