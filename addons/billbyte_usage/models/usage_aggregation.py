# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, aggregation: rated records become unbilled analytic lines,
one per cloud account x product x day (x corrected period); then the one hook,
`billbyte.cloud.account._usage_lines_changed(keys)`, tells later steps (budgets,
billing) which lines changed."""

from odoo import models

# Sums per unbilled line key of the records an import inserts (see _aggregate).
DELTA_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS bb_delta (cloud_account_id int, product_id int, "
    "usage_date date, corrected_period text, currency_id int, company_id int, "
    "service_name text, cost numeric, quantity numeric, price numeric) ON COMMIT DROP"
)


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

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
        """Rebuild the unbilled analytic lines of the keys in bb_keys and bb_delta, then
        call the hook with the keys whose lines changed.

        A key of bb_delta whose unbilled line did not exist had no records before
        this import (every rated record's key has its line, and new records never
        land on an invoiced day): its line is bb_delta's sums. Every other key is
        summed again from all its records, through the account/day index.
        """
        cr = self.env.cr
        cr.execute(DELTA_TABLE)
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
        # A key can hold billed lines next to its unbilled one (an invoice was
        # cancelled after later usage of its days was billed, or a billed day was
        # reopened): the unbilled line is what its records add up to beyond them,
        # so nothing is ever billed twice.
        self._insert_usage_lines(
            """
            WITH rec AS (
                SELECT u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period,
                       u.currency_id, u.company_id, min(u.service_name) AS service_name,
                       sum(u.cost_company) AS cost, sum(u.pricing_quantity) AS quantity,
                       sum(u.price) AS price
                  FROM billbyte_usage_record u
                 WHERE u.cloud_account_id IS NOT NULL
                   AND (u.cloud_account_id, u.product_id, u.usage_date,
                        COALESCE(u.corrected_period, ''))
                       IN (SELECT cloud_account_id, product_id, usage_date,
                                  COALESCE(corrected_period, '') FROM bb_keys)
                 GROUP BY u.cloud_account_id, u.product_id, u.usage_date, u.corrected_period,
                          u.currency_id, u.company_id
            ), billed AS (
                SELECT l.billbyte_cloud_account_id AS cloud_account_id, l.product_id,
                       l.date AS usage_date, COALESCE(l.billbyte_corrected_period, '') AS period,
                       l.billbyte_currency_id AS currency_id, -sum(l.amount) AS cost,
                       sum(l.unit_amount) AS quantity,
                       sum(COALESCE(l.billbyte_price_exact, l.billbyte_price)) AS price
                  FROM account_analytic_line l
                  JOIN bb_keys k ON l.billbyte_cloud_account_id = k.cloud_account_id
                                AND l.product_id = k.product_id AND l.date = k.usage_date
                                AND COALESCE(l.billbyte_corrected_period, '')
                                    = COALESCE(k.corrected_period, '')
                 WHERE l.billbyte_billed
                 GROUP BY 1, 2, 3, 4, 5
            )
            SELECT r.cloud_account_id, r.product_id, r.usage_date, r.corrected_period,
                   r.currency_id, r.company_id, r.service_name,
                   r.cost - COALESCE(b.cost, 0) AS cost,
                   r.quantity - COALESCE(b.quantity, 0) AS quantity,
                   r.price - COALESCE(b.price, 0) AS price
              FROM rec r
              LEFT JOIN billed b ON b.cloud_account_id = r.cloud_account_id
                                AND b.product_id = r.product_id
                                AND b.usage_date = r.usage_date
                                AND b.period = COALESCE(r.corrected_period, '')
                                AND b.currency_id = r.currency_id
             WHERE b.cloud_account_id IS NULL
                OR r.price <> b.price OR r.quantity <> b.quantity
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
        cr.execute(
            """
            SELECT cloud_account_id, usage_date, product_id FROM bb_keys
             UNION
            SELECT cloud_account_id, usage_date, product_id FROM bb_delta
            """
        )
        keys = set(cr.fetchall())
        cr.execute("TRUNCATE bb_keys, bb_delta")
        self.env.invalidate_all()
        if keys:
            self.env["billbyte.cloud.account"].sudo()._usage_lines_changed(keys)

    def _insert_usage_lines(self, source_sql):
        """Insert the unbilled analytic lines of a source of sums per key (columns as
        bb_delta's). Each line keeps its customer amount rounded (what the line shows)
        and exact (what totals per account and service are rounded from once)."""
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
                    billbyte_price_exact, billbyte_corrected_period, billbyte_billed, category,
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
                   agg.price,
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
