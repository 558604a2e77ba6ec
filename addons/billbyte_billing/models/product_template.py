# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def _billbyte_license_products(self):
        """The license SKUs an order of this catalog item brings: the item itself, or
        a bundle's parts."""
        self.ensure_one()
        template = self.sudo()
        if template.billbyte_is_bundle:
            return template.billbyte_bundle_line_ids.product_id.filtered(
                lambda product: product.billbyte_offer_type == "license"
            )
        if template.billbyte_offer_type == "license":
            return template.product_variant_id
        return self.env["product.product"]
