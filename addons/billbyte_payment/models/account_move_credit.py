# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _first_invoice_exception_msg(self):
        # A usage invoice bills usage the exposure already counts (unbilled): posting
        # it moves the amount from unbilled usage to open invoices. OCA's check would
        # hold the whole billing run's batch behind its wizard; it stays for the
        # invoices accountants make by hand.
        return super(
            AccountMove, self.filtered(lambda move: not move.billbyte_run_id)
        )._first_invoice_exception_msg()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._billbyte_credit_recheck()
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._billbyte_credit_recheck()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._billbyte_credit_recheck()
        return res

    def _billbyte_credit_recheck(self):
        """Invoices, credit notes, payments and deposits posted or undone change what
        their customers owe: check those under a cloud credit limit again, per company."""
        receivable = self.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                or line.account_id == line.company_id.billbyte_deposit_account_id
            )
        )
        for company in receivable.company_id:
            partners = receivable.filtered(lambda line, c=company: line.company_id == c).partner_id
            controlled = partners.commercial_partner_id.sudo().filtered("billbyte_credit_control")
            if controlled:
                self.env["res.partner"].with_company(company)._billbyte_credit_check(controlled.ids)
