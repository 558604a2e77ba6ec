# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_usage(self):
        """Usage records keep a plain reference (no foreign key): refuse to orphan them."""
        if (
            self.env["billbyte.usage.record"]
            .sudo()
            .search_count([("product_id", "in", self.ids)], limit=1)
        ):
            raise UserError(
                self.env._(
                    "A product with imported cloud usage cannot be deleted. Archive it instead."
                )
            )
