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
from array import array
from bisect import bisect_left
from contextlib import contextmanager
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
# Text columns whose values are looked up or tested: stored without surrounding
# blanks. The others are stored as the file gives them.
TRIMMED_FIELDS = {
    "sub_account_id",
    "service_name",
    "sku_id",
    "charge_category",
    "charge_class",
    "billing_currency",
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
# Sums per unbilled line key of the records an import inserts (see _aggregate).
DELTA_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS bb_delta (cloud_account_id int, product_id int, "
    "usage_date date, corrected_period text, currency_id int, company_id int, "
    "service_name text, cost numeric, quantity numeric, price numeric) ON COMMIT DROP"
)


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


class _NumberedSource:
    """The source's CSV records for COPY, each followed by one column of ours: the
    line of the file it starts on.

    A record spans lines while it holds an odd number of quote characters (a quoted
    field with a line break); blank lines are skipped. It runs in this (client)
    process while PostgreSQL parses what it already sent. The exception a read
    raised (a truncated gzip) is kept, since psycopg2 would turn it into a generic
    COPY failure.
    """

    # Small chunks keep both sides busy: PostgreSQL parses one while this process
    # splits the next (a large chunk leaves one of them waiting).
    CHUNK = 1 << 16
    # A "record" still open after this many bytes is a broken quote: pass it on as
    # it is and let COPY say so.
    MAX_RECORD = 1 << 20

    def __init__(self, stream, first_line=2):
        self.stream = stream
        self.first_line = first_line
        self.error = None
        # Per record: the file line it starts on, and COPY's own count of lines
        # once it is read (COPY counts the line breaks inside quoted fields too).
        self.starts = array("l")
        self.copy_ends = array("l")
        self.unterminated = None
        self._chunks = self._generate()

    def _generate(self):
        starts, copy_ends, max_record = self.starts, self.copy_ends, self.MAX_RECORD
        line_no = self.first_line - 1
        copy_lines = 0
        pending, pending_start = b"", 0

        def numbered_records(lines):
            nonlocal line_no, copy_lines, pending, pending_start
            out = []
            append = out.append
            for line in lines:
                line_no += 1
                if pending:
                    pending += b"\n" + line
                    if pending.count(b'"') & 1 and len(pending) < max_record:
                        continue
                    body, start, pending = pending, pending_start, b""
                elif line.count(b'"') & 1:
                    pending, pending_start = line, line_no
                    continue
                else:
                    body, start = line, line_no
                if body[-1:] == b"\r":
                    body = body[:-1]
                if not body or body.isspace():
                    continue
                # PostgreSQL counts the line breaks inside quoted fields, in its
                # first record by their carriage returns only (it does not know the
                # file's line ending yet).
                copy_lines += 1 + body.count(b"\n" if starts else b"\r")
                starts.append(start)
                copy_ends.append(copy_lines)
                append(b"%s,%d\n" % (body, start))
            return b"".join(out)

        rest = b""
        while True:
            block = self.stream.read(self.CHUNK)
            if not block:
                break
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            chunk = numbered_records(lines)
            if chunk:
                yield chunk
        chunk = numbered_records([rest]) if rest else b""
        if pending:
            # An unterminated quoted field: COPY will say so.
            self.unterminated = pending_start
            chunk += pending + b"\n"
        if chunk:
            yield chunk

    def read(self, size=-1):  # pylint: disable=method-required-super
        try:
            return next(self._chunks, b"")
        except Exception as error:
            self.error = error
            raise

    def line_of(self, copy_line, reason=""):
        """The file line of what COPY calls line copy_line, if known."""
        if "unterminated" in reason and self.unterminated:
            return self.unterminated
        index = bisect_left(self.copy_ends, copy_line)
        if index < len(self.starts):
            return self.starts[index]
        return self.unterminated


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
        self._drop_work_tables()
        # The file lands in an unlogged table of this transaction (it never outlives
        # it), not a temporary one: PostgreSQL's parallel workers can scan it, so
        # typing the rows uses every core. The rest reads it as bb_stage.
        stage = self._work_table("stage")
        columns = ", ".join(f"c{i} text" for i in range(ncols))
        cr.execute(  # pylint: disable=sql-injection
            f"CREATE UNLOGGED TABLE {stage} ({columns}, line_no int)"
        )
        cr.execute(f"CREATE TEMP VIEW bb_stage AS SELECT * FROM {stage}")  # pylint: disable=sql-injection
        copy_cols = ", ".join(f"c{i}" for i in range(ncols))
        source = _NumberedSource(stream)
        try:
            with cr.savepoint(flush=False):
                cr._obj.copy_expert(
                    f"COPY {stage} ({copy_cols}, line_no) FROM STDIN WITH (FORMAT csv)",
                    source,
                    size=_NumberedSource.CHUNK,
                )
        except psycopg2.Error as error:
            if source.error:
                # The stream broke (a truncated gzip): say so rather than what COPY saw.
                raise source.error from None
            context = (error.diag.context or "") if error.diag else ""
            reason = (error.diag.message_primary if error.diag else None) or str(error)
            said = context + reason
            if (
                "line_no" in said
                or "missing data for column" in reason
                or "extra data after last expected column" in reason
            ):
                # Our column, after the record's own fields, was missing or took
                # another field: the record has another count of fields.
                reason = self.env._(
                    "its number of fields differs from the header's %s columns", ncols
                )
            elif not isinstance(
                error,
                (
                    psycopg2.errors.BadCopyFileFormat,
                    psycopg2.errors.CharacterNotInRepertoire,
                    psycopg2.errors.UntranslatableCharacter,
                ),
            ):
                raise
            line = COPY_LINE_RE.search(context)
            raise UserError(
                self.env._(
                    "The file is not a well-formed CSV file: line %(line)s: %(reason)s",
                    line=(line and source.line_of(int(line.group(1)), reason)) or "?",
                    reason=reason,
                )
            ) from None
        rows_read = len(source.starts)
        if not rows_read:
            raise UserError(self.env._("The file has column names but no usage rows."))
        # Set-based steps want hash joins and aggregates held in memory. (The stage
        # is not analysed: the planner sizes a table never analysed by its pages.)
        cr.execute("SET LOCAL work_mem = '256MB'")
        created = self._stage_lookups(run, fields_map)
        self._build_rows(run, fields_map, extras, ncols)
        if created:
            # Services met only on rejected lines do not stay in the catalog.
            cr.execute(
                "SELECT DISTINCT product_id FROM bb_rows "
                "WHERE reject_reason IS NULL AND product_id = ANY(%s)",
                [created.product_variant_id.ids],
            )
            used = {product_id for (product_id,) in cr.fetchall()}
            created.filtered(lambda t: t.product_variant_id.id not in used).unlink()
        with self._parallel():
            cr.execute(
                "SELECT count(*) FILTER (WHERE reject_reason IS NOT NULL), "
                "count(*) FILTER (WHERE reject_reason IS NULL AND is_late), "
                "sum(billed_cost)::text, (sum(billed_cost) FILTER (WHERE reject_reason IS NULL))::text, "
                "min(charge_date) FILTER (WHERE reject_reason IS NULL), "
                "max(charge_date) FILTER (WHERE reject_reason IS NULL) FROM bb_rows"
            )
            rejected, late, source_sum, imported_sum, period_start, period_end = cr.fetchone()
        if rejected:
            self._store_rejections(run, ncols)
        stats = self._store_records(run, connection, late=late)
        stats["rows_read"] = rows_read
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
        self._drop_work_tables()
        return stats

    @contextmanager
    def _parallel(self):
        """Statements over the staged file or the typed rows: their per-row work costs
        far more than the planner's defaults assume, so let it use parallel workers."""
        cr = self.env.cr
        cr.execute("SET LOCAL parallel_setup_cost = 0")
        cr.execute("SET LOCAL parallel_tuple_cost = 0.0001")
        yield
        # (On an error, rolling back to the import's savepoint undoes the settings.)
        cr.execute("RESET parallel_setup_cost")
        cr.execute("RESET parallel_tuple_cost")

    def _work_table(self, name):
        """This session's name for work table `name` (unique among concurrent imports)."""
        self.env.cr.execute("SELECT pg_backend_pid()")
        return f"billbyte_{name}_{self.env.cr.fetchone()[0]}"

    def _drop_work_tables(self):
        cr = self.env.cr
        cr.execute("DROP VIEW IF EXISTS bb_stage, bb_rows")
        cr.execute(  # pylint: disable=sql-injection
            f"DROP TABLE IF EXISTS {self._work_table('stage')}, {self._work_table('rows')}"
        )
        cr.execute(
            "DROP TABLE IF EXISTS bb_dates, bb_currencies, bb_products, bb_keys, "
            "bb_delta, bb_dup, bb_account, bb_rate, bb_fixed, bb_mult"
        )

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

    def _stage_lookups(self, run, fields_map):
        """Everything the rows refer to, looked up once (not once per row): the staged
        file's distinct dates, currency codes, vendor account ids and services; then
        the catalog products, cloud accounts and rates that rate them."""
        cr = self.env.cr
        connection = run.connection_id

        def raw(field_name):
            return f"s.c{fields_map[field_name][0]}"

        date_cols = [
            f"c{index}" for index, kind, _name in fields_map.values() if kind == "datetime"
        ]
        sku = f"COALESCE(NULLIF(trim({raw('sku_id')}), ''), '')" if "sku_id" in fields_map else "''"

        # A few DISTINCT scans, each shared by PostgreSQL's parallel workers.
        def distinct(expressions):
            cr.execute(f"SELECT DISTINCT {expressions} FROM bb_stage s")  # pylint: disable=sql-injection
            return cr.fetchall()

        with self._parallel():
            dates = {d for col in date_cols for (d,) in distinct(f"s.{col}") if d is not None}
            currencies = {c for (c,) in distinct(raw("billing_currency")) if c is not None}
            subs = {a for (a,) in distinct(f"trim({raw('sub_account_id')})") if a}
            pairs = {
                (service, sku_id)
                for service, sku_id in distinct(f"NULLIF(trim({raw('service_name')}), ''), {sku}")
                if service
            }
        parsed = [(text, parse_focus_datetime(text)) for text in dates]
        cr.execute(
            "CREATE TEMP TABLE bb_dates (raw text PRIMARY KEY, value timestamp) ON COMMIT DROP"
        )
        execute_values(cr._obj, "INSERT INTO bb_dates VALUES %s", [p for p in parsed if p[1]])
        cr.execute(
            "CREATE TEMP TABLE bb_currencies (raw text PRIMARY KEY, currency_id int, active bool) "
            "ON COMMIT DROP"
        )
        by_code = {
            currency.name: currency
            for currency in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", sorted({c.strip().upper() for c in currencies}))])
        }
        known = [
            (code, by_code[code.strip().upper()].id, by_code[code.strip().upper()].active)
            for code in currencies
            if code.strip().upper() in by_code
        ]
        if known:
            execute_values(cr._obj, "INSERT INTO bb_currencies VALUES %s", known)
        created = self._resolve_products(connection.vendor_id, sorted(pairs))
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .search(
                [
                    ("company_id", "=", run.company_id.id),
                    ("vendor_id", "=", connection.vendor_id.id),
                    ("vendor_account_id", "in", sorted(subs)),
                ]
            )
        )
        days = sorted({moment.date() for _text, moment in parsed if moment})
        valid_currency_ids = {currency_id for _code, currency_id, active in known if active}
        cr.execute("SELECT product_id FROM bb_products")
        self._prepare_rating(
            run.company_id,
            accounts.ids,
            [(day, currency_id) for day in days for currency_id in valid_currency_ids],
            [product_id for (product_id,) in cr.fetchall()],
        )
        return created

    def _build_rows(self, run, fields_map, extras, ncols):
        """Typed, validated, rated rows in bb_rows: one set-based pass over bb_stage.

        Three levels: `t` types each row on its own (casts, checks, blanks, extra
        columns: the costly part, run by parallel workers); `v` joins the looked-up
        dates, currencies, cloud accounts and products and says why a row is
        rejected; the outer level rates it.
        """
        cr = self.env.cr
        env = self.env
        typed, number_reasons, required_reasons, date_reasons = [], [], [], []
        raw_dates, date_joins, dates = [], [], []
        # Texts from the file or translations travel as parameters; only our own
        # generated identifiers (cN, field names from FOCUS_COLUMNS) are spliced in.
        params = {"number_re": NUMBER_RE, "connection": run.connection_id.id}

        def param(value):
            key = f"p{len(params)}"
            params[key] = value
            return f"%({key})s"

        for field_name, (index, kind, column) in fields_map.items():
            raw = f"s.c{index}"
            if kind == "text" and field_name in TRIMMED_FIELDS:
                typed.append(f"NULLIF(trim({raw}), '') AS {field_name}")
            elif kind == "text":
                typed.append(f"NULLIF({raw}, '') AS {field_name}")
            elif kind == "number":
                typed.append(
                    f"CASE WHEN {raw} ~ %(number_re)s THEN {raw}::numeric END AS {field_name}"
                )
                number_reasons.append(
                    f"WHEN NULLIF(trim({raw}), '') IS NOT NULL AND NOT {raw} ~ %(number_re)s "
                    f"THEN format({param(env._('%s %%L is not a number', column))}, {raw})"
                )
            elif kind == "datetime":
                alias = f"d_{field_name}"
                raw_dates.append(f"{raw} AS raw_{field_name}")
                date_joins.append(f"LEFT JOIN bb_dates {alias} ON {alias}.raw = t.raw_{field_name}")
                dates.append(f"{alias}.value AS {field_name}")
                date_reasons.append(
                    f"WHEN NULLIF(trim(t.raw_{field_name}), '') IS NOT NULL "
                    f"AND {alias}.value IS NULL "
                    f"THEN format({param(env._('%s %%L is not a date', column))}, "
                    f"t.raw_{field_name})"
                )
        for required in REQUIRED_COLUMNS:
            field_name = FOCUS_COLUMNS[required][0]
            column = fields_map[field_name][2]
            required_reasons.append(
                f"WHEN NULLIF(trim(s.c{fields_map[field_name][0]}), '') IS NULL "
                f"THEN {param(env._('%s is empty', column))}"
            )
        for missing_field in {f for f, _k in FOCUS_COLUMNS.values()} - set(fields_map):
            kind = next(k for f, k in FOCUS_COLUMNS.values() if f == missing_field)
            if kind == "datetime":
                dates.append(f"NULL::timestamp AS {missing_field}")
            else:
                cast = {"text": "text", "number": "numeric"}[kind]
                typed.append(f"NULL::{cast} AS {missing_field}")
        if extras:
            # jsonb_build_object takes at most 100 arguments: 50 columns a call.
            objects = " || ".join(
                "jsonb_build_object({})".format(
                    ", ".join(
                        f"{param(name)}::text, NULLIF(s.c{index}, '')"
                        for name, index in extras[start : start + 50]
                    )
                )
                for start in range(0, len(extras), 50)
            )
            typed.append(f"jsonb_strip_nulls({objects}) AS extra_data")
        else:
            typed.append("NULL::jsonb AS extra_data")
        sku = (
            f"COALESCE(NULLIF(trim(s.c{fields_map['sku_id'][0]}), ''), '')"
            if "sku_id" in fields_map
            else "''"
        )
        start = "d_charge_period_start.value"
        late = f"(acc.billed_until IS NOT NULL AND {start}::date <= acc.billed_until)"
        correction = "t.charge_class = 'Correction'" if "charge_class" in fields_map else "false"
        unknown_currency = param(env._("unknown currency code %L"))
        inactive_currency = param(
            env._("currency %L is not active in Odoo: activate it and give it rates")
        )
        # The dedup key: every value of the line, with the connection. (coalesce:
        # concat_ws skips NULLs, and "a,,b" must not hash like "a,b,".)
        all_raw = ", ".join(f"coalesce(s.c{i}, '')" for i in range(ncols))
        joins_rating, cost_company, price = self._rating_sql(run.company_id)
        rows_table = self._work_table("rows")
        sql = f"""
            CREATE UNLOGGED TABLE {rows_table} AS
            SELECT r.*,
                   CASE WHEN r.cloud_account_id IS NULL THEN 'unmatched' ELSE 'rated' END AS state,
                   m.pricelist_id, m.partner_id, m.account_currency_id AS currency_id,
                   {cost_company} AS cost_company, {price} AS price
              FROM (
                SELECT t.line_no, t.dedup_key,
                       {", ".join(f"t.{f}" for f in self._typed_fields())},
                       {", ".join(dates)},
                       cur.currency_id AS billing_currency_id,
                       acc.cloud_account_id,
                       p.product_id,
                       {start}::date AS charge_date,
                       {late} AS is_late,
                       CASE WHEN {late} THEN acc.billed_until + 1 ELSE {start}::date END AS usage_date,
                       CASE WHEN {late} OR {correction}
                            THEN to_char({start}, 'YYYY-MM') END AS corrected_period,
                       COALESCE(
                           t.number_reason,
                           CASE {" ".join(date_reasons)} END,
                           t.required_reason,
                           CASE WHEN cur.currency_id IS NULL
                                THEN format({unknown_currency}, t.raw_currency)
                                WHEN NOT cur.active
                                THEN format({inactive_currency}, t.raw_currency) END
                       ) AS reject_reason
                  FROM (
                    SELECT s.line_no,
                           md5(concat_ws(chr(31), %(connection)s::text, {all_raw}))::uuid
                               AS dedup_key,
                           {", ".join(typed)},
                           {", ".join(raw_dates)},
                           s.c{fields_map["billing_currency"][0]} AS raw_currency,
                           {sku} AS sku_key,
                           CASE {" ".join(number_reasons) or "WHEN false THEN NULL"} END
                               AS number_reason,
                           CASE {" ".join(required_reasons)} END AS required_reason
                      FROM bb_stage s
                    OFFSET 0
                  ) t
                  LEFT JOIN bb_currencies cur ON cur.raw = t.raw_currency
                  LEFT JOIN bb_account acc ON acc.vendor_account_id = t.sub_account_id
                  LEFT JOIN bb_products p ON p.service_name = t.service_name
                                         AND p.sku_id = t.sku_key
                  {" ".join(date_joins)}
                OFFSET 0
              ) r
              {joins_rating.format(product="r.product_id")}
        """
        with self._parallel():
            cr.execute(sql, params)  # pylint: disable=sql-injection
            cr.execute(f"CREATE TEMP VIEW bb_rows AS SELECT * FROM {rows_table}")  # pylint: disable=sql-injection
            cr.execute(f"ANALYZE {rows_table}")  # pylint: disable=sql-injection
            # Identical lines within one source stay distinct records: number the repeats.
            cr.execute("SELECT dedup_key FROM bb_rows GROUP BY dedup_key HAVING count(*) > 1")
            repeated_keys = [key for (key,) in cr.fetchall()]
        if repeated_keys:
            cr.execute(  # pylint: disable=sql-injection
                f"""
                WITH repeated AS (
                    SELECT line_no, row_number() OVER (PARTITION BY dedup_key ORDER BY line_no) AS n
                      FROM {rows_table}
                     WHERE dedup_key = ANY(%s::uuid[])
                )
                UPDATE {rows_table} r SET dedup_key = md5(r.dedup_key::text || '#' || repeated.n)::uuid
                  FROM repeated WHERE repeated.line_no = r.line_no AND repeated.n > 1
                """,
                [repeated_keys],
            )

    @api.model
    def _typed_fields(self):
        """The usage record fields level `t` of _build_rows gives (all but dates)."""
        return sorted({field for field, kind in FOCUS_COLUMNS.values() if kind != "datetime"}) + [
            "extra_data"
        ]

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

    def _resolve_products(self, vendor, pairs):
        """Catalog product per (service, SKU) pair (SKU '' for none): by SKU, else by
        service, else a new metered service product. Fills temp table bb_products."""
        cr = self.env.cr
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
        else:
            created = self.env["product.template"]
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
        return created

    def _prepare_rating(self, company, account_ids, day_currencies, product_ids):
        """Temp tables the rating expression joins: the cloud accounts with their
        strategies, currency rates at each (charge date, currency) given (Odoo's own
        rates) and, for fixed strategies, the unit prices of the given products."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS bb_account, bb_rate, bb_fixed, bb_mult")
        cr.execute(
            """
            CREATE TEMP TABLE bb_account ON COMMIT DROP AS
            SELECT ca.id AS cloud_account_id, ca.vendor_account_id, ca.partner_id,
                   ca.billed_until, pl.id AS pricelist_id,
                   COALESCE(pl.billbyte_strategy, 'cost_plus') AS strategy,
                   COALESCE(pl.billbyte_markup, 0)::numeric AS markup,
                   COALESCE(pl.billbyte_surcharge, 0)::numeric AS surcharge,
                   COALESCE(pl.currency_id, ca.currency_id) AS pricing_currency_id,
                   ca.currency_id AS account_currency_id
              FROM billbyte_cloud_account ca
              LEFT JOIN product_pricelist pl ON pl.id = ca.pricelist_id
             WHERE ca.id = ANY(%s)
            """,
            [list(account_ids)],
        )
        cr.execute("ANALYZE bb_account")
        cr.execute(
            "SELECT DISTINCT pricing_currency_id FROM bb_account UNION SELECT account_currency_id FROM bb_account"
        )
        currency_ids = {row[0] for row in cr.fetchall()} | {c for _d, c in day_currencies}
        currency_ids.add(company.currency_id.id)
        currencies = (
            self.env["res.currency"].with_context(active_test=False).browse(sorted(currency_ids))
        )
        rates = []
        days = sorted({d for d, _c in day_currencies})
        for day in days:
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
        # Per cloud account, day and currency, the factors a row's cost is multiplied
        # by: one join per row instead of one per rate.
        cr.execute(
            """
            CREATE TEMP TABLE bb_mult ON COMMIT DROP AS
            SELECT ba.cloud_account_id, rp.day, rp.from_id AS currency_id, ba.pricelist_id,
                   ba.partner_id, ba.account_currency_id, ba.strategy,
                   rp.rate * (1 + ba.markup / 100) * ra.rate AS price_rate,
                   rp.rate * ra.rate AS pass_rate,
                   ba.surcharge * ra.rate AS surcharge_amount,
                   ra.rate AS fixed_rate
              FROM bb_account ba
              JOIN bb_rate rp ON rp.to_id = ba.pricing_currency_id
              JOIN bb_rate ra ON ra.day = rp.day AND ra.from_id = ba.pricing_currency_id
                             AND ra.to_id = ba.account_currency_id
            """
        )
        cr.execute("ALTER TABLE bb_mult ADD PRIMARY KEY (cloud_account_id, day, currency_id)")
        cr.execute("ANALYZE bb_mult")
        cr.execute("SELECT DISTINCT pricelist_id FROM bb_account WHERE strategy = 'fixed'")
        fixed = []
        products = self.env["product.product"].browse(sorted(set(product_ids)))
        for (pricelist_id,) in cr.fetchall():
            pricelist = self.env["product.pricelist"].browse(pricelist_id)
            for day in days if products else []:
                prices = pricelist._get_products_price(
                    products, 1.0, currency=pricelist.currency_id, date=day
                )
                fixed.extend((pricelist_id, pid, day, prices.get(pid, 0.0)) for pid in products.ids)
        cr.execute(
            "CREATE TEMP TABLE bb_fixed (pricelist_id int, product_id int, day date, price numeric, "
            "PRIMARY KEY (pricelist_id, product_id, day)) ON COMMIT DROP"
        )
        if fixed:
            execute_values(cr._obj, "INSERT INTO bb_fixed VALUES %s", fixed)

    @api.model
    def _rating_sql(self, company):
        """Joins and expressions that rate a row source aliased `r` (with product
        `{product}`); the joins also give `m.pricelist_id`, `m.partner_id` and
        `m.account_currency_id`."""
        joins = f"""
            LEFT JOIN bb_rate rc ON rc.day = r.charge_date AND rc.from_id = r.billing_currency_id
                                AND rc.to_id = {int(company.currency_id.id)}
            LEFT JOIN bb_mult m ON m.cloud_account_id = r.cloud_account_id
                               AND m.day = r.charge_date AND m.currency_id = r.billing_currency_id
            LEFT JOIN bb_fixed bf ON bf.pricelist_id = m.pricelist_id
                                 AND bf.product_id = {{product}} AND bf.day = r.charge_date
        """
        cost_company = "r.billed_cost * rc.rate"
        price = """
            CASE WHEN r.cloud_account_id IS NULL THEN NULL
                 WHEN r.charge_category = 'Tax' THEN 0
                 WHEN m.strategy = 'cost_plus'
                      THEN r.billed_cost * m.price_rate + sign(r.billed_cost) * m.surcharge_amount
                 WHEN r.billed_cost < 0 OR r.charge_category IN ('Credit', 'Adjustment')
                      THEN r.billed_cost * m.pass_rate
                 ELSE COALESCE(r.pricing_quantity, 0) * COALESCE(bf.price, 0) * m.fixed_rate
            END"""
        return joins, cost_company, price

    def _store_records(self, run, connection, late=True):
        cr = self.env.cr
        company = run.company_id
        self._prepare_keys()
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
        if late:
            rows_replaced += self._reverse_restated_invoiced_days(run, connection)
        record_fields = sorted({f for f, _k in FOCUS_COLUMNS.values()})
        columns = [
            "connection_id",
            "vendor_id",
            "company_id",
            "run_id",
            "cloud_account_id",
            "product_id",
            "state",
            "line_number",
            "dedup_key",
            *record_fields,
            "billing_currency_id",
            "extra_data",
            "charge_date",
            "usage_date",
            "corrected_period",
            "pricelist_id",
            "cost_company",
            "currency_id",
            "price",
            "partner_id",
        ]
        values = [
            "%(connection)s",
            "%(vendor)s",
            "%(company)s",
            "%(run)s",
            *(f"r.{name}" for name in columns[4:]),
        ]
        values[columns.index("line_number")] = "r.line_no"
        # Rows already imported are found first, in a statement of their own (inside
        # the INSERT, the planner may scan the table it is writing), and left out: a
        # plain INSERT is much cheaper than ON CONFLICT. The unique index still
        # guards against any race.
        cr.execute("DROP TABLE IF EXISTS bb_dup, bb_delta")
        cr.execute(
            "CREATE TEMP TABLE bb_dup ON COMMIT DROP AS SELECT r.dedup_key FROM bb_rows r "
            "JOIN billbyte_usage_record u ON u.dedup_key = r.dedup_key "
            "WHERE r.reject_reason IS NULL"
        )
        cr.execute(
            "SELECT (SELECT count(*) FROM bb_dup), "
            "(SELECT count(*) FROM bb_rows WHERE reject_reason IS NULL)"
        )
        duplicates, valid = cr.fetchone()
        if duplicates == valid:
            # The same source again: nothing to insert; only the lines of records a
            # restatement removed (in bb_keys) are rebuilt.
            cr.execute(DELTA_TABLE)
            self._aggregate()
            return {
                "rows_imported": 0,
                "rows_unmatched": 0,
                "rows_late": 0,
                "rows_replaced": rows_replaced,
            }
        new_rows = "r.reject_reason IS NULL" + (
            " AND NOT EXISTS (SELECT 1 FROM bb_dup d WHERE d.dedup_key = r.dedup_key)"
            if duplicates
            else ""
        )
        # The counts, and the sums per key of what is inserted: the unbilled lines of
        # keys that had no records before are built from these sums alone (see
        # _aggregate). Both read bb_rows with parallel workers.
        with self._parallel():
            cr.execute(  # pylint: disable=sql-injection
                f"""
                SELECT count(*), count(*) FILTER (WHERE cloud_account_id IS NULL),
                       count(*) FILTER (WHERE usage_date <> charge_date)
                  FROM bb_rows r WHERE {new_rows}
                """
            )
            rows_imported, rows_unmatched, rows_late = cr.fetchone()
            cr.execute(  # pylint: disable=sql-injection
                f"""
                CREATE TEMP TABLE bb_delta ON COMMIT DROP AS
                SELECT cloud_account_id, product_id, usage_date, corrected_period, currency_id,
                       %(company)s::int AS company_id, min(service_name) AS service_name,
                       sum(cost_company) AS cost, sum(pricing_quantity) AS quantity,
                       sum(price) AS price
                  FROM bb_rows r
                 WHERE {new_rows} AND r.cloud_account_id IS NOT NULL
                 GROUP BY cloud_account_id, product_id, usage_date, corrected_period, currency_id
                """,
                {"company": company.id},
            )
        cr.execute(  # pylint: disable=sql-injection
            f"""
            INSERT INTO billbyte_usage_record ({", ".join(columns)})
            SELECT {", ".join(values)} FROM bb_rows r WHERE {new_rows}
            """,
            {
                "run": run.id,
                "connection": connection.id,
                "vendor": connection.vendor_id.id,
                "company": company.id,
            },
        )
        if rows_imported > 10000:
            # Keep the planner's picture of the table true after a bulk load that
            # changes it much (the lines are rebuilt from it next). On a table many
            # times larger, autovacuum's own analysis is enough, and two large
            # imports do not queue up behind each other's ANALYZE.
            cr.execute(
                "SELECT reltuples FROM pg_class WHERE oid = 'billbyte_usage_record'::regclass"
            )
            if cr.fetchone()[0] < 4 * rows_imported:
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
        self._prepare_keys()
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
    def _prepare_keys(self):
        """Empty temp tables of the keys whose unbilled lines are to be rebuilt:
        bb_keys (summed again from all their records) and bb_delta (sums of records
        just inserted)."""
        cr = self.env.cr
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_keys (cloud_account_id int, product_id int, "
            "usage_date date, corrected_period text) ON COMMIT DROP"
        )
        cr.execute(DELTA_TABLE)
        cr.execute("TRUNCATE bb_keys, bb_delta")

    def _aggregate(self):
        """Rebuild the unbilled analytic lines of the keys in bb_keys and bb_delta.

        A key of bb_delta whose unbilled line did not exist had no records before
        this import (every rated record's key has its line, and new records never
        land on an invoiced day): its line is bb_delta's sums. Every other key is
        summed again from all its records, through the account/day index.
        """
        cr = self.env.cr
        cr.execute("ANALYZE bb_delta")
        cr.execute(
            """
            WITH removed AS (
                DELETE FROM account_analytic_line l
                 USING (SELECT cloud_account_id, product_id, usage_date, corrected_period
                          FROM bb_keys
                         UNION
                        SELECT cloud_account_id, product_id, usage_date, corrected_period
                          FROM bb_delta) k
                 WHERE l.billbyte_cloud_account_id = k.cloud_account_id
                   AND l.product_id = k.product_id
                   AND l.date = k.usage_date
                   AND COALESCE(l.billbyte_corrected_period, '') = COALESCE(k.corrected_period, '')
                   AND NOT l.billbyte_billed
             RETURNING l.billbyte_cloud_account_id, l.product_id, l.date, l.billbyte_corrected_period
            )
            INSERT INTO bb_keys SELECT * FROM removed
            """
        )
        cr.execute("ANALYZE bb_keys")
        self._insert_usage_lines(
            """
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
            """
        )
        self._insert_usage_lines(
            """
            SELECT d.* FROM bb_delta d
             WHERE NOT EXISTS (
                   SELECT 1 FROM bb_keys k
                    WHERE k.cloud_account_id = d.cloud_account_id AND k.product_id = d.product_id
                      AND k.usage_date = d.usage_date
                      AND COALESCE(k.corrected_period, '') = COALESCE(d.corrected_period, ''))
            """
        )
        cr.execute("TRUNCATE bb_keys, bb_delta")
        self.env.invalidate_all()

    def _insert_usage_lines(self, source_sql):
        """Insert the unbilled analytic lines of a source of sums per key (columns as
        bb_delta's)."""
        cr = self.env.cr
        plan = self.env.ref("billbyte_usage.analytic_plan_cloud_accounts")
        plan_column = plan._column_name()
        correction_label = self.env._("%(service)s (correction of %(period)s)")
        cr.execute(  # pylint: disable=sql-injection
            f"""
            WITH agg AS ({source_sql})
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
        cr.execute("SELECT DISTINCT cloud_account_id FROM bb_target")
        account_ids = [row[0] for row in cr.fetchall()]
        cr.execute("SELECT DISTINCT charge_date, billing_currency_id FROM bb_target")
        day_currencies = cr.fetchall()
        cr.execute("SELECT DISTINCT product_id FROM bb_target WHERE product_id IS NOT NULL")
        product_ids = [row[0] for row in cr.fetchall()]
        self._prepare_rating(company, account_ids, day_currencies, product_ids)
        self._prepare_keys()
        joins, cost_company, price = self._rating_sql(company)
        cr.execute(  # pylint: disable=sql-injection
            f"""
            WITH rated AS (
                SELECT r.id, m.pricelist_id, {cost_company} AS cost_company,
                       m.account_currency_id AS currency_id, {price} AS price
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
