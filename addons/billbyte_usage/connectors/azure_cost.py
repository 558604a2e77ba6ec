# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Azure's own usage file format and how it maps to FOCUS: Cost Management's "Cost
details" (formerly "Usage details") exports and downloads, of an Enterprise Agreement
(Cost, dates as MM/DD/YYYY) or a Microsoft Customer Agreement (CostInBillingCurrency,
ISO dates).

Column names are read regardless of case: the portal's downloads write them in
PascalCase, scheduled exports mostly in camelCase ("costInBillingCurrency").
"""

import re
from datetime import date, timedelta

from .formats import VendorFormat, register_format

# Cost details column (lower case) -> FOCUS column, values as written.
AZURE_TO_FOCUS = {
    "billingaccountid": "BillingAccountId",
    "subscriptionname": "SubAccountName",
    "metercategory": "ServiceName",
    "meterid": "SkuId",
    "quantity": "ConsumedQuantity",
    "unitofmeasure": "ConsumedUnit",
    "resourceid": "ResourceId",
    "resourcename": "ResourceName",
    "resourcelocation": "RegionName",
    "invoiceid": "InvoiceId",
    "publishername": "PublisherName",
    "paygcostinbillingcurrency": "ListCost",
}
# Cost details column (lower case) -> extra column.
AZURE_EXTRAS = {
    "metername": "x_MeterName",
    "metersubcategory": "x_MeterSubCategory",
    "meterregion": "x_MeterRegion",
    "resourcelocation": "x_ResourceLocation",
    "resourcegroup": "x_ResourceGroup",
    "consumedservice": "x_ConsumedService",
    "productname": "x_ProductName",
    "unitprice": "x_UnitPrice",
    "effectiveprice": "x_EffectivePrice",
    "chargetype": "x_ChargeType",
    "publishertype": "x_PublisherType",
    "invoicesectionid": "x_InvoiceSectionId",
    "invoicesectionname": "x_InvoiceSectionName",
    "billingprofileid": "x_BillingProfileId",
    "benefitname": "x_BenefitName",
    "reservationname": "x_ReservationName",
    "pricingmodel": "x_PricingModel",
    "tags": "x_Tags",
}
# ChargeType -> FOCUS ChargeCategory (any other type is an adjustment).
AZURE_CHARGE_CATEGORY = {
    "usage": "Usage",
    "purchase": "Purchase",
    "refund": "Credit",
    "tax": "Tax",
}

_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]*Z?)?\s*$")


def lower_keys(row):
    """A row's columns by their lower-case names (blanks and a byte order mark off)."""
    return {
        key.strip().lstrip("\ufeff").lower(): value
        for key, value in row.items()
        if isinstance(key, str)
    }


def azure_day(text):
    """A cost details date (MM/DD/YYYY or YYYY-MM-DD) as a date, or None."""
    match = _US_DATE.match(text or "")
    if match:
        month, day, year = (int(part) for part in match.groups())
    else:
        match = _ISO_DATE.match(text or "")
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def azure_period(text, days=0):
    """A cost details date as a FOCUS date-time (UTC midnight), `days` later; what
    cannot be read stays as written, so that the pipeline rejects it with its reason."""
    day = azure_day(text)
    if day is None:
        return text
    return f"{(day + timedelta(days=days)).isoformat()}T00:00:00Z"


def is_azure_cost(header):
    names = {name.strip().lstrip("\ufeff").lower() for name in header}
    return (
        not {"billedcost", "chargeperiodstart"} <= names  # FOCUS, with Azure's columns too
        and bool(names & {"metercategory", "meterid"})
        and bool(names & {"costinbillingcurrency", "cost"})
        and bool(names & {"subscriptionid", "subscriptionguid"})
        and "date" in names
    )


def azure_to_focus(row):
    """A cost details row as FOCUS columns."""
    source = lower_keys(row)
    focus = {focus_name: source.get(name) for name, focus_name in AZURE_TO_FOCUS.items()}
    focus.update({extra: source.get(name) for name, extra in AZURE_EXTRAS.items()})
    # EA's older files carry the subscription's number as SubscriptionId and its GUID
    # as SubscriptionGuid: the GUID is what cloud accounts hold.
    focus["SubAccountId"] = source.get("subscriptionguid") or source.get("subscriptionid")
    # MCA states the cost in the billing currency; EA as Cost.
    if "costinbillingcurrency" in source:
        focus["BilledCost"] = source["costinbillingcurrency"]
    else:
        focus["BilledCost"] = source.get("cost")
    currency = source.get("billingcurrency") or source.get("billingcurrencycode")
    focus["BillingCurrency"] = currency or source.get("currency")
    # Daily rows: the day, to the next midnight.
    day = source.get("date")
    focus["ChargePeriodStart"] = azure_period(day)
    focus["ChargePeriodEnd"] = azure_period(day, 1)
    # The billing period's last day is inclusive; FOCUS's end is exclusive.
    focus["BillingPeriodStart"] = azure_period(source.get("billingperiodstartdate"))
    focus["BillingPeriodEnd"] = azure_period(source.get("billingperiodenddate"), 1)
    focus["PricingQuantity"] = source.get("quantity")
    focus["PricingUnit"] = source.get("unitofmeasure")
    focus["ChargeDescription"] = source.get("productname") or source.get("metername")
    # (EA's older files have no ChargeType: all their rows are usage. An empty one is
    # left empty: the pipeline rejects the row.)
    charge_type = (source.get("chargetype", "Usage") or "").strip()
    focus["ChargeCategory"] = (
        AZURE_CHARGE_CATEGORY.get(charge_type.lower(), "Adjustment") if charge_type else ""
    )
    focus["ProviderName"] = "Microsoft"
    return focus


@register_format
class AzureCostDetailsFormat(VendorFormat):
    key = "azure_cost_details"
    label = "Azure cost details export (EA / MCA)"
    vendor_code = "microsoft"

    @classmethod
    def matches(cls, header):
        return is_azure_cost(header)

    @classmethod
    def extra_columns(cls, header):
        return list(dict.fromkeys(AZURE_EXTRAS.values()))

    @classmethod
    def to_focus(cls, row):
        return [azure_to_focus(row)]
