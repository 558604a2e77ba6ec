"""A customer's portal login on a live server reads only the allow-listed fields.

The customer talks to Odoo's external API as any client would: XML-RPC with
their password, JSON-RPC with their own API key. They read their own usage,
but never the vendor's prices, the extra vendor columns, the payer account or
the pricing strategy (see README, "What customers can read").
"""

import json
import subprocess
import urllib.request
import xmlrpc.client

import billbyte
import pytest

# The allow-list as the README documents it: every field of a BillByte model
# (and every billbyte_* field on Odoo's models) a portal user may read.
PORTAL_FIELDS = {
    "billbyte.cloud.vendor": {"name", "code", "sequence", "image_128", "active"},
    "billbyte.cloud.account": {
        "name",
        "vendor_id",
        "vendor_account_id",
        "vendor_customer_id",
        "partner_id",
        "company_id",
        "currency_id",
        "billing_cycle",
        "state",
        "billed_until",
        "unbilled_amount",
        "active",
    },
    "billbyte.usage.record": {
        "cloud_account_id",
        "partner_id",
        "product_id",
        "vendor_id",
        "company_id",
        "sub_account_id",
        "sub_account_name",
        "provider_name",
        "publisher_name",
        "charge_period_start",
        "charge_period_end",
        "billing_period_start",
        "billing_period_end",
        "charge_category",
        "charge_class",
        "charge_frequency",
        "service_name",
        "service_category",
        "sku_id",
        "consumed_quantity",
        "consumed_unit",
        "pricing_quantity",
        "pricing_unit",
        "resource_id",
        "resource_name",
        "region_id",
        "region_name",
        "charge_date",
        "usage_date",
        "corrected_period",
        "currency_id",
        "price",
    },
    "billbyte.cloud.budget": {
        "name",
        "scope",
        "cloud_account_id",
        "partner_id",
        "company_id",
        "currency_id",
        "amount",
        "product_id",
        "quota_qty",
        "quota_uom_id",
        "period_type",
        "recurring",
        "date_start",
        "date_end",
        "period_start",
        "period_end",
        "consumed_amount",
        "consumed_qty",
        "consumed_pct",
        "remaining_amount",
        "forecast_amount",
        "forecast_pct",
        "forecast_date",
        "forecast_text",
        "status",
        "threshold_ids",
        "service_limit_ids",
        "rate_note",
        "last_evaluation",
        "active",
    },
    "billbyte.budget.threshold": {"budget_id", "sequence", "percent", "action"},
    "billbyte.budget.service.limit": {
        "budget_id",
        "service_name",
        "cap_type",
        "cap_amount",
        "cap_share",
        "cap_value",
        "currency_id",
        "consumed_amount",
        "consumed_pct",
        "forecast_amount",
        "exceeded",
    },
    "product.template": {
        "billbyte_vendor_id",
        "billbyte_vendor_image",
        "billbyte_offer_type",
        "billbyte_service_name",
        "billbyte_sku_id",
        "billbyte_term",
        "billbyte_vendor_unit",
        "billbyte_is_catalog_item",
        "billbyte_is_bundle",
    },
    "sale.order.line": {"billbyte_bundle_parent_id", "billbyte_bundle_part_ids"},
}
PORTAL_FIELDS["product.product"] = PORTAL_FIELDS["product.template"]
ODOO_MODELS_WE_EXTEND = [
    "product.template",
    "product.product",
    "product.pricelist",
    "sale.order.line",
    "account.analytic.line",
    "res.partner",
]
REFUSED_USAGE_FIELDS = [
    "extra_data",
    "list_cost",
    "billed_cost",
    "billing_account_id",
    "pricelist_id",
]

SETUP_SCRIPT = """
import base64
env = env(context=dict(env.context, tracking_disable=True))
aws = env.ref('billbyte_catalog.vendor_aws')
customer = env['res.partner'].create({'name': 'Portal Customer Ltd', 'is_company': True})
contact = env['res.partner'].create({'name': 'Pat Portal', 'parent_id': customer.id,
                                     'email': 'pat@portal-customer.example'})
pricelist = env['product.pricelist'].create({'name': 'Secret strategy 42 %',
    'billbyte_strategy': 'cost_plus', 'billbyte_markup': 42})
account = env['billbyte.cloud.account'].create({'name': 'Portal prod', 'vendor_id': aws.id,
    'vendor_account_id': '444455556666', 'partner_id': customer.id, 'pricelist_id': pricelist.id})
connection = env['billbyte.connection'].create({'name': 'Portal test uploads', 'vendor_id': aws.id})
focus = (
    "BillingAccountId,BilledCost,ListCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,"
    "ChargeCategory,ServiceName,SubAccountId,PricingQuantity,x_ListUnitPrice,"
    "x_ContractedUnitPrice,x_Discounts\\n"
    "999988887777,1.00,1.25,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AmazonEC2,"
    "444455556666,10,0.125,0.1,0.025\\n"
)
wizard = env['billbyte.usage.import.wizard'].create({'connection_id': connection.id,
    'file': base64.b64encode(focus.encode()), 'filename': 'portal.csv'})
wizard.action_import()
user = env['res.users'].create({'name': 'Pat Portal', 'login': 'pat@portal-customer.example',
    'password': 'portal-Pa55word!', 'partner_id': contact.id,
    'groups_id': [(6, 0, [env.ref('base.group_portal').id])]})
key = env['res.users.apikeys'].with_user(user).sudo()._generate(None, 'portal live test', None)
env.cr.commit()
print('PORTAL=%s,%s,%s' % (user.id, account.id, key))
"""


