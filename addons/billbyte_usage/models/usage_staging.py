# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, step 1: a FOCUS source in, staged and looked up.

FOCUS rows in, rated records and unbilled analytic lines out. Every step is
set-based SQL over the whole source (PostgreSQL COPY into a work table, then a
handful of statements), so the cost per row stays close to that of COPY itself.
Connectors (files, AWS, Microsoft, Google Cloud) all feed `_import_focus_stream`.

The steps live in one file each, all on the model `billbyte.usage.pipeline`:
- here: staging (focus/csv_stage.py) and the lookups of everything rows refer to;
- usage_typing.py: typing, validating, keying and rating the rows (one statement);
- usage_dedup.py: duplicates, restatements, late rows, inserting the records;
- usage_rating.py: the rates and strategies rating reads, and re-rating;
- usage_aggregation.py: the unbilled analytic lines, and the hook
  `billbyte.cloud.account._usage_lines_changed(keys)` later steps override.
"""

import csv
import io
from contextlib import contextmanager
from decimal import Decimal

from psycopg2.extras import execute_values

from odoo import api, models
from odoo.exceptions import UserError

from ..connectors import formats
from ..focus import csv_stage, schema
from ..focus.source import FocusSource


class BillbyteUsagePipeline(models.AbstractModel):
    _name = "billbyte.usage.pipeline"
    _description = "Cloud Usage Pipeline"

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    @api.model
    def _map_columns(self, header):
        """Map the file's columns to usage record fields; the rest is extra data."""
        fields_map, extras = {}, []
        for index, raw_name in enumerate(header):
            name = raw_name.strip()
            focus = schema.canonical_name(name)
            if focus:
                field_name, kind = schema.FOCUS_COLUMNS[focus]
                # A file may carry a deprecated name next to its successor (FOCUS
                # 1.3's ServiceProviderName beside ProviderName): the newer one wins.
                if field_name in fields_map and focus not in schema.ALIASES:
                    extras.append((name, index))
                    continue
                if field_name in fields_map:
                    extras.append((fields_map[field_name][2], fields_map[field_name][0]))
                fields_map[field_name] = (index, kind, name)
            elif name:
                extras.append((name, index))
        missing = [
            column
            for column in schema.REQUIRED_COLUMNS
            if schema.FOCUS_COLUMNS[column][0] not in fields_map
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
    def _import_focus_stream(self, run, stream):
        """Import a FOCUS CSV stream (bytes) for an import run; return the run's stats.

        Runs inside the caller's transaction: any exception leaves nothing behind.
        """
        cr = self.env.cr
        header, first_line = csv_stage.read_header(self.env, stream)
        vendor_format = formats.detect(header)
        if vendor_format:
            return self._import_vendor_format(run, vendor_format, header, stream)
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
        source = csv_stage.stage(self.env, stream, stage, ncols, first_line)
        rows_read = len(source.starts)
        if not rows_read:
            raise UserError(self.env._("The file has column names but no usage rows."))
        # Set-based steps want hash joins and aggregates held in memory. (The stage
        # is not analysed: the planner sizes a table never analysed by its pages.)
        cr.execute("SET LOCAL work_mem = '256MB'")
        # Blocks (vendor x cloud account x charge day) delivered before, unchanged, are
        # left out of everything that follows (see usage_blocks.py).
        resolved = self._block_digests(run, fields_map, header, ncols)
        skipped = self._skip_unchanged_blocks(run, fields_map, rows_read)
        created = self._stage_lookups(run, fields_map, resolved)
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
        source_sum, imported_sum = Decimal(source_sum or 0), Decimal(imported_sum or 0)
        if skipped:
            # The unchanged blocks' rows: all rated before, their sums as stored.
            skipped_sum = Decimal(skipped[1] or 0)
            source_sum += skipped_sum
            imported_sum += skipped_sum
            period_start = min(d for d in (period_start, skipped[2]) if d)
            period_end = max(d for d in (period_end, skipped[3]) if d)
        if rejected:
            self._store_rejections(run, ncols)
        stats = self._store_records(run, run.connection_id, late=late)
        self._store_blocks(run)
        stats["rows_read"] = rows_read
        stats.update(
            rows_rejected=rejected,
            # Decimal from the numeric's text: Odoo's cursor would hand back a float.
            source_billed_cost=source_sum,
            imported_billed_cost=imported_sum,
            period_start=period_start,
            period_end=period_end,
        )
        stats["rows_duplicate"] = rows_read - rejected - stats["rows_imported"]
        stats["message"] = self._outcome_message(stats)
        self._drop_work_tables()
        return stats

    def _import_vendor_format(self, run, vendor_format, header, stream):
        """A vendor's own format (a legacy AWS CUR, an Azure cost export, a Google Cloud
        billing export): its rows mapped to FOCUS, then imported as FOCUS."""
        names = [name.strip().lstrip("\ufeff") for name in header]
        source = FocusSource(vendor_format.extra_columns(names))
        try:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            try:
                for values in csv.reader(text):
                    if not any(value.strip() for value in values):
                        continue
                    row = dict(zip(names, values, strict=False))
                    for focus_row in vendor_format.to_focus(row):
                        source.add(focus_row)
            except csv.Error as error:
                raise UserError(
                    self.env._("The file is not a well-formed CSV file: %s", error)
                ) from None
            finally:
                text.detach()
            if not source.rows:
                raise UserError(self.env._("The file has column names but no usage rows."))
            stats = self._import_focus_stream(run, source.stream())
        finally:
            source.close()
        stats["message"] = (
            self.env._("Read as %s, mapped to FOCUS.", vendor_format.label) + " " + stats["message"]
        )
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
        tables = ", ".join(self._work_table(name) for name in ("stage", "rows", "skip", "kept"))
        cr.execute(f"DROP TABLE IF EXISTS {tables}")  # pylint: disable=sql-injection
        cr.execute(
            "DROP TABLE IF EXISTS bb_dates, bb_currencies, bb_providers, bb_subs, bb_products, "
            "bb_keys, bb_delta, bb_dup, bb_account, bb_ccy_rate, bb_rate, bb_terms, bb_vprice, "
            "bb_mult, bb_rawblocks, bb_blk_dates, bb_blk_ccy, bb_blocks"
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

    # ------------------------------------------------------------------
    # Lookups: everything the rows refer to, once per distinct value
    # ------------------------------------------------------------------
    def _stage_lookups(self, run, fields_map, resolved=None):
        """Everything the rows refer to, looked up once (not once per row): the staged
        file's distinct dates, currency codes, providers, vendor account ids and
        services; then the vendors, catalog products, cloud accounts and rates that
        file and rate them. Fills bb_dates, bb_currencies, bb_providers, bb_subs and
        bb_products (bb_providers and bb_subs only without `resolved`: the vendors and
        cloud accounts _block_digests found); returns the catalog products it
        created."""
        cr = self.env.cr
        connection = run.connection_id

        def raw(field_name):
            return f"s.c{fields_map[field_name][0]}" if field_name in fields_map else "''"

        date_cols = [
            f"c{index}" for index, kind, _name in fields_map.values() if kind == "datetime"
        ]
        sku = f"COALESCE(trim({raw('sku_id')}), '')"
        provider = f"COALESCE({raw('provider_name')}, '')"

        # A few DISTINCT scans, each shared by PostgreSQL's parallel workers.
        def distinct(expressions):
            cr.execute(f"SELECT DISTINCT {expressions} FROM bb_stage s")  # pylint: disable=sql-injection
            return cr.fetchall()

        with self._parallel():
            dates = {d for col in date_cols for (d,) in distinct(f"s.{col}") if d is not None}
            currencies = {c for (c,) in distinct(raw("billing_currency")) if c is not None}
            if resolved is None:
                providers = {p for (p,) in distinct(provider)}
                subs = distinct(f"{provider}, trim({raw('sub_account_id')})")
            pairs = distinct(f"{provider}, NULLIF(trim({raw('service_name')}), ''), {sku}")
        parsed = [(text, schema.parse_focus_datetime(text)) for text in dates]
        cr.execute(
            "CREATE TEMP TABLE bb_dates (raw text PRIMARY KEY, value timestamp, in_range bool) "
            "ON COMMIT DROP"
        )
        execute_values(
            cr._obj,
            "INSERT INTO bb_dates VALUES %s",
            [(text, value, schema.date_in_range(value)) for text, value in parsed if value],
        )
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
        if resolved is None:
            vendor_of = self._resolve_providers(connection, providers)
            accounts = self._resolve_accounts(run.company_id, vendor_of, subs)
        else:
            vendor_of, accounts = resolved
        created = self.env["product.template"]
        product_pairs = {}
        for provider_text, service, sku_id in pairs:
            vendor_id = vendor_of.get(provider_text)
            if service and vendor_id:
                product_pairs.setdefault(vendor_id, set()).add((service, sku_id))
        self._create_products_table()
        for vendor_id, vendor_pairs in sorted(product_pairs.items()):
            created |= self._resolve_products(
                self.env["billbyte.cloud.vendor"].browse(vendor_id), sorted(vendor_pairs)
            )
        days = sorted({moment.date() for _text, moment in parsed if moment})
        valid_currency_ids = {currency_id for _code, currency_id, active in known if active}
        cr.execute("SELECT product_id FROM bb_products")
        product_ids = [product_id for (product_id,) in cr.fetchall()]
        self._prepare_rating(
            run.company_id,
            accounts.ids,
            [(day, currency_id) for day in days for currency_id in valid_currency_ids],
            product_ids,
        )
        return created

    def _resolve_providers(self, connection, providers):
        """The vendor of each distinct ProviderName text (bb_providers): a vendor whose
        FOCUS provider names hold it, the connection's vendor for none, NULL for a
        provider we do not know. Returns {text: vendor id or None}."""
        cr = self.env.cr
        vendors = (
            self.env["billbyte.cloud.vendor"]
            .with_context(active_test=False)
            .search([("focus_provider_names", "!=", False)])
        )
        by_name = {}
        for vendor in vendors:
            for name in vendor._focus_provider_names():
                by_name.setdefault(name, vendor.id)
        vendor_of = {}
        for text in providers:
            if schema.is_null(text):
                vendor_of[text] = connection.vendor_id.id
            else:
                vendor_of[text] = by_name.get(text.strip().lower())
        cr.execute(
            "CREATE TEMP TABLE bb_providers (raw text PRIMARY KEY, vendor_id int) ON COMMIT DROP"
        )
        if vendor_of:
            execute_values(cr._obj, "INSERT INTO bb_providers VALUES %s", list(vendor_of.items()))
        return vendor_of

    def _resolve_accounts(self, company, vendor_of, subs):
        """The cloud account of each distinct (provider text, SubAccountId) of the file
        (bb_subs), matching ids in their comparable form (schema.normalize_account_id).
        Returns the cloud accounts found."""
        cr = self.env.cr
        wanted = {}
        for provider_text, sub in subs:
            vendor_id = vendor_of.get(provider_text)
            if vendor_id and sub:
                wanted.setdefault(vendor_id, set()).add(sub)
        accounts = self.env["billbyte.cloud.account"]
        values = []
        for vendor_id, vendor_subs in sorted(wanted.items()):
            found = accounts.sudo()._search_vendor_accounts(company, vendor_id, vendor_subs)
            accounts |= found
            by_key = {schema.normalize_account_id(a.vendor_account_id): a.id for a in found}
            values += [
                (vendor_id, sub, by_key[schema.normalize_account_id(sub)])
                for sub in vendor_subs
                if schema.normalize_account_id(sub) in by_key
            ]
        cr.execute(
            "CREATE TEMP TABLE bb_subs (vendor_id int, raw text, cloud_account_id int, "
            "PRIMARY KEY (vendor_id, raw)) ON COMMIT DROP"
        )
        if values:
            execute_values(cr._obj, "INSERT INTO bb_subs VALUES %s", values)
        return accounts

    def _create_products_table(self):
        cr = self.env.cr
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_products "
            "(vendor_id int, service_name text, sku_id text, product_id int) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_products")

    def _resolve_products(self, vendor, pairs):
        """Catalog product per (service, SKU) pair of a vendor (SKU '' for none): by
        SKU, else by service, else a new metered service product. Adds them to
        bb_products; returns the product templates it created."""
        cr = self.env.cr
        # Only the products of the file's SKUs and services: a vendor's catalog may hold
        # hundreds of thousands of SKUs (a synced price sheet). Archived (retired) ones
        # too: they keep pricing the usage of accounts that still use them.
        self.env["product.template"].flush_model()
        self.env["product.product"].flush_model()
        cr.execute(
            """
            SELECT DISTINCT ON (t.billbyte_sku_id, t.billbyte_service_name, t.id)
                   t.billbyte_sku_id, t.billbyte_service_name, p.id
              FROM product_template t
              JOIN product_product p ON p.product_tmpl_id = t.id
             WHERE t.billbyte_vendor_id = %(vendor)s
               AND (t.billbyte_sku_id = ANY(%(skus)s)
                    OR (t.billbyte_sku_id IS NULL AND t.billbyte_service_name = ANY(%(services)s)))
             ORDER BY t.billbyte_sku_id, t.billbyte_service_name, t.id, p.active DESC, p.id
            """,
            {
                "vendor": vendor.id,
                "skus": sorted({sku for _service, sku in pairs if sku}),
                "services": sorted({service for service, _sku in pairs if service}),
            },
        )
        by_sku, by_service = {}, {}
        for sku, service, variant_id in sorted(cr.fetchall(), key=lambda row: row[2]):
            if sku:
                by_sku.setdefault(sku, variant_id)
            elif service:
                by_service.setdefault(service, variant_id)
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
        values = [
            (vendor.id, service, sku, by_sku.get(sku) if sku in by_sku else by_service[service])
            for service, sku in pairs
        ]
        if values:
            execute_values(cr._obj, "INSERT INTO bb_products VALUES %s", values)
        return created
