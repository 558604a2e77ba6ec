# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""FOCUS CSV written by the connectors, and the mappings of vendor columns to FOCUS."""

import csv
import io
import tempfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

# What every connector writes; vendor extras follow as x_ columns.
FOCUS_HEADER = [
    "BillingAccountId",
    "BillingCurrency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ProviderName",
    "PublisherName",
    "ServiceName",
    "SkuId",
    "SubAccountId",
    "SubAccountName",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "InvoiceId",
    "ResourceId",
    "RegionId",
]

# The column an estimate row carries: its records are replaced by the vendor's
# export once that covers their days.
ESTIMATE_COLUMN = "x_Estimate"


class VendorError(Exception):
    """A vendor refused or failed: the message is for the user, in plain words."""


def focus_text(value):
    """A value as FOCUS CSV text: exact decimals, ISO 8601 UTC date-times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class FocusSource:
    """FOCUS CSV rows spooled to a temporary file, plus the lines a connector could
    not even turn into a row (kept as rejections with their reasons)."""

    def __init__(self, extra_columns=()):
        self.header = FOCUS_HEADER + [c for c in extra_columns if c not in FOCUS_HEADER]
        self.file = tempfile.TemporaryFile()
        self.text = io.TextIOWrapper(self.file, encoding="utf-8", newline="", write_through=True)
        self.writer = csv.DictWriter(
            self.text, fieldnames=self.header, extrasaction="ignore", lineterminator="\n"
        )
        self.writer.writeheader()
        self.rows = 0
        self.rejections = []  # (line number, reason, raw text)

    def add(self, row):
        self.writer.writerow({key: focus_text(value) for key, value in row.items()})
        self.rows += 1

    def reject(self, line_number, reason, raw):
        self.rejections.append((line_number, reason, (raw or "")[:1000]))

    def stream(self):
        self.text.flush()
        self.text.detach()
        self.file.seek(0)
        return self.file

    def close(self):
        self.file.close()


# CUR 2.0 (snake_case) -> FOCUS.
CUR2_TO_FOCUS = {
    "bill_payer_account_id": "BillingAccountId",
    "line_item_currency_code": "BillingCurrency",
    "line_item_unblended_cost": "BilledCost",
    "line_item_net_unblended_cost": "EffectiveCost",
    "pricing_public_on_demand_cost": "ListCost",
    "line_item_usage_start_date": "ChargePeriodStart",
    "line_item_usage_end_date": "ChargePeriodEnd",
    "bill_billing_period_start_date": "BillingPeriodStart",
    "bill_billing_period_end_date": "BillingPeriodEnd",
    "line_item_line_item_description": "ChargeDescription",
    "line_item_legal_entity": "PublisherName",
    "line_item_product_code": "ServiceName",
    "product_sku": "SkuId",
    "line_item_usage_account_id": "SubAccountId",
    "line_item_usage_account_name": "SubAccountName",
    "line_item_usage_amount": "ConsumedQuantity",
    "pricing_unit": "PricingUnit",
    "bill_invoice_id": "InvoiceId",
    "line_item_resource_id": "ResourceId",
    "product_region_code": "RegionId",
}
CUR2_EXTRAS = {
    "line_item_usage_type": "x_UsageType",
    "line_item_operation": "x_Operation",
    "line_item_line_item_type": "x_LineItemType",
}
# CUR line item types -> FOCUS ChargeCategory.
CUR2_CHARGE_CATEGORY = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "Tax": "Tax",
    "Credit": "Credit",
    "Refund": "Credit",
    "BundledDiscount": "Credit",
    "Discount": "Credit",
    "SavingsPlanNegation": "Credit",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
}


def is_cur2(header):
    return "line_item_unblended_cost" in header or "line_item_usage_account_id" in header


def cur2_to_focus(row):
    """A CUR 2.0 row (snake_case columns) as FOCUS columns."""
    focus = {focus_name: row.get(cur_name) for cur_name, focus_name in CUR2_TO_FOCUS.items()}
    focus.update({extra: row.get(cur_name) for cur_name, extra in CUR2_EXTRAS.items()})
    item_type = focus_text(row.get("line_item_line_item_type"))
    focus["ChargeCategory"] = CUR2_CHARGE_CATEGORY.get(item_type, "Adjustment" if item_type else "")
    focus["PricingQuantity"] = row.get("pricing_quantity", row.get("line_item_usage_amount"))
    focus["ConsumedUnit"] = row.get("pricing_unit")
    focus["ProviderName"] = "AWS"
    return focus


def day_bounds(day):
    return day, day + timedelta(days=1)
