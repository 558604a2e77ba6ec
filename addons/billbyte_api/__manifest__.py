# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Billing API",
    "summary": "The provider's JSON API (bearer API keys, OpenAPI 3), signed webhooks "
    "and FOCUS 1.3 usage files, over the public methods of the BillByte modules",
    "version": "18.0.1.0.2",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": [
        "billbyte_billing",
        "billbyte_budget",
        "billbyte_payment",
        "portal",
        "queue_job",
    ],
    "data": [
        "security/billbyte_api_security.xml",
        "security/ir.model.access.csv",
        "views/webhook_views.xml",
        "views/billbyte_api_menus.xml",
        "data/queue_job_data.xml",
        "data/api_cron.xml",
        "views/portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": ["billbyte_api/static/tests/tours/*.js"],
    },
}
