#!/usr/bin/env python3
"""make bench-api: the unbilled-usage call of the JSON API under load.

Loads 10,000,000 FOCUS usage rows over 2,000 cloud accounts (one customer each,
each with a monthly budget and two per-service limits) with the project's own
import (scripts/bench_import.py's file, customers and import), into a database
that is kept between runs: a second run with the same row count skips the load.
Then starts a real Odoo server in prefork mode (odoo.conf's workers, as
`make run` does) and has concurrent clients ask
GET /api/billbyte/v1/customers/<id>/usage for random customers with a bearer
API key for a fixed time. Prints the load time, p50 and p95 latency and
requests per second, ending with one machine-readable line:

    bench-api rows=N p50_ms=X p95_ms=X rps=X

    make bench-api                                  # 10,000,000 rows, 20 clients, 60 s
    make bench-api ROWS=200000 CLIENTS=5 SECONDS=10 # a quick run
    make bench-api PROFILE=1                        # also a profile of one call
    make bench-api WORKERS=4                        # another number of HTTP workers

The database (default bb_api_bench, BILLBYTE_BENCH_API_DB or --database) is
rebuilt only when it holds another row count (or --reload).
"""

import argparse
import cProfile
import http.client
import io
import os
import pstats
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_import
import billbyte

ROWS_PARAM = "billbyte.bench_api.rows"
KEY_PARAM = "billbyte.bench_api.key"
PATH = "/api/billbyte/v1/customers/{}/usage"


def loaded_rows(database):
    """The row count the database was loaded with, or 0 (no database, or a load that
    did not finish)."""
    if not billbyte.db_exists(database):
        return 0
    try:
        value = billbyte.psql(
            f"SELECT value FROM ir_config_parameter WHERE key = '{ROWS_PARAM}'", database
        )
    except subprocess.CalledProcessError:
        return 0
    return int(value or 0)


def load(database, rows):
    """The database, the customers and the usage, through the project's own import;
    returns the seconds the import took."""
    path = bench_import.focus_file(rows)
    registry, connection_id = bench_import.prepare_database(database)
    import_s, result = bench_import.import_file(registry, connection_id, path, "bench-api load")
    if result["state"] != "done":
        sys.exit(f"bench-api: the import failed: {result['message']}")
    print(f"  {result['rows_imported']} rows imported in {import_s:.1f} s", flush=True)
    with registry.cursor() as cr:
        # Odoo's statistics after a bulk load, as autovacuum would gather them later.
        cr.execute("ANALYZE")
    return import_s, registry


