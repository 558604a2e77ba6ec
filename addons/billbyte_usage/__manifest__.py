# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Usage",
    "summary": "Customer cloud accounts, usage imports (FOCUS), rating and "
    "unbilled usage per account",
    "version": "18.0.1.2.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "external_dependencies": {"python": ["boto3", "msal", "pyarrow"]},
    "depends": ["billbyte_catalog", "account", "analytic", "portal", "queue_job"],
    "data": [
        "security/billbyte_usage_security.xml",
        "security/ir.model.access.csv",
        "data/analytic_plan_data.xml",
        "views/cloud_account_views.xml",
        "wizards/vendor_invoice_pull_wizard_views.xml",
        "views/connection_views.xml",
        "views/usage_import_views.xml",
        "wizards/usage_assign_wizard_views.xml",
        "views/usage_record_views.xml",
        "views/account_analytic_line_views.xml",
        "wizards/usage_import_wizard_views.xml",
        "views/res_partner_views.xml",
        "wizards/connection_account_wizard_views.xml",
        "views/billbyte_usage_menus.xml",
        "data/connection_cron.xml",
        "data/queue_job_data.xml",
    ],
    "demo": [
        "demo/cloud_account_demo.xml",
        "demo/connection_demo.xml",
        "demo/usage_demo.xml",
    ],
}
