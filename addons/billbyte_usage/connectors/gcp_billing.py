# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Google Cloud's own usage file format and how it maps to FOCUS: the standard
billing export to BigQuery (gcp_billing_export_v1_*) flattened to CSV, its nested
fields as dotted columns ("service.description"; "service_description" is read
too) and its repeated ones as JSON ("credits", "labels").

Each credit of a row is a record of its own (ChargeCategory Credit, BilledCost the
credit's amount as written), so that the BilledCost imported is the sum of the costs
and of the credits, exactly.
"""

import json
import re

from .formats import VendorFormat, register_format

# Export column (lower case, "." as "_") -> FOCUS column, values as written.
GCP_TO_FOCUS = {
    "billing_account_id": "BillingAccountId",
    "currency": "BillingCurrency",
    "cost": "BilledCost",
    "cost_at_list": "ListCost",
    "project_id": "SubAccountId",
    "project_name": "SubAccountName",
    "service_description": "ServiceName",
    "sku_id": "SkuId",
    "sku_description": "ChargeDescription",
    "usage_amount": "ConsumedQuantity",
    "usage_unit": "ConsumedUnit",
    "usage_amount_in_pricing_units": "PricingQuantity",
    "usage_pricing_unit": "PricingUnit",
    "location_region": "RegionId",
}
# Export column -> extra column.
GCP_EXTRAS = {
    "service_id": "x_ServiceId",
    "cost_type": "x_CostType",
    "invoice_month": "x_InvoiceMonth",
    "project_number": "x_ProjectNumber",
    "location_zone": "x_Zone",
    "resource_name": "x_ResourceName",
    "labels": "x_Labels",
    "currency_conversion_rate": "x_CurrencyConversionRate",
}
# The extra columns of a credit's record.
CREDIT_EXTRAS = ("x_CreditName", "x_CreditType", "x_CreditId", "x_CreditFullName")
# cost_type -> FOCUS ChargeCategory (any other type is an adjustment).
GCP_CHARGE_CATEGORY = {"regular": "Usage", "tax": "Tax"}
# Rows whose credits cannot be read: one record stands for them, its BilledCost the
# reason, which the pipeline rejects as not a number (naming it).
BAD_CREDITS = "credits of this row are not valid JSON: {}"
BAD_CREDIT = "a credit of this row is not a JSON object: {}"

_BQ_TIMESTAMP = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:UTC|Z|\+00:?00)?\s*$",
    re.IGNORECASE,
)
_INVOICE_MONTH = re.compile(r"^\s*(\d{4})(0[1-9]|1[0-2])\s*$")


def column_key(name):
    """The name a flattened export's column is read by: lower case, "." as "_"."""
    return name.strip().lstrip("\ufeff").lower().replace(".", "_")


def gcp_timestamp(text):
    """BigQuery's "2026-10-01 00:00:00 UTC" as ISO 8601 UTC; what it cannot read stays
    as written, so that the pipeline rejects it with its reason."""
    match = _BQ_TIMESTAMP.match(text or "")
    if not match:
        return text
    return f"{match.group(1)}T{match.group(2)}Z"


def gcp_invoice_period(text):
    """The billing period (start, end) of an invoice month ("202610")."""
    if not text or not text.strip():
        return None, None
    match = _INVOICE_MONTH.match(text)
    if not match:
        return text, None
    year, month = int(match.group(1)), int(match.group(2))
    end_year, end_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-01T00:00:00Z", f"{end_year:04d}-{end_month:02d}-01T00:00:00Z"


def is_gcp_billing(header):
    names = {column_key(name) for name in header}
    return (
        not {"billedcost", "chargeperiodstart"} <= names  # FOCUS, with Google's columns too
        and {"billing_account_id", "cost", "usage_start_time"} <= names
        and bool(names & {"service_description", "sku_id"})
    )


def _json_text(value):
    """A credit's value as text: numbers exactly as written (parsed as text)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def parse_credits(text):
    """The credits of a row (a list of dicts whose numbers stay text), or a reason."""
    if text is None or text.strip().lower() in ("", "null", "[]"):
        return [], None
    try:
        # Numbers as their text: an amount never passes through a float.
        credits = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except ValueError:
        return [], BAD_CREDITS.format(text[:200])
    if isinstance(credits, dict):
        credits = [credits]
    if not isinstance(credits, list):
        return [], BAD_CREDITS.format(text[:200])
    return credits, None


def gcp_to_focus(row):
    """A billing export row as FOCUS rows: its cost, then one per credit."""
    source = {column_key(key): value for key, value in row.items() if isinstance(key, str)}
    focus = {focus_name: source.get(name) for name, focus_name in GCP_TO_FOCUS.items()}
    focus.update({extra: source.get(name) for name, extra in GCP_EXTRAS.items()})
    focus.update(dict.fromkeys(CREDIT_EXTRAS))
    focus["EffectiveCost"] = focus["BilledCost"]
    focus["ChargePeriodStart"] = gcp_timestamp(source.get("usage_start_time"))
    focus["ChargePeriodEnd"] = gcp_timestamp(source.get("usage_end_time"))
    start, end = gcp_invoice_period(source.get("invoice_month"))
    focus["BillingPeriodStart"], focus["BillingPeriodEnd"] = start, end
    focus["ResourceId"] = source.get("resource_global_name") or source.get("resource_name")
    # (An export without cost_type predates it: its rows are usage. An empty one is
    # left empty: the pipeline rejects the row.)
    cost_type = (source.get("cost_type", "regular") or "").strip()
    focus["ChargeCategory"] = (
        GCP_CHARGE_CATEGORY.get(cost_type.lower(), "Adjustment") if cost_type else ""
    )
    focus["ProviderName"] = "Google Cloud"
    rows = [focus]
    credits, problem = parse_credits(source.get("credits"))
    if problem:
        rows.append(_credit_row(focus, {"amount": problem}))
    for credit in credits:
        if isinstance(credit, dict):
            rows.append(_credit_row(focus, credit))
        else:
            rows.append(_credit_row(focus, {"amount": BAD_CREDIT.format(_json_text(credit))}))
    return rows


def _credit_row(focus, credit):
    """The record of one credit of a row: its service, SKU, project and period, the
    credit's amount as cost, no quantity (the row's own record has it)."""
    amount = _json_text(credit.get("amount"))
    name = _json_text(credit.get("name"))
    return dict(
        focus,
        BilledCost=amount,
        EffectiveCost=amount,
        ListCost=None,
        ConsumedQuantity=None,
        PricingQuantity=None,
        ChargeCategory="Credit",
        ChargeDescription=name,
        x_CreditName=name,
        x_CreditType=_json_text(credit.get("type")),
        x_CreditId=_json_text(credit.get("id")),
        x_CreditFullName=_json_text(credit.get("full_name")),
    )


@register_format
class GcpBillingExportFormat(VendorFormat):
    key = "gcp_billing_export"
    label = "Google Cloud billing export (BigQuery, flattened to CSV)"
    vendor_code = "gcp"

    @classmethod
    def matches(cls, header):
        return is_gcp_billing(header)

    @classmethod
    def extra_columns(cls, header):
        return [*GCP_EXTRAS.values(), *CREDIT_EXTRAS]

    @classmethod
    def to_focus(cls, row):
        return gcp_to_focus(row)
