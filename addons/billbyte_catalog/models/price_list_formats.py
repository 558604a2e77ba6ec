# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Readers of vendor price lists.

Each reader turns a vendor's price list into "offers", plain dicts with the
same keys whatever the vendor: line (line number in the source), sku, term,
name, service_name, offer_type, vendor_unit, uom_kind, price (the price as the
source states it, a string), currency (ISO code) and missing (the required
columns the line lacks). Validation of prices and currencies is left to the
import, so that every format rejects bad lines with the same reasons.
"""

import csv
import io
import json
import re
import zipfile

from odoo.exceptions import UserError

FILE_FORMATS = [
    ("ms_license", "Microsoft license price list (CSV)"),
    ("azure_meter", "Azure meter price sheet (CSV)"),
    ("aws_bulk", "AWS Price List bulk file for one service (CSV)"),
]

# (key, accepted headers once normalised, required, header to name in messages)
MS_LICENSE_COLUMNS = [
    ("product_id", ["productid"], True, "ProductId"),
    ("sku_id", ["skuid"], True, "SkuId"),
    ("product_title", ["producttitle"], True, "ProductTitle"),
    ("sku_title", ["skutitle"], False, "SkuTitle"),
    ("unit", ["unitofmeasure"], False, "UnitOfMeasure"),
    ("term", ["termduration"], True, "TermDuration"),
    ("billing_plan", ["billingplan"], False, "BillingPlan"),
    ("market", ["market"], False, "Market"),
    ("segment", ["segment"], False, "Segment"),
    ("tier_min", ["pricingtierrangemin"], False, "PricingTierRangeMin"),
    ("currency", ["currency", "currencycode"], True, "Currency"),
    ("price", ["unitprice"], True, "UnitPrice"),
]
AZURE_METER_COLUMNS = [
    ("meter_id", ["meterid"], True, "MeterId"),
    ("meter_name", ["metername"], True, "MeterName"),
    ("category", ["metercategory"], True, "MeterCategory"),
    ("subcategory", ["metersubcategory"], False, "MeterSubCategory"),
    ("region", ["meterregion"], False, "MeterRegion"),
    ("unit", ["unitofmeasure"], True, "UnitOfMeasure"),
    ("tier_min", ["tierminimumunits", "tier"], False, "TierMinimumUnits"),
    ("price_type", ["pricetype"], False, "PriceType"),
    ("currency", ["currency", "currencycode", "billingcurrency"], True, "Currency"),
    ("price", ["unitprice"], True, "UnitPrice"),
]
AWS_BULK_COLUMNS = [
    ("sku", ["sku"], True, "SKU"),
    ("term_type", ["termtype"], True, "TermType"),
    ("starting_range", ["startingrange"], False, "StartingRange"),
    ("unit", ["unit"], True, "Unit"),
    ("price", ["priceperunit"], True, "PricePerUnit"),
    ("currency", ["currency"], True, "Currency"),
    ("description", ["pricedescription"], False, "PriceDescription"),
    ("service_code", ["servicecode"], False, "serviceCode"),
    ("usage_type", ["usagetype"], False, "usageType"),
    ("operation", ["operation"], False, "operation"),
]
MS_TERMS = {"P1M": ("monthly", "monthly"), "P1Y": ("annual", "annual")}


def normalise_header(name):
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def uom_kind(vendor_unit):
    """Which Odoo unit a vendor unit maps to: hour, day or unit."""
    unit = (vendor_unit or "").strip().lower()
    if "hour" in unit or unit in ("hrs", "hr", "h"):
        return "hour"
    if "day" in unit:
        return "day"
    return "unit"


def _decode(env, content):
    if content[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not members:
                raise UserError(env._("The ZIP archive holds no CSV file."))
            content = archive.read(members[0])
        except zipfile.BadZipFile as error:
            raise UserError(env._("The file is not a readable ZIP archive.")) from error
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(env._("The file is neither UTF-8 nor Windows-1252 text."))


def _column_positions(env, header, columns, format_label):
    positions = {}
    normalised = [normalise_header(cell) for cell in header]
    for key, names, _required, _label in columns:
        for name in names:
            if name in normalised:
                positions[key] = normalised.index(name)
                break
    missing = [
        label for key, _names, required, label in columns if required and key not in positions
    ]
    if missing:
        raise UserError(
            env._(
                "This is not a %(format)s: it has no column %(columns)s.",
                format=format_label,
                columns=", ".join(missing),
            )
        )
    return positions


def _row_values(row, positions, columns):
    """Values of a row by key, and the labels of required columns it lacks."""
    values, missing = {}, []
    for key, _names, required, label in columns:
        position = positions.get(key)
        value = row[position].strip() if position is not None and position < len(row) else None
        values[key] = value or ""
        if required and not value:
            missing.append(label)
    return values, missing


def _rows(env, content):
    reader = csv.reader(io.StringIO(_decode(env, content), newline=""))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as error:
        raise UserError(
            env._(
                "The CSV file cannot be read (line %(line)s): %(error)s",
                line=reader.line_num,
                error=error,
            )
        ) from error


def _first_tier(value):
    try:
        return float(value or 0) <= 1
    except ValueError:
        return True


def read_ms_license(env, content, segment="Commercial", market=""):
    """Microsoft's (new commerce) license-based price list: one product per SKU
    and term; monthly term billed monthly and annual term billed annually."""
    rows = _rows(env, content)
    label = env._("Microsoft license price list")
    first = next(rows, None)
    if not first:
        raise UserError(env._("The file is empty."))
    positions = _column_positions(env, first[1], MS_LICENSE_COLUMNS, label)
    offers, skipped = [], 0
    for line, row in rows:
        values, missing = _row_values(row, positions, MS_LICENSE_COLUMNS)
        if (
            (segment and values["segment"] and values["segment"].lower() != segment.lower())
            or (market and values["market"] and values["market"].upper() != market.upper())
            or not _first_tier(values["tier_min"])
        ):
            skipped += 1
            continue
        term = MS_TERMS.get(values["term"].upper())
        if values["term"] and (
            not term or (values["billing_plan"] and values["billing_plan"].lower() != term[1])
        ):
            skipped += 1
            continue
        title = values["sku_title"] or values["product_title"]
        offers.append(
            {
                "line": line,
                "sku": values["product_id"]
                and values["sku_id"]
                and f"{values['product_id']}:{values['sku_id']}",
                "term": term and term[0],
                "name": f"{title} (Annual)" if term and term[0] == "annual" else title,
                "service_name": values["product_title"],
                "offer_type": "license",
                "vendor_unit": values["unit"] or "Licenses",
                "uom_kind": "unit",
                "price": values["price"],
                "currency": values["currency"],
                "missing": missing,
            }
        )
    return offers, skipped


def read_azure_meters(env, content):
    """An Azure price sheet (EA, MCA or Partner Center Azure plan): one metered
    product per meter id, first tier of consumption prices."""
    rows = _rows(env, content)
    label = env._("Azure meter price sheet")
    first = next(rows, None)
    if not first:
        raise UserError(env._("The file is empty."))
    positions = _column_positions(env, first[1], AZURE_METER_COLUMNS, label)
    offers, skipped = [], 0
    for line, row in rows:
        values, missing = _row_values(row, positions, AZURE_METER_COLUMNS)
        price_type = values["price_type"].lower()
        if (price_type and price_type != "consumption") or (
            values["tier_min"] and not _is_zero(values["tier_min"])
        ):
            skipped += 1
            continue
        name = " ".join(
            part
            for part in (values["category"], values["subcategory"], values["meter_name"])
            if part
        )
        if values["region"]:
            name = f"{name} ({values['region']})"
        offers.append(
            {
                "line": line,
                "sku": values["meter_id"],
                "term": False,
                "name": name,
                "service_name": values["category"],
                "offer_type": "metered",
                "vendor_unit": values["unit"],
                "uom_kind": uom_kind(values["unit"]),
                "price": values["price"],
                "currency": values["currency"],
                "missing": missing,
            }
        )
    return offers, skipped


def _is_zero(value):
    try:
        return float(value) == 0
    except ValueError:
        return False


def _aws_name(service_code, usage_type, operation, fallback):
    if not usage_type:
        return f"{service_code} {fallback}".strip()
    name = f"{service_code} {usage_type}".strip()
    if operation:
        name = f"{name} ({operation})"
    return name


def read_aws_bulk(env, content):
    """AWS's Price List bulk CSV of one service (offers/v1.0/aws/<service>/current/index.csv):
    a few metadata lines, then a header starting with SKU; OnDemand first-tier prices."""
    rows = _rows(env, content)
    metadata = {}
    positions = None
    for _line, row in rows:
        if normalise_header(row[0]) == "sku":
            positions = _column_positions(
                env, row, AWS_BULK_COLUMNS, env._("AWS Price List bulk file")
            )
            break
        if len(row) > 1:
            metadata[normalise_header(row[0])] = row[1].strip()
    if positions is None:
        raise UserError(
            env._("This is not an AWS Price List bulk file: no header line starting with SKU.")
        )
    offer_code = metadata.get("offercode", "")
    offers, skipped = [], 0
    for line, row in rows:
        values, missing = _row_values(row, positions, AWS_BULK_COLUMNS)
        if (values["term_type"] and values["term_type"] != "OnDemand") or (
            values["starting_range"] and not _is_zero(values["starting_range"])
        ):
            skipped += 1
            continue
        service_code = values["service_code"] or offer_code
        offers.append(
            {
                "line": line,
                "sku": values["sku"],
                "term": False,
                "name": _aws_name(
                    service_code,
                    values["usage_type"],
                    values["operation"],
                    values["description"] or values["sku"],
                ),
                "service_name": service_code,
                "offer_type": "metered",
                "vendor_unit": values["unit"],
                "uom_kind": uom_kind(values["unit"]),
                "price": values["price"],
                "currency": values["currency"],
                "missing": missing,
            }
        )
    return offers, skipped


def aws_api_offer(env, line, item, currency_code="USD"):
    """One PriceList entry of the Price List Query API's GetProducts (a JSON
    string, format aws_v1) as an offer; None for a product without an OnDemand price."""
    try:
        data = json.loads(item) if isinstance(item, str | bytes) else item
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return {"line": line, "sku": "", "term": False, "error": env._("not a JSON product")}
    product = data.get("product") or {}
    attributes = product.get("attributes") or {}
    dimensions = [
        dimension
        for term in ((data.get("terms") or {}).get("OnDemand") or {}).values()
        for dimension in (term.get("priceDimensions") or {}).values()
    ]
    first_tier = [d for d in dimensions if _is_zero(d.get("beginRange") or "0")]
    if not first_tier:
        return None
    dimension = first_tier[0]
    prices = dimension.get("pricePerUnit") or {}
    currency = currency_code if currency_code in prices else next(iter(prices), "")
    service_code = data.get("serviceCode") or attributes.get("servicecode") or ""
    missing = [
        label
        for label, value in (("sku", product.get("sku")), ("pricePerUnit", currency))
        if not value
    ]
    return {
        "line": line,
        "sku": product.get("sku") or "",
        "term": False,
        "name": _aws_name(
            service_code,
            attributes.get("usagetype"),
            attributes.get("operation"),
            dimension.get("description") or product.get("sku") or "",
        ),
        "service_name": service_code,
        "offer_type": "metered",
        "vendor_unit": dimension.get("unit") or "",
        "uom_kind": uom_kind(dimension.get("unit")),
        "price": prices.get(currency, ""),
        "currency": currency,
        "missing": missing,
    }


def azure_api_offer(env, line, item):
    """One item of the Azure Retail Prices API as an offer; None for prices the
    catalog does not sell (reservations, savings plans, dev/test, higher tiers)."""
    if not isinstance(item, dict):
        return {"line": line, "sku": "", "term": False, "error": env._("not a price item")}
    price_type = (item.get("type") or "").lower()
    if (price_type and price_type != "consumption") or not _is_zero(
        str(item.get("tierMinimumUnits") or 0)
    ):
        return None
    name = " ".join(part for part in (item.get("productName"), item.get("meterName")) if part)
    if item.get("location"):
        name = f"{name} ({item['location']})"
    price = item.get("unitPrice", item.get("retailPrice"))
    values = {
        "meterId": item.get("meterId"),
        "unitOfMeasure": item.get("unitOfMeasure"),
        "unitPrice": price,
        "currencyCode": item.get("currencyCode"),
    }
    return {
        "line": line,
        "sku": item.get("meterId") or "",
        "term": False,
        "name": name,
        "service_name": item.get("serviceName") or "",
        "offer_type": "metered",
        "vendor_unit": item.get("unitOfMeasure") or "",
        "uom_kind": uom_kind(item.get("unitOfMeasure")),
        # JSON numbers: repr keeps what the API wrote (0.096 stays 0.096).
        "price": repr(price)
        if isinstance(price, float)
        else str(price if price is not None else ""),
        "currency": item.get("currencyCode") or "",
        "missing": [label for label, value in values.items() if value in (None, "")],
    }


READERS = {
    "ms_license": read_ms_license,
    "azure_meter": read_azure_meters,
    "aws_bulk": read_aws_bulk,
}
