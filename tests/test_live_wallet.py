"""A prepaid customer's top-up posted while their usage is being imported, on a live
server: the balance is right after both (no lost update)."""

import threading
from decimal import Decimal

from test_live_imports import Client, focus_file


def test_top_up_during_an_import_loses_nothing(odoo_server):
    client = Client(odoo_server["url"], odoo_server["db"], odoo_server["api_key"])
    connection = client.setup_account("Prepaid during import", "555555555577")
    partner = client.call(
        "res.partner", "search", [("name", "=", "Prepaid during import customer")]
    )[0]
    client.call(
        "res.partner", "write", [partner], {"billbyte_prepaid": True, "billbyte_wallet_floor": 0}
    )
    company_currency = client.call("res.company", "read", [1], ["currency_id"])[0]["currency_id"][0]
    bank = client.call("account.journal", "search", [("type", "=", "bank")], limit=1)[0]
    # 20,000 rows of 0.xxx1 USD: their customer amount is what the import stores.
    data = focus_file(20000, "555555555577", compress=True)
    errors, results = [], {}

    def import_usage():
        try:
            results["run"] = Client(client.url, client.db, client.key).upload(
                connection, data, "prepaid.csv.gz"
            )
        except Exception as error:  # reported below
            errors.append(error)

    def top_up():
        try:
            other = Client(client.url, client.db, client.key)
            payment = other.call(
                "account.payment",
                "create",
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner,
                    "amount": 5000,
                    "journal_id": bank,
                    "currency_id": company_currency,
                },
            )
            other.call("account.payment", "action_post", [payment])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=import_usage), threading.Thread(target=top_up)]
    threads[0].start()
    threads[1].start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    assert client.run(results["run"])["state"] == "done"
    status = client.call("res.partner", "get_wallet_status", [partner])[0]
    summary = client.call(
        "billbyte.cloud.account",
        "get_unbilled_usage",
        client.call("billbyte.cloud.account", "search", [("partner_id", "=", partner)]),
    )[0]
    # Both the payment and the whole import count (a lost update would miss 5,000.00
    # or the import). The balance rounds the usage's exact sum once, the summary each
    # service's: they may differ by a cent per service.
    difference = Decimal(status["balance"]) - (Decimal("5000.00") - Decimal(summary["total"]))
    assert abs(difference) <= Decimal("0.01") * len(summary["by_service"]), (status, summary)
    assert Decimal(summary["total"]) > 0
