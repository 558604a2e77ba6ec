# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Budgets",
    "summary": "Budgets, quotas and per-service spending limits on cloud usage, with "
    "alerts, forecasts and enforcement at the vendor",
    "version": "18.0.2.0.2",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["billbyte_usage", "mail", "portal", "queue_job"],
    "data": [
        "security/billbyte_budget_security.xml",
        "security/ir.model.access.csv",
        "data/mail_template_data.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/cloud_budget_views.xml",
        "views/portal_templates.xml",
    ],
    "demo": ["demo/budget_demo.xml"],
}
