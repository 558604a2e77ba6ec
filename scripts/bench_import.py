#!/usr/bin/env python3
"""make bench-import: how fast a month of FOCUS usage goes in, against the floor.

Generates a realistic FOCUS 1.2 CSV (2,000 cloud accounts, 60 services, 30 days,
about 1 % credits), then on one fresh database measures:
  - the floor: PostgreSQL COPY of the file into an unlogged table of the same columns;
  - our full import (parse, dedup, insert, rate, aggregate into analytic lines);
  - a second import of the same file (must add 0 rows);
  - Odoo's own CSV import (base_import) of 20,000 rows into analytic lines, the naive way;
and prints the figures, ending with one machine-readable line.
"""

import argparse
import csv
import importlib.util
import io
import os
import random
import re
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import billbyte

ACCOUNTS = 2000
SERVICES = 60
DAYS = 30
BUDGET_AS_OF = "2026-09-30"  # the budgets are evaluated in the month of the file


def _load_schema():
    """The FOCUS schema module of billbyte_usage, loaded on its own (it is plain Python)."""
    path = billbyte.ADDONS / "billbyte_usage" / "focus" / "schema.py"
    spec = importlib.util.spec_from_file_location("billbyte_focus_schema", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Every FOCUS column of the project's schema, and one AWS extension column.
HEADER = [*_load_schema().FOCUS_HEADER, "x_UsageType"]
SERVICE_NAMES = [f"Service{n:02d}" for n in range(SERVICES)]
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]


def account_id(n):
    return f"{100000000000 + n:012d}"


def day_period(day, days=DAYS):
    """ChargePeriodStart and End of day `day` of September 2026 (the month of the files)."""
    start = f"2026-09-{day:02d}T00:00:00Z"
    end = f"2026-09-{day + 1:02d}T00:00:00Z" if day < days else "2026-10-01T00:00:00Z"
    return start, end


def usage_row(rng, day, account, item, days=DAYS):
    """One vendor line: item `item` of account `account` on day `day`. Each account
    uses 3 of the 60 services a day, each with a few SKUs and resources (several rows
    per service and day, as hourly or per-resource vendor lines are); about 1 % of
    the lines are credits."""
    start, end = day_period(day, days)
    services = [(account * 7 + day % 2 + k) % SERVICES for k in range(3)]
    service = SERVICE_NAMES[services[item % 3]]
    sku = f"{service}-SKU{item % 3}"
    quantity = rng.randint(1, 24)
    cost = f"{quantity * rng.uniform(0.001, 0.5):.10f}"
    category = "Usage"
    if rng.random() < 0.01:
        category, cost = "Credit", f"-{rng.uniform(0.01, 2):.10f}"
    return {
        "BillingAccountId": "999999999999",
        "BillingCurrency": "USD",
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ChargeCategory": category,
        "ChargeDescription": f"{service} usage",
        "ProviderName": "AWS",
        "ServiceName": service,
        "ServiceCategory": "Compute",
        "SkuId": sku,
        "SubAccountId": account_id(account),
        "SubAccountName": f"Customer {account}",
        "ConsumedQuantity": quantity,
        "ConsumedUnit": "Hours",
        "PricingQuantity": quantity,
        "PricingUnit": "Hours",
        "ResourceId": f"arn:aws:resource/{account}/{item}",
        "RegionId": REGIONS[item % 4],
        "x_UsageType": f"{sku}:{item}",
    }


