"""Imports under load and faults, on a live server, as a client sees them: the same
file imported twice at the same moment, and a server killed in the middle of an
import."""

import base64
import csv
import gzip
import http.client
import io
import os
import signal
import subprocess
import threading
import time
import xmlrpc.client

from conftest import start_server, stop_server, wait_until_serving


def focus_file(rows, account, month="2026-11", compress=True):
    """A FOCUS file of `rows` lines of one account over the month's first 28 days."""
    buffer = io.StringIO()
    writer = None
    for n in range(rows):
        day = n % 28 + 1
        row = {
            "BillingCurrency": "USD",
            "BilledCost": f"0.{n % 1000:03d}1",
            "ChargePeriodStart": f"{month}-{day:02d}T00:00:00Z",
            "ChargePeriodEnd": f"{month}-{day + 1:02d}T00:00:00Z",
            "ChargeCategory": "Usage",
            "ProviderName": "AWS",
            "ServiceName": f"Service{n % 7}",
            "SubAccountId": account,
            "PricingQuantity": "1",
            "ResourceId": f"r-{n}",
        }
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow(row)
    data = buffer.getvalue().encode()
    return gzip.compress(data, 1) if compress else data


class Client:
    def __init__(self, url, db, key):
        self.url, self.db, self.key = url, db, key
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
            db, "admin", key, {}
        )

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.db, self.uid, self.key, model, method, list(args), kwargs)

    def setup_account(self, name, account_id):
        aws = self.call("billbyte.cloud.vendor", "search", [("code", "=", "aws")])[0]
        connection = self.call(
            "billbyte.connection", "create", {"name": name, "vendor_id": aws, "kind": "file"}
        )
        partner = self.call("res.partner", "create", {"name": f"{name} customer"})
        self.call(
            "billbyte.cloud.account",
            "create",
            {
                "name": name,
                "vendor_id": aws,
                "vendor_account_id": account_id,
                "partner_id": partner,
            },
        )
        return connection

    def upload(self, connection, data, filename):
        wizard = self.call(
            "billbyte.usage.import.wizard",
            "create",
            {
                "connection_id": connection,
                "file": base64.b64encode(data).decode(),
                "filename": filename,
            },
        )
        return self.call("billbyte.usage.import.wizard", "action_import", [wizard])["res_id"]

    def run(self, run_id):
        return self.call(
            "billbyte.usage.import",
            "read",
            [run_id],
            ["state", "message", "rows_read", "rows_imported", "rows_duplicate"],
        )[0]


def psql(database, sql):
    return subprocess.run(
        ["psql", "-X", "-At", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_same_file_imported_twice_at_the_same_moment(odoo_server):
    client = Client(odoo_server["url"], odoo_server["db"], odoo_server["api_key"])
    connection = client.setup_account("Concurrent imports", "555555555501")
    data = focus_file(20000, "555555555501")
    results, errors = {}, []

    def upload(name):
        try:
            results[name] = Client(client.url, client.db, client.key).upload(
                connection, data, f"{name}.csv.gz"
            )
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    runs = [client.run(run_id) for run_id in results.values()]
    assert [run["state"] for run in runs] == ["done", "done"], runs
    assert sorted(run["rows_imported"] for run in runs) == [0, 20000], runs
    assert sorted(run["rows_duplicate"] for run in runs) == [0, 20000], runs
    stored = client.call(
        "billbyte.usage.record", "search_count", [("connection_id", "=", connection)]
    )
    assert stored == 20000


def test_server_killed_mid_import_leaves_an_interrupted_run(database, api_key, tmp_path):
    proc, url = start_server(database, tmp_path / "first.log")
    try:
        wait_until_serving(url, proc, tmp_path / "first.log")
        client = Client(url, database, api_key)
        connection = client.setup_account("Killed import", "555555555502")
        rows = 150000
        data = focus_file(rows, "555555555502")

        def upload_until_killed():
            try:
                client.upload(connection, data, "big.csv.gz")
            except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                pass  # the server dies under it: that is the test

        threading.Thread(target=upload_until_killed, daemon=True).start()
        deadline = time.time() + 120
        run_id = None
        while time.time() < deadline and not run_id:
            run_id = psql(
                database,
                "SELECT id FROM billbyte_usage_import WHERE state = 'running' "
                f"AND connection_id = {int(connection)}",
            )
            time.sleep(0.2)
        assert run_id, "the import never showed as running"
        time.sleep(1.0)
        # The whole server at once (master and workers), as a crash or an OOM kill.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            stop_server(proc)
    assert (
        psql(database, f"SELECT count(*) FROM billbyte_usage_record WHERE run_id = {run_id}") == "0"
    )
    # The new server shows the run as interrupted, and ends the dead server's session.
    proc, url = start_server(database, tmp_path / "second.log")
    try:
        wait_until_serving(url, proc, tmp_path / "second.log")
        client = Client(url, database, api_key)
        run = client.run(int(run_id))
        assert run["state"] == "interrupted", run
        assert "nothing of it was stored" in run["message"]
        # Imported again at once: it does not wait on the dead session; each row once.
        started = time.monotonic()
        client.call("billbyte.usage.import", "action_process", [int(run_id)])
        run = client.run(int(run_id))
        assert (run["state"], run["rows_imported"]) == ("done", rows), run
        assert time.monotonic() - started < 120
        stored = client.call(
            "billbyte.usage.record", "search_count", [("connection_id", "=", connection)]
        )
        assert stored == rows
    finally:
        stop_server(proc)
