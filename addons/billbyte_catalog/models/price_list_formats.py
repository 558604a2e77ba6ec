# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Readers of vendor price lists.

Each reader turns a vendor's price list into "offers", plain dicts with the
same keys whatever the vendor: line (line number in the source), sku, term,
name, service_name, offer_type, vendor_unit, uom_kind, price (the price as the
source states it, a string), currency (ISO code) and missing (the required
columns the line lacks), and where the source states them date_start and
date_end (texts: the days the price is valid), list_price (the vendor's list
or estimated retail price) and promotion. Validation of prices, currencies and
dates is left to the import, so that every format rejects bad lines with the
same reasons.

A file reader checks the header at once (a file that is not of its format is
refused whole, before anything is stored) and then reads the lines lazily:
it returns (offers, stats), offers an iterator and stats a dict whose
"skipped" counts the lines the catalog does not sell, complete once the
offers are read. A price sheet of 200,000 lines is never held in memory as
text or as dicts.
"""

import codecs
import csv
import functools
import io
import json
import re
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal

from odoo.exceptions import UserError

FILE_FORMATS = [
    ("ms_license", "Microsoft license price list (CSV)"),
    ("ms_azure_plan", "Partner Center Azure plan price sheet (azure_consumption, CSV)"),
    ("ms_reservations", "Partner Center Azure reservations price sheet (CSV)"),
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
    ("date_start", ["effectivestartdate"], False, "EffectiveStartDate"),
    ("date_end", ["effectiveenddate"], False, "EffectiveEndDate"),
    ("list_price", ["erpprice"], False, "ERP Price"),
    ("promotion", ["promotionid"], False, "PromotionId"),
]
# Partner Center's azure_consumption and azure_reservations views (get a price sheet).
PC_AZURE_COLUMNS = [
    ("product_title", ["producttitle"], True, "ProductTitle"),
    ("product_id", ["productid"], True, "ProductId"),
    ("sku_id", ["skuid"], True, "SkuId"),
    ("sku_title", ["skutitle"], False, "SkuTitle"),
    ("unit", ["unitofmeasure"], True, "UnitOfMeasure"),
    ("term", ["termduration"], False, "TermDuration"),
    ("market", ["market"], False, "Market"),
    ("currency", ["currency", "currencycode"], True, "Currency"),
    ("price", ["unitprice"], True, "UnitPrice"),
    ("tier_min", ["pricingtierrangemin"], False, "PricingTierRangeMin"),
    ("date_start", ["effectivestartdate"], False, "EffectiveStartDate"),
    ("date_end", ["effectiveenddate"], False, "EffectiveEndDate"),
    ("meter_ids", ["meterids", "meterid"], False, "MeterIds"),
    ("tags", ["tags"], False, "Tags"),
    ("list_price", ["erpprice"], False, "ERP Price"),
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
    ("date_start", ["effectivestartdate"], False, "EffectiveStartDate"),
    ("date_end", ["effectiveenddate"], False, "EffectiveEndDate"),
    ("list_price", ["retailprice", "marketprice"], False, "RetailPrice"),
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
    ("date_start", ["effectivedate"], False, "EffectiveDate"),
]
MS_TERMS = {"P1M": ("monthly", "monthly"), "P1Y": ("annual", "annual")}
# Billing runs bill monthly and annual terms: three-year reservations are skipped.
RESERVATION_TERMS = {"P1Y": "annual"}
# Vendors write "until further notice" as the end of time.
OPEN_END_YEAR = 9000
US_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


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


@functools.lru_cache(maxsize=4096)
def parse_vendor_date(text):
    """The day a vendor date text names: ISO (2026-07-01, 2026-07-01T00:00:00Z) or
    Partner Center's US form (3/1/2018 12:00:00 AM). None for an empty text or the
    end of time (9999-12-31); ValueError if it is not a date."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        day = None
        for pattern in US_DATE_FORMATS:
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ValueError(text) from None
    return None if day.year >= OPEN_END_YEAR else day


def _binary_stream(env, content):
    """A binary stream of the CSV in content (the first CSV of a ZIP archive)."""
    if content[:2] != b"PK":
        return io.BytesIO(content)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if not members:
            raise UserError(env._("The ZIP archive holds no CSV file."))
        return archive.open(members[0])
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        raise UserError(env._("The file is not a readable ZIP archive.")) from error


def _encoding(env, content):
    """UTF-8 (with or without BOM) or Windows-1252, checked over the whole file in
    chunks (nothing kept): a truncated or corrupt archive is refused here, before
    any line is read."""
    stream = _binary_stream(env, content)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    try:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                decoder.decode(b"", final=True)
                break
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    except UnicodeDecodeError:
        utf8 = False
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise UserError(
            env._("The ZIP archive is truncated or corrupt: %(error)s", error=error)
        ) from error
    return "utf-8-sig" if utf8 else "cp1252"


def _text(env, content):
    """The file's text, decoded lazily."""
    encoding = _encoding(env, content)
    return io.TextIOWrapper(_binary_stream(env, content), encoding=encoding, newline="")


