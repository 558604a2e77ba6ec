"""Talk to a live BillByte Odoo through the clients an OSS/BSS would use."""

import json
import urllib.request
import xmlrpc.client


def test_xmlrpc_login_with_api_key_reads_cloud_accounts(odoo_server):
    url, db, key = odoo_server["url"], odoo_server["db"], odoo_server["api_key"]
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    assert common.version()["server_serie"] == "18.0"
    uid = common.authenticate(db, "admin", key, {})
    assert uid, "the API key did not authenticate"
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    installed = models.execute_kw(
        db,
        uid,
        key,
        "ir.module.module",
        "search_read",
        [[("name", "like", "billbyte_"), ("state", "=", "installed")]],
        {"fields": ["name"]},
    )
    assert {m["name"] for m in installed} == {
        "billbyte_catalog",
        "billbyte_usage",
        "billbyte_budget",
        "billbyte_payment",
    }
    vendors = models.execute_kw(
        db, uid, key, "billbyte.cloud.vendor", "search_read", [[]], {"fields": ["code"]}
    )
    assert {"aws", "microsoft", "gcp"} <= {v["code"] for v in vendors}


def test_xmlrpc_wrong_key_is_refused(odoo_server):
    common = xmlrpc.client.ServerProxy(f"{odoo_server['url']}/xmlrpc/2/common")
    assert common.authenticate(odoo_server["db"], "admin", "not-a-key", {}) is False


def test_jsonrpc_call_with_api_key(odoo_server):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [
                odoo_server["db"],
                2,
                odoo_server["api_key"],
                "billbyte.cloud.account",
                "search_count",
                [[]],
            ],
        },
    }
    request = urllib.request.Request(
        f"{odoo_server['url']}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    assert "error" not in answer, answer
    assert isinstance(answer["result"], int)


def test_jsonrpc_version(odoo_server):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 2,
        "params": {"service": "common", "method": "version", "args": []},
    }
    request = urllib.request.Request(
        f"{odoo_server['url']}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["result"]["server_serie"] == "18.0"
