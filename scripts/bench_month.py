#!/usr/bin/env python3
"""make bench-month: a month of daily month-to-date deliveries, imported in order.

Vendors re-deliver the whole month so far every day (AWS Data Exports, Partner
Center's unbilled export, FOCUS files are month to date). This generates such a
month: delivery d holds every row of days 1..d (the rows of bench_import's file:
2,000 cloud accounts, 60 services; 1,000,000 rows at day 30; a smaller ROWS
uses fewer accounts). Each delivery from the
second on also restates about 1 % of the earlier rows (whole account-days whose
costs the vendor revised, a third of them with one row dropped) and adds a few
corrections (ChargeClass Correction, on earlier days). The deliveries are imported
in order on one database; each one's COPY floor (COPY of the same file into an
unlogged table) is measured next to it. After the last delivery, the stored records,
their sums and the unbilled analytic lines are compared with those of the day-30
file imported alone into the emptied usage tables.

Last line: `bench-month deliveries=30 rows=N total_s=X floor_s=X floor_ratio=X
peak_rss_mb=N equal=yes|no`.
"""

import argparse
import csv
import io
import os
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import billbyte
from bench_import import (
    ACCOUNTS,
    HEADER,
    Profile,
    copy_floor,
    import_file,
    peak_rss_mb,
    prepare_database,
    time_budget_check,
    usage_row,
)

RESTATED_SHARE = 0.01
CORRECTIONS = 10


