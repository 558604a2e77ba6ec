"""The JSON API (billbyte_api) on a live prefork server, as the provider's OSS/BSS
calls it: bearer API keys, JSON errors, the OpenAPI document, idempotency."""

import json
import urllib.error
import urllib.request
import uuid

from openapi_spec_validator import validate as validate_spec


def call(odoo_server, method, path, body=None, key=True, headers=None):
    request = urllib.request.Request(
        f"{odoo_server['url']}/api/billbyte/v1{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {odoo_server['api_key']}"} if key else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_openapi_document_and_keys(odoo_server):
    status, document = call(odoo_server, "GET", "/openapi.json", key=False)
    assert status == 200
    validate_spec(document)
    status, answer = call(odoo_server, "GET", "/customers", key=False)
    assert (status, answer["error"]["code"]) == (401, "unauthorized")
    status, page = call(odoo_server, "GET", "/customers?limit=2")
    assert status == 200, page
    assert len(page["data"]) <= 2


def test_create_a_customer_once_per_key(odoo_server):
    key = str(uuid.uuid4())
    body = {
        "name": f"Live customer {key[:8]}",
        "accounts": [{"vendor": "aws", "vendor_account_id": str(uuid.uuid4().int)[:12]}],
    }
    first = call(odoo_server, "POST", "/customers", body, headers={"Idempotency-Key": key})
    second = call(odoo_server, "POST", "/customers", body, headers={"Idempotency-Key": key})
    assert first[0] == 201, first
    assert first == second
    status, answer = call(
        odoo_server, "POST", "/customers", {"name": ""}, headers={"Idempotency-Key": key + "x"}
    )
    assert (status, answer["error"]["field"]) == (422, "name")
