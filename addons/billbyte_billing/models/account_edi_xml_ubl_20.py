# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountEdiXmlUbl20(models.AbstractModel):
    """UBL e-invoices (BIS Billing 3.0, XRechnung, NLCIUS and the other UBL formats
    built on this one) carry the service period of each line (OCA start and end dates)
    as the line's cac:InvoicePeriod, and the span of them all as the invoice's."""

    _inherit = "account.edi.xml.ubl_20"

    def _get_invoice_line_vals(self, line, line_id, taxes_vals):
        vals = super()._get_invoice_line_vals(line, line_id, taxes_vals)
        if not vals.get("invoice_period_vals_list") and line.start_date and line.end_date:
            vals["invoice_period_vals_list"] = [
                {"start_date": line.start_date, "end_date": line.end_date}
            ]
        return vals

    def _get_invoice_period_vals_list(self, invoice):
        vals_list = super()._get_invoice_period_vals_list(invoice)
        if vals_list:
            return vals_list
        lines = invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.start_date and line.end_date
        )
        if not lines:
            return vals_list
        return [
            {
                "start_date": min(lines.mapped("start_date")),
                "end_date": max(lines.mapped("end_date")),
            }
        ]
