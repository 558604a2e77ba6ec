# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""AWS's own usage file formats and how they map to FOCUS: the Cost and Usage
Report 2.0 of Data Exports (snake_case columns) and the legacy Cost and Usage Report
("lineItem/UnblendedCost" columns)."""

import json

from ..focus.source import focus_text
from .formats import VendorFormat, register_format

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


@register_format
class Cur2Format(VendorFormat):
    key = "aws_cur2"
    label = "AWS Cost and Usage Report 2.0"
    vendor_code = "aws"

    @classmethod
    def matches(cls, header):
        return is_cur2(header)

    @classmethod
    def extra_columns(cls, header):
        return list(CUR2_EXTRAS.values())

    @classmethod
    def to_focus(cls, row):
        return [cur2_to_focus(row)]


# The legacy Cost and Usage Report (CSV, "category/Name" columns) -> FOCUS, as CUR 2.0.
# identity/LineItemId is left out on purpose: AWS gives the same line another id in
# each delivery of the month, so it would make every re-delivery look new.
CUR_LEGACY_TO_FOCUS = {
    "bill/PayerAccountId": "BillingAccountId",
    "lineItem/CurrencyCode": "BillingCurrency",
    "lineItem/UnblendedCost": "BilledCost",
    "lineItem/NetUnblendedCost": "EffectiveCost",
    "pricing/publicOnDemandCost": "ListCost",
    "lineItem/UsageStartDate": "ChargePeriodStart",
    "lineItem/UsageEndDate": "ChargePeriodEnd",
    "bill/BillingPeriodStartDate": "BillingPeriodStart",
    "bill/BillingPeriodEndDate": "BillingPeriodEnd",
    "lineItem/LineItemDescription": "ChargeDescription",
    "lineItem/LegalEntity": "PublisherName",
    "lineItem/ProductCode": "ServiceName",
    "product/sku": "SkuId",
    "lineItem/UsageAccountId": "SubAccountId",
    "lineItem/UsageAmount": "ConsumedQuantity",
    "pricing/unit": "PricingUnit",
    "bill/InvoiceId": "InvoiceId",
    "lineItem/ResourceId": "ResourceId",
    "product/location": "RegionName",
}
CUR_LEGACY_EXTRAS = {
    "lineItem/UsageType": "x_UsageType",
    "lineItem/Operation": "x_Operation",
    "lineItem/LineItemType": "x_LineItemType",
    "product/ProductName": "x_ProductName",
    "lineItem/AvailabilityZone": "x_AvailabilityZone",
    "savingsPlan/SavingsPlanARN": "x_SavingsPlanArn",
    "reservation/ReservationARN": "x_ReservationArn",
}
CUR_LEGACY_TAGS = "x_ResourceTags"
CUR_LEGACY_TAG_PREFIX = "resourceTags/"


def is_cur_legacy(header):
    if "BilledCost" in header and "ChargePeriodStart" in header:
        return False  # FOCUS, with the CUR's columns too
    return "lineItem/UnblendedCost" in header or "lineItem/UsageAccountId" in header


def cur_legacy_to_focus(row):
    """A legacy CUR row ("lineItem/UsageAccountId" columns) as FOCUS columns."""
    focus = {focus_name: row.get(name) for name, focus_name in CUR_LEGACY_TO_FOCUS.items()}
    focus.update({extra: row.get(name) for name, extra in CUR_LEGACY_EXTRAS.items()})
    # The region code: product/regionCode in today's reports, product/region before.
    focus["RegionId"] = row.get("product/regionCode") or row.get("product/region")
    item_type = focus_text(row.get("lineItem/LineItemType")).strip()
    focus["ChargeCategory"] = CUR2_CHARGE_CATEGORY.get(item_type, "Adjustment" if item_type else "")
    focus["PricingQuantity"] = row.get("lineItem/UsageAmount")
    focus["ConsumedUnit"] = row.get("pricing/unit")
    focus["ProviderName"] = "AWS"
    # Tags (one column each, "resourceTags/user:team") as one JSON object, as FOCUS's
    # Tags column holds them; only the tags the line has.
    tags = {
        name[len(CUR_LEGACY_TAG_PREFIX) :]: value
        for name, value in row.items()
        if name and name.startswith(CUR_LEGACY_TAG_PREFIX) and value and value.strip()
    }
    focus[CUR_LEGACY_TAGS] = json.dumps(tags, sort_keys=True) if tags else None
    return focus


@register_format
class CurLegacyFormat(VendorFormat):
    key = "aws_cur_legacy"
    label = "AWS Cost and Usage Report (legacy)"
    vendor_code = "aws"

    @classmethod
    def matches(cls, header):
        return is_cur_legacy(header)

    @classmethod
    def extra_columns(cls, header):
        return [*CUR_LEGACY_EXTRAS.values(), CUR_LEGACY_TAGS]

    @classmethod
    def to_focus(cls, row):
        return [cur_legacy_to_focus(row)]
