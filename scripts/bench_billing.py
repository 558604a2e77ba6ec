#!/usr/bin/env python3
"""make bench-billing: how fast a month of rated usage becomes posted invoices.

On one fresh database (our modules, no demo data): 1,000 customers x 3 cloud accounts
x 30 services of rated usage for September 2026, one analytic line per account x
service x day as the usage pipeline makes them (2.7 million lines). Then measures:
  - a billing run as of 2026-10-01, end to end (find customers, read usage, create
    and post the invoices, mark the usage billed), in batches as the jobs do;
  - the naive way: Odoo's plain one-by-one `account.move` create + post of the same
    invoices (on a sample of them, the rate is per invoice);
and prints the figures, ending with one machine-readable line.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import billbyte

SERVICES = 30
ACCOUNTS_PER_CUSTOMER = 3
DAYS = 30


def _registry(database):
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


def perform_jobs(database, uuids):
    """A job worker: perform these queue jobs, each in its own transaction, as
    queue_job's runner has an Odoo worker do."""
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.job import Job

    registry = _registry(database)
    for uuid in uuids:
        with registry.cursor() as cr:
            env = api.Environment(
                cr, SUPERUSER_ID, {"tracking_disable": True, "billbyte_defer_sending": True}
            )
            job = Job.load(env, uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=40, help="invoices made the naive way")
    parser.add_argument(
        "--database", default=os.environ.get("BILLBYTE_BENCH_DB", "billbyte_bench_billing")
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the billing run")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="job workers performing the run's batches side by side (default: one per core)",
    )
    parser.add_argument("--perform", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.perform is not None:
        perform_jobs(args.database, args.perform.split(",") if args.perform else [])
        return

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

    from odoo import SUPERUSER_ID, Command, api

    registry = _registry(args.database)
    # Sending (PDF, e-invoice, email) is not part of the measure: left to its cron.
    context = {
        "tracking_disable": True,
        "queue_job__no_delay": True,
        "billbyte_defer_sending": True,
    }

    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        aws = env.ref("billbyte_catalog.vendor_aws")
        tax = env["account.tax"].create(
            {"name": "Bench VAT 20 %", "amount": 20.0, "type_tax_use": "sale"}
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Service {n:02d}",
                    "type": "service",
                    "taxes_id": [Command.set(tax.ids)],
                    "billbyte_vendor_id": aws.id,
                    "billbyte_offer_type": "metered",
                    "billbyte_service_name": f"Service{n:02d}",
                }
                for n in range(SERVICES)
            ]
        )
        pricelist = env["product.pricelist"].create(
            {"name": "Bench cost-plus", "billbyte_strategy": "cost_plus", "billbyte_markup": 15}
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Customer {n:04d}",
                    "email": f"billing{n}@customer.example.com",
                    "property_product_pricelist": pricelist.id,
                }
                for n in range(args.customers)
            ]
        )
        accounts = env["billbyte.cloud.account"].create(
            [
                {
                    "name": f"Account {n}-{k}",
                    "vendor_id": aws.id,
                    "vendor_account_id": f"{100000000000 + n * 10 + k:012d}",
                    "partner_id": partner.id,
                }
                for n, partner in enumerate(partners)
                for k in range(ACCOUNTS_PER_CUSTOMER)
            ]
        )
        env.flush_all()
        plan_column = env.ref("billbyte_usage.analytic_plan_cloud_accounts")._column_name()
        # Rated usage as the pipeline leaves it: a line per account x service x day,
        # cost in the company currency (negative), customer amount exact and rounded.
        cr.execute(
            f"""
            INSERT INTO account_analytic_line
                   (name, date, amount, unit_amount, product_id, product_uom_id, partner_id,
                    company_id, currency_id, {plan_column}, billbyte_cloud_account_id,
                    billbyte_service_name, billbyte_currency_id, billbyte_price,
                    billbyte_price_exact, billbyte_billed, category,
                    create_uid, create_date, write_uid, write_date)
            SELECT pt.billbyte_service_name, d::date,
                   -round(c.cost, 2), c.qty, pp.id, pt.uom_id, ca.partner_id,
                   ca.company_id, ca.currency_id, ca.analytic_account_id, ca.id,
                   pt.billbyte_service_name, ca.currency_id, round(c.cost * 1.15, 2),
                   c.cost * 1.15, false, 'other', 1, now(), 1, now()
              FROM billbyte_cloud_account ca
             CROSS JOIN product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             CROSS JOIN generate_series('2026-09-01'::date, '2026-09-30'::date, '1 day') d
             CROSS JOIN LATERAL (
                   SELECT ((ca.id * 31 + pp.id * 7 + extract(day FROM d)::int) %% 997)
                          / 100.0 + 0.0137 AS cost,
                          ((ca.id + pp.id + extract(day FROM d)::int) %% 24 + 1)::numeric AS qty
             ) c
             WHERE ca.id = ANY(%s) AND pp.id = ANY(%s)
            """,
            [accounts.ids, products.ids],
        )
        usage_lines = cr.rowcount
        cr.execute("ANALYZE account_analytic_line")
    print(
        f"setup: {args.customers} customers, {len(accounts)} cloud accounts, {SERVICES} "
        f"services, {usage_lines} usage lines in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    if args.workers > 1 and not args.profile:
        # As deployed: the run enqueues its batches as queue_job jobs, and job
        # workers (processes) perform them side by side.
        with registry.cursor() as cr:
            env = api.Environment(
                cr, SUPERUSER_ID, {"tracking_disable": True, "billbyte_defer_sending": True}
            )
            run = env["billbyte.billing.run"].create({"date": "2026-10-01"})
            run.action_start()
            run_id = run.id
            uuids = (
                env["queue.job"]
                .search([("identity_key", "=like", f"billbyte_billing_run:{run_id}:%")])
                .mapped("uuid")
            )
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--database",
                    args.database,
                    "--perform",
                    ",".join(uuids[n :: args.workers]),
                ]
            )
            for n in range(args.workers)
        ]
        for worker in workers:
            if worker.wait():
                sys.exit(f"a job worker failed ({worker.returncode})")
    else:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            run = env["billbyte.billing.run"].create({"date": "2026-10-01"})
            run.action_start()
            run_id = run.id
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        run = env["billbyte.billing.run"].browse(run_id)
        invoices = len(run.invoice_ids)
        posted = len(run.invoice_ids.filtered(lambda m: m.state == "posted"))
        state, log = run.state, run.log
        lines = env["account.move.line"].search_count(
            [("move_id", "in", run.invoice_ids.ids), ("display_type", "=", "product")]
        )
    elapsed = time.perf_counter() - t0
    if profiler:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(70)
    rate = invoices / elapsed if elapsed else 0.0
    workers = 1 if args.profile else args.workers
    print(
        f"billing run with {workers} job worker(s): {state}, {invoices} invoices "
        f"({posted} posted, {lines} lines) in "
        f"{elapsed:.1f} s = {rate:.1f} invoices/s, {1000 * elapsed / max(invoices, 1):.0f} ms "
        "per invoice",
        flush=True,
    )
    print("\n".join(line for line in log.splitlines() if "Batch of" in line)[:2000], flush=True)
    if state != "done":
        print(log, flush=True)

    # The naive way: the same invoices, one by one, with Odoo's plain create + post.
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        sample = env["billbyte.billing.run"].browse(run_id).invoice_ids[: args.naive]
        vals_list = [
            {
                "move_type": move.move_type,
                "partner_id": move.partner_id.id,
                "currency_id": move.currency_id.id,
                "invoice_date": move.invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "display_type": line.display_type,
                            "name": line.name,
                            "product_id": line.product_id.id,
                            "quantity": line.quantity,
                            "price_unit": line.price_unit,
                            "analytic_distribution": line.analytic_distribution,
                        }
                        if line.display_type == "product"
                        else {"display_type": line.display_type, "name": line.name}
                    )
                    for line in move.invoice_line_ids
                ],
            }
            for move in sample
        ]
        t0 = time.perf_counter()
        for vals in vals_list:
            env["account.move"].create(vals).action_post()
        naive_elapsed = time.perf_counter() - t0
        cr.rollback()
    naive_rate = len(vals_list) / naive_elapsed if naive_elapsed else 0.0
    print(
        f"naive one-by-one create + post: {len(vals_list)} invoices in {naive_elapsed:.1f} s = "
        f"{naive_rate:.1f} invoices/s, {1000 * naive_elapsed / max(len(vals_list), 1):.0f} ms "
        "per invoice",
        flush=True,
    )
    print(
        f"bench-billing invoices={invoices} invoices_per_s={rate:.1f} "
        f"naive_invoices_per_s={naive_rate:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
