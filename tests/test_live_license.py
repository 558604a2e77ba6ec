"""Licenses on a live server, as clients bill them: two billing runs started at the
same moment bill a license's term exactly once."""

import threading

from test_live_imports import Client


def test_two_runs_at_once_bill_a_license_term_once(odoo_server):
    client = Client(odoo_server["url"], odoo_server["db"], odoo_server["api_key"])
    microsoft = client.call("billbyte.cloud.vendor", "search", [("code", "=", "microsoft")])[0]
    partner = client.call("res.partner", "create", {"name": "Concurrent licenses customer"})
    account = client.call(
        "billbyte.cloud.account",
        "create",
        {
            "name": "Concurrent licenses tenant",
            "vendor_id": microsoft,
            "vendor_account_id": "0c0c0c0c-0000-4000-8000-00000000c0c0",
            "partner_id": partner,
        },
    )
    template = client.call(
        "product.template",
        "create",
        {
            "name": "Concurrent licenses SKU",
            "type": "service",
            "billbyte_vendor_id": microsoft,
            "billbyte_offer_type": "license",
            "billbyte_term": "monthly",
            "billbyte_sku_id": "CONCURRENT:0001",
            "billbyte_published": True,
            "list_price": 7.5,
        },
    )
    product = client.call("product.template", "read", [template], ["product_variant_id"])[0][
        "product_variant_id"
    ][0]
    order = client.call(
        "sale.order",
        "create",
        {
            "partner_id": partner,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": product,
                        "product_uom_qty": 4,
                        "price_unit": 7.5,
                        "billbyte_license_date": "2026-11-01",
                    },
                )
            ],
        },
    )
    client.call("sale.order", "action_confirm", [order])
    licenses = client.call("billbyte.license", "search", [("cloud_account_id", "=", account)])
    assert len(licenses) == 1

    barrier = threading.Barrier(2)
    results, errors = [], []

    def bill():
        try:
            own = Client(client.url, client.db, client.key)
            run = own.call(
                "billbyte.billing.run",
                "create",
                {"date": "2026-11-01", "partner_ids": [(6, 0, [partner])]},
            )
            barrier.wait(30)
            own.call(
                "billbyte.billing.run",
                "action_start",
                [run],
                context={"queue_job__no_delay": True},
            )
            results.append(run)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=bill) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    runs = client.call("billbyte.billing.run", "read", results, ["state", "invoice_ids"])
    assert [run["state"] for run in runs] == ["done", "done"], runs
    assert sorted(len(run["invoice_ids"]) for run in runs) == [0, 1], runs
    lines = client.call(
        "account.move.line",
        "search_read",
        [("billbyte_license_id", "in", licenses)],
        ["price_subtotal", "start_date", "end_date"],
    )
    assert len(lines) == 1, lines
    assert lines[0]["price_subtotal"] == 30.0
    assert (lines[0]["start_date"], lines[0]["end_date"]) == ("2026-11-01", "2026-11-30")
    changes = client.call(
        "billbyte.license.change",
        "search_read",
        [("license_id", "in", licenses)],
        ["kind", "state"],
    )
    assert [(c["kind"], c["state"]) for c in changes] == [("term", "billed")], changes
