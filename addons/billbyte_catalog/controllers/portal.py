# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class BillbyteCatalogPortal(CustomerPortal):
    """The cloud catalog as a customer sees it: only the items visible to them."""

    def _billbyte_catalog_domain(self):
        partner = request.env.user.partner_id
        return [
            ("sale_ok", "=", True),
            ("company_id", "in", [False, request.env.company.id]),
            *request.env["product.template"]._billbyte_visible_domain(partner),
        ]

    def _billbyte_customer_prices(self, templates):
        partner = request.env.user.partner_id
        pricelist = partner.property_product_pricelist
        currency = pricelist.currency_id or request.env.company.currency_id
        prices = pricelist._get_products_price(templates.product_variant_id, 1.0, currency=currency)
        return {
            template.id: prices.get(template.product_variant_id.id, 0.0) for template in templates
        }, currency

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "billbyte_catalog_count" in counters:
            values["billbyte_catalog_count"] = (
                request.env["product.template"].sudo().search_count(self._billbyte_catalog_domain())
            )
        return values

    @http.route(
        ["/my/cloud-catalog", "/my/cloud-catalog/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_cloud_catalog(self, page=1, **kwargs):
        Template = request.env["product.template"].sudo()
        domain = self._billbyte_catalog_domain()
        pager = portal_pager(
            url="/my/cloud-catalog",
            total=Template.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        templates = Template.search(
            domain,
            order="billbyte_vendor_id, name, id",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        prices, currency = self._billbyte_customer_prices(templates)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billbyte_catalog",
                "catalog_items": templates,
                "prices": prices,
                "currency": currency,
                "pager": pager,
                "default_url": "/my/cloud-catalog",
            }
        )
        return request.render("billbyte_catalog.portal_my_cloud_catalog", values)

    def _billbyte_catalog_item(self, product_tmpl_id):
        """The catalog item the signed-in customer may see, else not found: invisible
        and missing items look the same."""
        template = (
            request.env["product.template"]
            .sudo()
            .search(
                [("id", "=", product_tmpl_id), *self._billbyte_catalog_domain()],
                limit=1,
            )
        )
        if not template:
            raise request.not_found()
        return template

    def _billbyte_catalog_item_values(self, template, **extra):
        prices, currency = self._billbyte_customer_prices(template)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billbyte_catalog_item",
                "item": template,
                "price": prices[template.id],
                "currency": currency,
                "order_quantity": max(template.billbyte_min_quantity, 1),
                "order_error": False,
                **extra,
            }
        )
        return values

    @staticmethod
    def _billbyte_parse_quantity(quantity):
        """A whole number of at least 1 as the form sent it, else None."""
        text = (quantity or "").strip()
        if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
            return None
        return int(text)

    def _billbyte_order_options(self, template, post):
        """What the order form may choose besides the quantity (other modules add)."""
        return {}

    @http.route(
        ["/my/cloud-catalog/<int:product_tmpl_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_cloud_catalog_item(self, product_tmpl_id, **kwargs):
        template = self._billbyte_catalog_item(product_tmpl_id)
        return request.render(
            "billbyte_catalog.portal_cloud_catalog_item",
            self._billbyte_catalog_item_values(template),
        )

    @http.route(
        ["/my/cloud-catalog/<int:product_tmpl_id>/order"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_cloud_catalog_order(self, product_tmpl_id, quantity=None, **post):
        """The customer asks for a quotation of a catalog item: always for the
        signed-in customer (nothing in the request names the buyer), only of an item
        they may see (the item in the URL; any other product id sent is ignored), in
        a quantity the item is sold in. The quotation opens in Odoo's own quotation
        portal, to be signed and paid there."""
        template = self._billbyte_catalog_item(product_tmpl_id)
        partner = request.env.user.partner_id
        seats = self._billbyte_parse_quantity(quantity)
        try:
            if seats is None:
                raise ValidationError(
                    request.env._("Enter a whole number of at least 1 for %s.", template.name)
                )
            options = self._billbyte_order_options(template, post)
            # Refused halfway: nothing of the quotation stays.
            with request.env.cr.savepoint():
                order = (
                    request.env["sale.order"]
                    .sudo()
                    .with_company(template.company_id or request.env.company)
                    ._billbyte_portal_request(partner, template, seats, options)
                )
        except (UserError, ValidationError) as error:
            values = self._billbyte_catalog_item_values(
                template, order_quantity=quantity, order_error=str(error)
            )
            return request.render("billbyte_catalog.portal_cloud_catalog_item", values, status=400)
        return request.redirect(order.get_portal_url())
