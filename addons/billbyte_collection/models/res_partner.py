# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    billbyte_suspension_ids = fields.One2many(
        "billbyte.collection.suspension",
        "partner_id",
        string="Suspensions for Late Payment",
        groups="account.group_account_invoice,billbyte_catalog.group_billbyte_user",
    )

    def _billbyte_overdue_amount(self, date=None):
        """What the customer owes past its due dates in the current company, in the
        company currency (Decimal)."""
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        company = self.env.company
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("date_maturity", "<", date),
                ]
            )
        )
        return sum((Decimal(str(amount)) for amount in lines.mapped("amount_residual")), Decimal(0))

    def _billbyte_collection_suspend(self, lines):
        """Suspend the customer's active cloud accounts of the current company at their
        vendor for these approved credit control lines (a suspension record each,
        audited in its chatter, the customer's and the account's)."""
        self.ensure_one()
        company = self.env.company
        Suspension = self.env["billbyte.collection.suspension"].sudo()
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "active"),
                ]
            )
        )
        invoices = ", ".join(lines.invoice_id.mapped("name"))
        reason = self.env._(
            "Late payment: %(level)s for %(invoices)s, approved by %(user)s",
            level=lines.policy_level_id[:1].name,
            invoices=invoices,
            user=self.env.user.name,
        )
        suspensions = Suspension.browse()
        for account in accounts:
            open_one = Suspension.search(
                [("cloud_account_id", "=", account.id), ("state", "!=", "resumed")], limit=1
            )
            if open_one:
                continue
            suspension = Suspension.create(
                {
                    "partner_id": self.id,
                    "cloud_account_id": account.id,
                    "credit_control_line_ids": [(6, 0, lines.ids)],
                    "reason": reason,
                    "approved_by_id": self.env.user.id,
                }
            )
            suspension.suspend_action_id = account.billbyte_suspend(reason, origin=suspension)
            suspension.message_post(body=reason, subtype_xmlid="mail.mt_note")
            suspensions |= suspension
        if suspensions:
            # Billing administrators may not write customers: the note is posted as them.
            self.sudo().message_post(
                author_id=self.env.user.partner_id.id,
                body=self.env._(
                    "Cloud accounts suspended for late payment: %(accounts)s (%(reason)s).",
                    accounts=", ".join(suspensions.cloud_account_id.mapped("display_name")),
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return suspensions

    def _billbyte_collection_check_resume(self, date=None):
        """Resume the accounts suspended for late payment of these customers (all with
        a suspension when empty) whose overdue amount is cleared."""
        Suspension = self.env["billbyte.collection.suspension"].sudo()
        domain = [("state", "=", "suspended"), ("company_id", "=", self.env.company.id)]
        if self:
            domain.append(("partner_id", "in", self.commercial_partner_id.ids))
        suspensions = Suspension.search(domain)
        resumed = Suspension.browse()
        for partner, partner_suspensions in suspensions.grouped("partner_id").items():
            overdue = partner.with_company(self.env.company)._billbyte_overdue_amount(date)
            if overdue > 0:
                continue
            partner_suspensions._resume()
            resumed |= partner_suspensions
        return resumed
