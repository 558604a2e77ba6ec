# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from datetime import timedelta
from decimal import Decimal

from odoo import api, models

# The FOCUS 1.3 columns of a customer's usage file, in the specification's
# alphabetical order. Costs are the customer's amounts: vendor costs, list and
# contracted prices of the vendor never leave.
FOCUS_OUT_COLUMNS = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
]


def _stamp(value):
    """A FOCUS date-time: ISO 8601 in UTC with a Z."""
    if not value:
        return ""
    if not hasattr(value, "hour"):
        return f"{value.isoformat()}T00:00:00Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quantity(value):
    if value in (None, False, ""):
        return ""
    return format(Decimal(str(value)).normalize(), "f")


class BillbyteApi(models.AbstractModel):
    _inherit = "billbyte.api"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def get_focus_export(self, customer_id, period, account_id=None):
        """A customer's usage of a month (by charge date) as a FOCUS 1.3 CSV file:
        one row per usage record, ServiceProviderName and InvoiceIssuerName the
        provider's company, BilledCost (and Effective, List, Contracted) the
        customer's rated amount in the customer's currency exactly as rated,
        InvoiceId the Odoo invoice that billed it (or the provider's own reference
        of an acknowledged month-close export); never a vendor cost."""
        customer = self._customer(customer_id)
        first, last = self._period(period)
        accounts = self._customer_accounts(customer)
        if account_id is not None:
            accounts = self._cloud_account(account_id, customer)
        records = self.env["billbyte.usage.record"].search(
            [
                ("cloud_account_id", "in", accounts.ids),
                ("state", "=", "rated"),
                ("charge_date", ">=", first),
                ("charge_date", "<=", last),
            ],
            order="charge_date, id",
        )
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FOCUS_OUT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        if not records:
            return buffer.getvalue()
        exact = {row["id"]: row for row in records.get_usage_records()}
        invoices = self._focus_invoice_ids(records)
        company = self.env.company
        periods = {}
        for record in records:
            account = record.cloud_account_id
            key = (account.id, record.charge_date)
            if key not in periods:
                periods[key] = account._cycle_period(record.charge_date)
            start, end = periods[key]
            amount = exact[record.id]["price"] or "0"
            writer.writerow(
                {
                    "BilledCost": amount,
                    "BillingAccountId": customer.ref or str(customer.id),
                    "BillingAccountName": customer.name,
                    "BillingCurrency": record.currency_id.name,
                    "BillingPeriodEnd": _stamp(end + timedelta(days=1)),
                    "BillingPeriodStart": _stamp(start),
                    "ChargeCategory": record.charge_category,
                    "ChargeClass": record.charge_class or "",
                    "ChargeDescription": record.product_id.display_name or record.service_name,
                    "ChargeFrequency": record.charge_frequency or "",
                    "ChargePeriodEnd": _stamp(record.charge_period_end),
                    "ChargePeriodStart": _stamp(record.charge_period_start),
                    "ConsumedQuantity": _quantity(record.consumed_quantity),
                    "ConsumedUnit": record.consumed_unit or "",
                    "ContractedCost": amount,
                    "EffectiveCost": amount,
                    "HostProviderName": record.vendor_id.name or record.provider_name or "",
                    "InvoiceId": invoices.get(
                        (
                            account.id,
                            record.usage_date,
                            record.product_id.id,
                            record.corrected_period or "",
                        ),
                        "",
                    ),
                    "InvoiceIssuerName": company.name,
                    "ListCost": amount,
                    "PricingQuantity": exact[record.id]["pricing_quantity"] or "",
                    "PricingUnit": record.pricing_unit or "",
                    "PublisherName": record.publisher_name or "",
                    "RegionId": record.region_id or "",
                    "RegionName": record.region_name or "",
                    "ResourceId": record.resource_id or "",
                    "ResourceName": record.resource_name or "",
                    "ServiceCategory": record.service_category or "",
                    "ServiceName": record.service_name,
                    "ServiceProviderName": company.name,
                    "SkuId": record.sku_id or "",
                    "SubAccountId": account.vendor_account_id,
                    "SubAccountName": account.name,
                }
            )
        return buffer.getvalue()

    @api.model
    def _focus_invoice_ids(self, records):
        """{(account id, day, product id, corrected period): the invoice (or export
        reference) that billed that usage line}."""
        days = records.mapped("usage_date")
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [
                    ("billbyte_cloud_account_id", "in", records.cloud_account_id.ids),
                    ("date", ">=", min(days)),
                    ("date", "<=", max(days)),
                    ("billbyte_billed", "=", True),
                ]
            )
        )
        result = {}
        for line in lines:
            billed_by = line.billbyte_invoice_id.name or (
                line.billbyte_external_billing_id.reference
                or line.billbyte_external_billing_id.name
            )
            if billed_by:
                key = (
                    line.billbyte_cloud_account_id.id,
                    line.date,
                    line.product_id.id,
                    line.billbyte_corrected_period or "",
                )
                result[key] = billed_by
        return result
