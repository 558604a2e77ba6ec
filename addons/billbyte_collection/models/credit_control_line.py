# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "account.group_account_manager"


class CreditControlLine(models.Model):
    _inherit = "credit.control.line"

    billbyte_needs_approval = fields.Boolean(
        related="policy_level_id.billbyte_needs_approval", string="Needs Approval"
    )
    billbyte_approved_by_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False
    )
    billbyte_approved_on = fields.Datetime(string="Approved On", readonly=True, copy=False)

    @api.model
    def create_or_update_from_mv_lines(
        self,
        lines,
        level,
        controlling_date,
        company,
        check_tolerance=True,
        default_lines_vals=None,
    ):
        """A line waiting for the manager's review stays the one line of its level:
        the next day's run does not replace it with a new draft (which would ignore
        the one under review and ask the manager again)."""
        if level.billbyte_needs_approval and lines:
            waiting = self.search(
                [
                    ("move_line_id", "in", lines.ids),
                    ("policy_level_id", "=", level.id),
                    ("state", "=", "draft"),
                ]
            )
            lines -= waiting.move_line_id
        return super().create_or_update_from_mv_lines(
            lines,
            level,
            controlling_date,
            company,
            check_tolerance=check_tolerance,
            default_lines_vals=default_lines_vals,
        )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _billbyte_send(self):
        """Send these lines: one communication per customer, level and currency; by
        email (the level's template, listing the open invoice lines) or as a letter
        (the summary PDF, kept in the communication's chatter). Returns the
        communications."""
        lines = self.filtered(lambda line: line.state in ("draft", "to_be_sent"))
        if not lines:
            return self.env["credit.control.communication"]
        lines.write({"state": "to_be_sent"})
        Communication = self.env["credit.control.communication"]
        communications = Communication._generate_comm_from_credit_lines(lines)
        emails = communications.filtered(
            lambda comm: comm.credit_control_line_ids[:1].channel == "email"
        )
        letters = communications.filtered(
            lambda comm: comm.credit_control_line_ids[:1].channel == "letter"
        )
        if emails:
            # Queued, sent by the mail queue: a run does not wait for the mail server,
            # and a failed delivery marks the lines "Emailing Error" there.
            emails.with_context(mail_notify_force_send=False)._generate_emails()
        letters._billbyte_print_letters()
        return communications

    def _billbyte_manager(self):
        """Who reviews a customer's suspension: its follow-up responsible, else the
        first Billing administrator of the company."""
        self.ensure_one()
        responsible = self.partner_id.commercial_partner_id.payment_responsible_id
        if responsible.active and responsible.has_group(MANAGER_GROUP):
            return responsible
        return self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref(MANAGER_GROUP).ids),
                ("share", "=", False),
                ("company_ids", "in", self.company_id.ids),
            ],
            order="id",
            limit=1,
        )

    def _billbyte_ask_approval(self):
        """One activity per customer for the manager to review its waiting lines."""
        activity_type = self.env.ref("billbyte_collection.mail_activity_type_review")
        by_partner = defaultdict(lambda: self.browse())
        for line in self.filtered(lambda line: line.state == "draft"):
            by_partner[line.partner_id.commercial_partner_id] |= line
        for partner, lines in by_partner.items():
            pending = self.search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("state", "=", "draft"),
                    ("billbyte_needs_approval", "=", True),
                    ("activity_ids.activity_type_id", "=", activity_type.id),
                ],
                limit=1,
            )
            if pending:
                continue
            first = lines.sorted("id")[0]
            manager = first._billbyte_manager()
            first.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Review before suspension: %s", partner.display_name),
                note=self.env._(
                    "%(partner)s has reached %(level)s for %(count)s overdue invoices. "
                    "Approve to send the notice and suspend its cloud accounts.",
                    partner=partner.display_name,
                    level=first.policy_level_id.name,
                    count=len(lines),
                ),
                user_id=manager.id or self.env.user.id,
            )

    # ------------------------------------------------------------------
    # The manager's review
    # ------------------------------------------------------------------
    def action_billbyte_approve(self):
        """Button (Billing administrators): the lines under review are sent and, for a
        suspension level, the customers' cloud accounts are suspended at the vendor.
        Lines paid since are ignored instead."""
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Billing administrators may approve a suspension."))
        lines = self.filtered(
            lambda line: line.state == "draft" and line.policy_level_id.billbyte_needs_approval
        )
        if not lines:
            raise UserError(self.env._("No line waiting for a review is selected."))
        paid = lines.filtered(lambda line: line.move_line_id.reconciled)
        if paid:
            paid.write({"state": "ignored"})
            for line in paid:
                line.message_post(
                    body=self.env._("Not sent: the invoice was paid before the review.")
                )
        lines -= paid
        activity_type = self.env.ref("billbyte_collection.mail_activity_type_review")
        reviewed = self.search(
            [
                ("commercial_partner_id", "in", (lines | paid).commercial_partner_id.ids),
                ("activity_ids.activity_type_id", "=", activity_type.id),
            ]
        )
        reviewed.activity_feedback(["billbyte_collection.mail_activity_type_review"])
        if not lines:
            return True
        lines.write(
            {
                "billbyte_approved_by_id": self.env.user.id,
                "billbyte_approved_on": fields.Datetime.now(),
            }
        )
        for line in lines:
            line.message_post(
                body=self.env._("Approved by %s.", self.env.user.name), subtype_xmlid="mail.mt_note"
            )
        lines._billbyte_send()
        for (partner, company), partner_lines in lines._billbyte_group_by_customer().items():
            if partner_lines.policy_level_id.filtered("billbyte_suspend"):
                partner.with_company(company)._billbyte_collection_suspend(partner_lines)
        return True

    def _billbyte_group_by_customer(self):
        groups = defaultdict(lambda: self.browse())
        for line in self:
            groups[(line.partner_id.commercial_partner_id, line.company_id)] |= line
        return groups
