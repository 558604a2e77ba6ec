# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"  # pylint: disable=consider-merging-classes-inherited

    billbyte_license_id = fields.Many2one(
        "billbyte.license",
        string="License",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    billbyte_license_change_id = fields.Many2one(
        "billbyte.license.change",
        string="License Term / Seat Change",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The license term or seat increase this line bills. Cancelling or deleting "
        "the invoice returns it to the next billing run.",
    )
