# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Catalog",
    "summary": "Cloud vendors, metered services and license SKUs, "
    "fixed and cost-plus pricing strategies",
    "version": "18.0.1.0.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["product", "account", "sale_management"],
    "data": [
        "security/billbyte_security.xml",
        "security/ir.model.access.csv",
        "data/cloud_vendor_data.xml",
        "views/cloud_vendor_views.xml",
        "views/product_template_views.xml",
        "views/product_pricelist_views.xml",
        "views/billbyte_menus.xml",
    ],
    "demo": ["demo/catalog_demo.xml"],
}
