# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    billbyte_invoice_post = fields.Boolean(
        string="Post Usage Invoices",
        default=True,
        help="Billing runs post the invoices they create (and send them on their date). "
        "Unchecked, they stay in draft for an accountant to review and post.",
    )
    billbyte_billing_timing = fields.Selection(
        [
            ("invoice_day", "On the invoice day, with the usage known then"),
            ("reconciled", "After the vendor's invoice is reconciled"),
        ],
        string="Bill Usage",
        default="invoice_day",
        required=True,
        help="On the invoice day: usage known that day is billed, and whatever the vendor "
        "changes later reaches the next invoice as corrections. After reconciliation: a "
        "customer is billed once every vendor invoice of its usage in the period is "
        "reconciled with the imported cost.",
    )
    billbyte_billing_journal_id = fields.Many2one(
        "account.journal",
        string="Usage Invoice Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        help="Sales journal of usage and license invoices; the default sales journal when empty.",
    )
    billbyte_billing_batch_size = fields.Integer(
        string="Customers per Billing Job",
        default=50,
        help="A billing run bills this many customers per background job; a failed job is "
        "retried alone.",
    )
