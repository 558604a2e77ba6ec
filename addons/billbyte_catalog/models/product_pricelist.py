# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round


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
        help="The markup may not be set below this margin.",
    )

    @api.constrains("billbyte_strategy", "billbyte_markup", "billbyte_min_margin")
    def _check_billbyte_min_margin(self):
        for pricelist in self:
            if (
                pricelist.billbyte_strategy == "cost_plus"
                and pricelist.billbyte_markup < pricelist.billbyte_min_margin
            ):
                raise ValidationError(
                    _(
                        "Pricelist %(name)s: a markup of %(markup)s%% is below the "
                        "minimum margin of %(margin)s%%.",
                        name=pricelist.display_name,
                        markup=pricelist.billbyte_markup,
                        margin=pricelist.billbyte_min_margin,
                    )
                )

    def _billbyte_cost_plus_amount(self, cost):
        """Customer amount for a vendor cost already in the pricelist currency."""
        self.ensure_one()
        amount = cost * (1.0 + self.billbyte_markup / 100.0)
        if cost:
            amount += self.billbyte_surcharge if cost > 0 else -self.billbyte_surcharge
        if self.billbyte_rounding:
            amount = float_round(amount, precision_rounding=self.billbyte_rounding)
        return self.currency_id.round(amount)
