# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The usage pipeline, rating: what a record costs the provider in the company
currency and what the customer pays for it, by the cloud account's pricing
strategy (cost-plus: the one rule of billbyte_catalog's COST_PLUS_SQL; fixed: the
product's price on the pricelist; discount off list: the vendor's list price less
a discount) and its rules by category or SKU, each from its own day, capped at the
list price and floored at cost as they say. Catalog prices are the ones valid on
the charge date: usage of an earlier period is never priced by a newer price.
Currency rates are Odoo's, read as numeric: no float on the way into stored
amounts."""

from psycopg2.extras import execute_values

from odoo import api, models

from odoo.addons.billbyte_catalog.models.product_pricelist import COST_PLUS_SQL
from odoo.addons.billbyte_catalog.models.vendor_price import (
    PROMOTION_VALID_SQL,
    VALID_ORDER_SQL,
)


# One file per step of the pipeline, on purpose (see usage_staging.py).
class BillbyteUsagePipeline(models.AbstractModel):
    _inherit = "billbyte.usage.pipeline"  # pylint: disable=consider-merging-classes-inherited

    def _prepare_rating(self, company, account_ids, day_currencies, product_ids):
        """Temp tables the rating expression joins: the cloud accounts with their
        strategies (bb_account), currency rates at each (charge date, currency) given
        (bb_rate), the factors per account, day and currency (bb_mult), the terms of
        each strategy that has rules, bounds or fixed prices per product and day
        (bb_terms: method, markup, discount, bounds, the fixed unit price) and the
        catalog's list price and promotional saving per product and day (bb_vprice)."""
        cr = self.env.cr
        cr.execute(
            "DROP TABLE IF EXISTS bb_account, bb_ccy_rate, bb_rate, bb_terms, bb_vprice, bb_mult"
        )
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
        cr.execute("SELECT DISTINCT pricelist_id FROM bb_account WHERE pricelist_id IS NOT NULL")
        pricelists = (
            self.env["product.pricelist"]
            .browse([row[0] for row in cr.fetchall()])
            .filtered(lambda pricelist: pricelist._billbyte_needs_terms())
        )
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .browse(sorted(set(product_ids)))
        )
        currency_ids |= self._prepare_catalog_prices(
            products if pricelists else products.browse(), days
        )
        self._prepare_rates(company, days, currency_ids)
        # Per cloud account, day and currency, what a row's cost is multiplied by: one
        # join per row instead of one per rate.
        cr.execute(
            """
            CREATE TEMP TABLE bb_mult ON COMMIT DROP AS
            SELECT ba.cloud_account_id, rp.day, rp.from_id AS currency_id, ba.pricelist_id,
                   ba.partner_id, ba.account_currency_id, ba.pricing_currency_id, ba.strategy,
                   ba.markup, ba.surcharge, rp.rate AS to_pricing, ra.rate AS to_account
              FROM bb_account ba
              JOIN bb_rate rp ON rp.to_id = ba.pricing_currency_id
              JOIN bb_rate ra ON ra.day = rp.day AND ra.from_id = ba.pricing_currency_id
                             AND ra.to_id = ba.account_currency_id
            """
        )
        cr.execute("ALTER TABLE bb_mult ADD PRIMARY KEY (cloud_account_id, day, currency_id)")
        cr.execute("ANALYZE bb_mult")
        self._prepare_terms(pricelists, products, days)

    def _prepare_terms(self, pricelists, products, days):
        """bb_terms: per strategy, product and day, the terms that price it (its rule
        started by that day, else the strategy's own) and, for a fixed price, the unit
        price Odoo's pricelist gives (as numeric). Strategies without rules, bounds or
        promotions (plain cost-plus) need none: the account's markup rates them."""
        cr = self.env.cr
        terms = []
        templates = {product.id: product.product_tmpl_id for product in products}
        for pricelist in pricelists:
            for day in days if products else []:
                # The fixed price before bounds: the usage rating bounds each record by
                # its own cost and list price.
                fixed = pricelist.with_context(billbyte_raw_fixed=True)._get_products_price(
                    products, 1.0, currency=pricelist.currency_id, date=day
                )
                for product in products:
                    rule = pricelist._billbyte_terms(templates[product.id], day)
                    terms.append(
                        (
                            pricelist.id,
                            product.id,
                            day,
                            rule.method,
                            repr(fixed.get(product.id, 0.0)),
                            repr(rule.markup or 0.0),
                            repr(rule.surcharge or 0.0),
                            repr(rule.discount or 0.0),
                            bool(rule.cap),
                            bool(rule.floor),
                            bool(rule.promotions),
                        )
                    )
        cr.execute(
            """
            CREATE TEMP TABLE bb_terms (
                pricelist_id int, product_id int, day date, method text, unit_price numeric,
                markup numeric, surcharge numeric, discount numeric, cap bool, floor bool,
                promotions bool, PRIMARY KEY (pricelist_id, product_id, day)
            ) ON COMMIT DROP
            """
        )
        if terms:
            execute_values(cr._obj, "INSERT INTO bb_terms VALUES %s", terms, page_size=1000)
            cr.execute("ANALYZE bb_terms")

    def _prepare_catalog_prices(self, products, days):
        """bb_vprice: per product and day, the catalog's vendor list price (none: NULL)
        and what a vendor promotion saves per unit, in the price's currency, from the
        vendor prices valid that day. Returns the currencies of those prices."""
        cr = self.env.cr
        order = VALID_ORDER_SQL.format(alias="p", day="d.day")
        promotion = PROMOTION_VALID_SQL.format(alias="q", day="d.day")
        self.env["billbyte.vendor.price"].flush_model()
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE TEMP TABLE bb_vprice ON COMMIT DROP AS
            SELECT DISTINCT ON (pp.id, d.day)
                   pp.id AS product_id, d.day, NULLIF(p.list_price, 0) AS list_unit,
                   COALESCE(p.cost - q.cost, 0) AS saving_unit, p.currency_id
              FROM product_product pp
             CROSS JOIN unnest(%(days)s::date[]) AS d(day)
              JOIN billbyte_vendor_price p
                ON p.product_tmpl_id = pp.product_tmpl_id AND NOT p.promotion
              LEFT JOIN billbyte_vendor_price q
                ON q.product_tmpl_id = p.product_tmpl_id AND q.promotion
               AND q.currency_id = p.currency_id AND {promotion}
             WHERE pp.id = ANY(%(products)s)
             ORDER BY pp.id, d.day, {order}, q.date_start DESC
            """,
            {"days": list(days), "products": products.ids},
        )
        cr.execute("ALTER TABLE bb_vprice ADD PRIMARY KEY (product_id, day)")
        cr.execute("SELECT DISTINCT currency_id FROM bb_vprice")
        return {row[0] for row in cr.fetchall()}

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
        `m.account_currency_id`.

        Without rules (no bb_terms: every strategy of the accounts is a plain
        cost-plus passing promotions on), a record's price is its cost-plus; with them,
        its method, bounded:

        - cost-plus: the record's cost (plus what a promotion saved, unless the
          strategy passes promotions on) with markup and surcharge;
        - discount off list: its list amount (its ListCost, else its quantity times the
          catalog's list price of its day) less the discount, less the promotion's
          saving if passed on (no list amount: its cost);
        - fixed: its quantity times the strategy's price of its day;
        - then at most its list amount (cap) and at least its cost (floor).
        Credits and adjustments keep their sign: cost-plus applies its markup, the
        other methods pass them on at cost. Tax rows are not charged on."""
        self.env.cr.execute("SELECT EXISTS (SELECT 1 FROM bb_terms)")
        rules = self.env.cr.fetchone()[0]
        joins = f"""
            LEFT JOIN bb_rate rc ON rc.day = r.charge_date AND rc.from_id = r.billing_currency_id
                                AND rc.to_id = {int(company.currency_id.id)}
            LEFT JOIN bb_mult m ON m.cloud_account_id = r.cloud_account_id
                               AND m.day = r.charge_date AND m.currency_id = r.billing_currency_id
        """
        cost_company = "r.billed_cost * rc.rate"
        credit = "(r.billed_cost < 0 OR r.charge_category IN ('Credit', 'Adjustment'))"
        if not rules:
            cost_plus = COST_PLUS_SQL.format(
                cost="r.billed_cost * m.to_pricing", markup="m.markup", surcharge="m.surcharge"
            )
            price = f"""
                CASE WHEN r.cloud_account_id IS NULL THEN NULL
                     WHEN r.charge_category = 'Tax' THEN 0
                     WHEN m.strategy = 'cost_plus' THEN {cost_plus} * m.to_account
                     WHEN {credit} THEN r.billed_cost * m.to_pricing * m.to_account
                     ELSE 0
                END"""
            return joins, cost_company, price
        joins += """
            LEFT JOIN bb_terms bt ON bt.pricelist_id = m.pricelist_id
                                 AND bt.product_id = {product} AND bt.day = r.charge_date
            LEFT JOIN bb_vprice vp ON vp.product_id = {product} AND vp.day = r.charge_date
            LEFT JOIN bb_rate rv ON rv.day = r.charge_date AND rv.from_id = vp.currency_id
                                AND rv.to_id = m.pricing_currency_id
        """
        cost = "(r.billed_cost * m.to_pricing)"
        quantity = "COALESCE(r.pricing_quantity, 0)"
        list_amount = f"COALESCE(r.list_cost * m.to_pricing, {quantity} * vp.list_unit * rv.rate)"
        saving = f"({quantity} * COALESCE(vp.saving_unit * rv.rate, 0))"
        # A strategy without terms here is a plain cost-plus that passes promotions on.
        passed = "COALESCE(bt.promotions, true)"
        method = "COALESCE(bt.method, m.strategy)"
        markup, surcharge = "COALESCE(bt.markup, m.markup)", "COALESCE(bt.surcharge, m.surcharge)"
        plus = COST_PLUS_SQL.format(
            cost=f"({cost} + CASE WHEN {passed} THEN 0 ELSE {saving} END)",
            markup=markup,
            surcharge=surcharge,
        )
        rated = f"""
            CASE {method}
              WHEN 'cost_plus' THEN {plus}
              WHEN 'list_discount' THEN
                   COALESCE({list_amount} * (1 - bt.discount / 100.0), {cost} + {saving})
                   - CASE WHEN {passed} THEN {saving} ELSE 0 END
              ELSE {quantity} * COALESCE(bt.unit_price, 0)
                   - CASE WHEN {passed} THEN {saving} ELSE 0 END
            END"""
        capped = f"""
            CASE WHEN COALESCE(bt.cap, false) AND {list_amount} IS NOT NULL
                 THEN LEAST({rated}, {list_amount}) ELSE {rated} END"""
        bounded = f"""
            CASE WHEN COALESCE(bt.floor, false) THEN GREATEST({capped}, {cost})
                 ELSE {capped} END"""
        credit_cost_plus = COST_PLUS_SQL.format(cost=cost, markup=markup, surcharge=surcharge)
        price = f"""
            CASE WHEN r.cloud_account_id IS NULL THEN NULL
                 WHEN r.charge_category = 'Tax' THEN 0
                 WHEN {credit} AND {method} = 'cost_plus' THEN {credit_cost_plus} * m.to_account
                 WHEN {credit} THEN {cost} * m.to_account
                 ELSE {bounded} * m.to_account
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
