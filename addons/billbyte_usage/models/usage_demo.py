# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import random
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models

DEMO_HEADER = [
    "BillingAccountId",
    "BillingCurrency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ProviderName",
    "ServiceName",
    "ServiceCategory",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "RegionId",
    "x_UsageType",
]

# Per vendor: the payer account, the provider name and the daily usage of one
# cloud account: (service, category, SKU, unit, unit cost, usual daily quantity,
# usage type). SKUs and services match the catalog's demo products.
DEMO_USAGE = {
    "aws": {
        "billing_account": "999900001111",
        "provider": "AWS",
        "region": "eu-west-1",
        "services": [
            (
                "Amazon Elastic Compute Cloud",
                "Compute",
                "",
                "Hours",
                "0.096",
                72,
                "BoxUsage:m5.large",
            ),
            (
                "Amazon Simple Storage Service",
                "Storage",
                "",
                "GB-Mo",
                "0.023",
                18,
                "TimedStorage-ByteHrs",
            ),
            (
                "Amazon Relational Database Service",
                "Databases",
                "",
                "Hours",
                "0.171",
                24,
                "InstanceUsage:db.m5.large",
            ),
            ("AWS Data Transfer", "Networking", "", "GB", "0.09", 40, "DataTransfer-Out-Bytes"),
        ],
    },
    "microsoft": {
        "billing_account": "7a1d2c3e-0000-4b5c-8d9e-0f1a2b3c4d5e",
        "provider": "Microsoft",
        "region": "westeurope",
        "services": [
            (
                "Virtual Machines",
                "Compute",
                "0b9d9a5b-6e68-4ef1-9b3c-0a2f2d8c3d11",
                "1 Hour",
                "0.096",
                48,
                "D2s v5",
            ),
            (
                "Backup",
                "Storage",
                "4ed7f1a4-1d2a-4a36-a3f8-5a0c2b4d9e21",
                "1/Month",
                "5.00",
                0.1,
                "Protected Instance",
            ),
            ("Storage", "Storage", "", "1 GB/Month", "0.0184", 25, "LRS Data Stored"),
        ],
    },
}


def demo_focus_csv(vendor_code, accounts, last_day, days=30):
    """A deterministic FOCUS 1.2 file: `days` days of usage up to `last_day` for each
    (vendor account id, name) in accounts, with one credit in the middle of the period.

    The same arguments give the same bytes."""
    spec = DEMO_USAGE[vendor_code]
    rng = random.Random(f"billbyte-demo-{vendor_code}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DEMO_HEADER)
    first_day = last_day - timedelta(days=days - 1)
    for account_id, account_name in accounts:
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            start, end = f"{day}T00:00:00Z", f"{day + timedelta(days=1)}T00:00:00Z"
            for service, category, sku, unit, unit_cost, daily, usage_type in spec["services"]:
                quantity = Decimal(str(round(daily * rng.uniform(0.8, 1.2), 4)))
                cost = (quantity * Decimal(unit_cost)).quantize(Decimal("0.000001"))
                writer.writerow(
                    [
                        spec["billing_account"],
                        "USD",
                        cost,
                        cost,
                        cost,
                        start,
                        end,
                        "Usage",
                        spec["provider"],
                        service,
                        category,
                        sku,
                        account_id,
                        account_name,
                        quantity,
                        unit,
                        quantity,
                        unit,
                        spec["region"],
                        usage_type,
                    ]
                )
            if offset == days // 2:
                service, category = spec["services"][0][:2]
                writer.writerow(
                    [
                        spec["billing_account"],
                        "USD",
                        "-5.00",
                        "-5.00",
                        "0",
                        start,
                        end,
                        "Credit",
                        spec["provider"],
                        service,
                        category,
                        "",
                        account_id,
                        account_name,
                        "",
                        "",
                        "",
                        "",
                        spec["region"],
                        "Promotional credit",
                    ]
                )
    return buffer.getvalue().encode()


class BillbyteUsageDemo(models.AbstractModel):
    """Demo data of the usage module: a month of usage of the demo cloud accounts,
    imported through the same path as an uploaded FOCUS file."""

    _name = "billbyte.usage.demo"
    _description = "Cloud Usage Demo Data"

    @api.model
    def _load_demo_usage(self, connection_xmlids, days=30):
        """Import `days` days of generated usage, up to yesterday, through each demo
        connection (xml ids). A connection that already has an import run is left
        alone. Returns the import runs."""
        last_day = fields.Date.context_today(self) - timedelta(days=1)
        runs = self.env["billbyte.usage.import"]
        for xmlid in connection_xmlids:
            connection = self.env.ref(xmlid, raise_if_not_found=False)
            if connection and not connection.import_run_ids:
                runs |= self._import_demo_usage(connection, last_day, days)
        return runs

    @api.model
    def _import_demo_usage(self, connection, last_day, days=30):
        """Generate the usage of the connection vendor's cloud accounts (of its
        company) and import it as an uploaded file is: an attachment and an import
        run, processed. Returns the run, or an empty recordset without accounts."""
        accounts = self.env["billbyte.cloud.account"].search(
            [
                ("vendor_id", "=", connection.vendor_id.id),
                ("company_id", "=", connection.company_id.id),
            ],
            order="id",
        )
        if not accounts:
            return self.env["billbyte.usage.import"]
        content = demo_focus_csv(
            connection.vendor_id.code,
            [(account.vendor_account_id, account.name) for account in accounts],
            last_day,
            days,
        )
        filename = f"focus-demo-{connection.vendor_id.code}-{last_day:%Y-%m-%d}.csv"
        run = self.env["billbyte.usage.import"].create(
            {"connection_id": connection.id, "source": filename}
        )
        run.attachment_id = self.env["ir.attachment"].create(
            {"name": filename, "raw": content, "res_model": run._name, "res_id": run.id}
        )
        run._process()
        return run