@pytest.fixture(scope="module")
def portal(database, odoo_server):
    out = subprocess.run(
        billbyte.odoo_cmd(database, "--no-http", "--log-level=warn", subcommand="shell"),
        input=SETUP_SCRIPT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    lines = [line.split("=", 1)[1] for line in out.splitlines() if line.startswith("PORTAL=")]
    assert lines, f"no portal user created: {out}"
    uid, account_id, key = lines[-1].split(",")
    return {
        "uid": int(uid),
        "account_id": int(account_id),
        "key": key,
        "login": "pat@portal-customer.example",
        "password": "portal-Pa55word!",
    }


def admin_call(server, model, method, *args, **kwargs):
    proxy = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/object", allow_none=True)
    uid = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/common").authenticate(
        server["db"], "admin", server["api_key"], {}
    )
    return proxy.execute_kw(server["db"], uid, server["api_key"], model, method, list(args), kwargs)


def xmlrpc_as_portal(server, portal):
    common = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/common")
    uid = common.authenticate(server["db"], portal["login"], portal["password"], {})
    assert uid == portal["uid"], "the portal user's password did not authenticate"
    proxy = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return proxy.execute_kw(
            server["db"], uid, portal["password"], model, method, list(args), kwargs
        )

    return call


def jsonrpc_as_portal(server, portal, model, method, *args, **kwargs):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [server["db"], portal["uid"], portal["key"], model, method, list(args), kwargs],
        },
    }
    request = urllib.request.Request(
        f"{server['url']}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def our_fields(model, fields):
    return {
        name
        for name in fields
        if (model.startswith("billbyte.") or name.startswith("billbyte_"))
        and name not in ("id", "display_name")
    }


def test_portal_readable_fields_are_the_documented_allow_list(odoo_server, portal):
    call = xmlrpc_as_portal(odoo_server, portal)
    billbyte_models = [
        m["model"]
        for m in admin_call(
            odoo_server,
            "ir.model",
            "search_read",
            [("model", "like", "billbyte.%")],
            fields=["model"],
        )
    ]
    assert "billbyte.usage.record" in billbyte_models
    for model in billbyte_models + ODOO_MODELS_WE_EXTEND:
        every_field = admin_call(odoo_server, model, "fields_get", attributes=["type"])
        readable = call(model, "fields_get", attributes=["type"])
        # Whether a record is archived is readable wherever it is (searches filter on it).
        expected = PORTAL_FIELDS.get(model, set()) | {"active"}
        assert our_fields(model, readable) == expected & our_fields(model, every_field), model


def test_portal_reads_own_usage_over_xmlrpc_but_no_vendor_data(odoo_server, portal):
    call = xmlrpc_as_portal(odoo_server, portal)
    records = call("billbyte.usage.record", "search_read", [])
    assert len(records) == 1
    (record,) = records
    assert set(record) - {"id", "display_name"} == PORTAL_FIELDS["billbyte.usage.record"]
    assert record["cloud_account_id"][0] == portal["account_id"]
    assert (record["service_name"], record["pricing_quantity"]) == ("AmazonEC2", 10.0)
    assert record["price"] == 1.42
    for field in REFUSED_USAGE_FIELDS:
        with pytest.raises(xmlrpc.client.Fault, match="AccessError|not have enough rights"):
            call("billbyte.usage.record", "read", [record["id"]], [field])
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|not have enough rights"):
        call("billbyte.cloud.account", "read", [portal["account_id"]], ["pricelist_id"])
    (account,) = call("billbyte.cloud.account", "read", [portal["account_id"]])
    assert "pricelist_id" not in account
    assert account["vendor_account_id"] == "444455556666"
    (usage,) = call("billbyte.cloud.account", "get_unbilled_usage", [portal["account_id"]])
    assert usage["total"] == "1.42" and "cost" not in usage


def test_portal_reads_own_usage_over_jsonrpc_with_api_key(odoo_server, portal):
    answer = jsonrpc_as_portal(
        odoo_server, portal, "billbyte.usage.record", "search_read", [], fields=["service_name"]
    )
    assert "error" not in answer, answer
    assert [r["service_name"] for r in answer["result"]] == ["AmazonEC2"]
    record_id = answer["result"][0]["id"]
    for field in REFUSED_USAGE_FIELDS:
        answer = jsonrpc_as_portal(
            odoo_server, portal, "billbyte.usage.record", "read", [record_id], [field]
        )
        assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError", (field, answer)
    answer = jsonrpc_as_portal(
        odoo_server,
        portal,
        "billbyte.usage.record",
        "search",
        [("extra_data", "!=", False)],
    )
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError"
