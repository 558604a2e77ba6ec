# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountSpread(models.Model):
    _inherit = "account.spread"

    def _compute_amounts(self):
        res = super()._compute_amounts()
        # OCA converts the invoice line's balance (already in the company currency) as
        # if it were in the invoice's currency: wrong for foreign-currency invoices.
        for spread in self:
            line = spread.invoice_line_id
            if (
                line
                and spread.currency_id == spread.company_id.currency_id
                and line.currency_id != spread.currency_id
            ):
                delta = line.balance - spread.total_amount
                spread.total_amount += delta
                spread.unspread_amount += delta
                spread.unposted_amount += delta
        return res

    def _get_spread_end_date(self, period_type, period_number, spread_start_date):
        # A seat increase of an annual license is spread from its day to the end of
        # the license's term, whatever day of the month that is.
        line = self.invoice_line_id
        if line.billbyte_license_change_id.kind == "increase" and line.end_date:
            return line.end_date
        return super()._get_spread_end_date(period_type, period_number, spread_start_date)
