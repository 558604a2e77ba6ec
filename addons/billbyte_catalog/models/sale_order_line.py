# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # A customer reads their own order lines: which of them came with a bundle.
    _billbyte_portal_fields = frozenset({"billbyte_bundle_parent_id", "billbyte_bundle_part_ids"})

    billbyte_bundle_parent_id = fields.Many2one(
        "sale.order.line",
        string="Part of Bundle",
        ondelete="cascade",
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    billbyte_bundle_part_ids = fields.One2many(
        "sale.order.line", "billbyte_bundle_parent_id", string="Bundle Parts"
    )
    billbyte_bundle_line_id = fields.Many2one(
        "billbyte.bundle.line", string="Bundle Part", ondelete="set null", copy=False, readonly=True
    )

    @api.constrains("product_id", "order_id")
    def _check_billbyte_catalog_visibility(self):
        for line in self:
            if line.product_id and not line.display_type and line.order_id.partner_id:
                line.product_id.product_tmpl_id._billbyte_check_offered_to(line.order_id.partner_id)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._billbyte_add_bundle_parts()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if "product_id" in vals:
            stale_parts = self.billbyte_bundle_part_ids.filtered(
                lambda part: (
                    part.billbyte_bundle_line_id.bundle_tmpl_id
                    != part.billbyte_bundle_parent_id.product_id.product_tmpl_id
                )
            )
            stale_parts.unlink()
            self._billbyte_add_bundle_parts()
        elif "product_uom_qty" in vals:
            for part in self.billbyte_bundle_part_ids.filtered("billbyte_bundle_line_id"):
                part.product_uom_qty = (
                    part.billbyte_bundle_line_id.quantity
                    * part.billbyte_bundle_parent_id.product_uom_qty
                )
        return result

    def unlink(self):
        return super(SaleOrderLine, self | self.billbyte_bundle_part_ids).unlink()

    def _billbyte_add_bundle_parts(self):
        """A bundle on a quotation brings its parts: one line per part, its quantity
        the part's quantity times the bundle's, priced through the bundle line."""
        bundle_lines = self.filtered(
            lambda line: (
                line.product_id.billbyte_is_bundle
                and not line.display_type
                and not line.billbyte_bundle_part_ids
                and not line.billbyte_bundle_parent_id
            )
        )
        vals_list = [
            {
                "order_id": line.order_id.id,
                "sequence": line.sequence,
                "product_id": part.product_id.id,
                "product_uom_qty": part.quantity * line.product_uom_qty,
                "billbyte_bundle_parent_id": line.id,
                "billbyte_bundle_line_id": part.id,
            }
            for line in bundle_lines
            # Catalog structure: whoever may sell the bundle gets its parts.
            for part in line.product_id.product_tmpl_id.sudo().billbyte_bundle_line_ids
        ]
        return self.create(vals_list) if vals_list else self.browse()

    def _get_sale_order_line_multiline_description_sale(self):
        description = super()._get_sale_order_line_multiline_description_sale()
        if self.billbyte_bundle_parent_id:
            description += "\n" + self.env._(
                "Part of bundle %(bundle)s",
                bundle=self.billbyte_bundle_parent_id.product_id.display_name,
            )
        return description

    def _billbyte_catalog_price(self):
        self.ensure_one()
        return self.order_id.pricelist_id._billbyte_catalog_unit_price(
            self.product_id.product_tmpl_id,
            currency=self.currency_id,
            uom=self.product_uom,
            date=self._get_order_date(),
        )

    def _get_pricelist_price(self):
        price = self._billbyte_catalog_price()
        return super()._get_pricelist_price() if price is None else price

    def _get_display_price(self):
        # The bundle line carries the bundle's price; its parts are listed at zero.
        if self.billbyte_bundle_parent_id:
            return 0.0
        price = self._billbyte_catalog_price()
        return super()._get_display_price() if price is None else price
