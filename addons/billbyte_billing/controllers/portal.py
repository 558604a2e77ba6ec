# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request

from odoo.addons.billbyte_usage.controllers.portal import BillbyteCloudPortal

RECENT_INVOICES = 5


class BillbyteCloudInvoiceSection(BillbyteCloudPortal):
    """The invoices section of /my/cloud: the customer's latest invoices and what is
    still due, each opening Odoo's own invoice page."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        Move = request.env["account.move"]
        domain = [
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]
        if Move.has_access("read"):
            values["cloud_invoices"] = Move.search(
                domain, order="invoice_date desc, id desc", limit=RECENT_INVOICES
            )
            values["cloud_invoice_count"] = Move.search_count(domain)
        else:
            values["cloud_invoices"] = Move
            values["cloud_invoice_count"] = 0
        # The licenses of the customer's own accounts (found above with the customer's
        # rights), with Microsoft's cancellation window.
        values["cloud_licenses"] = (
            request.env["billbyte.license"]
            .sudo()
            .search([("cloud_account_id", "in", accounts.ids), ("state", "=", "active")])
        )
        return values