def _decode(env, content):
    """The whole text of a (small) file: the FX rates of a month, a test."""
    return _text(env, content).read()


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
    reader = csv.reader(_text(env, content))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise UserError(
            env._("The ZIP archive is truncated or corrupt: %(error)s", error=error)
        ) from error
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


def _header(env, content, columns, label):
    """The rows iterator past its header, and the column positions (the file is
    refused whole when it is empty or lacks a required column)."""
    rows = _rows(env, content)
    first = next(rows, None)
    if not first:
        raise UserError(env._("The file is empty."))
    return rows, _column_positions(env, first[1], columns, label)


def _dated(values):
    """The dates, list price and promotion flag an offer carries, as the source wrote them."""
    return {
        "date_start": values.get("date_start") or "",
        "date_end": values.get("date_end") or "",
        "list_price": values.get("list_price") or "",
        "promotion": bool(values.get("promotion")),
    }


def read_ms_license(env, content, segment="Commercial", market=""):
    """Microsoft's (new commerce) license-based price list: one product per SKU
    and term; monthly term billed monthly and annual term billed annually."""
    rows, positions = _header(
        env, content, MS_LICENSE_COLUMNS, env._("Microsoft license price list")
    )
    stats = {"skipped": 0}

    def offers():
        for line, row in rows:
            values, missing = _row_values(row, positions, MS_LICENSE_COLUMNS)
            if (
                (segment and values["segment"] and values["segment"].lower() != segment.lower())
                or (market and values["market"] and values["market"].upper() != market.upper())
                or not _first_tier(values["tier_min"])
            ):
                stats["skipped"] += 1
                continue
            term = MS_TERMS.get(values["term"].upper())
            if values["term"] and (
                not term or (values["billing_plan"] and values["billing_plan"].lower() != term[1])
            ):
                stats["skipped"] += 1
                continue
            title = values["sku_title"] or values["product_title"]
            yield {
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
                **_dated(values),
            }

    return offers(), stats


def read_ms_azure_plan(env, content, market="", convert=None):
    """Partner Center's Azure plan price sheet (view azure_consumption): one metered
    product per meter (MeterIds: the SkuId of Partner Center's usage rows), first
    tier. Microsoft states these prices in USD only, as estimated retail prices:
    the price is the vendor cost and the list price alike. convert: (currency code,
    USD per unit of it) to convert them with (Partner Center's rate of the month)."""
    rows, positions = _header(
        env, content, PC_AZURE_COLUMNS, env._("Partner Center Azure plan price sheet")
    )
    stats = {"skipped": 0}

    def offers():
        for line, row in rows:
            values, missing = _row_values(row, positions, PC_AZURE_COLUMNS)
            if (market and values["market"] and values["market"].upper() != market.upper()) or (
                values["tier_min"] and not _is_zero(values["tier_min"])
            ):
                stats["skipped"] += 1
                continue
            meters = [m.strip() for m in re.split(r"[,;]", values["meter_ids"]) if m.strip()]
            if not meters:
                meters = [f"{values['product_id']}:{values['sku_id']}"]
            title = values["sku_title"] or values["product_title"]
            for meter in meters:
                yield {
                    "line": line,
                    "sku": meter,
                    "term": False,
                    "name": title,
                    "service_name": values["product_title"],
                    "offer_type": "metered",
                    "vendor_unit": values["unit"],
                    "uom_kind": uom_kind(values["unit"]),
                    "price": values["price"],
                    "currency": values["currency"],
                    "missing": missing,
                    "convert": convert,
                    **_dated(dict(values, list_price=values["list_price"] or values["price"])),
                }

    return offers(), stats


def read_ms_reservations(env, content, market=""):
    """Partner Center's Azure reservations price sheet (view azure_reservations):
    one product per ProductId:SkuId with a one-year term (P1Y; three-year terms are
    skipped); its price includes the CSP partner discount."""
    rows, positions = _header(
        env, content, PC_AZURE_COLUMNS, env._("Partner Center reservations price sheet")
    )
    stats = {"skipped": 0}

    def offers():
        for line, row in rows:
            values, missing = _row_values(row, positions, PC_AZURE_COLUMNS)
            term = RESERVATION_TERMS.get(values["term"].upper())
            if (
                (market and values["market"] and values["market"].upper() != market.upper())
                or (values["tier_min"] and not _is_zero(values["tier_min"]))
                or not term
            ):
                stats["skipped"] += 1
                continue
            title = values["sku_title"] or values["product_title"]
            yield {
                "line": line,
                "sku": values["product_id"]
                and values["sku_id"]
                and f"{values['product_id']}:{values['sku_id']}",
                "term": term,
                "name": env._("%s (1 Year)", title),
                "service_name": values["product_title"],
                "offer_type": "license",
                "vendor_unit": values["unit"],
                "uom_kind": "unit",
                "price": values["price"],
                "currency": values["currency"],
                "missing": missing,
                **_dated(values),
            }

    return offers(), stats


