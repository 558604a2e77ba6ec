#!/usr/bin/env python3
"""make bench-licenses: how fast Microsoft licenses are kept in step with Partner Center.

On one fresh database (our modules, no demo data): CUSTOMERS customers (2,000 by
default), each with a Microsoft tenant (cloud account) and 10 new-commerce license
subscriptions at the Partner Center stand-in (the test server of billbyte_usage,
over HTTPS, answering page by page with continuation tokens). Odoo already bills 9
of each customer's 10 subscriptions, one of them with a seat count that differs.
Then measures:
  - a full license sync (every customer's subscriptions, paced under Partner
    Center's request rate: system parameter billbyte.ms_requests_per_minute, 500);
  - the reconciliation (set-based SQL) that lists every difference;
  - a second sync with nothing changed at Microsoft, which must write nothing;
and prints the figures, ending with one machine-readable line:
  bench-licenses subscriptions=N sync_s=X reconcile_s=X requests=N
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import billbyte

SUBSCRIPTIONS = 10


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument(
        "--database", default=os.environ.get("BILLBYTE_BENCH_DB", "billbyte_bench_licenses")
    )
    parser.add_argument(
        "--rate", type=float, default=500, help="requests per minute (Partner Center's pace)"
    )
    parser.add_argument("--installed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.installed:
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

    registry = _registry(args.database)
    from odoo import SUPERUSER_ID, api

    # The stand-in module alone (importing the tests package would load Odoo's test
    # framework).
    spec = importlib.util.spec_from_file_location(
        "billbyte_vendor_servers",
        billbyte.ADDONS / "billbyte_usage" / "tests" / "vendor_servers.py",
    )
    vendor_servers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_servers)
    PartnerCenterStandIn = vendor_servers.PartnerCenterStandIn

    stand_in = PartnerCenterStandIn()
    stand_in.page_size = 500
    skus = [f"CFQ7TTC0B{n:03d}:0001" for n in range(SUBSCRIPTIONS)]
    tenants = [str(uuid.UUID(int=n + 1)) for n in range(args.customers)]
    for number, tenant in enumerate(tenants):
        stand_in.customers[tenant] = {
            "name": f"Customer {number}",
            "domain": f"c{number}.onmicrosoft.com",
            "subscriptions": [],
        }
        for index, sku in enumerate(skus):
            stand_in.add_subscription(
                tenant,
                str(uuid.UUID(int=(number + 1) * 100 + index)),
                offerId=sku,
                offerName=f"License {index}",
                quantity=10 + index,
                termDuration="P1M",
                cancellationAllowedUntilDate="2026-01-08T00:00:00Z",
            )

    context = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            env["ir.config_parameter"].set_param("billbyte.ms_requests_per_minute", str(args.rate))
            env["ir.config_parameter"].set_param("billbyte.retry_base_delay", "0.5")
            microsoft = env.ref("billbyte_catalog.vendor_microsoft")
            connection = env["billbyte.connection"].create(
                {
                    "name": "Partner Center (bench)",
                    "vendor_id": microsoft.id,
                    "kind": "microsoft",
                    "ms_tenant_id": stand_in.TENANT,
                    "ms_client_id": stand_in.CLIENT_ID,
                    "ms_client_secret": stand_in.CLIENT_SECRET,
                    "ms_authority_url": stand_in.url,
                    "ms_graph_url": stand_in.url,
                    "ms_partner_center_url": stand_in.url,
                    "tls_ca_bundle": stand_in.ca_path,
                }
            )
            products = (
                env["product.template"]
                .create(
                    [
                        {
                            "name": f"License {index}",
                            "type": "service",
                            "billbyte_vendor_id": microsoft.id,
                            "billbyte_offer_type": "license",
                            "billbyte_sku_id": sku,
                            "billbyte_term": "monthly",
                            "list_price": 10.0 + index,
                        }
                        for index, sku in enumerate(skus)
                    ]
                )
                .product_variant_ids
            )
            partners = env["res.partner"].create(
                [{"name": f"Customer {n}", "is_company": True} for n in range(args.customers)]
            )
            accounts = env["billbyte.cloud.account"].create(
                [
                    {
                        "name": f"Tenant {n}",
                        "vendor_id": microsoft.id,
                        "vendor_account_id": str(uuid.UUID(int=10**9 + n)),
                        "vendor_customer_id": tenant,
                        "partner_id": partner.id,
                        "connection_id": connection.id,
                    }
                    for n, (tenant, partner) in enumerate(zip(tenants, partners, strict=True))
                ]
            )
            licenses = []
            for number, account in enumerate(accounts):
                for index, product in enumerate(products[: SUBSCRIPTIONS - 1]):
                    licenses.append(
                        {
                            "cloud_account_id": account.id,
                            "product_id": product.id,
                            # One seat count per customer differs from Microsoft's.
                            "seats": 10 + index + (1 if index == 0 else 0),
                            "term": "monthly",
                            "date_start": "2026-01-01",
                            "price_unit": 10.0 + index,
                            "ms_subscription_id": str(uuid.UUID(int=(number + 1) * 100 + index)),
                        }
                    )
            env["billbyte.license"].create(licenses)
            connection_id = connection.id

        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            connection = env["billbyte.connection"].browse(connection_id)
            started = time.monotonic()
            first = connection._sync_licenses()
            total = time.monotonic() - started
        print(
            f"first sync: {first['subscriptions']} subscriptions in {first['sync_s']:.1f} s "
            f"({first['requests']} requests), {first['written']} rows written; reconciliation "
            f"{first['reconcile_s']:.2f} s, {first['open']} differences; {total:.1f} s in all"
        )

        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, context)
            connection = env["billbyte.connection"].browse(connection_id)
            second = connection._sync_licenses()
        print(
            f"second sync (no change): {second['written']} rows written, "
            f"{second['sync_s']:.1f} s; {second['added']} differences added, {second['gone']} gone"
        )
        expected_open = args.customers * 2  # a seat difference and one subscription unbilled
        if second["written"] or second["added"] or second["gone"]:
            print("FAIL: a sync with no change wrote something")
            sys.exit(1)
        if first["open"] != expected_open:
            print(f"FAIL: {first['open']} differences, {expected_open} expected")
            sys.exit(1)
        print(
            f"bench-licenses subscriptions={first['subscriptions']} sync_s={first['sync_s']:.1f} "
            f"reconcile_s={first['reconcile_s']:.2f} requests={first['requests']}"
        )
    finally:
        stand_in.stop()


if __name__ == "__main__":
    main()