def generate(path, rows):
    """Write the FOCUS file of a month: `rows` lines (see usage_row)."""
    rng = random.Random(42)
    per_account_day = max(1, rows // (ACCOUNTS * DAYS))
    written = 0
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for day in range(1, DAYS + 1):
            for account in range(ACCOUNTS):
                if written >= rows:
                    break
                for item in range(per_account_day):
                    if written >= rows:
                        break
                    writer.writerow(usage_row(rng, day, account, item))
                    written += 1
        # Top up to the exact row count on the last day.
        while written < rows:
            writer.writerow(
                {
                    "BillingAccountId": "999999999999",
                    "BillingCurrency": "USD",
                    "BilledCost": "0.0100000000",
                    "EffectiveCost": "0.01",
                    "ListCost": "0.01",
                    "ChargePeriodStart": "2026-09-30T00:00:00Z",
                    "ChargePeriodEnd": "2026-10-01T00:00:00Z",
                    "ChargeCategory": "Usage",
                    "ChargeDescription": "extra",
                    "ProviderName": "AWS",
                    "ServiceName": SERVICE_NAMES[0],
                    "ServiceCategory": "Compute",
                    "SkuId": "extra-sku",
                    "SubAccountId": account_id(written % ACCOUNTS),
                    "SubAccountName": "x",
                    "ConsumedQuantity": 1,
                    "ConsumedUnit": "Hours",
                    "PricingQuantity": 1,
                    "PricingUnit": "Hours",
                    "ResourceId": f"extra/{written}",
                    "RegionId": "us-east-1",
                }
            )
            written += 1
    return written


# Phases of the usage pipeline the profile times (method of the model, label). They
# nest (_store_records calls _aggregate, which calls the hook): each phase's own
# seconds exclude the phases it calls, so the column adds up to the import.
PROFILE_PHASES = [
    ("billbyte.usage.pipeline", "_block_digests", "block digests (scan, hash, group)"),
    ("billbyte.usage.pipeline", "_skip_unchanged_blocks", "leave unchanged blocks out"),
    ("billbyte.usage.pipeline", "_stage_lookups", "lookups and rating tables"),
    ("billbyte.usage.pipeline", "_build_rows", "type, key, match, rate (bb_rows)"),
    ("billbyte.usage.pipeline", "_store_rejections", "store rejected lines"),
    ("billbyte.usage.pipeline", "_replace_restated", "restatement anti-join"),
    ("billbyte.usage.pipeline", "_reverse_restated_invoiced_days", "reverse invoiced days"),
    ("billbyte.usage.pipeline", "_store_records", "duplicates, counts, insert records"),
    ("billbyte.usage.pipeline", "_aggregate", "analytic lines: delete, sums"),
    ("billbyte.usage.pipeline", "_insert_usage_lines", "analytic lines: insert"),
    ("billbyte.usage.pipeline", "_store_blocks", "store block digests"),
    ("billbyte.cloud.account", "_usage_lines_changed", "hook: budgets, billing checks"),
]


class Profile:
    """Where an import's time goes: seconds per phase of the pipeline (timers around
    its methods) and per SQL statement (a timer around Odoo's cursor), summed over
    every import since the last reset()."""

    def __init__(self, registry, threshold=None):
        from odoo.sql_db import Cursor

        from odoo.addons.billbyte_usage.focus import csv_stage

        self.threshold = threshold
        self.stack = []
        self.recording = False  # only the imports' own statements (see import_file)
        self.reset()
        execute = Cursor.execute
        profile = self

        def timed_execute(cursor, query, params=None, log_exceptions=True):
            started = time.monotonic()
            try:
                return execute(cursor, query, params, log_exceptions)
            finally:
                profile._statement(str(query), time.monotonic() - started)

        Cursor.execute = timed_execute
        stage = csv_stage.stage

        def timed_stage(*args, **kwargs):
            with self.phase("COPY the file into the stage"):
                started = time.monotonic()
                try:
                    return stage(*args, **kwargs)
                finally:
                    self._statement("COPY ... FROM STDIN (the file)", time.monotonic() - started)

        csv_stage.stage = timed_stage
        for model, method, label in PROFILE_PHASES:
            cls = registry[model]
            original = getattr(cls, method)

            def timed(recs, *args, _original=original, _label=label, **kwargs):
                with profile.phase(_label):
                    return _original(recs, *args, **kwargs)

            setattr(cls, method, timed)

    def reset(self):
        self.phases = {}  # label -> [own seconds, calls]
        self.statements = {}  # (phase, statement) -> [seconds, calls]
        self.total = 0.0

    @contextmanager
    def phase(self, label):
        started = time.monotonic()
        self.stack.append([label, 0.0])
        try:
            yield
        finally:
            _label, inner = self.stack.pop()
            elapsed = time.monotonic() - started
            entry = self.phases.setdefault(label, [0.0, 0])
            entry[0] += elapsed - inner
            entry[1] += 1
            if self.stack:
                self.stack[-1][1] += elapsed

    def _statement(self, query, elapsed):
        if not self.recording:
            return
        text = " ".join(query.split())
        # One row per statement whatever its work tables' session numbers or ids.
        text = re.sub(r"\d+", "N", text)
        phase = self.stack[-1][0] if self.stack else "(outside the pipeline)"
        entry = self.statements.setdefault((phase, text[:90]), [0.0, 0])
        entry[0] += elapsed
        entry[1] += 1
        if self.threshold is not None and elapsed > self.threshold:
            print(f"  {elapsed:7.2f} s  {text[:110]}", flush=True)

    def report(self, title, total_s, top=15):
        """Print the phase table and the costliest statements, as quotable text."""
        print(f"\nprofile: {title} ({total_s:.2f} s)")
        print(f"  {'phase':<40} {'own s':>8} {'share':>6} {'calls':>6}")
        measured = 0.0
        for label, (seconds, calls) in sorted(self.phases.items(), key=lambda i: -i[1][0]):
            measured += seconds
            print(f"  {label:<40} {seconds:8.2f} {seconds / total_s:6.1%} {calls:>6}")
        rest = total_s - measured
        print(f"  {'(the run itself, outside these phases)':<40} {rest:8.2f} {rest / total_s:6.1%}")
        print(f"  {'statement (phase)':<100} {'s':>7} {'share':>6} {'calls':>6}")
        ranked = sorted(self.statements.items(), key=lambda i: -i[1][0])[:top]
        for (phase, text), (seconds, calls) in ranked:
            label = f"{text} ({phase})"
            print(f"  {label[:100]:<100} {seconds:7.2f} {seconds / total_s:6.1%} {calls:>6}")
        print(flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def focus_file(rows):
    """The generated FOCUS file of `rows` rows (made once, then kept in the cache)."""
    data_dir = billbyte.CACHE / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"focus-{rows}.csv"
    if not path.exists():
        print(f"generating {path} ({rows} rows)...", flush=True)
        # In a child process, so that its memory does not count as ours.
        partial = path.with_suffix(".partial")
        subprocess.run(
            [sys.executable, __file__, "--generate", str(partial), str(rows)], check=True
        )
        partial.rename(path)
    return path


def open_registry(database):
    """Odoo's registry of the database, in this process."""
    import odoo

    odoo.tools.config.parse_config(
        [
            f"--addons-path={billbyte.ODOO_SRC / 'odoo' / 'addons'},{billbyte.ADDONS}",
            f"--data-dir={billbyte.DATA_DIR}",
            f"--db_host={os.environ.get('PGHOST', '')}",
            f"--db_port={os.environ.get('PGPORT', '5432')}",
            f"--db_user={os.environ.get('PGUSER', '')}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(database)


def prepare_database(database, budgets=True):
    """A fresh database with our modules, 2,000 customers with a cost-plus strategy and
    an AWS cloud account each, an AWS connection and (with `budgets`) a monthly budget
    with two per-service limits on every account. Returns (registry, connection id)."""
    template = billbyte.ensure_template()
    billbyte.clone_db(template, database)
    subprocess.run(
        billbyte.odoo_cmd(
            database,
            "-i",
            ",".join(billbyte.OUR_MODULES),
            "--stop-after-init",
            "--without-demo=all",
            "--log-level=warn",
            f"--http-port={billbyte.free_port()}",
        ),
        check=True,
    )

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        [
            f"--addons-path={billbyte.ODOO_SRC / 'odoo' / 'addons'},{billbyte.ADDONS}",
            f"--data-dir={billbyte.DATA_DIR}",
            f"--db_host={os.environ.get('PGHOST', '')}",
            f"--db_port={os.environ.get('PGPORT', '5432')}",
            f"--db_user={os.environ.get('PGUSER', '')}",
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(database)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        aws = env.ref("billbyte_catalog.vendor_aws")
        pricelist = env["product.pricelist"].create(
            {"name": "Bench cost-plus", "billbyte_strategy": "cost_plus", "billbyte_markup": 15}
        )
        partners = env["res.partner"].create(
            [
                {"name": f"Customer {n}", "property_product_pricelist": pricelist.id}
                for n in range(ACCOUNTS)
            ]
        )
        accounts = env["billbyte.cloud.account"].create(
            [
                {
                    "name": f"Account {n}",
                    "vendor_id": aws.id,
                    "vendor_account_id": account_id(n),
                    "partner_id": partner.id,
                }
                for n, partner in enumerate(partners)
            ]
        )
        connection = env["billbyte.connection"].create({"name": "Bench AWS", "vendor_id": aws.id})
        connection_id = connection.id
        if budgets:
            # A monthly budget with two per-service limits on every account (evaluated
            # after every import, as of the month of the file).
            env["billbyte.cloud.budget"].with_context(billbyte_as_of=BUDGET_AS_OF).create(
                [
                    {
                        "name": f"Budget {n}",
                        "cloud_account_id": account.id,
                        "amount": 1000,
                        "date_start": "2026-09-01",
                        "service_limit_ids": [
                            (
                                0,
                                0,
                                {
                                    "service_name": SERVICE_NAMES[(n * 7) % SERVICES],
                                    "cap_amount": 100,
                                },
                            ),
                            (
                                0,
                                0,
                                {
                                    "service_name": SERVICE_NAMES[(n * 7 + 1) % SERVICES],
                                    "cap_type": "share",
                                    "cap_share": 20,
                                },
                            ),
                        ],
                    }
                    for n, account in enumerate(accounts)
                ]
            )
    return registry, connection_id


def copy_floor(registry, path):
    """The floor: seconds to COPY the file into an unlogged table of as many text
    columns."""
    with registry.cursor() as cr:
        with open(path, newline="") as handle:
            columns = next(csv.reader(handle))
        cr.execute(
            "CREATE UNLOGGED TABLE bench_floor ("
            + ", ".join(f'"c{n}" text' for n in range(len(columns)))
            + ")"
        )
        cr.commit()
        started = time.monotonic()
        with open(path, "rb") as handle:
            cr._obj.copy_expert(
                "COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)", handle
            )
        cr.commit()
        floor_s = time.monotonic() - started
        cr.execute("DROP TABLE bench_floor")
        cr.commit()
    return floor_s


def time_budget_check(registry):
    """Put a timer around the usage hook's budget evaluation (nothing else changed);
    returns the list each evaluation appends its seconds to."""
    Evaluation = registry["billbyte.budget.evaluation"]
    evaluate_accounts = Evaluation._evaluate_accounts
    budget_check = []

    def timed_evaluate_accounts(self, account_ids, today=None):
        started = time.monotonic()
        try:
            return evaluate_accounts(self, account_ids, today=today)
        finally:
            budget_check.append(time.monotonic() - started)

    Evaluation._evaluate_accounts = timed_evaluate_accounts
    return budget_check


def import_file(registry, connection_id, path, label, profile=False, budget_check=None):
    """Import the file as one import run of the connection; returns (seconds, the run's
    state, message and counts, and the budget check's seconds)."""
    from odoo import SUPERUSER_ID, api

    if budget_check is not None:
        budget_check.clear()
    with registry.cursor() as cr:
        env = api.Environment(
            cr, SUPERUSER_ID, {"tracking_disable": True, "billbyte_as_of": BUDGET_AS_OF}
        )
        run = env["billbyte.usage.import"].create(
            {"connection_id": connection_id, "source": label, "source_path": str(path)}
        )
        cr.commit()
        started = time.monotonic()
        if profile:
            profile.recording = True
        try:
            run._process()
            cr.commit()
        finally:
            if profile:
                profile.recording = False
        elapsed = time.monotonic() - started
        return elapsed, dict(
            run.read(
                [
                    "state",
                    "message",
                    "rows_read",
                    "rows_imported",
                    "rows_duplicate",
                    "rows_rejected",
                    "rows_replaced",
                ]
            )[0],
            budget_check_s=sum(budget_check or []),
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--database", default=os.environ.get("BILLBYTE_BENCH_DB", "billbyte_bench"))
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where each import's time goes: per phase and per SQL statement",
    )
    args = parser.parse_args()

    data_dir = billbyte.CACHE / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"focus-{args.rows}.csv"
    if not path.exists():
        print(f"generating {path} ({args.rows} rows)...", flush=True)
        # In a child process, so that its memory does not count as ours.
        subprocess.run(
            [sys.executable, __file__, "--generate", str(path), str(args.rows)], check=True
        )
    size_mb = path.stat().st_size / 1e6

    registry, connection_id = prepare_database(args.database)
    floor_s = copy_floor(registry, path)
    budget_check = time_budget_check(registry)
    profile = Profile(registry) if args.profile else None

    def import_once(label):
        if profile:
            profile.reset()
        elapsed, run = import_file(registry, connection_id, path, label, profile, budget_check)
        if profile:
            profile.report(f"{label}, {run['rows_read']} rows, floor {floor_s:.2f} s", elapsed)
        return elapsed, run

    import_s, first = import_once("bench first import")
    if first["state"] != "done":
        sys.exit(f"bench-import: the import failed: {first['message']}")
    reimport_s, second = import_once("bench re-import")
    peak = peak_rss_mb()
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM account_analytic_line WHERE billbyte_cloud_account_id IS NOT NULL"
        )
        analytic_lines = cr.fetchone()[0]

    # The naive way: Odoo's own CSV import of analytic lines.
    naive_rows = min(args.naive_rows, args.rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "date", "amount", "unit_amount"])
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        for _n, row in zip(range(naive_rows), reader, strict=False):
            writer.writerow(
                [
                    row["ServiceName"],
                    row["ChargePeriodStart"][:10],
                    f"-{row['BilledCost']}".replace("--", ""),
                    row["PricingQuantity"],
                ]
            )
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        importer = env["base_import.import"].create(
            {
                "res_model": "account.analytic.line",
                "file": buffer.getvalue().encode(),
                "file_type": "text/csv",
                "file_name": "naive.csv",
            }
        )
        started = time.monotonic()
        result = importer.execute_import(
            ["name", "date", "amount", "unit_amount"],
            ["name", "date", "amount", "unit_amount"],
            {"quoting": '"', "separator": ",", "has_headers": True, "date_format": "%Y-%m-%d"},
        )
        cr.commit()
        naive_s = time.monotonic() - started
        if result.get("messages"):
            print("naive import messages:", result["messages"][:3])

    rows = first["rows_read"]
    import_rate = rows / import_s
    floor_rate = rows / floor_s
    naive_rate = naive_rows / naive_s
    print()
    print(f"file: {path} ({size_mb:.0f} MB, {rows} rows; {analytic_lines} analytic lines)")
    print(f"floor   COPY into unlogged table : {floor_s:8.2f} s  {floor_rate:10.0f} rows/s")
    print(
        f"ours    full import              : {import_s:8.2f} s  {import_rate:10.0f} rows/s  "
        f"({import_s / floor_s:.2f}x floor)  {first['message']}"
    )
    print(
        f"ours    re-import, same file     : {reimport_s:8.2f} s  {rows / reimport_s:10.0f} rows/s  "
        f"({reimport_s / floor_s:.2f}x floor)  "
        f"(new rows: {second['rows_imported']}, duplicates: {second['rows_duplicate']})"
    )
    print(
        f"naive   base_import {naive_rows} rows   : {naive_s:8.2f} s  {naive_rate:10.0f} rows/s  "
        f"(ours is {import_rate / naive_rate:.0f}x faster)"
    )
    print(
        f"budget check in the first import     : {first['budget_check_s']:8.2f} s  "
        f"({ACCOUNTS} accounts, each with a budget and two per-service limits; "
        f"{second['budget_check_s']:.2f} s in the re-import)"
    )
    print(f"peak memory of the importing process: {peak} MB")
    print(
        f"bench-import rows={rows} import_rows_per_s={import_rate:.0f} "
        f"floor_ratio={import_s / floor_s:.2f} reimport_new_rows={second['rows_imported']} "
        f"reimport_ratio={reimport_s / import_s:.2f} peak_rss_mb={peak} naive_rows_per_s={naive_rate:.0f} "
        f"budget_check_s={first['budget_check_s']:.2f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        main()
