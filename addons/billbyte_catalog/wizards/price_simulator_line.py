# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbytePriceSimulatorLine(models.TransientModel):
    _name = "billbyte.price.simulator.line"
    _description = "Cloud Price Simulator Line"
    _order = "is_customer_pricelist desc, id"

    simulator_id = fields.Many2one("billbyte.price.simulator", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="simulator_id.company_id", store=True)
    pricelist_id = fields.Many2one("product.pricelist", string="Pricing Strategy", readonly=True)
    strategy = fields.Selection(related="pricelist_id.billbyte_strategy")
    is_customer_pricelist = fields.Boolean(string="Customer's Strategy", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    cost = fields.Float(
        string="Vendor Cost",
        digits="Cloud Vendor Price",
        readonly=True,
        help="The vendor cost converted to the strategy's currency at the date.",
    )
    list_price = fields.Float(
        string="Vendor List Price",
        digits="Cloud Vendor Price",
        readonly=True,
        help="The vendor's list price converted to the strategy's currency at the date.",
    )
    rule = fields.Char(
        readonly=True, help="The strategy's rule that prices the product on the date."
    )
    # A metered service may cost a fraction of a cent per unit: its precision, not cents.
    price = fields.Float(string="Customer Price", digits="Cloud Vendor Price", readonly=True)
    margin = fields.Float(compute="_compute_margin", digits="Product Price")
    margin_percent = fields.Float(string="Margin (%)", compute="_compute_margin", digits=(16, 2))

    @api.depends("cost", "price")
    def _compute_margin(self):
        for line in self:
            line.margin = line.price - line.cost if line.cost else 0.0
            line.margin_percent = (line.price - line.cost) / line.cost * 100.0 if line.cost else 0.0
