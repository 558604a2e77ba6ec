# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable


class BillbyteMsInvoiceImportWizard(models.TransientModel):
    """Read the new-commerce license lines of a Microsoft invoice, by its id."""

    _name = "billbyte.ms.invoice.import.wizard"
    _description = "Import Microsoft Invoice License Lines"

    connection_id = fields.Many2one(
        "billbyte.connection",
        required=True,
        domain="[('kind', '=', 'microsoft')]",
        default=lambda self: self.env["billbyte.connection"].search(
            [("kind", "=", "microsoft")], limit=1
        ),
    )
    invoice_id = fields.Char(
        string="Microsoft Invoice",
        required=True,
        help="As on Microsoft's invoice, e.g. G012345678.",
    )

    def action_import(self):
        self.ensure_one()
        try:
            stats = self.env["billbyte.ms.invoice.line"]._import_invoice(
                self.connection_id, self.invoice_id.strip()
            )
        except (VendorError, VendorUnavailable) as error:
            raise UserError(str(error)) from None
        action = stats["reconciliation"].action_view_license_lines()
        action["context"] = {"search_default_difference": 1}
        return action
