"""Billing runs on a live server, as clients start them: two runs of the same
period started at the same moment bill every usage line exactly once."""

import threading

from test_live_imports import Client, focus_file


def test_two_runs_at_once_bill_each_line_once(odoo_server):
    client = Client(odoo_server["url"], odoo_server["db"], odoo_server["api_key"])
    connection = client.setup_account("Concurrent billing", "555555555601")
    import_id = client.upload(connection, focus_file(3000, "555555555601"), "nov.csv.gz")
    assert client.run(import_id)["state"] == "done"
    partner = client.call("res.partner", "search", [("name", "=", "Concurrent billing customer")])
    account = client.call("billbyte.cloud.account", "search", [("partner_id", "in", partner)])
    usage_domain = [("billbyte_cloud_account_id", "in", account)]
    # A line per day of November 1st to 28th.
    assert client.call("account.analytic.line", "search_count", usage_domain) == 28

    barrier = threading.Barrier(2)
    results, errors = [], []

    def bill():
        try:
            own = Client(client.url, client.db, client.key)
            run = own.call(
                "billbyte.billing.run",
                "create",
                {"date": "2026-12-01", "partner_ids": [(6, 0, partner)]},
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
    runs = client.call(
        "billbyte.billing.run", "read", results, ["state", "invoice_ids", "customer_count"]
    )
    assert [run["state"] for run in runs] == ["done", "done"], runs
    # One run billed the customer, the other found nothing left to bill.
    assert sorted(len(run["invoice_ids"]) for run in runs) == [0, 1], runs
    invoices = client.call(
        "account.move",
        "search_read",
        [("partner_id", "in", partner)],
        ["state", "amount_untaxed", "invoice_line_ids"],
    )
    assert len(invoices) == 1 and invoices[0]["state"] == "posted", invoices
    lines = client.call(
        "account.analytic.line",
        "search_read",
        usage_domain,
        ["billbyte_billed", "billbyte_invoice_line_id"],
    )
    assert all(line["billbyte_billed"] for line in lines)
    assert {line["billbyte_invoice_line_id"][0] for line in lines} <= set(
        invoices[0]["invoice_line_ids"]
    )
