"""Perfect Money on a live server: status notifications posted over HTTP as Perfect Money
posts them (a forged one refused, the same genuine one twice at once recorded once), and
the credentials check calling a stand-in for Perfect Money's balance API."""

import hashlib
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_live_imports import Client

PASSPHRASE = "live-alternate-passphrase"


def md5_upper(text):
    return hashlib.md5(text.encode()).hexdigest().upper()


def notification(reference, **fields):
    data = {
        "PAYEE_ACCOUNT": "U1234567",
        "PAYMENT_AMOUNT": "49.90",
        "PAYMENT_UNITS": "USD",
        "PAYMENT_ID": reference,
        "PAYMENT_BATCH_NUM": "555000111",
        "PAYER_ACCOUNT": "U7654321",
        "TIMESTAMPGMT": "1767225600",
        **fields,
    }
    chain = [
        data["PAYMENT_ID"],
        data["PAYEE_ACCOUNT"],
        data["PAYMENT_AMOUNT"],
        data["PAYMENT_UNITS"],
        data["PAYMENT_BATCH_NUM"],
        data["PAYER_ACCOUNT"],
        md5_upper(PASSPHRASE),
        data["TIMESTAMPGMT"],
    ]
    data.setdefault("V2_HASH", md5_upper(":".join(chain)))
    return data


def post(url, data):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class BalanceStandIn(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if form.get("AccountID") == "1234567" and form.get("PassPhrase") == "secret":
            page = "<input name='U1234567' type='hidden' value='12.50'>"
        else:
            page = "<input name='ERROR' type='hidden' value='Invalid PassPhrase'>"
        payload = f"<html><body>{page}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def perfect_money(odoo_server):
    client = Client(odoo_server["url"], odoo_server["db"], odoo_server["api_key"])
    provider = client.call("payment.provider", "search", [("code", "=", "perfect_money")], limit=1)
    assert provider, "payment_perfect_money is not installed"
    client.call(
        "payment.provider",
        "write",
        provider,
        {
            "perfect_money_usd_account": "U1234567",
            "perfect_money_alternate_passphrase": PASSPHRASE,
            "state": "test",
        },
    )
    return client, provider[0]


def test_status_notifications_over_http(odoo_server, perfect_money):
    client, provider = perfect_money
    usd = client.call(
        "res.currency", "search", [("name", "=", "USD")], context={"active_test": False}
    )
    method = client.call("payment.method", "search", [("code", "=", "perfect_money")])
    partner = client.call("res.partner", "create", {"name": "Perfect Money live payer"})
    reference = f"PM-LIVE-{uuid.uuid4().hex[:8]}"
    tx = client.call(
        "payment.transaction",
        "create",
        {
            "provider_id": provider,
            "payment_method_id": method[0],
            "amount": 49.90,
            "currency_id": usd[0],
            "partner_id": partner,
            "reference": reference,
            "operation": "online_redirect",
        },
    )
    status_url = f"{odoo_server['url']}/payment/perfect_money/status"

    def read_tx():
        return client.call(
            "payment.transaction", "read", [tx], ["state", "provider_reference", "payment_id"]
        )[0]

    # Forged: a cheaper amount under the genuine form's hash, and a hash made without the
    # passphrase.
    genuine = notification(reference)
    assert post(status_url, dict(genuine, PAYMENT_AMOUNT="0.01")) == 403
    assert post(status_url, dict(genuine, V2_HASH=md5_upper("guess"))) == 403
    # Signed, but for another reference: ignored.
    assert post(status_url, notification("NO-SUCH-REFERENCE")) == 200
    assert read_tx()["state"] == "draft"

    # The same genuine notification twice at the same moment, on two workers.
    barrier = threading.Barrier(2)
    statuses = []

    def notify():
        barrier.wait(30)
        statuses.append(post(status_url, genuine))

    threads = [threading.Thread(target=notify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [200, 200]
    assert read_tx()["state"] == "done"
    assert read_tx()["provider_reference"] == "555000111"

    # Odoo's post-processing (the scheduled action) records the payment, once, however many
    # times the notification comes.
    cron = client.call(
        "ir.model.data",
        "search_read",
        [("module", "=", "payment"), ("name", "=", "cron_post_process_payment_tx")],
        ["res_id"],
    )[0]["res_id"]
    client.call("ir.cron", "method_direct_trigger", [cron])
    assert post(status_url, genuine) == 200
    client.call("ir.cron", "method_direct_trigger", [cron])
    payments = client.call(
        "account.payment", "search_read", [("payment_transaction_id", "=", tx)], ["amount"]
    )
    assert len(payments) == 1, payments
    assert payments[0]["amount"] == 49.90
    assert read_tx()["payment_id"][0] == payments[0]["id"]


def test_credentials_check_calls_the_balance_api(perfect_money):
    client, provider = perfect_money
    server = ThreadingHTTPServer(("127.0.0.1", 0), BalanceStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client.call(
            "payment.provider",
            "write",
            [provider],
            {"perfect_money_server_url": f"http://127.0.0.1:{server.server_address[1]}"},
        )

        def check(password):
            wizard = client.call(
                "payment.perfect.money.credentials.check",
                "create",
                {"provider_id": provider, "member_id": "1234567", "passphrase": password},
            )
            client.call("payment.perfect.money.credentials.check", "action_check", [wizard])
            return client.call(
                "payment.perfect.money.credentials.check",
                "read",
                [wizard],
                ["result", "result_state", "passphrase"],
            )[0]

        good = check("secret")
        assert good["result_state"] == "ok", good
        assert "U1234567: 12.50 USD" in good["result"]
        assert "The USD wallet set here, U1234567, is one of them." in good["result"]
        assert not good["passphrase"]
        wrong = check("not the password")
        assert wrong["result_state"] == "error"
        assert wrong["result"] == "Perfect Money refused the credentials: Invalid PassPhrase"
    finally:
        client.call(
            "payment.provider",
            "write",
            [provider],
            {"perfect_money_server_url": "https://perfectmoney.com"},
        )
        server.shutdown()
        server.server_close()
