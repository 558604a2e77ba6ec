#!/usr/bin/env python3
"""make bench-prices: how fast a vendor's price sheet goes into the catalog.

Generates a Partner Center license price sheet (the documented columns of the
updatedlicensebased view, zipped as Partner Center answers when asked with
deflate) of 200,000 lines, then on one fresh database without demo data syncs it
through the code path of a Partner Center sync once the sheet is downloaded (the
catalog's reader and import, as a complete sheet):
  - into an empty catalog (every line a new product, its price and history);
  - again, unchanged (must write nothing);
  - with 1 % of the prices changed;
and prints the figures, ending with one machine-readable line:
  bench-prices lines=N first_s=X resync_s=X changed_s=X peak_rss_mb=N
"""

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import billbyte

HEADER = [
    "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription",
    "UnitOfMeasure", "TermDuration", "BillingPlan", "Market", "Currency", "UnitPrice",
    "PricingTierRangeMin", "PricingTierRangeMax", "EffectiveStartDate", "EffectiveEndDate",
    "Tags", "ERP Price",
]  # fmt: skip
SHEET_KEY = "partner_center:updatedlicensebased:US"


def sheet(lines, changed_every=0):
    """The zipped CSV of `lines` price lines; every `changed_every`-th price is 5 % higher."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(lines):
        cents = 100 + (n * 37) % 5000
        if changed_every and n % changed_every == 0:
            cents = cents * 105 // 100
        price = f"{cents // 100}.{cents % 100:02d}"
        title = f"Bench Product {n:06d}"
        writer.writerow(
            [
                title, f"CFQ7TT{n:06d}", "0001", title, "Microsoft Corporation", title,
                "Licenses", "P1M", "Monthly", "US", "USD", price, "", "",
                "12/1/2026 12:00:00 AM", "11/30/9999 11:59:59 PM", "License",
                f"{cents * 6 // 5 // 100}.{cents * 6 // 5 % 100:02d}",
            ]
        )  # fmt: skip
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pricesheet.csv", buffer.getvalue().encode("utf-8-sig"))
    return zipped.getvalue()


def profile_statements(threshold=0.2):
    """Print the SQL statements that take longer than threshold seconds."""
    from odoo.sql_db import Cursor

    execute = Cursor.execute

    def timed(self, query, params=None, log_exceptions=True):
        started = time.monotonic()
        try:
            return execute(self, query, params, log_exceptions)
        finally:
            elapsed = time.monotonic() - started
            if elapsed > threshold:
                print(f"  {elapsed:7.2f} s  {' '.join(str(query).split())[:110]}", flush=True)

    Cursor.execute = timed


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument(
        "--database", default=os.environ.get("BILLBYTE_BENCH_DB", "billbyte_bench") + "_prices"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print each SQL statement of the syncs that takes over 0.2 s",
    )
    parser.add_argument("--generate", nargs=3, metavar=("PATH", "LINES", "CHANGED_EVERY"))
    args = parser.parse_args()
    if args.generate:
        path, lines, changed_every = args.generate
        Path(path).write_bytes(sheet(int(lines), int(changed_every)))
        return

    data_dir = billbyte.CACHE / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        data_dir / f"pricesheet-{args.lines}.zip",
        data_dir / f"pricesheet-{args.lines}-changed.zip",
    ]
    for path, changed_every in zip(paths, (0, 100), strict=True):
        if not path.exists():
            # In a child process, so that its memory does not count as ours.
            subprocess.run(
                [sys.executable, __file__, "--generate", str(path), str(args.lines),
                 str(changed_every)],
                check=True,
            )  # fmt: skip

    template = billbyte.ensure_template()
    billbyte.clone_db(template, args.database)
    subprocess.run(
        billbyte.odoo_cmd(
            args.database,
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
    registry = odoo.modules.registry.Registry(args.database)
    if args.profile:
        profile_statements()
    unchanged = paths[0].read_bytes()
    changed = paths[1].read_bytes()
    print(
        f"sheet: {args.lines} lines, {len(unchanged) / 1e6:.1f} MB zipped "
        f"(Partner Center updatedlicensebased, market US)",
        flush=True,
    )

    def sync(label, content):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            vendor = env.ref("billbyte_catalog.vendor_microsoft")
            started = time.monotonic()
            run = env["billbyte.price.import"]._billbyte_import_file(
                vendor,
                "ms_license",
                content,
                file_name=f"updatedlicensebased US ({label})",
                run_values={"source": "partner_center", "sheet_key": SHEET_KEY},
                market="US",
            )
            cr.commit()
            elapsed = time.monotonic() - started
            counts = run.read(
                ["line_count", "created_count", "updated_count", "unchanged_count",
                 "retired_count", "rejected_count"]
            )[0]  # fmt: skip
            cr.execute("SELECT count(*) FROM billbyte_price_history")
            history = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM product_template WHERE billbyte_vendor_id = %s", [vendor.id]
            )
            products = cr.fetchone()[0]
        print(
            f"{label:<22}: {elapsed:7.2f} s  lines {counts['line_count']}, created "
            f"{counts['created_count']}, changed {counts['updated_count']}, unchanged "
            f"{counts['unchanged_count']}, retired {counts['retired_count']}, rejected "
            f"{counts['rejected_count']}; catalog {products} products, {history} history rows",
            flush=True,
        )
        return elapsed, counts, history

    first_s, first, history_first = sync("first sync", unchanged)
    if first["created_count"] != args.lines:
        sys.exit(f"bench-prices: the first sync created {first['created_count']} products")
    resync_s, again, history_again = sync("unchanged re-sync", unchanged)
    if again["unchanged_count"] != args.lines or history_again != history_first:
        sys.exit("bench-prices: the unchanged re-sync wrote something")
    changed_s, third, _history = sync("1 % of prices changed", changed)
    peak = peak_rss_mb()
    print(f"peak memory of the syncing process: {peak} MB")
    print(
        f"bench-prices lines={args.lines} first_s={first_s:.2f} resync_s={resync_s:.2f} "
        f"changed_s={changed_s:.2f} peak_rss_mb={peak}"
    )
    if third["updated_count"] != len(range(0, args.lines, 100)):
        sys.exit(f"bench-prices: {third['updated_count']} prices changed, not 1 %")


if __name__ == "__main__":
    main()
