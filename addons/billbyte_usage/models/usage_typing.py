# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, step 2: the staged rows typed, validated, keyed, matched and
rated, in one statement (bb_rows)."""

from odoo import api, models

from ..focus import schema


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

    def _build_rows(self, run, fields_map, extras, ncols):
        """Typed, validated, rated rows in bb_rows: one set-based pass over bb_stage.

        Three levels: `t` types each row on its own (casts, checks, blanks, extra
        columns, the dedup key: the costly part, run by parallel workers); `v` joins
        the looked-up dates, currencies, vendors, cloud accounts and products and
        says why a row is rejected or unmatched; the outer level rates it.
        """
        cr = self.env.cr
        env = self.env
        # required_reasons are found at level t, number_reasons and row_reasons at v.
        typed, number_reasons, required_reasons, row_reasons = [], [], [], []
        raw_dates, date_joins, dates, numbers = [], [], [], []
        # Texts from the file or translations travel as parameters; only our own
        # generated identifiers (cN, field names from the schema) are spliced in.
        params = {
            "number_re": schema.NUMBER_RE,
            "vendor": run.connection_id.vendor_id.id,
            "max": schema.MAX_MAGNITUDE,
        }

        def param(value):
            key = f"p{len(params)}"
            params[key] = value
            return f"%({key})s"

        def is_null(raw):
            # Empty, blanks or a literal NULL (any case). No regular expression and
            # octet_length, not length (which counts characters): this runs for
            # several columns of every row, and most values are longer.
            return (
                f"(NULLIF(trim({raw}), '') IS NULL OR "
                f"(octet_length({raw}) BETWEEN 4 AND 8 AND upper(trim({raw})) = 'NULL'))"
            )

        for field_name, (index, kind, column) in fields_map.items():
            raw = f"s.c{index}"
            if kind == "text" and field_name in schema.TRIMMED_FIELDS:
                typed.append(
                    f"CASE WHEN octet_length({raw}) BETWEEN 4 AND 8 "
                    f"AND upper(trim({raw})) = 'NULL' THEN NULL "
                    f"ELSE NULLIF(trim({raw}), '') END AS {field_name}"
                )
            elif kind == "text":
                # Descriptive texts are stored as the vendor wrote them.
                typed.append(f"NULLIF({raw}, '') AS {field_name}")
            elif kind == "number":
                # The pattern is matched once a row: a value it refused is the one with
                # a text but no number (the regular expression is most of the cost of
                # typing a number).
                typed.append(
                    f"CASE WHEN {raw} ~ %(number_re)s THEN {raw}::numeric END AS n_{field_name}"
                )
                typed.append(f"{raw} AS raw_{field_name}")
                raw_t = f"t.raw_{field_name}"
                number_reasons.append(
                    f"WHEN t.n_{field_name} IS NULL AND NOT {is_null(raw_t)} "
                    f"THEN format({param(env._('%s %%L is not a number', column))}, {raw_t})"
                )
                # Magnitudes no usage has (1e150, 1e400) are rejected, never stored.
                numbers.append(
                    f"CASE WHEN abs(t.n_{field_name}) < %(max)s THEN t.n_{field_name} END "
                    f"AS {field_name}"
                )
                too_large = param(
                    env._("%s is out of range: its magnitude is 10^15 or more", column)
                )
                row_reasons.append(f"WHEN abs(t.n_{field_name}) >= %(max)s THEN {too_large}")
            elif kind == "datetime":
                alias = f"d_{field_name}"
                raw_dates.append(f"{raw} AS raw_{field_name}")
                date_joins.append(f"LEFT JOIN bb_dates {alias} ON {alias}.raw = t.raw_{field_name}")
                dates.append(f"CASE WHEN {alias}.in_range THEN {alias}.value END AS {field_name}")
                row_reasons.append(
                    f"WHEN {alias}.raw IS NULL AND NOT {is_null(f't.raw_{field_name}')} "
                    f"THEN format({param(env._('%s %%L is not a date', column))}, "
                    f"t.raw_{field_name}) "
                    f"WHEN NOT {alias}.in_range "
                    f"THEN format({param(env._('%s %%L is out of range', column))}, "
                    f"t.raw_{field_name})"
                )
        for required in schema.REQUIRED_COLUMNS:
            field_name = schema.FOCUS_COLUMNS[required][0]
            index, _kind, column = fields_map[field_name]
            required_reasons.append(
                f"WHEN {is_null(f's.c{index}')} THEN {param(env._('%s is empty', column))}"
            )
        for missing_field in set(schema.FIELD_KINDS) - set(fields_map):
            kind = schema.FIELD_KINDS[missing_field]
            if kind == "datetime":
                dates.append(f"NULL::timestamp AS {missing_field}")
            elif kind == "number":
                numbers.append(f"NULL::numeric AS {missing_field}")
            else:
                typed.append(f"NULL::text AS {missing_field}")
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
            f"COALESCE(trim(s.c{fields_map['sku_id'][0]}), '')" if "sku_id" in fields_map else "''"
        )
        provider = (
            f"COALESCE(s.c{fields_map['provider_name'][0]}, '')"
            if "provider_name" in fields_map
            else "''"
        )
        start = "d_charge_period_start.value"
        late = f"(acc.billed_until IS NOT NULL AND {start}::date <= acc.billed_until)"
        correction = "t.charge_class = 'Correction'" if "charge_class" in fields_map else "false"
        unknown_currency = param(env._("unknown currency code %L"))
        inactive_currency = param(
            env._("currency %L is not active in Odoo: activate it and give it rates")
        )
        unknown_provider = param(
            env._(
                "ProviderName %L is none of our cloud vendors (see the vendors' FOCUS "
                "provider names): assign the rows to a cloud account"
            )
        )
        no_account = param(env._("no cloud account has SubAccountId %L"))
        key_sql = self._dedup_key_sql(fields_map, extras, param)
        joins_rating, cost_company, price = self._rating_sql(run.company_id)
        rows_table = self._work_table("rows")
        sql = f"""
            CREATE UNLOGGED TABLE {rows_table} AS
            SELECT r.*,
                   CASE WHEN r.cloud_account_id IS NULL THEN 'unmatched' ELSE 'rated' END AS state,
                   m.pricelist_id, m.partner_id, m.account_currency_id AS currency_id,
                   {cost_company} AS cost_company, {price} AS price
              FROM (
                SELECT t.line_no, t.dedup_key, pv.vendor_id,
                       {", ".join(f"t.{f}" for f in self._typed_fields())},
                       {", ".join(numbers)},
                       {", ".join(dates)},
                       cur.currency_id AS billing_currency_id,
                       sub.cloud_account_id,
                       p.product_id,
                       {start}::date AS charge_date,
                       {late} AS is_late,
                       CASE WHEN {late} THEN acc.billed_until + 1 ELSE {start}::date END AS usage_date,
                       CASE WHEN {late} OR {correction}
                            THEN to_char({start}, 'YYYY-MM') END AS corrected_period,
                       CASE WHEN sub.cloud_account_id IS NOT NULL THEN NULL
                            WHEN pv.vendor_id IS NULL THEN format({unknown_provider}, t.raw_provider)
                            ELSE format({no_account}, t.sub_account_id) END AS unmatched_reason,
                       COALESCE(
                           CASE {" ".join(number_reasons) or "WHEN false THEN NULL"} END,
                           CASE {" ".join(row_reasons) or "WHEN false THEN NULL"} END,
                           t.required_reason,
                           CASE WHEN cur.currency_id IS NULL
                                THEN format({unknown_currency}, t.raw_currency)
                                WHEN NOT cur.active
                                THEN format({inactive_currency}, t.raw_currency) END
                       ) AS reject_reason
                  FROM (
                    SELECT s.line_no, {provider} AS raw_provider,
                           {key_sql} AS dedup_key,
                           {", ".join(typed)},
                           {", ".join(raw_dates)},
                           s.c{fields_map["billing_currency"][0]} AS raw_currency,
                           {sku} AS sku_key,
                           CASE {" ".join(required_reasons)} END AS required_reason
                      FROM bb_stage s
                    OFFSET 0
                  ) t
                  LEFT JOIN bb_providers pv ON pv.raw = t.raw_provider
                  LEFT JOIN bb_currencies cur ON cur.raw = t.raw_currency
                  LEFT JOIN bb_subs sub ON sub.vendor_id = pv.vendor_id
                                       AND sub.raw = t.sub_account_id
                  LEFT JOIN bb_account acc ON acc.cloud_account_id = sub.cloud_account_id
                  LEFT JOIN bb_products p ON p.vendor_id = pv.vendor_id
                                         AND p.service_name = t.service_name
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
    def _dedup_key_sql(self, fields_map, extras, param):
        """The dedup key of a staged row `s`: the vendor's line, whatever brought it.

        An MD5 of the row's vendor (its provider, else the connection's vendor) and
        every value of the line: the FOCUS columns in the schema's order, each in its own
        place even when empty (so "a,,b" never hashes like "a,b,"), then the other
        columns by name. The same line uploaded, or found in an export on another
        connection of the vendor, with its columns in another order or with other
        columns absent, has the same key. (Over 99 values, an array: a function
        takes at most 100 arguments.)
        """
        values = [
            f"coalesce(s.c{fields_map[field][0]}, '')" if field in fields_map else "''"
            for field in schema.RECORD_FIELDS
        ]
        values += [
            f"CASE WHEN s.c{index} <> '' THEN {param(name + '=')} || s.c{index} END"
            for name, index in sorted(extras)
        ]
        provider = (
            f"s.c{fields_map['provider_name'][0]}" if "provider_name" in fields_map else "NULL"
        )
        # The vendor is the one the provider names (its name is among the values) or,
        # without a provider, the connection's. No join here: this level runs in
        # PostgreSQL's parallel workers, which cannot read temporary tables.
        vendor = f"COALESCE('provider:' || NULLIF(trim({provider}), ''), %(vendor)s::text)"
        if len(values) < 99:
            # Plain arguments are cheaper than an array, up to the 100 a function takes.
            return f"md5(concat_ws(chr(31), {vendor}, {', '.join(values)}))::uuid"
        return (
            f"md5(concat_ws(chr(31), VARIADIC ARRAY[{vendor}, {', '.join(values)}]::text[]))::uuid"
        )

    @api.model
    def _typed_fields(self):
        """The usage record fields level `t` of _build_rows gives (texts and extras)."""
        return sorted(field for field, kind in schema.FIELD_KINDS.items() if kind == "text") + [
            "extra_data"
        ]

    def _store_rejections(self, run, ncols):
        cr = self.env.cr
        raw = ", ".join(f"s.c{i}" for i in range(ncols))
        cr.execute(  # pylint: disable=sql-injection
            f"""
            INSERT INTO billbyte_usage_import_rejection
                   (run_id, company_id, line_number, reason, raw_values,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, r.line_no, r.reject_reason,
                   left(array_to_string(ARRAY[{raw}]::text[], ','), 1000),
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM bb_rows r JOIN bb_stage s ON s.line_no = r.line_no
             WHERE r.reject_reason IS NOT NULL
            """,
            {"run": run.id, "company": run.company_id.id, "uid": self.env.uid},
        )
