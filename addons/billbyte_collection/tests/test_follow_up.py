# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestFollowUp(CollectionCommon):
    """Reminders by level, one communication per level listing the open invoice
    lines, nothing sent twice, and no further level once paid."""

    def request_messages(self, communications):
        return self.env["mail.message"].search(
            [
                ("model", "=", "credit.control.communication"),
                ("res_id", "in", communications.ids),
                ("subtype_id", "=", self.env.ref("account_credit_control.mt_request").id),
            ]
        )

    def test_one_overdue_invoice_makes_one_reminder_line(self):
        invoice = self.usage_invoice()
        self.assertEqual(self.dec(invoice.amount_total), Decimal("46.62"))
        receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        self.assertEqual(self.company.credit_policy_id, self.policy)
        self.assertIn(receivable.account_id, self.policy.account_ids)
        self.assertEqual(
            [(lv.level, lv.delay_days, lv.billbyte_needs_approval) for lv in self.levels],
            [(1, 7, False), (2, 14, False), (3, 21, False), (4, 30, True)],
        )
        self.follow_up(self.days_after(invoice, 6))
        self.assertFalse(self.lines_of(invoice))
        self.follow_up(self.days_after(invoice, 7))
        line = self.lines_of(invoice)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.policy_level_id, self.levels[0])
        self.assertEqual(self.dec(line.balance_due), Decimal("46.62"))

    def test_reminder_lists_the_open_lines_once_per_level(self):
        first = self.usage_invoice(month="2026-03")
        second = self.usage_invoice(month="2026-04")
        # Contoso paid the first line of the March invoice (the line it meant).
        paid_line = self.product_lines(first).sorted("sequence")[0]
        self.pay(first, amount=paid_line.price_total)
        self.assertEqual(self.dec(paid_line.billbyte_amount_open), Decimal("0.00"))
        open_first = self.product_lines(first) - paid_line
        self.assertEqual(
            self.dec(first.amount_residual), self.dec(sum(open_first.mapped("price_total")))
        )

        day = self.days_after(second, 7)  # both invoices at least 7 days overdue
        self.follow_up(day)
        lines = self.lines_of(first) | self.lines_of(second)
        self.assertEqual(len(lines), 2)
        self.assertEqual(set(lines.mapped("level")), {1})
        # Queued for the mail queue, then sent by it.
        self.assertEqual(set(lines.mapped("state")), {"queued"})
        (communication,) = self.communications_of(self.contoso)
        (mail,) = self.mails_of(communication)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.contoso)
        mail.send()
        self.assertEqual(set(lines.mapped("state")), {"sent"})
        self.assertEqual(communication.credit_control_line_ids, lines)
        self.assertEqual(
            communication._billbyte_open_invoice_lines(),
            open_first | self.product_lines(second),
        )
        (message,) = self.request_messages(communication)
        self.assertEqual(message.partner_ids, self.contoso)
        self.assertIn("Reminder", message.subject)
        body = str(message.body)
        self.assertEqual(body.count("<tr>"), 1 + 3 + 1)  # header, 3 open lines, total
        self.assertNotIn(
            f'<td style="padding: 4px 6px; border: 1px solid #999;">{paid_line.name}</td>', body
        )
        open_total = self.dec(first.amount_residual) + self.dec(second.amount_residual)
        self.assertEqual(open_total, Decimal("9.66") + Decimal("46.62"))
        self.assertIn(f"{open_total:,.2f}", body)
        self.assertEqual(message.notification_ids.mapped("notification_status"), ["sent"])

        # The run again the same day: no new line, no second email.
        self.follow_up(day)
        self.assertEqual(self.lines_of(first) | self.lines_of(second), lines)
        self.assertEqual(self.communications_of(self.contoso), communication)
        self.assertEqual(len(self.request_messages(communication)), 1)

        # A week later: the second reminder, one communication for both invoices.
        self.follow_up(self.days_after(second, 14))
        communications = self.communications_of(self.contoso)
        self.assertEqual(len(communications), 2)
        self.assertEqual(communications[1].policy_level_id, self.levels[1])
        self.assertEqual(len(communications[1].credit_control_line_ids), 2)
        self.assertEqual(len(self.request_messages(communications[1])), 1)

        # The final notice is a letter: its PDF kept in the communication's chatter.
        self.follow_up(self.days_after(second, 21))
        communications = self.communications_of(self.contoso)
        self.assertEqual(len(communications), 3)
        letter = communications[2]
        self.assertEqual(letter.policy_level_id, self.levels[2])
        self.assertFalse(self.request_messages(letter))
        (pdf,) = letter.message_ids.attachment_ids
        self.assertIn("Final Notice", pdf.name)
        # (Odoo's tests render reports as HTML.) The letter lists the open lines too.
        self.assertIn(b"o_billbyte_open_lines", pdf.raw)
        self.assertIn(f"{open_total:,.2f}".encode(), pdf.raw)
        self.assertEqual(set(letter.credit_control_line_ids.mapped("state")), {"sent"})
        self.follow_up(self.days_after(second, 22))
        self.assertEqual(len(self.communications_of(self.contoso)), 3)

    def test_customer_paying_between_two_levels_gets_no_further_level(self):
        invoice = self.usage_invoice()
        self.follow_up(self.days_after(invoice, 7))
        self.assertEqual(self.lines_of(invoice).mapped("level"), [1])
        self.pay(invoice, day=self.days_after(invoice, 10))
        self.assertEqual(
            invoice.payment_state, "in_payment" if invoice.payment_state == "in_payment" else "paid"
        )
        for days in (14, 21, 30, 31):
            self.follow_up(self.days_after(invoice, days))
        self.assertEqual(self.lines_of(invoice).mapped("level"), [1])
        self.assertEqual(len(self.communications_of(self.contoso)), 1)
        self.assertFalse(self.env["billbyte.collection.suspension"].search([]))


