# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    billbyte_license_proration = fields.Selection(
        [("day", "By day"), ("month", "By whole month")],
        string="Prorate Licenses",
        default="day",
        required=True,
        help="Seats added mid-term, upgrades and their credits are billed to the end of "
        "the term they join: by day, or by whole month (the month of the change counts "
        "in full).",
    )
    billbyte_license_billing_timing = fields.Selection(
        [("advance", "In advance"), ("arrears", "In arrears")],
        string="Bill License Terms",
        default="advance",
        required=True,
        help="In advance: a term is billed by the first billing run on or after its first "
        "day, seats added mid-term by the next one. In arrears: by the first billing run "
        "after the term's last day.",
    )
