#!/usr/bin/env python3
"""Concurrent XML-RPC calls against a running BillByte Odoo, as an OSS/BSS makes them.

    python scripts/bench_api.py --url http://localhost:8069 --db billbyte \
        --key <api key> --calls 20 [--calls 100] [--rounds 2]

Every call is `billbyte.cloud.account.get_unbilled_usage` on one cloud account,
authenticated with an API key, all calls started at once (one thread each).
Prints one line per batch: how many answered, how many got a 503 (with or
without Retry-After), how many an HTTP 500 or another error, and the time of
the slowest answer. The live-server tests use `concurrent_calls()`.
"""

import argparse
import collections
import http.client
import threading
import time
import urllib.parse
import xmlrpc.client


def _call(url, db, uid, key, account_id, timeout):
    """One XML-RPC call on its own connection: ("ok", seconds) or (problem, seconds)."""
    body = xmlrpc.client.dumps(
        (db, uid, key, "billbyte.cloud.account", "get_unbilled_usage", [[account_id]], {}),
        methodname="execute_kw",
        allow_none=True,
    ).encode()
    parts = urllib.parse.urlsplit(url)
    start = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", "/xmlrpc/2/object", body, {"Content-Type": "text/xml"})
        response = conn.getresponse()
        payload = response.read()
        elapsed = time.monotonic() - start
        if response.status == 503:
            retry = response.getheader("Retry-After")
            return ("503 Retry-After" if retry else "503 without Retry-After"), elapsed
        if response.status != 200:
            return f"HTTP {response.status}", elapsed
        try:
            xmlrpc.client.loads(payload)
        except xmlrpc.client.Fault as fault:
            return f"fault: {fault.faultString.strip().splitlines()[-1][:120]}", elapsed
        return "ok", elapsed
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"[:120], time.monotonic() - start
    finally:
        conn.close()


def concurrent_calls(url, db, key, account_id, calls, login="admin", timeout=300):
    """Start `calls` calls at once; returns (Counter of outcomes, sorted durations)."""
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, key, {})
    assert uid, "the API key did not authenticate"
    results = [None] * calls
    barrier = threading.Barrier(calls)

    def worker(i):
        barrier.wait()
        results[i] = _call(url, db, uid, key, account_id, timeout)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = collections.Counter(outcome for outcome, _ in results)
    durations = sorted(duration for _, duration in results)
    return outcomes, durations


def summary(calls, outcomes, durations):
    median = durations[len(durations) // 2]
    kinds = ", ".join(f"{n} {kind}" for kind, n in outcomes.most_common())
    return f"{calls} calls: {kinds}; median {median:.2f} s, slowest {durations[-1]:.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="billbyte")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--key", required=True, help="an API key of the login")
    parser.add_argument("--account", type=int, help="cloud account id (default: the first)")
    parser.add_argument("--calls", type=int, action="append", help="calls per batch")
    parser.add_argument("--rounds", type=int, default=1, help="batches of each size")
    args = parser.parse_args()
    account = args.account
    if not account:
        uid = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common").authenticate(
            args.db, args.login, args.key, {}
        )
        models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object")
        account = models.execute_kw(
            args.db, uid, args.key, "billbyte.cloud.account", "search", [[]], {"limit": 1}
        )[0]
    for calls in args.calls or [20, 100]:
        for _ in range(args.rounds):
            outcomes, durations = concurrent_calls(
                args.url, args.db, args.key, account, calls, login=args.login
            )
            print(summary(calls, outcomes, durations), flush=True)


if __name__ == "__main__":
    main()