def prepare(registry, rows):
    """An API user (Cloud Billing user) with an API key, the customers to ask for,
    and the marker that the load is complete."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        Params = env["ir.config_parameter"]
        key = Params.get_param(KEY_PARAM)
        if not key:
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "Bench OSS/BSS",
                        "login": "bench_api",
                        "groups_id": [(6, 0, [env.ref("billbyte_catalog.group_billbyte_user").id])],
                    }
                )
            )
            key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "bench", None)
            Params.set_param(KEY_PARAM, key)
        Params.set_param(ROWS_PARAM, str(rows))
        cr.execute(
            "SELECT DISTINCT p.commercial_partner_id FROM billbyte_cloud_account a"
            " JOIN res_partner p ON p.id = a.partner_id ORDER BY 1"
        )
        customers = [row[0] for row in cr.fetchall()]
    return key, customers


def profile_call(registry, customer_id):
    """One unbilled-usage call in this process as the bench user: its queries and
    the functions the time goes to."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", "bench_api")])
        api_env = env(user=user.id, context={"allowed_company_ids": user.company_id.ids})
        Api = api_env["billbyte.api"].with_context(billbyte_api_http=True)
        Api.get_unbilled_usage(customer_id)  # caches warm, as in a worker
        api_env.invalidate_all()
        queries = cr.sql_log_count
        profiler = cProfile.Profile()
        started = time.monotonic()
        profiler.enable()
        Api.get_unbilled_usage(customer_id)
        profiler.disable()
        elapsed = time.monotonic() - started
        queries = cr.sql_log_count - queries
        cr.rollback()
    print(
        f"profile of one call (customer {customer_id}): {elapsed * 1000:.1f} ms, {queries} queries"
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


def wait_for(port, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("bench-api: the Odoo server stopped while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/web/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("bench-api: the Odoo server did not answer")


def call(port, key, customer_id):
    """One GET of the customer's unbilled usage on its own connection:
    (HTTP status, seconds)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "GET",
            PATH.format(customer_id),
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, time.monotonic() - started


def run_clients(port, key, customers, clients, seconds):
    """`clients` threads, each asking for random customers one call after the
    other until the time is up; returns (latencies of answered calls, statuses,
    elapsed seconds)."""
    latencies = []
    statuses = {}
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def client(n):
        rng = random.Random(n)
        mine = []
        counts = {}
        start.wait()
        while not stop.is_set():
            status, elapsed = call(port, key, rng.choice(customers))
            counts[status] = counts.get(status, 0) + 1
            if status == 200:
                mine.append(elapsed)
        with lock:
            latencies.extend(mine)
            for status, count in counts.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sorted(latencies), statuses, time.monotonic() - began


def percentile(values, share):
    return values[min(len(values) - 1, int(len(values) * share))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--database", default=os.environ.get("BILLBYTE_BENCH_API_DB", "bb_api_bench")
    )
    parser.add_argument("--reload", action="store_true", help="load the database again")
    parser.add_argument("--profile", action="store_true", help="profile one call first")
    args = parser.parse_args()

    if args.reload or loaded_rows(args.database) != args.rows:
        billbyte.drop_db(args.database)
        started = time.monotonic()
        import_s, registry = load(args.database, args.rows)
        print(
            f"load: {time.monotonic() - started:.1f} s in all "
            f"(the import of {args.rows} rows: {import_s:.1f} s)",
            flush=True,
        )
    else:
        print(f"load: skipped, {args.database} holds {args.rows} rows already", flush=True)
        registry = bench_import.open_registry(args.database)
    key, customers = prepare(registry, args.rows)
    if args.profile:
        profile_call(registry, customers[len(customers) // 2])
    import odoo.sql_db

    odoo.sql_db.close_all()  # the server's workers get the connections

    port = billbyte.free_port()
    # No cron and no job runner: only the API calls run on the server. The one
    # database is named without a filter, as a single-database server is set up:
    # with a filter Odoo lists the server's databases at every call without a
    # session cookie (every API call), some 5 ms each.
    command = billbyte.server_cmd(
        args.database,
        port,
        "--max-cron-threads=0",
        "--load=base,web,billbyte_server",
        "--db-filter=",
        "--log-level=warn",
    )
    server = subprocess.Popen(command, env=billbyte.server_env(), start_new_session=True)
    try:
        wait_for(port, server)
        # Every worker answers a few calls first (its caches, the key's check).
        run_clients(port, key, customers, args.clients, 3)
        print(
            f"{args.clients} clients, random customers of {len(customers)}, {args.seconds:g} s...",
            flush=True,
        )
        latencies, statuses, elapsed = run_clients(port, key, customers, args.clients, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    if not latencies:
        sys.exit(f"bench-api: no call answered: {statuses}")
    p50 = percentile(latencies, 0.50) * 1000
    p95 = percentile(latencies, 0.95) * 1000
    rps = len(latencies) / elapsed
    failed = {status: n for status, n in statuses.items() if status != 200}
    print(
        f"{len(latencies)} answers in {elapsed:.1f} s"
        + (f", failed: {failed}" if failed else ", none failed")
    )
    print(f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"bench-api rows={args.rows} p50_ms={p50:.1f} p95_ms={p95:.1f} rps={rps:.1f}")


if __name__ == "__main__":
    main()
