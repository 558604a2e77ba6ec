# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.billbyte_catalog.controllers.portal import BillbyteCatalogPortal


class BillbyteCatalogLicensePortal(BillbyteCatalogPortal):
    """The catalog's order form for licenses: which of the customer's own cloud
    accounts the seats are for."""

    def _billbyte_catalog_item_values(self, template, **extra):
        values = super()._billbyte_catalog_item_values(template, **extra)
        values["order_license_products"] = template._billbyte_license_products()
        values["order_cloud_accounts"] = request.env["sale.order"]._billbyte_portal_cloud_accounts(
            request.env.user.partner_id, template
        )
        values.setdefault("order_cloud_account_id", False)
        return values

    def _billbyte_order_options(self, template, post):
        options = super()._billbyte_order_options(template, post)
        account_id = (post.get("cloud_account_id") or "").strip()
        if account_id:
            if not account_id.isdigit():
                raise ValidationError(request.env._("Choose one of your own cloud accounts."))
            options["cloud_account_id"] = int(account_id)
        return options
