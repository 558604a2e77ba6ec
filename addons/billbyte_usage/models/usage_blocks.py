# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, step 1b: the source's blocks (vendor x cloud account x charge
day), their digests compared with those the connection delivered before, so that
only changed or new blocks are typed, rated, deduplicated and aggregated.

A vendor re-delivers the month so far every day: most of each delivery is rows we
already have. A block whose rows are, character for character, those of the
connection's last delivery of it (the same count and the same digest, under the
same header) is left out of the import: its records and analytic lines already say
what it says. Every other block goes through the whole pipeline, so a changed block
is restated exactly as before (its rows a new delivery no longer holds are
replaced, or reversed on an invoiced day). A block the delivery does not hold at all
is left as it is, as every import always did: a source restates the accounts and
days it holds, no others (partial and overlapping files).

The digest of a block: its row count and the sum of a 64-bit hash (PostgreSQL's
hashtextextended) of each row's text: its fields in their places, joined by the
unit separator (the dedup key's form of a line, see usage_typing._dedup_key_sql).
A sum does not depend on the rows' order (vendors re-order their exports) and is
summed by PostgreSQL's parallel workers in the one scan that groups the staged
file; any changed character of a row changes it but with a chance of 2^-64. (One
hash of one text per row: building the row's text is most of the scan's cost, and
a second hash of it, as earlier versions summed, doubled the scan; their stored
digests, without the v2 mark, are not matched, so a block's first delivery after
the upgrade is imported once more.)
"""

import hashlib

from psycopg2.extras import execute_values

from odoo import models

from ..focus import schema

# Texts joined per call of concat_ws: a function takes at most 100 arguments.
_CONCAT_ARGS = 90


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

    def _block_digests(self, run, fields_map, header, ncols):
        """Group the staged file by block: bb_blocks (vendor_id, cloud_account_id,
        charge_date, nrows, digest, unchanged). Fills bb_providers and bb_subs (the
        lookups of the whole file) on the way; returns the vendor of each provider
        text {text: vendor id} and the cloud accounts found."""
        cr = self.env.cr
        provider = (
            f"COALESCE(s.c{fields_map['provider_name'][0]}, '')"
            if "provider_name" in fields_map
            else "''"
        )
        sub = f"trim(s.c{fields_map['sub_account_id'][0]})"
        start = f"s.c{fields_map['charge_period_start'][0]}"
        currency = f"s.c{fields_map['billing_currency'][0]}"
        # A NULL (an empty unquoted field) and '' are alike here as in every later
        # step (typing reads both as no value).
        row_text = " || chr(31) || ".join(
            "concat_ws(chr(31), {})".format(
                ", ".join(
                    f"coalesce(s.c{i}, '')" for i in range(first, min(first + _CONCAT_ARGS, ncols))
                )
            )
            for first in range(0, ncols, _CONCAT_ARGS)
        )
        cr.execute("DROP TABLE IF EXISTS bb_rawblocks, bb_blk_dates, bb_blk_ccy, bb_blocks")
        with self._parallel():
            # (CREATE TABLE AS: the scan and the hashing run in parallel workers.)
            cr.execute(  # pylint: disable=sql-injection
                f"""
                CREATE TEMP TABLE bb_rawblocks ON COMMIT DROP AS
                SELECT {provider} AS provider, {sub} AS sub, {start} AS start,
                       {currency} AS currency, count(*) AS nrows,
                       sum(hashtextextended({row_text}, 0)) AS h0
                  FROM bb_stage s
                 GROUP BY 1, 2, 3, 4
                """
            )
        cr.execute("SELECT DISTINCT provider FROM bb_rawblocks")
        providers = {text for (text,) in cr.fetchall()}
        cr.execute("SELECT DISTINCT provider, sub FROM bb_rawblocks")
        subs = cr.fetchall()
        vendor_of = self._resolve_providers(run.connection_id, providers)
        accounts = self._resolve_accounts(run.company_id, vendor_of, subs)
        cr.execute("SELECT DISTINCT start FROM bb_rawblocks WHERE start IS NOT NULL")
        starts = [(text, schema.parse_focus_datetime(text)) for (text,) in cr.fetchall()]
        cr.execute(
            "CREATE TEMP TABLE bb_blk_dates (raw text PRIMARY KEY, value timestamp) ON COMMIT DROP"
        )
        execute_values(
            cr._obj,
            "INSERT INTO bb_blk_dates VALUES %s",
            [(text, value) for text, value in starts if value],
            page_size=1000,
        )
        # A block is skipped only if its rows would be typed as before: a currency
        # since deactivated rejects them (the rows that reference it are reported).
        cr.execute("SELECT DISTINCT currency FROM bb_rawblocks WHERE currency IS NOT NULL")
        codes = {code for (code,) in cr.fetchall()}
        active = {
            currency.name
            for currency in self.env["res.currency"].search(
                [("name", "in", sorted({code.strip().upper() for code in codes}))]
            )
        }
        cr.execute("CREATE TEMP TABLE bb_blk_ccy (raw text PRIMARY KEY) ON COMMIT DROP")
        known = [(code,) for code in codes if code.strip().upper() in active]
        if known:
            execute_values(cr._obj, "INSERT INTO bb_blk_ccy VALUES %s", known)
        head = hashlib.md5("\x1f".join(header).encode(), usedforsecurity=False).hexdigest()[:12]
        # Resolved as the typing step resolves each row (usage_typing._build_rows): the
        # vendor of its provider, the cloud account of its sub account, the day of its
        # ChargePeriodStart. Rows of no vendor, account or day form no block.
        # A block is unchanged when the connection's last delivery of it has its
        # digest (at most one stored block matches: the key is unique); its stored
        # BilledCost comes along for the run's sums.
        cr.execute(
            """
            CREATE TEMP TABLE bb_blocks ON COMMIT DROP AS
            SELECT g.vendor_id, g.cloud_account_id, g.charge_date, g.nrows, g.digest, g.typable,
                   (g.typable AND u.id IS NOT NULL) AS unchanged,
                   u.billed_cost AS stored_billed_cost
              FROM (
                SELECT pv.vendor_id, sub.cloud_account_id, d.value::date AS charge_date,
                       sum(rb.nrows)::int AS nrows,
                       %(head)s || ':v2:' || sum(rb.nrows) || ':' || sum(rb.h0) AS digest,
                       bool_and(c.raw IS NOT NULL) AS typable
                  FROM bb_rawblocks rb
                  LEFT JOIN bb_blk_ccy c ON c.raw = rb.currency
                  JOIN bb_providers pv ON pv.raw = rb.provider
                  JOIN bb_subs sub ON sub.vendor_id = pv.vendor_id AND sub.raw = rb.sub
                  JOIN bb_blk_dates d ON d.raw = rb.start
                 GROUP BY 1, 2, 3
              ) g
              LEFT JOIN billbyte_usage_block u
                ON u.connection_id = %(connection)s AND u.vendor_id = g.vendor_id
               AND u.cloud_account_id = g.cloud_account_id AND u.charge_date = g.charge_date
               AND u.digest = g.digest
            """,
            {"head": head, "connection": run.connection_id.id},
        )
        return vendor_of, accounts

    def _skip_unchanged_blocks(self, run, fields_map, rows_read):
        """Leave the unchanged blocks out of the staged file: bb_stage then shows only
        the rows of changed or new blocks and of no block. Returns the figures of
        the rows left out: (rows, BilledCost as text, first day, last day), or None
        when no block is unchanged."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT sum(nrows), sum(stored_billed_cost)::text, min(charge_date), max(charge_date)
              FROM bb_blocks WHERE unchanged
            """
        )
        skipped = cr.fetchone()
        if not skipped[0]:
            return None
        stage = self._work_table("stage")
        kept = self._work_table("kept")
        if skipped[0] == rows_read:
            # The same delivery again: nothing is left to type.
            cr.execute(  # pylint: disable=sql-injection
                f"CREATE UNLOGGED TABLE {kept} AS SELECT * FROM {stage} WITH NO DATA"
            )
            cr.execute("DROP VIEW bb_stage")
            cr.execute(f"CREATE TEMP VIEW bb_stage AS SELECT * FROM {kept}")  # pylint: disable=sql-injection
            return skipped
        provider = (
            f"COALESCE(s.c{fields_map['provider_name'][0]}, '')"
            if "provider_name" in fields_map
            else "''"
        )
        sub = f"trim(s.c{fields_map['sub_account_id'][0]})"
        start = f"s.c{fields_map['charge_period_start'][0]}"
        skip = self._work_table("skip")
        kept = self._work_table("kept")
        # The raw (provider, sub account, start) texts of the unchanged blocks, in an
        # unlogged table: parallel workers can read it (not a temporary one).
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE UNLOGGED TABLE {skip} AS
            SELECT rb.provider, rb.sub, rb.start
              FROM bb_rawblocks rb
              JOIN bb_providers pv ON pv.raw = rb.provider
              JOIN bb_subs sub ON sub.vendor_id = pv.vendor_id AND sub.raw = rb.sub
              JOIN bb_blk_dates d ON d.raw = rb.start
              JOIN bb_blocks b ON b.vendor_id = pv.vendor_id
                              AND b.cloud_account_id = sub.cloud_account_id
                              AND b.charge_date = d.value::date
             WHERE b.unchanged
            """
        )
        cr.execute(f"ANALYZE {skip}")  # pylint: disable=sql-injection
        with self._parallel():
            cr.execute(  # pylint: disable=sql-injection
                f"""
                CREATE UNLOGGED TABLE {kept} AS
                SELECT s.* FROM {stage} s
                 WHERE NOT EXISTS (SELECT 1 FROM {skip} k
                                    WHERE k.provider = {provider} AND k.sub = {sub}
                                      AND k.start = {start})
                """
            )
        cr.execute("DROP VIEW bb_stage")
        cr.execute(f"CREATE TEMP VIEW bb_stage AS SELECT * FROM {kept}")  # pylint: disable=sql-injection
        return skipped

    def _store_blocks(self, run):
        """Note the digests of the blocks this import typed: those whose rows were all
        rated (none rejected, none unmatched); a block with any other row has no digest
        kept and is imported again next time, as every block always was."""
        cr = self.env.cr
        connection = run.connection_id
        cr.execute(
            """
            DELETE FROM billbyte_usage_block u USING bb_blocks b
             WHERE u.connection_id = %s AND NOT b.unchanged AND u.vendor_id = b.vendor_id
               AND u.cloud_account_id = b.cloud_account_id AND u.charge_date = b.charge_date
            """,
            [connection.id],
        )
        cr.execute(
            """
            INSERT INTO billbyte_usage_block
                   (connection_id, company_id, vendor_id, cloud_account_id, charge_date, run_id,
                    row_count, billed_cost, digest)
            SELECT %(connection)s, %(company)s, b.vendor_id, b.cloud_account_id, b.charge_date,
                   %(run)s, b.nrows, r.billed_cost, b.digest
              FROM bb_blocks b
              JOIN (SELECT vendor_id, cloud_account_id, charge_date, count(*) AS nrows,
                           sum(billed_cost) AS billed_cost,
                           bool_and(reject_reason IS NULL AND cloud_account_id IS NOT NULL)
                               AS clean
                      FROM bb_rows GROUP BY 1, 2, 3) r
                ON r.vendor_id = b.vendor_id AND r.cloud_account_id = b.cloud_account_id
               AND r.charge_date = b.charge_date
             WHERE NOT b.unchanged AND r.clean AND r.nrows = b.nrows
            """,
            {"connection": connection.id, "company": run.company_id.id, "run": run.id},
        )

    def _forget_blocks(self, connection_id=None, keys_table="bb_keys"):
        """Forget the delivered blocks whose records changed other than by their own
        connection's delivery (another connection restated rows they held as
        duplicates, estimates were removed): their next delivery is imported."""
        cr = self.env.cr
        cr.execute(  # pylint: disable=sql-injection
            f"""
            DELETE FROM billbyte_usage_block u
             USING (SELECT DISTINCT cloud_account_id, usage_date FROM {keys_table}) k
             WHERE u.cloud_account_id = k.cloud_account_id AND u.charge_date = k.usage_date
               AND u.connection_id IS DISTINCT FROM %s
            """,
            [connection_id],
        )
