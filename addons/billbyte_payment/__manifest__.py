# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Payments",
    "summary": "Payments of cloud usage invoices: PayPal, Perfect Money, cards, deposits",
    "version": "18.0.1.1.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["billbyte_usage", "payment", "account_payment", "payment_paypal"],
    "data": [
        "security/ir.model.access.csv",
        "views/billbyte_payment_menus.xml",
    ],
}