def _csv_text(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def generate(folder, rows, days):
    """Write deliveries 1..days into folder (delivery-DD.csv). Each block (day x account)
    is kept as CSV text and rewritten when restated."""
    rng = random.Random(42)
    # A small quick run keeps blocks of realistic size: fewer accounts, not fewer rows
    # per account and day (1,000,000 rows: 2,000 accounts, about 17 rows a day each).
    accounts = max(1, min(ACCOUNTS, rows // (days * 16)))
    per_block, extra = divmod(rows, days * accounts)
    blocks = {}  # (day, account) -> CSV text of its rows
    sizes = {}  # (day, account) -> its number of rows (with corrections)
    base = {}  # (day, account) -> its number of usage rows
    versions = {}

    def set_block(key, version, count):
        local = random.Random(hash((*key, version)) & 0xFFFFFFFF)
        blocks[key] = _csv_text(
            [usage_row(local, key[0], key[1], item, days) for item in range(count)]
        )
        sizes[key] = base[key] = count
        versions[key] = version

    for delivery in range(1, days + 1):
        if delivery > 1:
            # The vendor restates about 1 % of the earlier rows: whole account-days
            # with revised costs, a third of them with one row fewer.
            earlier = [(day, account) for day in range(1, delivery) for account in range(accounts)]
            count = max(1, round(RESTATED_SHARE * len(earlier)))
            for key in rng.sample(earlier, count):
                drop = 1 if base[key] > 1 and rng.random() < 1 / 3 else 0
                set_block(key, versions[key] + 1, base[key] - drop)
            # And adds a few corrections of earlier days.
            for number in range(CORRECTIONS):
                key = (rng.randint(1, delivery - 1), rng.randrange(accounts))
                row = usage_row(rng, key[0], key[1], 0, days)
                cost = f"-{rng.uniform(0.01, 1):.10f}"
                row.update(
                    ChargeCategory="Adjustment",
                    ChargeClass="Correction",
                    BilledCost=cost,
                    EffectiveCost=cost,
                    ListCost=cost,
                    ResourceId=f"correction/{delivery}/{number}",
                )
                blocks[key] += _csv_text([row])
                sizes[key] += 1
        for account in range(accounts):
            index = (delivery - 1) * accounts + account
            set_block((delivery, account), 0, per_block + (1 if index < extra else 0))
        path = Path(folder) / f"delivery-{delivery:02d}.csv"
        with open(path, "w", newline="") as handle:
            handle.write(",".join(HEADER) + "\n")
            for day in range(1, delivery + 1):
                for account in range(accounts):
                    handle.write(blocks[(day, account)])
    return sum(sizes.values())


# What is compared after the month: every record (its key, account, product, days,
# amounts) and every unbilled line, as sorted texts hashed, with their sums.
RECORDS_SQL = """
    SELECT count(*), sum(billed_cost)::text, sum(price)::text, sum(cost_company)::text,
           md5(string_agg(concat_ws('|', dedup_key, cloud_account_id, product_id, state,
                                    charge_date, usage_date, corrected_period, billed_cost,
                                    cost_company, price, pricing_quantity),
                          ',' ORDER BY dedup_key))
      FROM billbyte_usage_record
"""
LINES_SQL = """
    SELECT count(*), sum(amount)::text, sum(billbyte_price_exact)::text,
           md5(string_agg(concat_ws('|', billbyte_cloud_account_id, product_id, date,
                                    billbyte_corrected_period, amount, unit_amount,
                                    billbyte_price, billbyte_price_exact, billbyte_billed),
                          ',' ORDER BY billbyte_cloud_account_id, product_id, date,
                                       billbyte_corrected_period, amount))
      FROM account_analytic_line WHERE billbyte_cloud_account_id IS NOT NULL
"""


def stored_state(registry):
    with registry.cursor() as cr:
        cr.execute(RECORDS_SQL)
        records = cr.fetchone()
        cr.execute(LINES_SQL)
        lines = cr.fetchone()
    return records, lines


def empty_usage(registry):
    """The usage tables emptied (records, unbilled lines, delivered blocks): the
    database as before the first import, its accounts and products kept."""
    with registry.cursor() as cr:
        cr.execute("TRUNCATE billbyte_usage_record, billbyte_usage_block CASCADE")
        cr.execute("DELETE FROM account_analytic_line WHERE billbyte_cloud_account_id IS NOT NULL")
        cr.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database", default=os.environ.get("BILLBYTE_BENCH_DB", "billbyte_bench"))
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where the deliveries' time goes: per phase and per SQL statement, summed "
        "over the month, and the last delivery's alone",
    )
    args = parser.parse_args()

    folder = billbyte.CACHE / "bench" / f"month-{args.rows}-{args.days}"
    last = folder / f"delivery-{args.days:02d}.csv"
    if not last.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {args.days} deliveries into {folder}...", flush=True)
        # In a child process, so that its memory does not count as ours.
        subprocess.run(
            [sys.executable, __file__, "--generate", str(folder), str(args.rows), str(args.days)],
            check=True,
        )

    registry, connection_id = prepare_database(args.database)
    # Whatever usage the template database holds (demo usage) goes first: the month
    # and the day-30 file alone are compared on the same empty usage tables.
    empty_usage(registry)
    profile = Profile(registry) if args.profile else None
    budget_check = time_budget_check(registry)
    total_s = floor_s = budget_s = 0.0
    print(
        f"{'delivery':>8} {'rows':>9} {'typed':>8} {'import_s':>9} {'floor_s':>8} {'ratio':>6}  "
        f"new / replaced",
        flush=True,
    )
    for delivery in range(1, args.days + 1):
        path = folder / f"delivery-{delivery:02d}.csv"
        floor = copy_floor(registry, path)
        if profile and delivery == args.days:
            # The month so far is reported; the last delivery is reported alone.
            profile.report(
                f"deliveries 1 to {delivery - 1}, floors {floor_s:.2f} s", total_s or 1.0
            )
            profile.reset()
        elapsed, run = import_file(
            registry, connection_id, path, f"delivery {delivery}", profile, budget_check
        )
        if run["state"] != "done":
            sys.exit(f"bench-month: delivery {delivery} failed: {run['message']}")
        total_s += elapsed
        floor_s += floor
        budget_s += run["budget_check_s"]
        with registry.cursor() as cr:
            cr.execute(
                "SELECT COALESCE(sum(row_count), 0) FROM billbyte_usage_block WHERE run_id = "
                "(SELECT max(id) FROM billbyte_usage_import)"
            )
            typed = cr.fetchone()[0]
        print(
            f"{delivery:>8} {run['rows_read']:>9} {typed:>8} {elapsed:>9.2f} {floor:>8.2f} "
            f"{elapsed / floor:>6.2f}  {run['rows_imported']} / {run['rows_replaced']}",
            flush=True,
        )
    rows = run["rows_read"]
    if profile:
        profile.report(f"delivery {args.days} alone, {rows} rows, floor {floor:.2f} s", elapsed)
        profile.reset()
    peak = peak_rss_mb()
    month = stored_state(registry)

    empty_usage(registry)
    alone_s, alone = import_file(registry, connection_id, last, "day-30 file alone", profile)
    if profile:
        profile.report(f"the day-{args.days} file alone into empty tables", alone_s)
    if alone["state"] != "done":
        sys.exit(f"bench-month: the day-30 file alone failed: {alone['message']}")
    single = stored_state(registry)
    equal = month == single
    print()
    print(f"records after the month : {month[0]}")
    print(f"records of the file alone: {single[0]}")
    print(
        f"the day-{args.days} file alone: {alone_s:.2f} s; the month's budget checks: "
        f"{budget_s:.2f} s of the {total_s:.2f} s"
    )
    print(
        f"bench-month deliveries={args.days} rows={rows} total_s={total_s:.2f} "
        f"floor_s={floor_s:.2f} floor_ratio={total_s / floor_s:.2f} peak_rss_mb={peak} "
        f"equal={'yes' if equal else 'no'}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
