# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductPricelist(models.Model):
    _name = "product.pricelist"
    _inherit = ["product.pricelist", "billbyte.usage.referenced.mixin"]
    _billbyte_usage_field = "pricelist_id"

    def _billbyte_usage_refusal(self):
        return self.env._(
            "A pricing strategy that rated cloud usage cannot be deleted. Archive it instead."
        )
