# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline: FOCUS rows in, rated records and unbilled analytic lines out.

Every step is set-based SQL over the whole source (PostgreSQL COPY into a
temporary table, then a handful of INSERT ... SELECT statements), so the cost
per row stays close to that of COPY itself. Connectors (files, AWS, Microsoft)
all feed `_import_focus_stream`.
"""

import csv
import re
from datetime import datetime, timezone
from decimal import Decimal

import psycopg2
from psycopg2.extras import execute_values

from odoo import api, models
from odoo.exceptions import UserError

# FOCUS column -> (usage record field, kind). FOCUS 1.0 to 1.3 names.
FOCUS_COLUMNS = {
    "BillingAccountId": ("billing_account_id", "text"),
    "SubAccountId": ("sub_account_id", "text"),
    "SubAccountName": ("sub_account_name", "text"),
    "ProviderName": ("provider_name", "text"),
    "ServiceProviderName": ("provider_name", "text"),  # FOCUS 1.3 renames ProviderName
    "PublisherName": ("publisher_name", "text"),
    "ChargePeriodStart": ("charge_period_start", "datetime"),
    "ChargePeriodEnd": ("charge_period_end", "datetime"),
    "BillingPeriodStart": ("billing_period_start", "datetime"),
    "BillingPeriodEnd": ("billing_period_end", "datetime"),
    "ChargeCategory": ("charge_category", "text"),
    "ChargeClass": ("charge_class", "text"),
    "ChargeDescription": ("charge_description", "text"),
    "ChargeFrequency": ("charge_frequency", "text"),
    "ServiceName": ("service_name", "text"),
    "ServiceCategory": ("service_category", "text"),
    "SkuId": ("sku_id", "text"),
    "SkuPriceId": ("sku_price_id", "text"),
    "ConsumedQuantity": ("consumed_quantity", "number"),
    "ConsumedUnit": ("consumed_unit", "text"),
    "PricingQuantity": ("pricing_quantity", "number"),
    "PricingUnit": ("pricing_unit", "text"),
    "BillingCurrency": ("billing_currency", "text"),
    "BilledCost": ("billed_cost", "number"),
    "EffectiveCost": ("effective_cost", "number"),
    "ListCost": ("list_cost", "number"),
    "ContractedCost": ("contracted_cost", "number"),
    "InvoiceId": ("invoice_id", "text"),
    "ResourceId": ("resource_id", "text"),
    "ResourceName": ("resource_name", "text"),
    "RegionId": ("region_id", "text"),
    "RegionName": ("region_name", "text"),
}
REQUIRED_COLUMNS = [
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ServiceName",
    "SubAccountId",
    "BillingCurrency",
    "BilledCost",
]
# A plain decimal number, optionally with an exponent: what numeric accepts.
NUMBER_RE = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?\s*$"
COPY_LINE_RE = re.compile(r"line (\d+)")


def parse_focus_datetime(value):
    """A FOCUS date-time (ISO 8601, UTC 'Z' or an offset) as naive UTC, or None."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


class _ReadErrorTrap:
    """Wraps the source stream for COPY and keeps the exception a read raised, which
    psycopg2 otherwise turns into a generic COPY failure."""

    def __init__(self, stream):
        self.stream = stream
        self.error = None

    def read(self, size=-1):  # pylint: disable=method-required-super
        try:
            return self.stream.read(size)
        except Exception as error:
            self.error = error
            raise


