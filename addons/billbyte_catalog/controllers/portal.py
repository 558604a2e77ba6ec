# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
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

    @http.route(
        ["/my/cloud-catalog/<int:product_tmpl_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_cloud_catalog_item(self, product_tmpl_id, **kwargs):
        # Invisible and missing items look the same: not found.
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
        prices, currency = self._billbyte_customer_prices(template)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billbyte_catalog_item",
                "item": template,
                "price": prices[template.id],
                "currency": currency,
            }
        )
        return request.render("billbyte_catalog.portal_cloud_catalog_item", values)
