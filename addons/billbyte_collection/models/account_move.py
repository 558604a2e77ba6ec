# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """A customer invoice paid (a payment or a credit note reconciled with it): its
        customer's cloud accounts suspended for late payment are resumed once nothing
        is overdue any more."""
        res = super()._invoice_paid_hook()
        for company, invoices in (
            self.filtered(lambda move: move.is_sale_document()).grouped("company_id").items()
        ):
            invoices.commercial_partner_id.with_company(company)._billbyte_collection_check_resume()
        return res
