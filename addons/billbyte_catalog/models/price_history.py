# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

PRICE_SOURCES = [
    ("manual", "Manual Change"),
    ("file", "Price File"),
    ("aws_api", "AWS Price List API"),
    ("azure_api", "Azure Retail Prices API"),
    ("sync", "Scheduled Sync"),
    ("partner_center", "Partner Center Price Sheet"),
    ("gcp_api", "Google Cloud Billing Catalog API"),
]
CHANGE_KINDS = [
    ("added", "Added"),
    ("changed", "Changed"),
    ("scheduled", "Announced"),
    ("retired", "Retired"),
    ("restored", "Listed Again"),
]


class BillbytePriceHistory(models.Model):
    """A change of a catalog product's vendor cost: when, from what, to what, and why."""

    _name = "billbyte.price.history"
    _description = "Cloud Vendor Price History"
    _order = "date desc, id desc"
    _rec_name = "product_tmpl_id"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        ondelete="cascade",
        index=True,
    )
    vendor_id = fields.Many2one(
        related="product_tmpl_id.billbyte_vendor_id", store=True, string="Vendor"
    )
    sku_id = fields.Char(related="product_tmpl_id.billbyte_sku_id", string="Vendor SKU")
    date = fields.Datetime(
        string="Recorded", required=True, default=fields.Datetime.now, index=True
    )
    date_effective = fields.Date(
        string="Effective From",
        index=True,
        help="The day the new price takes effect (later than the day it was recorded for a "
        "price the vendor announced in advance).",
    )
    kind = fields.Selection(
        CHANGE_KINDS,
        string="Change",
        default="changed",
        help="Added: a SKU new to the catalog. Changed: a new price from its day on. "
        "Announced: a price that takes effect on a later day. Retired: the vendor's sheet no "
        "longer lists the SKU. Listed Again: a retired SKU back on the vendor's sheet.",
    )
    promotion = fields.Boolean(help="A promotional cost for an interval of its own.")
    old_cost = fields.Float(digits="Cloud Vendor Price")
    new_cost = fields.Float(digits="Cloud Vendor Price")
    old_currency_id = fields.Many2one("res.currency")
    currency_id = fields.Many2one("res.currency")
    list_price = fields.Float(
        string="Vendor List Price",
        digits="Cloud Vendor Price",
        help="The vendor's list (estimated retail) price, if it states one.",
    )
    usd_cost = fields.Float(
        string="USD Cost",
        digits="Cloud Vendor Price",
        help="The vendor's price in US dollars, for prices the vendor publishes in USD only "
        "(Azure plan consumption), converted at the exchange rate beside it.",
    )
    fx_rate = fields.Float(
        string="Exchange Rate",
        digits=(20, 12),
        help="US dollars per unit of the cost's currency (Partner Center's foreign exchange "
        "rate of the month).",
    )
    change_percent = fields.Float(
        string="Change (%)",
        compute="_compute_change_percent",
        store=True,
        digits=(16, 2),
        aggregator="avg",
    )
    initial = fields.Boolean(
        string="First Price", help="The cost the product had when it entered the catalog."
    )
    source = fields.Selection(PRICE_SOURCES, required=True, default="manual")
    import_id = fields.Many2one(
        "billbyte.price.import", ondelete="set null", index="btree_not_null"
    )
    user_id = fields.Many2one("res.users", string="Changed By", default=lambda self: self.env.user)
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True, index=True)

    @api.depends("old_cost", "new_cost", "initial", "old_currency_id", "currency_id")
    def _compute_change_percent(self):
        for entry in self:
            same_currency = not entry.old_currency_id or entry.old_currency_id == entry.currency_id
            if entry.initial or not entry.old_cost or not same_currency:
                entry.change_percent = 0.0
            else:
                entry.change_percent = (entry.new_cost - entry.old_cost) / entry.old_cost * 100.0
