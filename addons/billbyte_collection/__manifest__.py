# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Collections",
    "summary": "Follow-up of late payers with OCA credit control: reminders by level "
    "listing the open invoice lines, a manager's review before suspension, cloud "
    "accounts suspended at the vendor and resumed once the customer pays",
    "version": "18.0.1.0.0",
    "category": "Sales/Cloud Billing",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": [
        "billbyte_payment",
        "billbyte_usage",
        "account_credit_control",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/billbyte_collection_rules.xml",
        "data/mail_template_data.xml",
        "data/credit_control_policy_data.xml",
        "data/mail_activity_type_data.xml",
        "views/credit_control_line_views.xml",
        "views/credit_control_policy_views.xml",
        "views/billbyte_collection_suspension_views.xml",
        "views/billbyte_collection_menus.xml",
        "report/report_credit_control_summary.xml",
        "data/ir_cron_data.xml",
    ],
    "demo": ["demo/collection_demo.xml"],
}
