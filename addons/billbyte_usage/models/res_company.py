# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    billbyte_bill_suspended_licenses = fields.Boolean(
        string="Bill suspended licenses to the customer",
        default=True,
        help="Microsoft keeps billing the provider for a license subscription while it "
        "is suspended. Checked, the customer keeps paying for the licenses of a "
        "suspended cloud account; unchecked, license terms that start while it is "
        "suspended are not billed to the customer. A customer can have its own rule.",
    )
