# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteImportRejection(models.Model):
    """A source line an import run did not take, with its line number and why."""

    _name = "billbyte.usage.import.rejection"
    _description = "Rejected Usage Line"
    _order = "run_id, line_number"

    run_id = fields.Many2one("billbyte.usage.import", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    line_number = fields.Integer(required=True)
    reason = fields.Char(required=True)
    raw_values = fields.Char(string="Line Values")
