# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import namedtuple
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


# What prices a product on a day under a strategy: the method and its terms, the
# bounds (cap at list, floor at cost), whether vendor promotions pass on, and the
# rule they come from (an empty record for the strategy's own terms).
Terms = namedtuple(
    "Terms", "method markup surcharge discount cap floor promotions rule", defaults=(None,)
)


def rule_price(terms, cost, regular_cost, list_price, fixed_price=None):
    """The customer price (per unit or per record) under `terms`, in Decimal: cost the
    provider's cost (with a promotion), regular_cost the cost without it, list_price the
    vendor's list price or None, fixed_price the strategy's own price (method fixed).
    None when the method has nothing to price from."""
    saving = regular_cost - cost
    if terms.method == "cost_plus":
        base = cost if terms.promotions else regular_cost
        price = cost_plus(base, terms.markup, terms.surcharge)
    elif terms.method == "list_discount":
        if list_price is None:
            price = regular_cost
        else:
            price = list_price * (1 - Decimal(str(terms.discount or 0)) / Decimal(100))
        if terms.promotions:
            price -= saving
    elif fixed_price is None:
        return None
    else:
        price = Decimal(str(fixed_price)) - (saving if terms.promotions else 0)
    if terms.cap and list_price is not None:
        price = min(price, list_price)
    if terms.floor:
        price = max(price, cost)
    return price


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    billbyte_strategy = fields.Selection(
        [
            ("fixed", "Fixed Price"),
            ("cost_plus", "Cost-plus"),
            ("list_discount", "Discount off List"),
        ],
        string="Cloud Pricing Strategy",
        default="fixed",
        required=True,
        help="Fixed: usage is priced at the product's price on this pricelist, per "
        "unit. Cost-plus: usage is priced from the vendor cost of each usage "
        "record, converted to this pricelist's currency, plus markup and surcharge. "
        "Discount off List: the vendor's list price (the usage record's ListCost, else "
        "the catalog's list price of its day) less a discount.",
    )
    billbyte_list_discount = fields.Float(
        string="Discount off List (%)",
        digits=(16, 4),
        help="What the customer saves on the vendor's list price.",
    )
    billbyte_cap_at_list = fields.Boolean(
        string="Never Over List",
        help="Whatever the rule, a customer never pays more than the vendor's list price.",
    )
    billbyte_floor_at_cost = fields.Boolean(
        string="Never Below Cost",
        help="Whatever the rule, the price never falls below the provider's cost: a margin "
        "never goes negative.",
    )
    billbyte_pass_promotions = fields.Boolean(
        string="Pass Promotions On",
        default=True,
        help="A vendor promotion on the provider's cost lowers the customer's price too "
        "(cost-plus on what the provider pays; the saving off a list or fixed price). "
        "Untick it to keep promotions: the customer is priced as without them.",
    )
    billbyte_rule_ids = fields.One2many(
        "billbyte.pricing.rule",
        "pricelist_id",
        string="Cloud Pricing Rules",
        copy=True,
        help="Rules for product categories or SKUs, each from its own day, before the "
        "strategy's own terms.",
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

    def _billbyte_terms(self, template, day):
        """The Terms that price `template` on `day` under this strategy: its most
        specific rule started by then, else the strategy's own terms."""
        self.ensure_one()
        pricelist = self.sudo()
        candidates = []
        for rule in pricelist.billbyte_rule_ids:
            if rule.date_start and rule.date_start > day:
                continue
            specificity = rule._specificity(template)
            if specificity is not None:
                candidates.append(
                    (
                        specificity,
                        rule.date_start or fields.Date.to_date("1900-01-01"),
                        -rule.sequence,
                        -rule.id,
                        rule,
                    )
                )
        if candidates:
            rule = max(candidates, key=lambda c: c[:4])[-1]
            return Terms(
                rule.method,
                rule.markup,
                rule.surcharge,
                rule.discount,
                rule.cap_at_list,
                rule.floor_at_cost,
                rule.pass_promotions,
                rule,
            )
        return Terms(
            pricelist.billbyte_strategy,
            pricelist.billbyte_markup,
            pricelist.billbyte_surcharge,
            pricelist.billbyte_list_discount,
            pricelist.billbyte_cap_at_list,
            pricelist.billbyte_floor_at_cost,
            pricelist.billbyte_pass_promotions,
            self.env["billbyte.pricing.rule"],
        )

    def _billbyte_needs_terms(self):
        """Whether usage rating needs this strategy's terms per product and day (rules,
        bounds, promotions, list prices), beyond its markup and surcharge."""
        self.ensure_one()
        pricelist = self.sudo()
        return bool(
            pricelist.billbyte_rule_ids
            or pricelist.billbyte_strategy != "cost_plus"
            or pricelist.billbyte_cap_at_list
            or pricelist.billbyte_floor_at_cost
            or not pricelist.billbyte_pass_promotions
        )

    def _billbyte_catalog_unit_price(
        self, template, currency=None, uom=None, date=None, fixed_price=None
    ):
        """The customer unit price of a catalog product under this strategy, or None
        where Odoo's own pricelist computation applies as it is.

        - a bundle priced as the sum of its parts: each part's price on this pricelist
          times its quantity;
        - a product with a vendor price: the terms of its rule on the date (cost-plus on
          the vendor cost valid that day, a discount off its list price, or the fixed
          price given in `fixed_price`, in `currency` per `uom`), capped at list, floored
          at cost and with vendor promotions passed on as the terms say.
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
            if uom and uom != template.uom_id:
                price = template.uom_id._compute_price(price, uom)
            return price
        if not pricelist or not template._billbyte_cost_currency():
            return None
        terms = pricelist._billbyte_terms(template, day)
        if terms.method == "fixed" and (
            not (terms.cap or terms.floor or terms.promotions)
            # Usage rating bounds each record by its own cost and list price.
            or self.env.context.get("billbyte_raw_fixed")
        ):
            return None
        uom = uom or template.uom_id
        # The vendor prices valid on the day (an order dated next month gets the price
        # the vendor announced for next month), per product unit, in the strategy's
        # currency.
        cost, list_price, regular, vendor_currency = template._billbyte_vendor_prices_at(day)

        def in_pricelist_currency(amount):
            if amount is None:
                return None
            return Decimal(
                repr(
                    vendor_currency._convert(
                        float(amount), pricelist.currency_id, company, day, round=False
                    )
                )
            )

        cost, list_price, regular = map(in_pricelist_currency, (cost, list_price, regular))
        fixed = None
        if terms.method == "fixed":
            if fixed_price is None:
                return None
            # The strategy's own price, back in its currency per product unit.
            fixed = fixed_price
            if uom != template.uom_id:
                fixed = uom._compute_price(fixed, template.uom_id)
            if currency != pricelist.currency_id:
                fixed = currency._convert(fixed, pricelist.currency_id, company, day, round=False)
        price = rule_price(terms, cost, regular, list_price, fixed)
        if price is None:
            return None
        price = float(price)
        if pricelist.billbyte_rounding and terms.method != "fixed":
            price = float_round(price, precision_rounding=pricelist.billbyte_rounding)
        if currency != pricelist.currency_id:
            price = pricelist.currency_id._convert(price, currency, company, day, round=False)
        if uom != template.uom_id:
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
                template,
                currency=currency,
                uom=uom,
                date=date,
                fixed_price=results[product.id][0],
            )
            if price is not None:
                results[product.id] = (price, results[product.id][1])
        return results
