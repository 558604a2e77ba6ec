# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.constrains("partner_id")
    def _check_billbyte_catalog_visibility(self):
        self.order_line._check_billbyte_catalog_visibility()

    def _get_copiable_order_lines(self):
        # A copied bundle line brings its parts again.
        return (
            super()
            ._get_copiable_order_lines()
            .filtered(lambda line: not line.billbyte_bundle_parent_id)
        )
