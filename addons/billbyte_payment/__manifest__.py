# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Payments",
    "summary": "Customers pay cloud usage invoices in the portal with PayPal or a card "
    "(Stripe) or automatically with a saved card; guided merchant sign-up and credential "
    "checks; credit carried forward; prepaid wallet",
    "version": "18.0.1.4.1",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": [
        "billbyte_billing",
        "payment",
        "account_payment",
        "payment_paypal",
        "payment_stripe",
        "queue_job",
    ],
    "data": [
        "security/ir.model.access.csv",
        "views/payment_provider_views.xml",
        "wizards/payment_provider_setup_views.xml",
        "views/billbyte_payment_menus.xml",
        "data/mail_template_data.xml",
        "data/wallet_data.xml",
        "data/autopay_data.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "views/portal_autopay_templates.xml",
        "security/billbyte_payment_allocation_rules.xml",
        "wizards/billbyte_payment_allocate_views.xml",
        "wizards/billbyte_discount_credit_views.xml",
        "views/billbyte_payment_allocation_views.xml",
        "views/portal_invoice_lines_templates.xml",
        "report/billbyte_revenue_line_views.xml",
        "views/portal_payment_method_templates.xml",
    ],
    "demo": ["demo/payment_demo.xml"],
}
