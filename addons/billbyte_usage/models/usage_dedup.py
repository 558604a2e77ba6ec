# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, step 3: what is new, what a restatement replaces, what is
late; then the usage records go in."""

from odoo import models

from ..focus import schema


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

    def _store_records(self, run, connection, late=True):
        cr = self.env.cr
        company = run.company_id
        self._prepare_keys()
        rows_replaced = self._replace_restated(connection, company)
        if late:
            rows_replaced += self._reverse_restated_invoiced_days(run, connection)
        columns = [
            "connection_id",
            "company_id",
            "run_id",
            "vendor_id",
            "cloud_account_id",
            "product_id",
            "state",
            "line_number",
            "dedup_key",
            *schema.RECORD_FIELDS,
            "billing_currency_id",
            "extra_data",
            "charge_date",
            "usage_date",
            "corrected_period",
            "unmatched_reason",
            "pricelist_id",
            "cost_company",
            "currency_id",
            "price",
            "partner_id",
        ]
        values = [
            "%(connection)s",
            "%(company)s",
            "%(run)s",
            *(f"r.{name}" for name in columns[3:]),
        ]
        values[columns.index("line_number")] = "r.line_no"
        # Rows already imported are found first, in a statement of their own (inside
        # the INSERT, the planner may scan the table it is writing), and left out: a
        # plain INSERT is much cheaper than ON CONFLICT. The unique index still
        # guards against any race.
        cr.execute("DROP TABLE IF EXISTS bb_dup")
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
            # (CREATE TABLE AS, not INSERT: only the former plans parallel workers.)
            cr.execute("DROP TABLE bb_delta")
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
            {"run": run.id, "connection": connection.id, "company": company.id},
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

    def _replace_restated(self, connection, company):
        """A newer source for the same accounts and days restates them: the
        connection's earlier unbilled records of those days that it no longer contains
        go; invoiced days are never touched (see _reverse_restated_invoiced_days).

        One set-based anti-join on the key: the stored records of the source's
        accounts and days (through the account/day index and the unmatched index)
        left-joined to the source's keys. Its plan cannot degenerate as it once did (a
        nested loop reading the source once per stored record, minutes instead of
        seconds): the source's rows are analysed, and so is the usage table when it
        never was (a new database, autovacuum not there yet).
        """
        cr = self.env.cr
        cr.execute(
            "SELECT reltuples < 0 FROM pg_class WHERE oid = 'billbyte_usage_record'::regclass"
        )
        if cr.fetchone()[0]:
            cr.execute("ANALYZE billbyte_usage_record")
        cr.execute(
            """
            WITH scope AS (
                SELECT DISTINCT vendor_id, cloud_account_id, sub_account_id, charge_date
                  FROM bb_rows
                 WHERE reject_reason IS NULL AND NOT is_late
            ), stored AS (
                SELECT u.id, u.dedup_key FROM billbyte_usage_record u
                  JOIN scope s ON s.cloud_account_id IS NOT NULL
                              AND u.cloud_account_id = s.cloud_account_id
                              AND u.usage_date = s.charge_date
                              AND u.charge_date = s.charge_date
                 WHERE u.connection_id = %(connection)s
                UNION ALL
                SELECT u.id, u.dedup_key FROM billbyte_usage_record u
                  JOIN scope s ON s.cloud_account_id IS NULL
                              AND u.vendor_id IS NOT DISTINCT FROM s.vendor_id
                              AND u.sub_account_id = s.sub_account_id
                              AND u.charge_date = s.charge_date
                 WHERE u.state = 'unmatched' AND u.company_id = %(company)s
                   AND u.connection_id = %(connection)s
            ), gone AS (
                SELECT stored.id FROM stored
                  LEFT JOIN bb_rows r ON r.dedup_key = stored.dedup_key
                 WHERE r.dedup_key IS NULL
            ), removed AS (
                DELETE FROM billbyte_usage_record u USING gone WHERE u.id = gone.id
             RETURNING u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period
            ), keys AS (
                INSERT INTO bb_keys
                SELECT DISTINCT * FROM removed WHERE cloud_account_id IS NOT NULL
            )
            SELECT count(*) FROM removed
            """,
            {"connection": connection.id, "company": company.id},
        )
        removed = cr.fetchone()[0]
        if removed:
            # Other connections' blocks of these accounts and days may have held
            # duplicates of the rows now gone: their next delivery is imported.
            self._forget_blocks(connection.id)
        return removed

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
            self._forget_blocks()
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
        cr.execute(  # pylint: disable=sql-injection
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
