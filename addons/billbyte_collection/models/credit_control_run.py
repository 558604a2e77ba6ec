# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, api, fields, models


class CreditControlRun(models.Model):
    _inherit = "credit.control.run"

    @api.model
    def _billbyte_follow_up(self, company=None, date=None):
        """The day's follow-up of late payers of a company: a credit control run of
        its policy; the lines of each level are sent at once (one communication per
        customer and level) except those that wait for the manager's review, who gets
        an activity. Customers whose suspension is no longer overdue are resumed.
        Run twice the same day, the second run finds nothing new to send."""
        company = company or self.env.company
        date = date or fields.Date.context_today(self)
        Policy = self.env["credit.control.policy"]
        policy = company.credit_policy_id or Policy._billbyte_ensure_company_policies(company)
        self.env["res.partner"].with_company(company)._billbyte_collection_check_resume()
        if not policy or policy.do_nothing:
            return self.browse()
        run = self.with_company(company).create(
            {"date": date, "company_id": company.id, "policy_ids": [(6, 0, policy.ids)]}
        )
        run.generate_credit_lines()
        lines = run.line_ids
        waiting = lines.filtered("policy_level_id.billbyte_needs_approval")
        (lines - waiting)._billbyte_send()
        waiting._billbyte_ask_approval()
        return run

    @api.model
    def _cron_billbyte_follow_up(self):
        for company in self.env["res.company"].search([("active", "=", True)]):
            if company.credit_policy_id or self.env[
                "credit.control.policy"
            ]._billbyte_ensure_company_policies(company):
                self.with_company(company)._billbyte_follow_up(company)

    # ---------------------------------------------------------------------- demo
    @api.model
    def _billbyte_demo_follow_up(self):
        """Demo: Ready Mat has not paid an invoice of cloud services due 8 days ago; the
        day's follow-up sends it the first reminder listing its open lines."""
        company = self.env.company
        partner = self.env.ref("base.res_partner_4", raise_if_not_found=False)
        product = self.env["product.product"].search(
            [("billbyte_vendor_id", "!=", False), ("type", "=", "service")], limit=1
        )
        if not partner or not product or self.search_count([("company_id", "=", company.id)]):
            return self.browse()
        if not self.env["credit.control.policy"]._billbyte_ensure_company_policies(company):
            return self.browse()
        today = fields.Date.context_today(self)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - timedelta(days=38),
                "invoice_date_due": today - timedelta(days=8),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": product.display_name,
                            "quantity": 1,
                            "price_unit": 240.0,
                        }
                    ),
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": product.display_name,
                            "quantity": 1,
                            "price_unit": 60.0,
                        }
                    ),
                ],
            }
        )
        invoice.invoice_payment_term_id = False
        invoice.action_post()
        return self._billbyte_follow_up(company, today)
