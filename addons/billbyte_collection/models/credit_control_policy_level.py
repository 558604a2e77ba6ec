# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CreditControlPolicyLevel(models.Model):
    _inherit = "credit.control.policy.level"

    billbyte_suspend = fields.Boolean(
        string="Suspend Cloud Accounts",
        help="Once its communication is approved, the customer's cloud accounts are "
        "suspended at their vendor; they are resumed when the customer has paid what is "
        "overdue.",
    )
    billbyte_needs_approval = fields.Boolean(
        string="Manager's Review",
        help="The lines of this level wait for a Billing administrator's approval "
        "before anything is sent or suspended.",
    )