class BillbyteUsagePipeline(models.AbstractModel):
    _name = "billbyte.usage.pipeline"
    _description = "Cloud Usage Pipeline"

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _map_columns(self, header):
        """Map the file's columns to usage record fields; the rest is extra data."""
        by_lower = {name.lower(): name for name in FOCUS_COLUMNS}
        fields_map, extras = {}, []
        for index, raw_name in enumerate(header):
            name = raw_name.strip()
            focus = by_lower.get(name.lower())
            if focus:
                field_name, kind = FOCUS_COLUMNS[focus]
                # FOCUS 1.3 files may carry the deprecated ProviderName next to
                # ServiceProviderName: the newer one wins.
                if field_name in fields_map and focus != "ServiceProviderName":
                    extras.append((name, index))
                    continue
                if field_name in fields_map:
                    extras.append((fields_map[field_name][2], fields_map[field_name][0]))
                fields_map[field_name] = (index, kind, name)
            elif name:
                extras.append((name, index))
        missing = [
            column for column in REQUIRED_COLUMNS if FOCUS_COLUMNS[column][0] not in fields_map
        ]
        if missing:
            raise UserError(
                self.env._(
                    "The file is missing the required FOCUS column %(columns)s. Found: %(found)s.",
                    columns=", ".join(missing),
                    found=", ".join(h.strip() for h in header[:40]) or self.env._("nothing"),
                )
            )
        return fields_map, extras

    @api.model
    def _read_header(self, stream):
        first = stream.readline()
        if not first.strip():
            raise UserError(self.env._("The file is empty."))
        if b"\x00" in first:
            raise UserError(self.env._("The file is not a CSV file: it contains binary data."))
        text = first.decode("utf-8-sig")
        header = next(csv.reader([text]))
        if len(header) < 2:
            raise UserError(
                self.env._(
                    "The file is not a CSV file: its first line holds no comma-separated "
                    "column names (found %s).",
                    text.strip()[:80],
                )
            )
        return header

    @api.model
    def _import_focus_stream(self, run, stream):
        """Import a FOCUS CSV stream (bytes) for an import run; return the run's stats.

        Runs inside the caller's transaction: any exception leaves nothing behind.
        """
        cr = self.env.cr
        connection = run.connection_id
        header = self._read_header(stream)
        fields_map, extras = self._map_columns(header)
        ncols = len(header)
        cr.execute(
            "DROP TABLE IF EXISTS bb_stage, bb_rows, bb_dates, bb_currencies, bb_products, "
            "bb_keys, bb_account, bb_rate, bb_fixed"
        )
        columns = ", ".join(f"c{i} text" for i in range(ncols))
        cr.execute(  # pylint: disable=sql-injection
            "CREATE TEMP TABLE bb_stage (line_no bigint GENERATED ALWAYS AS IDENTITY "
            f"(START WITH 2), {columns}) ON COMMIT DROP"
        )
        copy_cols = ", ".join(f"c{i}" for i in range(ncols))
        source = _ReadErrorTrap(stream)
        try:
            with cr.savepoint(flush=False):
                cr._obj.copy_expert(
                    f"COPY bb_stage ({copy_cols}) FROM STDIN WITH (FORMAT csv)",
                    source,
                    size=1 << 20,
                )
        except psycopg2.Error as error:
            if source.error:
                # The stream broke (a truncated gzip): say so rather than what COPY saw.
                raise source.error from None
            if not isinstance(
                error,
                (
                    psycopg2.errors.BadCopyFileFormat,
                    psycopg2.errors.CharacterNotInRepertoire,
                    psycopg2.errors.UntranslatableCharacter,
                ),
            ):
                raise
            context = (error.diag.context or "") if error.diag else ""
            line = COPY_LINE_RE.search(context)
            raise UserError(
                self.env._(
                    "The file is not a well-formed CSV file: line %(line)s: %(reason)s",
                    line=int(line.group(1)) + 1 if line else "?",
                    reason=error.diag.message_primary if error.diag else error,
                )
            ) from None
        cr.execute("SELECT count(*) FROM bb_stage")
        rows_read = cr.fetchone()[0]
        # Set-based steps want hash joins and aggregates held in memory; temporary
        # tables have no statistics until analysed.
        cr.execute("SET LOCAL work_mem = '256MB'")
        cr.execute("ANALYZE bb_stage")
        if not rows_read:
            raise UserError(self.env._("The file has column names but no usage rows."))

        self._stage_lookups(fields_map)
        self._build_rows(run, fields_map, extras, ncols)
        self._store_rejections(run, ncols)
        stats = self._store_records(run, connection)
        stats["rows_read"] = rows_read
        cr.execute(
            "SELECT count(*) FILTER (WHERE reject_reason IS NOT NULL), "
            "sum(billed_cost)::text, (sum(billed_cost) FILTER (WHERE reject_reason IS NULL))::text, "
            "min(charge_date) FILTER (WHERE reject_reason IS NULL), "
            "max(charge_date) FILTER (WHERE reject_reason IS NULL) FROM bb_rows"
        )
        rejected, source_sum, imported_sum, period_start, period_end = cr.fetchone()
        stats.update(
            rows_rejected=rejected,
            # Decimal from the numeric's text: Odoo's cursor would hand back a float.
            source_billed_cost=Decimal(source_sum or 0),
            imported_billed_cost=Decimal(imported_sum or 0),
            period_start=period_start,
            period_end=period_end,
        )
        stats["rows_duplicate"] = rows_read - rejected - stats["rows_imported"]
        stats["message"] = self._outcome_message(stats)
        cr.execute("DROP TABLE IF EXISTS bb_stage, bb_rows, bb_dates, bb_currencies, bb_products")
        return stats

    def _outcome_message(self, stats):
        message = self.env._(
            "%(read)s rows read: %(imported)s imported (%(unmatched)s unmatched, %(late)s late or "
            "corrections), %(duplicate)s duplicates, %(rejected)s rejected, %(replaced)s "
            "earlier unbilled records replaced. BilledCost in source: %(source_sum)s; imported: "
            "%(imported_sum)s.",
            read=stats["rows_read"],
            imported=stats["rows_imported"],
            unmatched=stats["rows_unmatched"],
            late=stats["rows_late"],
            duplicate=stats["rows_duplicate"],
            rejected=stats["rows_rejected"],
            replaced=stats["rows_replaced"],
            source_sum=stats["source_billed_cost"],
            imported_sum=stats["imported_billed_cost"],
        )
        if stats["source_billed_cost"] != stats["imported_billed_cost"]:
            message += " " + self.env._(
                "The difference of %(diff)s is the BilledCost of the rejected lines.",
                diff=stats["source_billed_cost"] - stats["imported_billed_cost"],
            )
        return message

    def _stage_lookups(self, fields_map):
        """Parse the few distinct dates and currency codes once, not once per row."""
        cr = self.env.cr
        date_cols = [
            f"c{index}" for index, kind, _name in fields_map.values() if kind == "datetime"
        ]
        cr.execute(f"SELECT DISTINCT unnest(ARRAY[{', '.join(date_cols)}]) FROM bb_stage")  # pylint: disable=sql-injection
        parsed = [(raw, parse_focus_datetime(raw)) for (raw,) in cr.fetchall() if raw is not None]
        cr.execute(
            "CREATE TEMP TABLE bb_dates (raw text PRIMARY KEY, value timestamp) ON COMMIT DROP"
        )
        execute_values(cr._obj, "INSERT INTO bb_dates VALUES %s", [p for p in parsed if p[1]])
        currency_col = f"c{fields_map['billing_currency'][0]}"
        cr.execute(  # pylint: disable=sql-injection
            "CREATE TEMP TABLE bb_currencies ON COMMIT DROP AS "
            f"SELECT DISTINCT s.{currency_col} AS raw, c.id AS currency_id, c.active FROM bb_stage s "
            f"JOIN res_currency c ON c.name = upper(trim(s.{currency_col}))"
        )

    def _build_rows(self, run, fields_map, extras, ncols):
        """Typed, validated, keyed rows in bb_rows: one set-based pass over bb_stage."""
        cr = self.env.cr
        env = self.env
        select, reasons, checks = [], [], []
        joins = []
        # Texts from the file or translations travel as parameters; only our own
        # generated identifiers (cN, field names from FOCUS_COLUMNS) are spliced in.
        params = {
            "number_re": NUMBER_RE,
            "connection": run.connection_id.id,
            "company": run.company_id.id,
            "vendor": run.connection_id.vendor_id.id,
        }

        def param(value):
            key = f"p{len(params)}"
            params[key] = value
            return f"%({key})s"

        for field_name, (index, kind, column) in fields_map.items():
            raw = f"s.c{index}"
            if kind == "text":
                select.append(f"NULLIF(trim({raw}), '') AS {field_name}")
            elif kind == "number":
                checks.append(f"({raw} ~ %(number_re)s) AS ok_{index}")
                select.append(f"CASE WHEN s.ok_{index} THEN {raw}::numeric END AS {field_name}")
                reasons.append(
                    f"WHEN NULLIF(trim({raw}), '') IS NOT NULL AND NOT s.ok_{index} "
                    f"THEN format({param(env._('%s %%L is not a number', column))}, {raw})"
                )
            elif kind == "datetime":
                alias = f"d_{field_name}"
                joins.append(f"LEFT JOIN bb_dates {alias} ON {alias}.raw = {raw}")
                select.append(f"{alias}.value AS {field_name}")
                reasons.append(
                    f"WHEN NULLIF(trim({raw}), '') IS NOT NULL AND {alias}.value IS NULL "
                    f"THEN format({param(env._('%s %%L is not a date', column))}, {raw})"
                )
        for required in REQUIRED_COLUMNS:
            field_name = FOCUS_COLUMNS[required][0]
            column = fields_map[field_name][2]
            reasons.append(
                f"WHEN NULLIF(trim(s.c{fields_map[field_name][0]}), '') IS NULL "
                f"THEN {param(env._('%s is empty', column))}"
            )
        currency_raw = f"s.c{fields_map['billing_currency'][0]}"
        reasons.append(
            f"WHEN cur.currency_id IS NULL "
            f"THEN format({param(env._('unknown currency code %L'))}, {currency_raw})"
        )
        reasons.append(
            "WHEN NOT cur.active "
            f"THEN format({param(env._('currency %L is not active in Odoo: activate it and give it rates'))}, "
            f"{currency_raw})"
        )
        for missing_field in {f for f, _k in FOCUS_COLUMNS.values()} - set(fields_map):
            kind = next(k for f, k in FOCUS_COLUMNS.values() if f == missing_field)
            cast = {"text": "text", "number": "numeric", "datetime": "timestamp"}[kind]
            select.append(f"NULL::{cast} AS {missing_field}")
        if extras:
            pairs = ", ".join(
                f"{param(name)}::text, NULLIF(s.c{index}, '')" for name, index in extras
            )
            select.append(f"jsonb_strip_nulls(jsonb_build_object({pairs})) AS extra_data")
        else:
            select.append("NULL::jsonb AS extra_data")
        start = "d_charge_period_start.value"
        # coalesce: concat_ws skips NULLs, and "a,,b" must not hash like "a,b,"
        all_raw = ", ".join(f"coalesce(s.c{i}, '')" for i in range(ncols))
        late = f"(ca.billed_until IS NOT NULL AND {start}::date <= ca.billed_until)"
        charge_class = (
            f"NULLIF(trim(s.c{fields_map['charge_class'][0]}), '')"
            if "charge_class" in fields_map
            else "NULL"
        )
        sql = f"""
            CREATE TEMP TABLE bb_rows ON COMMIT DROP AS
            SELECT s.line_no,
                   {", ".join(select)},
                   cur.currency_id AS billing_currency_id,
                   ca.id AS cloud_account_id,
                   {start}::date AS charge_date,
                   {late} AS is_late,
                   CASE WHEN {late} THEN ca.billed_until + 1 ELSE {start}::date END AS usage_date,
                   CASE WHEN {late} OR {charge_class} = 'Correction'
                        THEN to_char({start}, 'YYYY-MM') END AS corrected_period,
                   md5(concat_ws(chr(31), %(connection)s::text, {all_raw}))::uuid AS dedup_key,
                   CASE {" ".join(reasons)} END AS reject_reason
              -- OFFSET 0 keeps each number's check computed once per row.
              FROM (SELECT s.*, {", ".join(checks) or "true"} FROM bb_stage s OFFSET 0) s
              LEFT JOIN bb_currencies cur ON cur.raw = {currency_raw}
              LEFT JOIN billbyte_cloud_account ca
                     ON ca.company_id = %(company)s AND ca.vendor_id = %(vendor)s
                    AND ca.vendor_account_id = trim(s.c{fields_map["sub_account_id"][0]})
                    AND ca.active
              {" ".join(joins)}
        """
        cr.execute(sql, params)  # pylint: disable=sql-injection
        cr.execute("ANALYZE bb_rows")
        # Identical lines within one source stay distinct records: number the repeats.
        cr.execute(
            """
            WITH repeated AS (
                SELECT line_no, row_number() OVER (PARTITION BY dedup_key ORDER BY line_no) AS n
                  FROM bb_rows
                 WHERE dedup_key IN (SELECT dedup_key FROM bb_rows GROUP BY dedup_key HAVING count(*) > 1)
            )
            UPDATE bb_rows r SET dedup_key = md5(r.dedup_key::text || '#' || repeated.n)::uuid
              FROM repeated WHERE repeated.line_no = r.line_no AND repeated.n > 1
            """
        )

    def _store_rejections(self, run, ncols):
        cr = self.env.cr
        raw = ", ".join(f"s.c{i}" for i in range(ncols))
        cr.execute(
            f"""
            INSERT INTO billbyte_import_rejection
                   (run_id, company_id, line_number, reason, raw_values,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, r.line_no, r.reject_reason, left(concat_ws(',', {raw}), 1000),
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM bb_rows r JOIN bb_stage s ON s.line_no = r.line_no
             WHERE r.reject_reason IS NOT NULL
            """,
            {"run": run.id, "company": run.company_id.id, "uid": self.env.uid},
        )

    def _resolve_products(self, vendor, source_sql):
        """Catalog product per (service, SKU): by SKU, else by service, else a new
        metered service product. Returns nothing; fills temp table bb_products."""
        cr = self.env.cr
        cr.execute(f"SELECT DISTINCT service_name, COALESCE(sku_id, '') FROM ({source_sql}) src")  # pylint: disable=sql-injection
        pairs = cr.fetchall()
        templates = (
            self.env["product.template"]
            .with_context(active_test=False)
            .search([("billbyte_vendor_id", "=", vendor.id)])
        )
        by_sku, by_service = {}, {}
        for template in templates:
            variant = template.product_variant_id
            if template.billbyte_sku_id:
                by_sku.setdefault(template.billbyte_sku_id, variant.id)
            elif template.billbyte_service_name:
                by_service.setdefault(template.billbyte_service_name, variant.id)
        new_services = sorted(
            {service for service, sku in pairs if sku not in by_sku and service not in by_service}
        )
        if new_services:
            created = (
                self.env["product.template"]
                .with_context(tracking_disable=True)
                .create(
                    [
                        {
                            "name": service,
                            "type": "service",
                            "billbyte_vendor_id": vendor.id,
                            "billbyte_offer_type": "metered",
                            "billbyte_service_name": service,
                            "list_price": 0.0,
                            "purchase_ok": False,
                        }
                        for service in new_services
                    ]
                )
            )
            by_service.update({t.billbyte_service_name: t.product_variant_id.id for t in created})
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_products "
            "(service_name text, sku_id text, product_id int) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_products")
        values = [
            (service, sku, by_sku.get(sku) if sku in by_sku else by_service[service])
            for service, sku in pairs
        ]
        if values:
            execute_values(cr._obj, "INSERT INTO bb_products VALUES %s", values)

    def _prepare_rating(self, company, source_sql):
        """Temp tables the rating expression joins: accounts' strategies, currency
        rates at each charge date (Odoo's own rates), fixed unit prices."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS bb_account, bb_rate, bb_fixed")
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE TEMP TABLE bb_account ON COMMIT DROP AS
            SELECT ca.id AS cloud_account_id, pl.id AS pricelist_id,
                   COALESCE(pl.billbyte_strategy, 'cost_plus') AS strategy,
                   COALESCE(pl.billbyte_markup, 0)::numeric AS markup,
                   COALESCE(pl.billbyte_surcharge, 0)::numeric AS surcharge,
                   COALESCE(pl.currency_id, ca.currency_id) AS pricing_currency_id,
                   ca.currency_id AS account_currency_id
              FROM billbyte_cloud_account ca
              LEFT JOIN product_pricelist pl ON pl.id = ca.pricelist_id
             WHERE ca.id IN (SELECT DISTINCT cloud_account_id FROM ({source_sql}) src)
            """
        )
        cr.execute(f"SELECT DISTINCT charge_date, billing_currency_id FROM ({source_sql}) src")  # pylint: disable=sql-injection
        day_currencies = cr.fetchall()
        cr.execute(
            "SELECT DISTINCT pricing_currency_id FROM bb_account UNION SELECT account_currency_id FROM bb_account"
        )
        currency_ids = {row[0] for row in cr.fetchall()} | {c for _d, c in day_currencies}
        currency_ids.add(company.currency_id.id)
        currencies = (
            self.env["res.currency"].with_context(active_test=False).browse(sorted(currency_ids))
        )
        rates = []
        for day in sorted({d for d, _c in day_currencies}):
            day_rates = currencies._get_rates(company, day)
            for from_id in currency_ids:
                for to_id in currency_ids:
                    ratio = 1.0 if from_id == to_id else day_rates[to_id] / day_rates[from_id]
                    rates.append((day, from_id, to_id, repr(ratio) if from_id != to_id else "1"))
        cr.execute(
            "CREATE TEMP TABLE bb_rate (day date, from_id int, to_id int, rate numeric, "
            "PRIMARY KEY (day, from_id, to_id)) ON COMMIT DROP"
        )
        if rates:
            execute_values(cr._obj, "INSERT INTO bb_rate VALUES %s", rates)
        cr.execute(  # pylint: disable=sql-injection
            f"""
            SELECT DISTINCT ba.pricelist_id, src.product_id, src.charge_date
              FROM ({source_sql}) src JOIN bb_account ba ON ba.cloud_account_id = src.cloud_account_id
             WHERE ba.strategy = 'fixed'
            """
        )
        wanted = {}
        for pricelist_id, product_id, day in cr.fetchall():
            wanted.setdefault((pricelist_id, day), set()).add(product_id)
        fixed = []
        for (pricelist_id, day), product_ids in wanted.items():
            pricelist = self.env["product.pricelist"].browse(pricelist_id)
            products = self.env["product.product"].browse(sorted(product_ids))
            prices = pricelist._get_products_price(
                products, 1.0, currency=pricelist.currency_id, date=day
            )
            fixed.extend((pricelist_id, pid, day, prices.get(pid, 0.0)) for pid in product_ids)
        cr.execute(
            "CREATE TEMP TABLE bb_fixed (pricelist_id int, product_id int, day date, price numeric) "
            "ON COMMIT DROP"
        )
        if fixed:
            execute_values(cr._obj, "INSERT INTO bb_fixed VALUES %s", fixed)

    @api.model
    def _rating_sql(self, company):
        """Joins and expressions that rate a row source aliased `r` (with product `product_id`)."""
        joins = f"""
            LEFT JOIN bb_account ba ON ba.cloud_account_id = r.cloud_account_id
            LEFT JOIN bb_rate rc ON rc.day = r.charge_date AND rc.from_id = r.billing_currency_id
                                AND rc.to_id = {int(company.currency_id.id)}
            LEFT JOIN bb_rate rp ON rp.day = r.charge_date AND rp.from_id = r.billing_currency_id
                                AND rp.to_id = ba.pricing_currency_id
            LEFT JOIN bb_rate ra ON ra.day = r.charge_date AND ra.from_id = ba.pricing_currency_id
                                AND ra.to_id = ba.account_currency_id
            LEFT JOIN bb_fixed bf ON bf.pricelist_id = ba.pricelist_id
                                 AND bf.product_id = {{product}} AND bf.day = r.charge_date
        """
        cost_company = "r.billed_cost * rc.rate"
        price = """
            CASE WHEN r.cloud_account_id IS NULL THEN NULL
                 WHEN r.charge_category = 'Tax' THEN 0
                 WHEN ba.strategy = 'cost_plus'
                      THEN (r.billed_cost * rp.rate * (1 + ba.markup / 100)
                            + sign(r.billed_cost) * ba.surcharge) * ra.rate
                 WHEN r.billed_cost < 0 OR r.charge_category IN ('Credit', 'Adjustment')
                      THEN r.billed_cost * rp.rate * ra.rate
                 ELSE COALESCE(r.pricing_quantity, 0) * COALESCE(bf.price, 0) * ra.rate
            END"""
        return joins, cost_company, price

    def _store_records(self, run, connection):
        cr = self.env.cr
        company = run.company_id
        valid = "SELECT * FROM bb_rows WHERE reject_reason IS NULL"
        self._resolve_products(connection.vendor_id, valid)
        product_source = (
            "SELECT r.cloud_account_id, r.billing_currency_id, r.charge_date, p.product_id "
            "FROM bb_rows r JOIN bb_products p ON p.service_name = r.service_name "
            "AND p.sku_id = COALESCE(r.sku_id, '') WHERE r.reject_reason IS NULL "
            "AND r.cloud_account_id IS NOT NULL"
        )
        self._prepare_rating(company, product_source)
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_keys (cloud_account_id int, product_id int, "
            "usage_date date, corrected_period text) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_keys")
        # A newer source for the same accounts and days restates them: earlier
        # unbilled records it no longer contains go; invoiced days are never touched.
        cr.execute(
            """
            WITH scope AS (
                SELECT DISTINCT cloud_account_id, sub_account_id, charge_date FROM bb_rows
                 WHERE reject_reason IS NULL AND NOT is_late
            ), removed_rated AS (
                -- uses the (cloud_account_id, usage_date, product_id) index
                DELETE FROM billbyte_usage_record u
                 USING scope
                 WHERE scope.cloud_account_id IS NOT NULL
                   AND u.cloud_account_id = scope.cloud_account_id
                   AND u.usage_date = scope.charge_date
                   AND u.charge_date = scope.charge_date
                   AND u.connection_id = %(connection)s
                   AND NOT EXISTS (SELECT 1 FROM bb_rows r WHERE r.dedup_key = u.dedup_key)
             RETURNING u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period
            ), removed_unmatched AS (
                -- uses the partial index on unmatched records
                DELETE FROM billbyte_usage_record u
                 USING scope
                 WHERE scope.cloud_account_id IS NULL
                   AND u.state = 'unmatched'
                   AND u.company_id = %(company)s
                   AND u.vendor_id = %(vendor)s
                   AND u.sub_account_id = scope.sub_account_id
                   AND u.charge_date = scope.charge_date
                   AND u.connection_id = %(connection)s
                   AND NOT EXISTS (SELECT 1 FROM bb_rows r WHERE r.dedup_key = u.dedup_key)
             RETURNING u.id
            ), keys AS (
                INSERT INTO bb_keys
                SELECT DISTINCT * FROM removed_rated
            )
            SELECT (SELECT count(*) FROM removed_rated) + (SELECT count(*) FROM removed_unmatched)
            """,
            {"connection": connection.id, "company": company.id, "vendor": connection.vendor_id.id},
        )
        rows_replaced = cr.fetchone()[0]
        rows_replaced += self._reverse_restated_invoiced_days(run, connection)
        joins, cost_company, price = self._rating_sql(company)
        record_fields = sorted({f for f, _k in FOCUS_COLUMNS.values()})
        cr.execute(
            f"""
            WITH inserted AS (
                INSERT INTO billbyte_usage_record
                       (run_id, connection_id, vendor_id, company_id, cloud_account_id, product_id,
                        state, line_number, dedup_key, {", ".join(record_fields)},
                        billing_currency_id, extra_data, charge_date, usage_date, corrected_period,
                        pricelist_id, cost_company, currency_id, price, partner_id)
                SELECT %(run)s, %(connection)s, %(vendor)s, %(company)s, r.cloud_account_id,
                       p.product_id,
                       CASE WHEN r.cloud_account_id IS NULL THEN 'unmatched' ELSE 'rated' END,
                       r.line_no, r.dedup_key, {", ".join("r." + f for f in record_fields)},
                       r.billing_currency_id, r.extra_data, r.charge_date, r.usage_date,
                       r.corrected_period, ba.pricelist_id, {cost_company},
                       ba.account_currency_id, {price}, ca.partner_id
                  FROM bb_rows r
                  JOIN bb_products p ON p.service_name = r.service_name
                                    AND p.sku_id = COALESCE(r.sku_id, '')
                  LEFT JOIN billbyte_cloud_account ca ON ca.id = r.cloud_account_id
                  {joins.format(product="p.product_id")}
                 WHERE r.reject_reason IS NULL
                 -- in index order: the account/day index then grows at its end
                 ORDER BY r.cloud_account_id, r.usage_date, p.product_id
                ON CONFLICT (dedup_key) DO NOTHING
                RETURNING cloud_account_id, product_id, usage_date, corrected_period, charge_date
            ), keys AS (
                INSERT INTO bb_keys
                SELECT DISTINCT cloud_account_id, product_id, usage_date, corrected_period
                  FROM inserted WHERE cloud_account_id IS NOT NULL
            )
            SELECT count(*), count(*) FILTER (WHERE cloud_account_id IS NULL),
                   count(*) FILTER (WHERE usage_date <> charge_date)
              FROM inserted
            """,
            {
                "run": run.id,
                "connection": connection.id,
                "vendor": connection.vendor_id.id,
                "company": company.id,
                "uid": self.env.uid,
            },
        )
        rows_imported, rows_unmatched, rows_late = cr.fetchone()
        if rows_imported > 10000:
            # Keep the planner's picture of the table true after a bulk load.
            cr.execute("ANALYZE billbyte_usage_record")
        self._aggregate()
        return {
            "rows_imported": rows_imported,
            "rows_unmatched": rows_unmatched,
            "rows_late": rows_late,
            "rows_replaced": rows_replaced,
        }

    def _remove_estimates(self, connection, date_from, date_to):
        """Drop a connection's unbilled estimate records (Cost Explorer) of the days an
        export now covers, and rebuild their analytic lines."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_keys (cloud_account_id int, product_id int, "
            "usage_date date, corrected_period text) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_keys")
        cr.execute(
            """
            WITH removed AS (
                DELETE FROM billbyte_usage_record u
                 WHERE u.connection_id = %(connection)s
                   AND u.charge_date BETWEEN %(date_from)s AND %(date_to)s
                   AND u.usage_date = u.charge_date
                   AND u.extra_data ? 'x_Estimate'
                   AND NOT EXISTS (SELECT 1 FROM billbyte_cloud_account ca
                                    WHERE ca.id = u.cloud_account_id
                                      AND ca.billed_until >= u.charge_date)
             RETURNING u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period
            ), keys AS (
                INSERT INTO bb_keys
                SELECT DISTINCT * FROM removed WHERE cloud_account_id IS NOT NULL
            )
            SELECT count(*) FROM removed
            """,
            {"connection": connection.id, "date_from": date_from, "date_to": date_to},
        )
        removed = cr.fetchone()[0]
        if removed:
            self._aggregate()
        self.env.invalidate_all()
        return removed

    def _reverse_restated_invoiced_days(self, run, connection):
        """A source that restates an invoiced day (its rows for that day are not FOCUS
        corrections) bills only the difference: the day's earlier records it no longer
        contains are reversed in the next open period, next to its new rows. The
        invoice itself is never touched. Reversals have deterministic keys, so the
        same source twice reverses nothing twice."""
        cr = self.env.cr
        negated = {
            "billed_cost",
            "effective_cost",
            "list_cost",
            "contracted_cost",
            "consumed_quantity",
            "pricing_quantity",
            "cost_company",
            "price",
        }
        overrides = {
            "run_id": "%(run)s",
            "line_number": "NULL",
            "dedup_key": "md5(u.dedup_key::text || ':reversal')::uuid",
            "charge_class": "'Correction'",
            "usage_date": "ca.billed_until + 1",
            "corrected_period": "to_char(u.charge_date, 'YYYY-MM')",
            "extra_data": "COALESCE(u.extra_data, '{}'::jsonb) "
            "|| jsonb_build_object('x_BillByteReversalOf', u.dedup_key::text)",
        }
        columns = [
            name
            for name, field in self.env["billbyte.usage.record"]._fields.items()
            if field.store and field.column_type and name != "id"
        ]
        values = [
            overrides.get(name) or (f"-u.{name}" if name in negated else f"u.{name}")
            for name in columns
        ]
        cr.execute(
            f"""
            WITH late_scope AS (
                SELECT DISTINCT cloud_account_id, charge_date FROM bb_rows
                 WHERE reject_reason IS NULL AND is_late AND cloud_account_id IS NOT NULL
                   AND COALESCE(charge_class, '') <> 'Correction'
            ), reversed AS (
                INSERT INTO billbyte_usage_record ({", ".join(columns)})
                SELECT {", ".join(values)}
                  FROM billbyte_usage_record u
                  JOIN late_scope ls ON ls.cloud_account_id = u.cloud_account_id
                                    AND ls.charge_date = u.charge_date
                  JOIN billbyte_cloud_account ca ON ca.id = u.cloud_account_id
                 WHERE u.connection_id = %(connection)s
                   AND COALESCE(u.charge_class, '') <> 'Correction'
                   AND NOT (COALESCE(u.extra_data, '{{}}'::jsonb) ? 'x_BillByteReversalOf')
                   AND NOT EXISTS (SELECT 1 FROM bb_rows r WHERE r.dedup_key = u.dedup_key)
                ON CONFLICT (dedup_key) DO NOTHING
                RETURNING cloud_account_id, product_id, usage_date, corrected_period
            ), keys AS (
                INSERT INTO bb_keys SELECT DISTINCT * FROM reversed
            )
            SELECT count(*) FROM reversed
            """,
            {"run": run.id, "connection": connection.id},
        )
        return cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Aggregation into analytic lines (unbilled usage)
    # ------------------------------------------------------------------
    def _aggregate(self):
        """Rebuild the unbilled analytic lines of the keys in bb_keys from their records."""
        cr = self.env.cr
        plan = self.env.ref("billbyte_usage.analytic_plan_cloud_accounts")
        plan_column = plan._column_name()
        cr.execute(
            """
            DELETE FROM account_analytic_line l
             USING (SELECT DISTINCT * FROM bb_keys) k
             WHERE l.billbyte_cloud_account_id = k.cloud_account_id
               AND l.product_id = k.product_id
               AND l.date = k.usage_date
               AND COALESCE(l.billbyte_corrected_period, '') = COALESCE(k.corrected_period, '')
               AND NOT l.billbyte_billed
            """
        )
        correction_label = self.env._("%(service)s (correction of %(period)s)")
        cr.execute("ANALYZE bb_keys")
        # Aggregate the records first (one hashed pass), then dress the few
        # aggregated rows with accounts, products and currencies.
        cr.execute(
            f"""
            WITH agg AS (
                SELECT u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period,
                       u.currency_id, u.company_id, min(u.service_name) AS service_name,
                       sum(u.cost_company) AS cost, sum(u.pricing_quantity) AS quantity,
                       sum(u.price) AS price
                  FROM billbyte_usage_record u
                 WHERE u.cloud_account_id IS NOT NULL
                   AND (u.cloud_account_id, u.product_id, u.usage_date, COALESCE(u.corrected_period, ''))
                       IN (SELECT cloud_account_id, product_id, usage_date, COALESCE(corrected_period, '')
                             FROM bb_keys)
                 GROUP BY u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period,
                          u.currency_id, u.company_id
            )
            INSERT INTO account_analytic_line
                   (name, date, amount, unit_amount, product_id, product_uom_id, partner_id,
                    company_id, currency_id, {plan_column}, billbyte_cloud_account_id,
                    billbyte_service_name, billbyte_currency_id, billbyte_price,
                    billbyte_corrected_period, billbyte_billed, category,
                    create_uid, create_date, write_uid, write_date)
            SELECT CASE WHEN agg.corrected_period IS NULL THEN agg.service_name
                        ELSE replace(replace(%(correction)s, '%%(service)s', agg.service_name),
                                     '%%(period)s', agg.corrected_period) END,
                   agg.usage_date,
                   -round(agg.cost, company_currency.decimal_places),
                   agg.quantity,
                   agg.product_id, pt.uom_id, ca.partner_id, agg.company_id, company.currency_id,
                   ca.analytic_account_id, agg.cloud_account_id, agg.service_name, agg.currency_id,
                   CASE WHEN COALESCE(pl.billbyte_rounding, 0) > 0
                        THEN round(agg.price / pl.billbyte_rounding::numeric)
                             * pl.billbyte_rounding::numeric
                        ELSE round(agg.price, customer_currency.decimal_places) END,
                   agg.corrected_period, false, 'other',
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM agg
              JOIN billbyte_cloud_account ca ON ca.id = agg.cloud_account_id
              JOIN res_company company ON company.id = agg.company_id
              JOIN res_currency company_currency ON company_currency.id = company.currency_id
              LEFT JOIN res_currency customer_currency ON customer_currency.id = agg.currency_id
              JOIN product_product pp ON pp.id = agg.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN product_pricelist pl ON pl.id = ca.pricelist_id
            """,
            {"uid": self.env.uid, "correction": correction_label},
        )
        cr.execute("TRUNCATE bb_keys")
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # Assigning unmatched usage
    # ------------------------------------------------------------------
    def _assign_and_rate(self, record_ids, cloud_account):
        """Give unmatched records a cloud account, then rate and aggregate them."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            UPDATE billbyte_usage_record u
               SET cloud_account_id = %(account)s, partner_id = %(partner)s, state = 'rated',
                   usage_date = CASE WHEN %(billed_until)s::date IS NOT NULL
                                      AND u.charge_date <= %(billed_until)s::date
                                     THEN %(billed_until)s::date + 1 ELSE u.charge_date END,
                   corrected_period = CASE WHEN (%(billed_until)s::date IS NOT NULL
                                                 AND u.charge_date <= %(billed_until)s::date)
                                             OR u.charge_class = 'Correction'
                                           THEN to_char(u.charge_date, 'YYYY-MM') END
             WHERE u.id = ANY(%(ids)s) AND u.state = 'unmatched'
            """,
            {
                "account": cloud_account.id,
                "partner": cloud_account.partner_id.id,
                "billed_until": cloud_account.billed_until or None,
                "ids": list(record_ids),
                "uid": self.env.uid,
            },
        )
        self._rerate(record_ids, cloud_account.company_id)

    def _rerate(self, record_ids, company):
        """Rate (again) the given records and rebuild their unbilled analytic lines."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DROP TABLE IF EXISTS bb_target")
        cr.execute(
            "CREATE TEMP TABLE bb_target ON COMMIT DROP AS SELECT id, cloud_account_id, "
            "billing_currency_id, charge_date, product_id FROM billbyte_usage_record "
            "WHERE id = ANY(%s) AND cloud_account_id IS NOT NULL",
            [list(record_ids)],
        )
        self._prepare_rating(company, "SELECT * FROM bb_target")
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_keys (cloud_account_id int, product_id int, "
            "usage_date date, corrected_period text) ON COMMIT DROP"
        )
        joins, cost_company, price = self._rating_sql(company)
        cr.execute(  # pylint: disable=sql-injection
            f"""
            WITH rated AS (
                SELECT r.id, ba.pricelist_id, {cost_company} AS cost_company,
                       ba.account_currency_id AS currency_id, {price} AS price
                  FROM billbyte_usage_record r
                  JOIN bb_target t ON t.id = r.id
                  {joins.format(product="r.product_id")}
            ), updated AS (
                UPDATE billbyte_usage_record u
                   SET pricelist_id = rated.pricelist_id, cost_company = rated.cost_company,
                       currency_id = rated.currency_id, price = rated.price
                  FROM rated WHERE rated.id = u.id
             RETURNING u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period
            )
            INSERT INTO bb_keys SELECT DISTINCT * FROM updated
            """
        )
        self._aggregate()
