# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.fields import Command


class BillbytePriceSimulator(models.TransientModel):
    """The customer price of one catalog product under each pricing strategy."""

    _name = "billbyte.price.simulator"
    _description = "Cloud Price Simulator"

    product_tmpl_id = fields.Many2one("product.template", string="Product", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure", required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        help="Show whether this customer may buy the product, and their own strategy first.",
    )
    visibility_note = fields.Char(compute="_compute_visibility_note")
    vendor_cost = fields.Float(related="product_tmpl_id.billbyte_vendor_cost")
    vendor_currency_id = fields.Many2one(related="product_tmpl_id.billbyte_vendor_currency_id")
    line_ids = fields.One2many(
        "billbyte.price.simulator.line",
        "simulator_id",
        string="Prices",
        compute="_compute_line_ids",
        store=True,
        readonly=True,
    )

    @api.depends("product_tmpl_id", "partner_id")
    def _compute_visibility_note(self):
        for simulator in self:
            if not simulator.partner_id or not simulator.product_tmpl_id:
                simulator.visibility_note = False
                continue
            reason = simulator.product_tmpl_id._billbyte_hidden_reason(simulator.partner_id)
            simulator.visibility_note = (
                self.env._("Not available to this customer: %(reason)s.", reason=reason)
                if reason
                else self.env._("Available to this customer.")
            )

    @api.depends("product_tmpl_id", "date", "quantity", "partner_id")
    def _compute_line_ids(self):
        for simulator in self:
            pricelists = self.env["product.pricelist"].search(
                [("company_id", "in", [False, simulator.company_id.id])]
            )
            commands = [Command.clear()]
            template = simulator.product_tmpl_id
            if template:
                customer_pricelist = (
                    simulator.partner_id.property_product_pricelist
                    if simulator.partner_id
                    else pricelists.browse()
                )
                ordered = customer_pricelist | pricelists
                commands += [
                    Command.create(simulator._line_vals(pricelist, pricelist == customer_pricelist))
                    for pricelist in ordered
                ]
            simulator.line_ids = commands

    def _line_vals(self, pricelist, is_customer_pricelist):
        template = self.product_tmpl_id
        product = template.product_variant_id
        currency = pricelist.currency_id
        company = pricelist.company_id or self.company_id
        price = pricelist._get_product_price(
            product, self.quantity, currency=currency, date=self.date
        )
        cost = list_price = 0.0
        if template._billbyte_cost_currency():
            # The vendor prices valid on the simulated day, in the strategy's currency.
            vendor_cost, vendor_list, vendor_currency = template._billbyte_vendor_price_at(
                self.date
            )
            cost = vendor_currency._convert(
                float(vendor_cost), currency, company, self.date, round=False
            )
            if vendor_list is not None:
                list_price = vendor_currency._convert(
                    float(vendor_list), currency, company, self.date, round=False
                )
        terms = pricelist._billbyte_terms(template, self.date)
        methods = dict(
            self.env["billbyte.pricing.rule"]._fields["method"]._description_selection(self.env)
        )
        rule = terms.rule.name if terms.rule else methods.get(terms.method, "")
        bounds = [
            label
            for flag, label in (
                (terms.cap, self.env._("never over list")),
                (terms.floor, self.env._("never below cost")),
                (not terms.promotions, self.env._("vendor promotions kept")),
            )
            if flag
        ]
        if bounds:
            rule = f"{rule} ({', '.join(bounds)})"
        return {
            "pricelist_id": pricelist.id,
            "is_customer_pricelist": is_customer_pricelist,
            "currency_id": currency.id,
            "cost": cost,
            "list_price": list_price,
            "rule": rule,
            "price": price,
        }
