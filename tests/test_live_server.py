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
        "billbyte_billing",
        "billbyte_budget",
        "billbyte_payment",
        "billbyte_collection",
        "billbyte_api",
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


def test_api_uploads_usage_and_reads_unbilled_usage(odoo_server):
    """The provider's OSS/BSS: upload a FOCUS file, then read an account's unbilled usage."""
    import base64

    url, db, key = odoo_server["url"], odoo_server["db"], odoo_server["api_key"]
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, "admin", key, {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, key, model, method, list(args), kwargs)

    aws = call("billbyte.cloud.vendor", "search", [("code", "=", "aws")])[0]
    customer = call("res.partner", "create", {"name": "API Customer"})
    account = call(
        "billbyte.cloud.account",
        "create",
        {
            "name": "API prod",
            "vendor_id": aws,
            "vendor_account_id": "555566667777",
            "partner_id": customer,
        },
    )
    connection = call("billbyte.connection", "create", {"name": "API uploads", "vendor_id": aws})
    focus = (
        "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,"
        "SubAccountId,PricingQuantity\n"
        "1.25,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AmazonEC2,555566667777,10\n"
        "2.50,USD,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,Usage,AmazonEC2,555566667777,20\n"
    )
    wizard = call(
        "billbyte.usage.import.wizard",
        "create",
        {
            "connection_id": connection,
            "file": base64.b64encode(focus.encode()).decode(),
            "filename": "api.csv",
        },
    )
    run_id = call("billbyte.usage.import.wizard", "action_import", [wizard])["res_id"]
    (run,) = call("billbyte.usage.import", "read", [run_id], ["state", "rows_imported"])
    assert (run["state"], run["rows_imported"]) == ("done", 2)
    (usage,) = call("billbyte.cloud.account", "get_unbilled_usage", [account])
    # The customer's default pricelist is a fixed-price one and EC2 has no price on
    # it yet: the usage is there, costed, at 0.00 for the customer.
    assert usage["currency"] == "USD"
    # Amounts are decimal strings (never binary floats).
    assert usage["cost"] == "3.75"
    assert [day["date"] for day in usage["by_day"]] == ["2026-10-01", "2026-10-02"]