@tagged("post_install", "-at_install")
class TestSuspension(CollectionCommon):
    """The suspension level waits for a Billing administrator; approved, the
    customer's cloud accounts are suspended at the vendor; paid, resumed."""

    def reach_suspension(self, invoice):
        for days in (7, 14, 21, 30):
            self.follow_up(self.days_after(invoice, days))
        return self.lines_of(invoice).filtered(lambda line: line.level == 4)

    def review_activities(self):
        return self.env["mail.activity"].search(
            [
                (
                    "activity_type_id",
                    "=",
                    self.env.ref("billbyte_collection.mail_activity_type_review").id,
                ),
                ("res_model", "=", "credit.control.line"),
                (
                    "res_id",
                    "in",
                    self.env["credit.control.line"]
                    .search([("partner_id", "=", self.contoso.id)])
                    .ids,
                ),
            ]
        )

    def test_suspension_waits_for_the_manager_then_payment_resumes(self):
        invoice = self.usage_invoice()
        waiting = self.reach_suspension(invoice)
        self.assertEqual(len(waiting), 1)
        self.assertEqual(waiting.state, "draft")
        self.assertTrue(waiting.billbyte_needs_approval)
        self.assertFalse(waiting.communication_id)
        activity = self.review_activities()
        self.assertEqual(len(activity), 1, [(a.res_model, a.res_id, a.summary) for a in activity])
        self.assertEqual((activity.res_id, activity.user_id), (waiting.id, self.billing_manager))
        self.assertEqual(self.m365.state, "active")
        # The next day: still the one line under review, still one activity.
        self.follow_up(self.days_after(invoice, 31))
        self.assertEqual(self.lines_of(invoice).filtered(lambda line: line.level == 4), waiting)
        self.assertEqual(len(self.review_activities()), 1)

        with self.assertRaises(AccessError):
            waiting.with_user(self.billing_user).action_billbyte_approve()
        self.assertEqual(waiting.state, "draft")

        with self.freeze_day(self.days_after(invoice, 31)):
            waiting.with_user(self.billing_manager).action_billbyte_approve()
        self.assertEqual(waiting.billbyte_approved_by_id, self.billing_manager)
        self.assertEqual(waiting.state, "queued")  # the notice waits in the mail queue
        self.assertEqual(waiting.communication_id.policy_level_id, self.levels[3])
        self.assertFalse(self.review_activities())
        # Both Contoso accounts: Microsoft 365 suspended at Partner Center; the AWS
        # account of a file connection cannot be, and is flagged for its manager.
        suspensions = self.env["billbyte.collection.suspension"].search(
            [("partner_id", "=", self.contoso.id)]
        )
        self.assertEqual(suspensions.cloud_account_id, self.m365 | self.account_contoso)
        self.assertEqual(set(suspensions.mapped("state")), {"suspended"})
        self.assertEqual(self.m365.state, "suspended")
        self.assertEqual(self.subscription["status"], "suspended")
        m365_suspension = suspensions.filtered(lambda s: s.cloud_account_id == self.m365)
        self.assertEqual(m365_suspension.suspend_action_id.state, "done")
        self.assertEqual(m365_suspension.suspend_action_id.requested_by_id, self.billing_manager)
        self.assertEqual(m365_suspension.suspend_action_id.origin, m365_suspension)
        self.assertIn("Suspension Notice", m365_suspension.suspend_action_id.reason)
        self.assertTrue(self.account_contoso.enforcement_flag)
        self.assertIn("suspended for late payment", self.contoso.message_ids[0].body)
        self.assertIn("Late payment", self.m365.message_ids[0].body)
        # Approved twice: nothing more.
        self.assertEqual(
            self.env["billbyte.service.action"].search_count(
                [("cloud_account_id", "=", self.m365.id), ("action", "=", "suspend")]
            ),
            1,
        )

        # A partial payment does not clear what is overdue: still suspended.
        self.pay(invoice, amount="20.00", day=self.days_after(invoice, 32))
        self.assertEqual(self.m365.state, "suspended")
        self.assertEqual(set(suspensions.mapped("state")), {"suspended"})
        # The rest: resumed at the vendor, audited.
        self.pay(invoice, day=self.days_after(invoice, 33))
        self.assertEqual(self.dec(invoice.amount_residual), Decimal("0.00"))
        self.assertEqual(set(suspensions.mapped("state")), {"resumed"})
        self.assertEqual(self.m365.state, "active")
        self.assertEqual(self.subscription["status"], "active")
        self.assertFalse(self.account_contoso.enforcement_flag)
        self.assertEqual(m365_suspension.resume_action_id.state, "done")
        self.assertIn("resumed at the vendor", m365_suspension.message_ids[0].body)

    def test_resume_refused_by_the_vendor_stays_suspended_and_is_retried(self):
        invoice = self.usage_invoice()
        waiting = self.reach_suspension(invoice)
        with self.freeze_day(self.days_after(invoice, 30)):
            waiting.with_user(self.billing_manager).action_billbyte_approve()
        self.assertEqual(self.m365.state, "suspended")
        suspension = self.env["billbyte.collection.suspension"].search(
            [("cloud_account_id", "=", self.m365.id)]
        )
        self.partner_center.patch_refusal = (
            409,
            {
                "code": "800002",
                "description": "Subscription is locked by a pending order.",
                "data": [],
                "source": "PartnerFD",
            },
        )
        self.pay(invoice, day=self.days_after(invoice, 33))
        self.assertEqual(suspension.state, "resuming")
        self.assertEqual(suspension.resume_action_id.state, "refused")
        self.assertEqual(self.m365.state, "suspended")
        self.assertEqual(self.subscription["status"], "suspended")
        # Activities: the manager who approved the suspension, and the account's manager.
        refused_type = self.env.ref("billbyte_collection.mail_activity_type_resume_refused")
        (activity,) = suspension.activity_ids
        self.assertEqual(
            (activity.activity_type_id, activity.user_id), (refused_type, self.billing_manager)
        )
        self.assertIn("locked by a pending order", activity.note)
        vendor_type = self.env.ref("billbyte_usage.mail_activity_type_vendor_action")
        self.assertEqual(
            self.m365.activity_ids.filtered(lambda a: a.activity_type_id == vendor_type).user_id,
            self.cloud_manager,
        )
        # Refused again on the next retry: still one activity each.
        retried = self.env["billbyte.service.action"]._cron_retry()
        self.assertEqual(
            retried.filtered(lambda a: a.cloud_account_id == self.m365).state, "refused"
        )
        self.assertEqual(suspension.state, "resuming")
        self.assertEqual(len(suspension.activity_ids), 1)
        # Partner Center accepts it on the following retry.
        self.partner_center.patch_refusal = None
        retried = self.env["billbyte.service.action"]._cron_retry()
        again = retried.filtered(lambda a: a.cloud_account_id == self.m365)
        self.assertEqual(again.state, "done")
        self.assertEqual(again.origin, suspension)
        self.assertEqual(self.m365.state, "active")
        self.assertEqual(self.subscription["status"], "active")
        self.assertEqual(suspension.state, "resumed")
        self.assertEqual(suspension.resume_action_id, again)
        self.assertFalse(suspension.activity_ids)
        self.assertEqual(
            self.env["billbyte.service.action"].search_count(
                [
                    ("cloud_account_id", "=", self.m365.id),
                    ("action", "=", "resume"),
                    ("state", "=", "done"),
                ]
            ),
            1,
        )
