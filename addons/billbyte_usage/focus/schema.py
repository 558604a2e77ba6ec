# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The FOCUS columns BillByte reads (FOCUS 1.0 to 1.3), their usage record fields
and kinds, the required set, header aliases and date parsing.

The one list of FOCUS columns of the project: keep it free of Odoo imports, so
that scripts (the import benchmark) can load it on its own.
"""

import re
from collections import namedtuple
from datetime import datetime, timezone

FocusColumn = namedtuple("FocusColumn", "name field kind since")

# Every FOCUS column that is a usage record field, in the order connectors write
# them. `since`: the first FOCUS version that defines it.
COLUMNS = (
    FocusColumn("BillingAccountId", "billing_account_id", "text", "1.0"),
    FocusColumn("BillingCurrency", "billing_currency", "text", "1.0"),
    FocusColumn("BilledCost", "billed_cost", "number", "1.0"),
    FocusColumn("EffectiveCost", "effective_cost", "number", "1.0"),
    FocusColumn("ListCost", "list_cost", "number", "1.0"),
    FocusColumn("ContractedCost", "contracted_cost", "number", "1.0"),
    FocusColumn("ChargePeriodStart", "charge_period_start", "datetime", "1.0"),
    FocusColumn("ChargePeriodEnd", "charge_period_end", "datetime", "1.0"),
    FocusColumn("BillingPeriodStart", "billing_period_start", "datetime", "1.0"),
    FocusColumn("BillingPeriodEnd", "billing_period_end", "datetime", "1.0"),
    FocusColumn("ChargeCategory", "charge_category", "text", "1.0"),
    FocusColumn("ChargeClass", "charge_class", "text", "1.0"),
    FocusColumn("ChargeDescription", "charge_description", "text", "1.0"),
    FocusColumn("ChargeFrequency", "charge_frequency", "text", "1.0"),
    FocusColumn("ProviderName", "provider_name", "text", "1.0"),
    FocusColumn("PublisherName", "publisher_name", "text", "1.0"),
    FocusColumn("ServiceName", "service_name", "text", "1.0"),
    FocusColumn("ServiceCategory", "service_category", "text", "1.0"),
    FocusColumn("SkuId", "sku_id", "text", "1.0"),
    FocusColumn("SkuPriceId", "sku_price_id", "text", "1.0"),
    FocusColumn("SubAccountId", "sub_account_id", "text", "1.0"),
    FocusColumn("SubAccountName", "sub_account_name", "text", "1.0"),
    FocusColumn("ConsumedQuantity", "consumed_quantity", "number", "1.0"),
    FocusColumn("ConsumedUnit", "consumed_unit", "text", "1.0"),
    FocusColumn("PricingQuantity", "pricing_quantity", "number", "1.0"),
    FocusColumn("PricingUnit", "pricing_unit", "text", "1.0"),
    FocusColumn("InvoiceId", "invoice_id", "text", "1.2"),
    FocusColumn("ResourceId", "resource_id", "text", "1.0"),
    FocusColumn("ResourceName", "resource_name", "text", "1.0"),
    FocusColumn("RegionId", "region_id", "text", "1.0"),
    FocusColumn("RegionName", "region_name", "text", "1.0"),
)

# Other names of a column, with the column they stand for. FOCUS 1.3 renames
# ProviderName to ServiceProviderName; a file carrying both reads the newer one.
ALIASES = {"ServiceProviderName": "ProviderName"}

# FOCUS column -> (usage record field, kind), aliases included.
FOCUS_COLUMNS = {column.name: (column.field, column.kind) for column in COLUMNS}
FOCUS_COLUMNS.update({alias: FOCUS_COLUMNS[name] for alias, name in ALIASES.items()})

# The header connectors write: every FOCUS column once, vendor extras after.
FOCUS_HEADER = [column.name for column in COLUMNS]

# Without these a row cannot be billed: a row with one of them empty is rejected.
REQUIRED_COLUMNS = (
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ServiceName",
    "SubAccountId",
    "BillingCurrency",
    "BilledCost",
)

# Text columns whose values are looked up or tested: stored without surrounding
# blanks. The others are stored as the file gives them.
TRIMMED_FIELDS = frozenset(
    {
        "sub_account_id",
        "service_name",
        "sku_id",
        "charge_category",
        "charge_class",
        "billing_currency",
        "provider_name",
    }
)

# Every usage record field a FOCUS column fills, and its kind.
FIELD_KINDS = {column.field: column.kind for column in COLUMNS}
RECORD_FIELDS = sorted(FIELD_KINDS)

# A plain decimal number, optionally with an exponent: what numeric accepts.
NUMBER_RE = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?\s*$"
# What vendors write for "no value" in an optional column (any case).
NULL_TEXTS = frozenset({"", "null"})
# Amounts and quantities at or beyond this magnitude are not usage: rejected.
MAX_MAGNITUDE = 10**15
# Charge dates outside these years are not usage: rejected.
MIN_YEAR, MAX_YEAR = 1990, 2199


def is_null(text):
    """Whether a field's text means 'no value' (empty, blanks or a literal NULL)."""
    return text is None or text.strip().lower() in NULL_TEXTS


def canonical_name(name):
    """The FOCUS column a header name stands for (case and blanks ignored), or None."""
    return _BY_LOWER.get((name or "").strip().lower())


_BY_LOWER = {name.lower(): name for name in FOCUS_COLUMNS}


def parse_focus_datetime(value):
    """A FOCUS date-time (ISO 8601, UTC 'Z' or an offset) as naive UTC, or None."""
    text = (value or "").strip()
    if not text or text.lower() == "null":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def date_in_range(moment):
    return MIN_YEAR <= moment.year <= MAX_YEAR


def normalize_account_id(value):
    """The comparable form of a vendor account id: what a cloud account and a usage
    row must share to match.

    GUIDs compare without regard to case; an Azure resource path
    (`/subscriptions/<id>/resourceGroups/...`, any case) stands for its subscription
    id; Partner Center's `<tenant id>/<subscription id>` for the subscription id.
    """
    text = (value or "").strip().lower()
    if text.startswith("/subscriptions/"):
        return text.split("/")[2]
    parts = [part for part in text.split("/") if part]
    if len(parts) == 2 and all(_GUID.match(part) for part in parts):
        return parts[1]
    return text


_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
