# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, rating: what a record costs the provider in the company
currency and what the customer pays for it, by the cloud account's pricing
strategy (cost-plus: the one rule of billbyte_catalog's COST_PLUS_SQL; fixed: the
product's price on the pricelist). Currency rates are Odoo's, read as numeric: no
float on the way into stored amounts."""

from psycopg2.extras import execute_values

from odoo import api, models

from odoo.addons.billbyte_catalog.models.product_pricelist import COST_PLUS_SQL


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

    def _prepare_rating(self, company, account_ids, day_currencies, product_ids):
        """Temp tables the rating expression joins: the cloud accounts with their
        strategies (bb_account), currency rates at each (charge date, currency) given
        (bb_rate), the factors per account, day and currency (bb_mult) and, for fixed
        strategies, the unit prices of the given products (bb_fixed)."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS bb_account, bb_ccy_rate, bb_rate, bb_fixed, bb_mult")
        cr.execute(
            """
            CREATE TEMP TABLE bb_account ON COMMIT DROP AS
            SELECT ca.id AS cloud_account_id, ca.vendor_id, ca.vendor_account_id, ca.partner_id,
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
        cr.execute("ALTER TABLE bb_account ADD PRIMARY KEY (cloud_account_id)")
        cr.execute("ANALYZE bb_account")
        cr.execute(
            "SELECT DISTINCT pricing_currency_id FROM bb_account "
            "UNION SELECT account_currency_id FROM bb_account"
        )
        currency_ids = {row[0] for row in cr.fetchall()} | {c for _d, c in day_currencies}
        currency_ids.add(company.currency_id.id)
        days = sorted({d for d, _c in day_currencies})
        self._prepare_rates(company, days, currency_ids)
        # Per cloud account, day and currency, what a row's cost is multiplied by: one
        # join per row instead of one per rate.
        cr.execute(
            """
            CREATE TEMP TABLE bb_mult ON COMMIT DROP AS
            SELECT ba.cloud_account_id, rp.day, rp.from_id AS currency_id, ba.pricelist_id,
                   ba.partner_id, ba.account_currency_id, ba.strategy, ba.markup, ba.surcharge,
                   rp.rate AS to_pricing, ra.rate AS to_account
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
                fixed.extend(
                    (pricelist_id, pid, day, repr(prices.get(pid, 0.0))) for pid in products.ids
                )
        cr.execute(
            "CREATE TEMP TABLE bb_fixed (pricelist_id int, product_id int, day date, price numeric, "
            "PRIMARY KEY (pricelist_id, product_id, day)) ON COMMIT DROP"
        )
        if fixed:
            execute_values(cr._obj, "INSERT INTO bb_fixed VALUES %s", fixed)

    def _prepare_rates(self, company, days, currency_ids):
        """bb_rate: the rate from one currency to another on each day, as numeric.

        Odoo's own rule (res.currency._get_rates): the latest rate on or before the day,
        of the company's root company before a rate shared by all companies; without
        one, the earliest rate; without any, 1. Conversion multiplies by the target's
        rate over the source's, as res.currency._convert does."""
        cr = self.env.cr
        cr.execute(
            """
            CREATE TEMP TABLE bb_ccy_rate ON COMMIT DROP AS
            SELECT d.day, c.id AS currency_id,
                   COALESCE(
                       (SELECT r.rate FROM res_currency_rate r
                         WHERE r.currency_id = c.id AND r.name <= d.day
                           AND (r.company_id IS NULL OR r.company_id = %(root)s)
                         ORDER BY r.company_id, r.name DESC LIMIT 1),
                       (SELECT r.rate FROM res_currency_rate r
                         WHERE r.currency_id = c.id
                           AND (r.company_id IS NULL OR r.company_id = %(root)s)
                         ORDER BY r.company_id, r.name ASC LIMIT 1),
                       1.0)::numeric AS rate
              FROM unnest(%(days)s::date[]) AS d(day), res_currency c
             WHERE c.id = ANY(%(currencies)s)
            """,
            {
                "root": company.root_id.id,
                "days": list(days),
                "currencies": sorted(currency_ids),
            },
        )
        cr.execute(
            """
            CREATE TEMP TABLE bb_rate ON COMMIT DROP AS
            SELECT f.day, f.currency_id AS from_id, t.currency_id AS to_id,
                   CASE WHEN f.currency_id = t.currency_id THEN 1::numeric
                        ELSE t.rate / f.rate END AS rate
              FROM bb_ccy_rate f JOIN bb_ccy_rate t ON t.day = f.day
            """
        )
        cr.execute("ALTER TABLE bb_rate ADD PRIMARY KEY (day, from_id, to_id)")
        cr.execute("ANALYZE bb_rate")

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
        cost_plus = COST_PLUS_SQL.format(
            cost="r.billed_cost * m.to_pricing", markup="m.markup", surcharge="m.surcharge"
        )
        price = f"""
            CASE WHEN r.cloud_account_id IS NULL THEN NULL
                 WHEN r.charge_category = 'Tax' THEN 0
                 WHEN m.strategy = 'cost_plus' THEN {cost_plus} * m.to_account
                 WHEN r.billed_cost < 0 OR r.charge_category IN ('Credit', 'Adjustment')
                      THEN r.billed_cost * m.to_pricing * m.to_account
                 ELSE COALESCE(r.pricing_quantity, 0) * COALESCE(bf.price, 0) * m.to_account
            END"""
        return joins, cost_company, price

    # ------------------------------------------------------------------
    # Assigning unmatched usage, re-rating
    # ------------------------------------------------------------------
    def _assign_and_rate(self, record_ids, cloud_account):
        """Give unmatched records a cloud account (and its vendor, for rows of a
        provider we did not know), then rate and aggregate them."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            UPDATE billbyte_usage_record u
               SET cloud_account_id = %(account)s, partner_id = %(partner)s, state = 'rated',
                   vendor_id = %(vendor)s, unmatched_reason = NULL,
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
                "vendor": cloud_account.vendor_id.id,
                "billed_until": cloud_account.billed_until or None,
                "ids": list(record_ids),
            },
        )
        # Rows of a provider we did not know have no catalog product yet.
        cr.execute(
            "SELECT DISTINCT service_name, COALESCE(trim(sku_id), '') FROM billbyte_usage_record "
            "WHERE id = ANY(%s) AND product_id IS NULL",
            [list(record_ids)],
        )
        pairs = cr.fetchall()
        if pairs:
            self._create_products_table()
            self._resolve_products(cloud_account.vendor_id, sorted(pairs))
            cr.execute(
                """
                UPDATE billbyte_usage_record u SET product_id = p.product_id
                  FROM bb_products p
                 WHERE u.id = ANY(%s) AND u.product_id IS NULL
                   AND p.service_name = u.service_name
                   AND p.sku_id = COALESCE(trim(u.sku_id), '')
                """,
                [list(record_ids)],
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
