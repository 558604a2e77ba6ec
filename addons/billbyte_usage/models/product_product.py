# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "billbyte.usage.referenced.mixin"]
    _billbyte_usage_field = "product_id"

    def _billbyte_usage_refusal(self):
        return self.env._(
            "A product with imported cloud usage cannot be deleted. Archive it instead."
        )
