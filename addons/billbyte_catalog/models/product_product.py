# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductProduct(models.Model):
    """The variant form is the template form (product.product_normal_form_view):
    its catalog buttons act on the variant's template."""

    _inherit = "product.product"

    def action_billbyte_publish(self):
        return self.product_tmpl_id.action_billbyte_publish()

    def action_billbyte_unpublish(self):
        return self.product_tmpl_id.action_billbyte_unpublish()

    def action_billbyte_price_history(self):
        self.ensure_one()
        return self.product_tmpl_id.action_billbyte_price_history()

    def action_billbyte_price_simulator(self):
        self.ensure_one()
        return self.product_tmpl_id.action_billbyte_price_simulator()
