# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

# The one cost-plus rule: a vendor cost (already in the pricelist currency) times
# (1 + markup %), plus the surcharge with the cost's sign (a credit gets it back).
# The usage import rates every record with this SQL expression; cost_plus() is its
# Python twin for catalog prices and quotations. Both are tested to agree.
COST_PLUS_SQL = "(({cost}) * (1 + ({markup}) / 100.0) + sign({cost}) * ({surcharge}))"


def cost_plus(cost, markup, surcharge):
    """COST_PLUS_SQL in Python, in Decimal (no float on the way)."""
    cost, markup, surcharge = (Decimal(str(value or 0)) for value in (cost, markup, surcharge))
    sign = (cost > 0) - (cost < 0)
    return cost * (1 + markup / Decimal(100)) + sign * surcharge


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    billbyte_strategy = fields.Selection(
        [("fixed", "Fixed Price"), ("cost_plus", "Cost-plus")],
        string="Cloud Pricing Strategy",
        default="fixed",
        required=True,
        help="Fixed: usage is priced at the product's price on this pricelist, per "
        "unit. Cost-plus: usage is priced from the vendor cost of each usage "
        "record, converted to this pricelist's currency, plus markup and surcharge.",
    )
    billbyte_markup = fields.Float(
        string="Markup (%)",
        digits=(16, 4),
        help="Percentage added to the vendor cost. A discount passed on to the "
        "customer is a lower (or negative) markup.",
    )
    billbyte_surcharge = fields.Float(
        string="Surcharge",
        digits="Product Price",
        help="Amount added per usage record after the markup, in the pricelist currency.",
    )
    billbyte_rounding = fields.Float(
        string="Rounding",
        digits="Product Price",
        help="Round each rated amount to a multiple of this value (0 rounds to "
        "the currency's precision).",
    )
    billbyte_min_margin = fields.Float(
        string="Minimum Margin (%)",
        digits=(16, 4),
        help="The margin (share of the customer price) the markup must leave at least: "
        "a 25 % markup leaves a 20 % margin.",
    )

    def _billbyte_margin(self):
        """The margin (share of the price) a markup leaves: 20 % markup = 16.67 % margin."""
        self.ensure_one()
        markup = self.billbyte_markup
        return markup / (100.0 + markup) * 100.0 if markup > -100.0 else float("-inf")

    @api.constrains("billbyte_strategy", "billbyte_markup", "billbyte_min_margin")
    def _check_billbyte_min_margin(self):
        for pricelist in self:
            if (
                pricelist.billbyte_strategy == "cost_plus"
                and float_compare(pricelist._billbyte_margin(), pricelist.billbyte_min_margin, 4)
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Pricelist %(name)s: a markup of %(markup)s%% leaves a margin of "
                        "%(actual).2f%%, below the minimum margin of %(margin)s%%.",
                        name=pricelist.display_name,
                        markup=pricelist.billbyte_markup,
                        actual=pricelist._billbyte_margin(),
                        margin=pricelist.billbyte_min_margin,
                    )
                )

    def _billbyte_cost_plus_terms(self):
        """(markup, surcharge) as Decimal. Stored as numeric(16, 4) and numeric with the
        product price precision: the shortest text of the float the ORM reads is that
        decimal exactly, so Decimal(str()) gives it back without a float error."""
        self.ensure_one()
        return Decimal(str(self.billbyte_markup or 0)), Decimal(str(self.billbyte_surcharge or 0))

    def _billbyte_cost_plus_amount(self, cost):
        """Customer amount for a vendor cost already in the pricelist currency."""
        self.ensure_one()
        amount = float(cost_plus(cost, *self._billbyte_cost_plus_terms()))
        if self.billbyte_rounding:
            amount = float_round(amount, precision_rounding=self.billbyte_rounding)
        return self.currency_id.round(amount)

    def _billbyte_cost_plus_unit_price(self, cost):
        """Customer unit price for a vendor unit cost already in the pricelist currency.

        Like _billbyte_cost_plus_amount, but a unit price keeps the precision of
        vendor prices (a metered service may cost 0.000028 per unit); only the
        strategy's own rounding applies."""
        self.ensure_one()
        price = float(cost_plus(cost, *self._billbyte_cost_plus_terms()))
        if self.billbyte_rounding:
            price = float_round(price, precision_rounding=self.billbyte_rounding)
        return price

    def _billbyte_catalog_unit_price(self, template, currency=None, uom=None, date=None):
        """The customer unit price of a catalog product under this strategy, or None
        where Odoo's own pricelist computation applies.

        - a bundle priced as the sum of its parts: each part's price on this pricelist
          times its quantity;
        - a cost-plus strategy and a product with a vendor cost: the vendor cost
          converted to the pricelist currency at the date, plus markup and surcharge.
        self may be empty (no pricelist): a bundle is then the sum of its parts'
        sales prices."""
        self and self.ensure_one()
        # Bundle parts, vendor costs and the strategy's terms are not every user's
        # to read, but whoever may see a price gets the same one (a portal customer,
        # an accountant): the price is computed from them as the system.
        pricelist = self.sudo()
        template = template.sudo()
        company = pricelist.company_id or self.env.company
        currency = currency or pricelist.currency_id or company.currency_id
        day = fields.Date.to_date(date) if date else fields.Date.context_today(self)
        if template.billbyte_is_bundle and template.billbyte_bundle_pricing == "sum":
            price = 0.0
            for line in template.billbyte_bundle_line_ids:
                part_price = pricelist._get_product_price(
                    line.product_id, line.quantity, currency=currency, date=date or day
                )
                price += part_price * line.quantity
        elif pricelist.billbyte_strategy == "cost_plus" and template._billbyte_cost_currency():
            # The vendor price valid on the day (an order dated next month gets the
            # price the vendor announced for next month).
            vendor_cost, _list_price, cost_currency = template._billbyte_vendor_price_at(day)
            cost = cost_currency._convert(
                float(vendor_cost), pricelist.currency_id, company, day, round=False
            )
            price = pricelist._billbyte_cost_plus_unit_price(cost)
            if currency != pricelist.currency_id:
                price = pricelist.currency_id._convert(price, currency, company, day, round=False)
        else:
            return None
        if uom and uom != template.uom_id:
            price = template.uom_id._compute_price(price, uom)
        return price

    def _compute_price_rule(
        self, products, quantity, currency=None, uom=None, date=False, compute_price=True, **kwargs
    ):
        results = super()._compute_price_rule(
            products,
            quantity,
            currency=currency,
            uom=uom,
            date=date,
            compute_price=compute_price,
            **kwargs,
        )
        if not compute_price:
            return results
        for product in products:
            template = product if product._name == "product.template" else product.product_tmpl_id
            price = self._billbyte_catalog_unit_price(
                template, currency=currency, uom=uom, date=date
            )
            if price is not None:
                results[product.id] = (price, results[product.id][1])
        return results
