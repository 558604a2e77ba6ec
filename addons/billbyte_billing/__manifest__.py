# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Cloud Billing",
    "summary": "Billing runs: unbilled cloud usage and licenses become customer invoices "
    "with service periods, corrections, e-invoices, accruals and deferrals",
    "version": "18.0.1.0.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": [
        "billbyte_usage",
        "account",
        "account_edi_ubl_cii",
        "queue_job",
        "account_invoice_start_end_dates",
    ],
    "data": [
        "security/billbyte_billing_security.xml",
        "security/ir.model.access.csv",
        "views/billing_run_views.xml",
        "views/account_move_views.xml",
        "views/account_move_send_views.xml",
        "views/report_invoice.xml",
        "views/cloud_account_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/cloud_account_transfer_wizard_views.xml",
        "views/billbyte_billing_menus.xml",
        "data/billing_cron.xml",
        "data/queue_job_data.xml",
    ],
    "demo": ["demo/billing_demo.xml"],
}
