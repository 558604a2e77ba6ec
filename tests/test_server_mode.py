"""The server as `make run` starts it: it comes back after a restart, and it
answers many concurrent API calls (or says 503, come back later), never 500."""

import base64
import signal
import subprocess
import time
import xmlrpc.client
from pathlib import Path

import pytest
from bench_api import concurrent_calls, summary
from conftest import server_children, start_server, stop_server, wait_until_serving

# What a concurrent call may end with: an answer, or a clean "come back later".
ACCEPTABLE = {"ok", "503 Retry-After"}


def _client(server):
    url, db, key = server["url"], server["db"], server["api_key"]
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, "admin", key, {})
    assert uid, "the API key did not authenticate"
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, key, model, method, list(args), kwargs)

    return call


@pytest.fixture(scope="module")
def account_with_usage(odoo_server):
    """A cloud account with a few days of imported usage, for the API calls."""
    call = _client(odoo_server)
    aws = call("billbyte.cloud.vendor", "search", [("code", "=", "aws")])[0]
    customer = call("res.partner", "create", {"name": "Concurrency Customer"})
    account = call(
        "billbyte.cloud.account",
        "create",
        {
            "name": "Concurrency prod",
            "vendor_id": aws,
            "vendor_account_id": "987650001111",
            "partner_id": customer,
        },
    )
    connection = call("billbyte.connection", "create", {"name": "Concurrency", "vendor_id": aws})
    lines = [
        "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,"
        "ServiceName,SubAccountId,PricingQuantity"
    ]
    for day in range(1, 11):
        for service in ("AmazonEC2", "AmazonS3", "AmazonRDS"):
            lines.append(
                f"{day}.5,USD,2026-10-{day:02d}T00:00:00Z,2026-10-{day + 1:02d}T00:00:00Z,"
                f"Usage,{service},987650001111,{day}"
            )
    wizard = call(
        "billbyte.usage.import.wizard",
        "create",
        {
            "connection_id": connection,
            "file": base64.b64encode("\n".join(lines).encode()).decode(),
            "filename": "concurrency.csv",
        },
    )
    run_id = call("billbyte.usage.import.wizard", "action_import", [wizard])["res_id"]
    (run,) = call("billbyte.usage.import", "read", [run_id], ["state", "rows_imported"])
    assert (run["state"], run["rows_imported"]) == ("done", 30)
    return account


def test_server_is_started_through_a_launcher_script(odoo_server):
    """Odoo re-executes `sys.executable sys.argv[0]`: argv[0] must be a script."""
    cmdline = Path(f"/proc/{odoo_server['proc'].pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[1].endswith(b"scripts/odoo-bin"), cmdline[:3]
    assert b"-m" not in cmdline[:2]


def test_server_comes_back_after_sighup(odoo_server, account_with_usage):
    proc = odoo_server["proc"]
    before = server_children(proc.pid)
    assert len(before) >= 2, "prefork mode: the master has HTTP workers (and the websocket process)"
    proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 120
    # The master re-executes itself (same pid) and forks new workers.
    while True:
        assert proc.poll() is None, odoo_server["log"].read_text()[-3000:]
        children = server_children(proc.pid)
        if children and not children & before:
            break
        assert time.time() < deadline, "the workers were not replaced after SIGHUP"
        time.sleep(0.2)
    wait_until_serving(odoo_server["url"], proc, odoo_server["log"])
    call = _client(odoo_server)
    (usage,) = call("billbyte.cloud.account", "get_unbilled_usage", [account_with_usage])
    assert usage["currency"] == "USD"
    assert len(usage["by_day"]) == 10
    assert "attempted relative import" not in odoo_server["log"].read_text()


def test_20_concurrent_api_calls_all_answer(odoo_server, account_with_usage):
    outcomes, durations = concurrent_calls(
        odoo_server["url"], odoo_server["db"], odoo_server["api_key"], account_with_usage, 20
    )
    print(summary(20, outcomes, durations))
    assert outcomes == {"ok": 20}, summary(20, outcomes, durations)


def test_100_concurrent_api_calls_never_500(odoo_server, account_with_usage):
    outcomes, durations = concurrent_calls(
        odoo_server["url"], odoo_server["db"], odoo_server["api_key"], account_with_usage, 100
    )
    print(summary(100, outcomes, durations))
    assert set(outcomes) <= ACCEPTABLE, summary(100, outcomes, durations)
    assert outcomes["ok"] >= 50, summary(100, outcomes, durations)


def test_full_connection_pool_answers_503_with_retry_after(
    database, api_key, account_with_usage, tmp_path
):
    """A threaded server with a tiny pool and no thread limit runs out of
    connections: billbyte_server turns that into 503 + Retry-After."""
    server_log = tmp_path / "server.log"
    # ODOO_MAX_HTTP_THREADS=0: no limit on request threads, let the pool run out.
    proc, url = start_server(
        database, server_log, "--workers=0", "--db_maxconn=3", env={"ODOO_MAX_HTTP_THREADS": "0"}
    )
    try:
        wait_until_serving(url, proc, server_log)
        outcomes, durations = concurrent_calls(url, database, api_key, account_with_usage, 40)
        print(summary(40, outcomes, durations))
        assert set(outcomes) <= ACCEPTABLE, summary(40, outcomes, durations)
        assert outcomes["503 Retry-After"], "the pool never ran out: nothing tested"
    finally:
        stop_server(proc)


def test_processes_of_a_stopped_server_are_gone(database, tmp_path):
    server_log = tmp_path / "server.log"
    proc, url = start_server(database, server_log)
    try:
        wait_until_serving(url, proc, server_log)
        children = server_children(proc.pid)
    finally:
        stop_server(proc)
    assert children
    alive = subprocess.run(
        ["ps", "-o", "pid=", "-p", ",".join(map(str, children))], capture_output=True, text=True
    ).stdout.split()
    assert not alive, f"workers left behind: {alive}"
