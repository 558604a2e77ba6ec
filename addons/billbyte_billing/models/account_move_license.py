# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def action_post(self):
        # Prepaid annual license terms go to deferred revenue, recognised month by
        # month by OCA account_spread_cost_revenue (its board is computed on posting).
        if not self._billbyte_spread_annual_licenses():
            return super().action_post()
        # OCA computes and reconciles the spread boards with the poster's rights, and
        # gives them to full accountants only: an invoicing clerk who may post this
        # invoice posts its license deferral too.
        self.check_access("write")
        return super(AccountMove, self.sudo()).action_post()

    def button_cancel(self):
        # OCA deletes the spread entries of a cancelled invoice, which only full
        # accountants may do: whoever may cancel a license invoice cancels them too.
        # Its license terms return to the next billing run (billbyte.license.change).
        spread = self.invoice_line_ids.sudo().filtered(
            lambda line: line.billbyte_license_id and line.spread_id
        )
        if not spread:
            return super().button_cancel()
        self.check_access("write")
        return super(AccountMove, self.sudo()).button_cancel()

    def _billbyte_spread_annual_licenses(self):
        lines = (
            self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
            .invoice_line_ids.sudo()
            .filtered(
                lambda line: (
                    line.billbyte_license_change_id.kind in ("term", "increase")
                    and line.billbyte_license_change_id.billing_timing != "arrears"
                    and line.billbyte_license_id.term == "annual"
                    and not line.spread_id
                )
            )
        )
        if not lines:
            # Re-posted after a reset to draft: the boards are recomputed on posting.
            return bool(
                self.invoice_line_ids.sudo().filtered(
                    lambda line: line.billbyte_license_id and line.spread_id
                )
            )
        Spread = self.env["account.spread"].sudo()
        for line in lines:
            company = line.company_id
            deferred = company.default_spread_revenue_account_id
            if not deferred:
                raise UserError(
                    self.env._(
                        "%(line)s is a prepaid annual license: set the deferred revenue "
                        "account (Revenue Spread Account) of %(company)s in the Invoicing "
                        "settings, under Cloud Billing.",
                        line=line.name,
                        company=company.name,
                    )
                )
            if not deferred.reconcile:
                raise UserError(
                    self.env._(
                        "The deferred revenue account %(account)s must allow reconciliation: "
                        "each month's entry is reconciled with the invoice line.",
                        account=deferred.display_name,
                    )
                )
            journal = company.default_spread_revenue_journal_id or Spread.default_journal(
                company.id
            )
            term = line.billbyte_license_change_id
            if term.kind == "term":
                # A year from its first day: OCA spreads the first and last months of
                # a term starting mid-month by the days of the month.
                length = relativedelta(term.date_end + relativedelta(days=1), term.date)
                periods = length.years * 12 + length.months or 12
            else:
                # The rest of a term from the day seats were added: every month by its
                # days (account.spread._get_spread_end_date ends it on the term's end).
                periods = (term.date_end.year - term.date.year) * 12 + (
                    term.date_end.month - term.date.month
                )
                periods += 1 if term.date.day == 1 else 0
            spread = Spread.create(
                {
                    "name": line.name,
                    "invoice_type": "out_invoice",
                    "period_number": max(periods, 1),
                    "days_calc": term.kind == "increase",
                    "period_type": "month",
                    "spread_date": term.date,
                    "debit_account_id": deferred.id,
                    "credit_account_id": line.account_id.id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "analytic_distribution": line.analytic_distribution,
                    "move_line_auto_post": True,
                }
            )
            # OCA's write moves the line to the spread's (deferred revenue) account.
            line.write({"spread_id": spread.id})
        return True