def read_azure_meters(env, content):
    """An Azure price sheet (EA, MCA or Partner Center Azure plan): one metered
    product per meter id, first tier of consumption prices."""
    rows, positions = _header(env, content, AZURE_METER_COLUMNS, env._("Azure meter price sheet"))
    stats = {"skipped": 0}

    def offers():
        for line, row in rows:
            values, missing = _row_values(row, positions, AZURE_METER_COLUMNS)
            price_type = values["price_type"].lower()
            if (price_type and price_type != "consumption") or (
                values["tier_min"] and not _is_zero(values["tier_min"])
            ):
                stats["skipped"] += 1
                continue
            name = " ".join(
                part
                for part in (values["category"], values["subcategory"], values["meter_name"])
                if part
            )
            if values["region"]:
                name = f"{name} ({values['region']})"
            yield {
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
                **_dated(values),
            }

    return offers(), stats


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
    stats = {"skipped": 0}

    def offers():
        for line, row in rows:
            values, missing = _row_values(row, positions, AWS_BULK_COLUMNS)
            if (values["term_type"] and values["term_type"] != "OnDemand") or (
                values["starting_range"] and not _is_zero(values["starting_range"])
            ):
                stats["skipped"] += 1
                continue
            service_code = values["service_code"] or offer_code
            yield {
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
                **_dated(values),
            }

    return offers(), stats


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
        (term, dimension)
        for term in ((data.get("terms") or {}).get("OnDemand") or {}).values()
        for dimension in (term.get("priceDimensions") or {}).values()
    ]
    first_tier = [(t, d) for t, d in dimensions if _is_zero(d.get("beginRange") or "0")]
    if not first_tier:
        return None
    term, dimension = first_tier[0]
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
        "date_start": term.get("effectiveDate") or "",
        "date_end": "",
        "list_price": "",
        "promotion": False,
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
    retail = item.get("retailPrice")
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
        "price": _json_number(price),
        "currency": item.get("currencyCode") or "",
        "missing": [label for label, value in values.items() if value in (None, "")],
        "date_start": item.get("effectiveStartDate") or "",
        "date_end": item.get("effectiveEndDate") or "",
        "list_price": _json_number(retail),
        "promotion": False,
    }


def _json_number(value):
    """A JSON number as the API wrote it (repr keeps 0.096 as 0.096), or ''."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


NANOS = 10**9


def gcp_price(money):
    """A google.type.Money (units: an int64, as JSON text; nanos: billionths of a unit,
    of the same sign) as exact decimal text, or raise ValueError with the reason."""
    units_text = str(money.get("units") or "0")
    nanos = money.get("nanos") or 0
    try:
        units = int(units_text)
    except ValueError:
        raise ValueError(f"units {units_text!r} is not a whole number") from None
    if not isinstance(nanos, int) or isinstance(nanos, bool):
        raise ValueError(f"nanos {nanos!r} is not a whole number")
    if not -NANOS < nanos < NANOS:
        raise ValueError(f"nanos {nanos} is out of range (-999,999,999 to 999,999,999)")
    if (units > 0 and nanos < 0) or (units < 0 and nanos > 0):
        raise ValueError(f"units {units} and nanos {nanos} have different signs")
    # Decimal arithmetic on the integers: no float ever holds the price.
    return f"{(Decimal(units) + Decimal(nanos).scaleb(-9)).normalize():f}"


def gcp_api_offer(env, line, sku):
    """One SKU of the Billing Catalog API's services.skus.list as an offer: its
    latest pricing, first tier. None for a SKU without a price."""
    if not isinstance(sku, dict):
        return {"line": line, "sku": "", "term": False, "error": env._("not a SKU")}
    infos = sku.get("pricingInfo") or []
    if not infos:
        return None
    info = max(infos, key=lambda i: i.get("effectiveTime") or "")
    expression = info.get("pricingExpression") or {}
    tiers = sorted(
        expression.get("tieredRates") or [],
        key=lambda tier: float(tier.get("startUsageAmount") or 0),
    )
    if not tiers:
        return None
    money = tiers[0].get("unitPrice") or {}
    offer = {
        "line": line,
        "sku": sku.get("skuId") or "",
        "term": False,
        "name": sku.get("description") or sku.get("skuId") or "",
        "service_name": (sku.get("category") or {}).get("serviceDisplayName") or "",
        "offer_type": "metered",
        "vendor_unit": expression.get("usageUnit") or "",
        "uom_kind": uom_kind(expression.get("usageUnitDescription") or expression.get("usageUnit")),
        "currency": money.get("currencyCode") or "",
        "missing": [
            label
            for label, value in (
                ("skuId", sku.get("skuId")),
                ("currencyCode", money.get("currencyCode")),
            )
            if not value
        ],
        "date_start": info.get("effectiveTime") or "",
        "date_end": "",
        "list_price": "",
        "promotion": False,
    }
    try:
        offer["price"] = gcp_price(money)
    except ValueError as error:
        offer.update(price="", error=env._("unit price: %s", error))
    return offer


READERS = {
    "ms_license": read_ms_license,
    "ms_azure_plan": read_ms_azure_plan,
    "ms_reservations": read_ms_reservations,
    "azure_meter": read_azure_meters,
    "aws_bulk": read_aws_bulk,
}
