# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Budgets",
    "summary": "Budgets, quotas and spending limits on cloud usage",
    "version": "18.0.1.0.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["billbyte_usage", "mail"],
    "data": [
        "security/billbyte_budget_security.xml",
        "security/ir.model.access.csv",
        "views/cloud_budget_views.xml",
    ],
}
