# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    billbyte_invoice_day = fields.Integer(
        string="Cloud Invoice Day",
        default=1,
        help="Day of the month (1 to 28) on which this customer's cloud billing periods "
        "end and their invoices are made: with 15, a monthly period runs from the 15th "
        "to the 14th of the next month.",
    )

    @api.constrains("billbyte_invoice_day")
    def _check_billbyte_invoice_day(self):
        for partner in self:
            if not 1 <= partner.billbyte_invoice_day <= 28:
                raise ValidationError(
                    self.env._(
                        "The cloud invoice day must be between 1 and 28 (it is %s).",
                        partner.billbyte_invoice_day,
                    )
                )
