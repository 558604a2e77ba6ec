# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models
from odoo.exceptions import ValidationError


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

    # ------------------------------------------------------------------
    # Quotations customers ask for in the portal catalog
    # ------------------------------------------------------------------

    @api.model
    def _billbyte_portal_request(self, partner, template, quantity, options=None):
        """The quotation of `quantity` of the catalog item `template` that the portal
        customer `partner` asked for: priced by their pricing strategy (their
        pricelist), accepted in Odoo's quotation portal (signed, paid: the company's
        online signature and payment settings; signed at least). An item `partner` may
        not see, or a quantity it is not sold in, is refused (ValidationError) and
        nothing is created. The portal calls it as superuser, for the signed-in
        customer only."""
        template.ensure_one()
        template = template.sudo()
        if not (template.billbyte_is_catalog_item and template.sale_ok and template.active):
            raise ValidationError(
                self.env._("%s is not in the cloud catalog.", template.display_name)
            )
        if template.billbyte_offer_type == "metered":
            raise ValidationError(
                self.env._(
                    "%s is billed by what you use, not ordered: ask us for a cloud account.",
                    template.display_name,
                )
            )
        template._billbyte_check_offered_to(partner)
        template._billbyte_check_order_quantity(quantity)
        order = self.create(
            self._billbyte_portal_order_values(partner, template, quantity, options or {})
        )
        if not (order.require_signature or order.require_payment):
            order.require_signature = True
        order.message_post(
            body=self.env._(
                "Asked for in the portal's cloud catalog by %(customer)s: %(quantity)s × "
                "%(product)s.",
                customer=partner.display_name,
                quantity=quantity,
                product=template.display_name,
            ),
            author_id=partner.id,
        )
        return order

    @api.model
    def _billbyte_portal_order_values(self, partner, template, quantity, options):
        return {
            "partner_id": partner.id,
            "company_id": (template.company_id or self.env.company).id,
            "origin": self.env._("Cloud Catalog"),
            "order_line": [
                Command.create(
                    {"product_id": template.product_variant_id.id, "product_uom_qty": quantity}
                )
            ],
        }
