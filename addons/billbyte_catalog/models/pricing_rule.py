# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

PRICING_METHODS = [
    ("fixed", "Fixed Price"),
    ("cost_plus", "Cost-plus"),
    ("list_discount", "Discount off List"),
]


class BillbytePricingRule(models.Model):
    """A pricing strategy's rule for a product category or SKU, from a day on.

    The rule that prices a product on a day is the most specific one (a SKU before
    its category, a sub-category before its parent, then the strategy's own terms),
    and of those the latest started: a change scheduled for the first of next month
    applies on that day, and usage or orders dated before keep the earlier rule."""

    _name = "billbyte.pricing.rule"
    _description = "Cloud Pricing Rule"
    _order = "pricelist_id, sequence, id"

    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricing Strategy",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="pricelist_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="pricelist_id.currency_id")
    applies_to = fields.Selection(
        [("all", "All Products"), ("category", "Product Category"), ("product", "SKU")],
        required=True,
        default="category",
    )
    categ_id = fields.Many2one("product.category", string="Category", ondelete="cascade")
    product_tmpl_id = fields.Many2one("product.template", string="SKU", ondelete="cascade")
    date_start = fields.Date(string="From", help="The day the rule takes effect (empty: always).")
    method = fields.Selection(
        PRICING_METHODS,
        required=True,
        default="cost_plus",
        help="Fixed Price: the strategy's own price of the product (its pricelist rules). "
        "Cost-plus: the vendor cost plus markup and surcharge. Discount off List: the "
        "vendor's list price less the discount.",
    )
    markup = fields.Float(string="Markup (%)", digits=(16, 4))
    surcharge = fields.Float(
        digits="Product Price", help="Added per unit (quotations) or per usage record."
    )
    discount = fields.Float(string="Discount (%)", digits=(16, 4))
    cap_at_list = fields.Boolean(
        string="Never Over List", help="The customer never pays more than the vendor's list price."
    )
    floor_at_cost = fields.Boolean(
        string="Never Below Cost", help="The price never falls below the provider's cost."
    )
    pass_promotions = fields.Boolean(
        string="Pass Promotions On",
        default=True,
        help="A vendor promotion on the provider's cost lowers the customer's price too.",
    )
    name = fields.Char(compute="_compute_name")

    @api.depends("applies_to", "categ_id", "product_tmpl_id", "method", "markup", "discount")
    def _compute_name(self):
        methods = dict(self._fields["method"]._description_selection(self.env))
        for rule in self:
            scope = {
                "all": self.env._("All products"),
                "category": rule.categ_id.display_name,
                "product": rule.product_tmpl_id.display_name,
            }[rule.applies_to]
            terms = {
                "cost_plus": f" {rule.markup:+g}%",
                "list_discount": f" -{rule.discount:g}%",
                "fixed": "",
            }[rule.method]
            rule.name = f"{scope}: {methods[rule.method]}{terms}"

    @api.constrains("applies_to", "categ_id", "product_tmpl_id")
    def _check_scope(self):
        for rule in self:
            if rule.applies_to == "category" and not rule.categ_id:
                raise ValidationError(self.env._("A rule for a category names the category."))
            if rule.applies_to == "product" and not rule.product_tmpl_id:
                raise ValidationError(self.env._("A rule for a SKU names the product."))

    def _specificity(self, template):
        """How closely the rule fits the product (higher wins), or None if it does not."""
        self.ensure_one()
        if self.applies_to == "product":
            return 1000 if self.product_tmpl_id == template else None
        if self.applies_to == "category":
            path = template.categ_id.parent_path or ""
            if f"/{self.categ_id.id}/" in f"/{path}":
                return 1 + (self.categ_id.parent_path or "").count("/")
            return None
        return 0
