# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .price_history import PRICE_SOURCES

# Which regular (not promotional) price row of a product is valid on a day `{day}`:
# a row whose interval holds the day first; else the latest row that started
# before it (a vendor's "until the end of the month" does not end a price nobody
# replaced); else the earliest row (usage older than the first price we know is
# priced by that first price, as Odoo converts currencies before their first
# rate). One ORDER BY for DISTINCT ON (product_tmpl_id), shared by the catalog's
# lookups and the usage rating's SQL.
VALID_ORDER_SQL = """
    ({alias}.date_start <= {day} AND ({alias}.date_end IS NULL OR {alias}.date_end >= {day})) DESC,
    ({alias}.date_start <= {day}) DESC,
    CASE WHEN {alias}.date_start <= {day} THEN {alias}.date_start END DESC,
    {alias}.date_start ASC
"""
# A promotion only counts within its own interval.
PROMOTION_VALID_SQL = (
    "{alias}.date_start <= {day} AND ({alias}.date_end IS NULL OR {alias}.date_end >= {day})"
)


class BillbyteVendorPrice(models.Model):
    """A vendor's price of one catalog product from a date on: its cost to the
    provider and, where the vendor states one, its list (retail) price.

    A product has one regular price per start date; the price valid on a day is
    the latest one started by then (VALID_ORDER_SQL). A promotion is a lower cost
    for its own interval, on top of the regular price. Prices a vendor publishes in
    advance wait here for their day; quotations and usage are priced by the price
    of their own date."""

    _name = "billbyte.vendor.price"
    _description = "Cloud Vendor Price"
    _order = "product_tmpl_id, date_start desc, promotion"
    _rec_name = "product_tmpl_id"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, ondelete="cascade", index=True
    )
    vendor_id = fields.Many2one("billbyte.cloud.vendor", index=True)
    sku_id = fields.Char(related="product_tmpl_id.billbyte_sku_id", string="Vendor SKU")
    company_id = fields.Many2one("res.company", index=True)
    date_start = fields.Date(
        string="Valid From",
        required=True,
        help="The day the price takes effect. A price imported with a start date in the "
        "past takes effect on the day of its import: usage and orders already dated are "
        "never priced again by a newer price.",
    )
    date_end = fields.Date(
        string="Valid Until",
        help="The last day the vendor states for this price. A regular price stays valid "
        "after it until a newer one starts; a promotion ends there.",
    )
    cost = fields.Float(
        string="Vendor Cost",
        digits="Cloud Vendor Price",
        required=True,
        help="What the vendor charges the provider per unit, in the price's currency.",
    )
    list_price = fields.Float(
        string="Vendor List Price",
        digits="Cloud Vendor Price",
        help="The vendor's list (estimated retail) price per unit; 0 when it states none.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    usd_cost = fields.Float(
        string="USD Cost",
        digits="Cloud Vendor Price",
        help="The vendor's price in US dollars when the vendor publishes USD only "
        "(Azure plan consumption) and the cost was converted with its exchange rate.",
    )
    fx_rate = fields.Float(
        string="Exchange Rate",
        digits=(20, 12),
        help="US dollars per unit of the cost's currency, as the vendor published it for the "
        "month (Partner Center's foreign exchange rates): cost = USD cost / rate.",
    )
    promotion = fields.Boolean(
        default=False,
        help="A promotional cost for its interval only; the regular price applies outside it.",
    )
    source = fields.Selection(PRICE_SOURCES, required=True, default="manual")
    import_id = fields.Many2one(
        "billbyte.price.import", ondelete="set null", index="btree_not_null"
    )

    _sql_constraints = [
        (
            "product_date_uniq",
            "unique(product_tmpl_id, date_start, promotion)",
            "A product has one price (and one promotion) per start date.",
        ),
        ("cost_positive", "CHECK(cost >= 0)", "A vendor cost cannot be negative."),
    ]

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for price in self:
            if price.date_end and price.date_end < price.date_start:
                raise ValidationError(
                    self.env._(
                        "The price of %(product)s ends before it starts.",
                        product=price.product_tmpl_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            template = self.env["product.template"].browse(vals.get("product_tmpl_id"))
            vals.setdefault("vendor_id", template.billbyte_vendor_id.id)
            vals.setdefault("company_id", template.company_id.id)
        prices = super().create(vals_list)
        prices.product_tmpl_id._billbyte_refresh_current_price()
        return prices

    def write(self, vals):
        templates = self.product_tmpl_id
        result = super().write(vals)
        (templates | self.product_tmpl_id)._billbyte_refresh_current_price()
        return result

    def unlink(self):
        templates = self.product_tmpl_id
        result = super().unlink()
        templates.exists()._billbyte_refresh_current_price()
        return result

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------

    @api.model
    def _prices_at(self, template_ids, day):
        """{template id: (cost, list price, currency id, promotion row id, regular cost)}
        of the prices valid on `day`, exactly as stored (numeric as text, no float).

        The cost is the promotion's where a promotion holds the day; the regular cost
        is the price's without it."""
        if not template_ids:
            return {}
        self.flush_model()
        cr = self.env.cr
        order = VALID_ORDER_SQL.format(alias="p", day="%(day)s")
        promotion = PROMOTION_VALID_SQL.format(alias="q", day="%(day)s")
        cr.execute(  # pylint: disable=sql-injection
            f"""
            SELECT DISTINCT ON (p.product_tmpl_id)
                   p.product_tmpl_id, COALESCE(q.cost, p.cost)::text, p.list_price::text,
                   p.currency_id, q.id, p.cost::text
              FROM billbyte_vendor_price p
              LEFT JOIN billbyte_vendor_price q
                     ON q.product_tmpl_id = p.product_tmpl_id AND q.promotion
                    AND q.currency_id = p.currency_id AND {promotion}
             WHERE p.product_tmpl_id = ANY(%(ids)s) AND NOT p.promotion
             ORDER BY p.product_tmpl_id, {order}, q.date_start DESC
            """,
            {"ids": list(template_ids), "day": day},
        )
        return {row[0]: row[1:] for row in cr.fetchall()}

    @api.model
    def _next_prices(self, template_ids, day):
        """{template id: (start date, cost as text, currency id)}: the first regular
        price that starts after `day`."""
        if not template_ids:
            return {}
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (product_tmpl_id) product_tmpl_id, date_start, cost::text,
                   currency_id
              FROM billbyte_vendor_price
             WHERE product_tmpl_id = ANY(%s) AND NOT promotion AND date_start > %s
             ORDER BY product_tmpl_id, date_start
            """,
            [list(template_ids), day],
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}
