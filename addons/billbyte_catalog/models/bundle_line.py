# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class BillbyteBundleLine(models.Model):
    """One part of a bundle: an offer and how many of it one bundle holds."""

    _name = "billbyte.bundle.line"
    _description = "Cloud Bundle Part"
    _order = "bundle_tmpl_id, sequence, id"

    bundle_tmpl_id = fields.Many2one(
        "product.template",
        string="Bundle",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        string="Offer",
        required=True,
        ondelete="restrict",
        domain="[('sale_ok', '=', True), ('billbyte_is_bundle', '=', False)]",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure", required=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    list_price = fields.Float(
        related="product_id.lst_price", string="Sales Price", digits="Product Price"
    )
    company_id = fields.Many2one(related="bundle_tmpl_id.company_id", store=True, index=True)

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "A bundle part needs a positive quantity."),
    ]

    @api.constrains("bundle_tmpl_id", "product_id")
    def _check_part(self):
        for line in self:
            bundle = line.bundle_tmpl_id
            part = line.product_id.product_tmpl_id
            if not bundle.billbyte_is_bundle:
                raise ValidationError(
                    self.env._("%(product)s is not a bundle.", product=bundle.display_name)
                )
            if part == bundle:
                raise ValidationError(
                    self.env._(
                        "Bundle %(bundle)s cannot contain itself.", bundle=bundle.display_name
                    )
                )
            if part.billbyte_is_bundle:
                raise ValidationError(
                    self.env._(
                        "Bundle %(bundle)s cannot contain another bundle (%(part)s): "
                        "add that bundle's parts instead.",
                        bundle=bundle.display_name,
                        part=part.display_name,
                    )
                )
