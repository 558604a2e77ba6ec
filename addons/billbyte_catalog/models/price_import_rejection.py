# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbytePriceImportRejection(models.Model):
    """A line of a price list that the import refused, and why."""

    _name = "billbyte.price.import.rejection"
    _description = "Rejected Price List Line"
    _order = "import_id, line_number, id"
    _rec_name = "line_number"

    import_id = fields.Many2one(
        "billbyte.price.import", required=True, ondelete="cascade", index=True
    )
    line_number = fields.Integer(string="Line", required=True)
    sku = fields.Char(string="Vendor SKU")
    reason = fields.Char(required=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
