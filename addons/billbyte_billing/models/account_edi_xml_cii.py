# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountEdiXmlCii(models.AbstractModel):
    """Factur-X / CII e-invoices carry the span of the lines' service periods (OCA
    start and end dates) as the invoice's billing period (BG-14)."""

    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        template_values = super()._export_invoice_vals(invoice)
        if not (template_values.get("billing_start") and template_values.get("billing_end")):
            lines = invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product" and line.start_date and line.end_date
            )
            if lines:
                template_values["billing_start"] = min(lines.mapped("start_date"))
                template_values["billing_end"] = max(lines.mapped("end_date"))
        return template_values
