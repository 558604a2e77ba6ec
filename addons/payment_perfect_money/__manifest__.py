# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Provider: Perfect Money",
    "summary": "Perfect Money payments through its Shopping Cart Interface (SCI)",
    "version": "18.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["payment"],
    "data": [
        "security/ir.model.access.csv",
        "views/payment_perfect_money_templates.xml",
        "views/payment_provider_views.xml",
        "wizards/payment_perfect_money_credentials_check_views.xml",
        "data/payment_method_data.xml",
        "data/payment_provider_data.xml",
    ],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
