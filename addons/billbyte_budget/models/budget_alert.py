# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class BillbyteBudgetAlert(models.Model):
    """One firing of a threshold or a service limit in one period, with the
    consumption at that moment. It fires once per period; consumption falling back
    below re-arms it (the alert stays, as the log of what happened)."""

    _name = "billbyte.budget.alert"
    _description = "Cloud Budget Alert"
    _inherit = ["mail.thread"]
    _order = "fired_on desc, id desc"
    _check_company_auto = True

    budget_id = fields.Many2one(
        "billbyte.cloud.budget", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="budget_id.company_id", store=True)
    partner_id = fields.Many2one(related="budget_id.partner_id", store=True, string="Customer")
    cloud_account_id = fields.Many2one(related="budget_id.cloud_account_id", store=True)
    currency_id = fields.Many2one(related="budget_id.currency_id")
    kind = fields.Selection(
        [("threshold", "Threshold"), ("limit", "Service Limit")], required=True, readonly=True
    )
    threshold_id = fields.Many2one("billbyte.budget.threshold", ondelete="set null", readonly=True)
    service_limit_id = fields.Many2one(
        "billbyte.budget.service.limit", ondelete="set null", readonly=True
    )
    service_name = fields.Char(string="Service", readonly=True)
    action = fields.Selection(
        [("notify", "Notify"), ("enforce", "Enforce")], required=True, readonly=True
    )
    period_start = fields.Date(required=True, readonly=True, index=True)
    period_end = fields.Date(required=True, readonly=True)
    percent = fields.Float(
        string="Consumed (%)", readonly=True, help="The share consumed when it fired."
    )
    threshold_percent = fields.Float(string="Threshold (%)", readonly=True)
    consumed_amount = fields.Monetary(string="Consumed", readonly=True)
    consumed_qty = fields.Float(string="Consumed Quantity", readonly=True)
    limit_amount = fields.Monetary(
        string="Budget or Cap", readonly=True, help="The budget (or the service's cap) then."
    )
    forecast_amount = fields.Monetary(string="Forecast", readonly=True)
    forecast_date = fields.Date(string="Reaches 100 % on", readonly=True)
    fired_on = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("fired", "Fired"), ("rearmed", "Re-armed")],
        default="fired",
        required=True,
        readonly=True,
        index=True,
        help="Re-armed: consumption fell back below (a restatement), so the next "
        "crossing fires again.",
    )
    rearmed_on = fields.Datetime(readonly=True)
    rearmed_percent = fields.Float(string="Consumed When Re-armed (%)", readonly=True)
    notified = fields.Boolean(readonly=True, copy=False)
    enforcement = fields.Selection(
        [
            ("none", "None"),
            ("requested", "Requested"),
            ("released", "Released"),
        ],
        default="none",
        required=True,
        readonly=True,
    )
    enforcement_note = fields.Text(readonly=True)

    @api.depends("kind", "threshold_percent", "service_name", "budget_id")
    def _compute_display_name(self):
        for alert in self:
            if alert.kind == "limit":
                alert.display_name = self.env._(
                    "%(budget)s: %(service)s over its cap",
                    budget=alert.budget_id.name,
                    service=alert.service_name,
                )
            else:
                alert.display_name = self.env._(
                    "%(budget)s: %(pct)s %% reached",
                    budget=alert.budget_id.name,
                    pct=f"{alert.threshold_percent:g}",
                )

    # ---------------------------------------------------------------- recipients
    def _recipients(self):
        """The customer's billing contact and the salesperson."""
        self.ensure_one()
        customer = self.budget_id.partner_id.commercial_partner_id
        billing = self.env["res.partner"].browse(customer.address_get(["invoice"])["invoice"])
        partners = billing | customer.user_id.partner_id
        return partners.filtered("email")

    def _responsible(self):
        self.ensure_one()
        return (
            self.budget_id.user_id
            or self.budget_id.partner_id.user_id
            or self.env.ref("base.user_admin")
        )

    # ------------------------------------------------------------------- actions
    def _act(self):
        """Queued after the evaluation that fired these alerts: email, activity and
        enforcement. Each alert acts once, however often the job runs."""
        template = self.env.ref("billbyte_budget.mail_template_budget_alert")
        for alert in self.filtered(lambda a: a.state == "fired" and not a.notified):
            recipients = alert._recipients()
            if recipients:
                alert.with_context(lang=alert.partner_id.lang).message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=recipients.ids,
                )
            budget = alert.budget_id
            budget.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=alert._responsible().id,
                summary=alert.display_name,
                note=alert._summary_text(),
            )
            budget.message_post(
                body=self.env._(
                    "%(alert)s: %(summary)s",
                    alert=alert.display_name,
                    summary=alert._summary_text(),
                ),
                subtype_xmlid="mail.mt_note",
            )
            alert.notified = True
            if alert.action == "enforce":
                alert._enforce()

    def _summary_text(self):
        self.ensure_one()
        currency = self.currency_id
        text = self.env._(
            "%(consumed)s consumed of %(limit)s (%(pct)s %%) from %(start)s to %(end)s; "
            "forecast %(forecast)s by the end of the period.",
            consumed=currency.format(self.consumed_amount),
            limit=currency.format(self.limit_amount),
            pct=f"{self.percent:.1f}",
            start=self.period_start,
            end=self.period_end,
            forecast=currency.format(self.forecast_amount),
        )
        if self.forecast_date:
            text += " " + self.env._("At this pace 100 %% is reached on %s.", self.forecast_date)
        return text

    def _scope_accounts(self):
        budget = self.budget_id
        if budget.cloud_account_id:
            return budget.cloud_account_id
        return self.env["billbyte.cloud.account"].search(
            [
                ("partner_id", "child_of", budget.partner_id.id),
                ("company_id", "=", budget.company_id.id),
            ]
        )

    def _enforce(self):
        """Ask service management to stop what this alert is about."""
        self.ensure_one()
        reason = self.env._(
            "Budget %(budget)s: %(alert)s", budget=self.budget_id.name, alert=self.display_name
        )
        notes = []
        for account in self._scope_accounts().filtered(lambda a: a.state != "purged"):
            suspended = False
            if self.kind == "limit":
                limit = self.service_limit_id
                if account._billbyte_can_restrict(self.service_name):
                    account.billbyte_restrict_service(
                        self.service_name, reason, origin=self.budget_id
                    )
                    notes.append(
                        self.env._(
                            "%(account)s: %(service)s restricted at the vendor",
                            account=account.display_name,
                            service=self.service_name,
                        )
                    )
                elif limit.fallback == "suspend":
                    account.billbyte_suspend(reason, origin=self.budget_id)
                    suspended = True
                    notes.append(
                        self.env._(
                            "%(account)s: the vendor cannot restrict %(service)s alone, the account is suspended",
                            account=account.display_name,
                            service=self.service_name,
                        )
                    )
                else:
                    notes.append(
                        self.env._(
                            "%(account)s: the vendor cannot restrict %(service)s alone; flagged only",
                            account=account.display_name,
                            service=self.service_name,
                        )
                    )
            elif account.state == "active":
                account.billbyte_suspend(reason, origin=self.budget_id)
                notes.append(self.env._("%s: suspension requested", account.display_name))
                suspended = True
            if suspended:
                # Suspension costs money: the vendor keeps billing license subscriptions.
                warning = account.billbyte_suspended_license_policy()[0]["warning"]
                if warning:
                    notes.append(warning)
        self.write({"enforcement": "requested", "enforcement_note": "\n".join(notes)})

    def _release(self):
        """The period ended or consumption fell back below: start again what this
        alert stopped, unless another enforcing alert still holds the account or the
        account was suspended for another reason (a late payment)."""
        holding = self.search(
            [
                ("enforcement", "=", "requested"),
                ("id", "not in", self.ids),
                ("state", "=", "fired"),
            ]
        )
        for alert in self.filtered(lambda a: a.enforcement == "requested"):
            reason = self.env._(
                "Budget %(budget)s: %(alert)s no longer applies",
                budget=alert.budget_id.name,
                alert=alert.display_name,
            )
            suspends = alert.kind == "threshold" or alert.service_limit_id.fallback == "suspend"
            for account in alert._scope_accounts().filtered(lambda a: a.state != "purged"):
                if alert.kind == "limit" and account._billbyte_can_restrict(alert.service_name):
                    account.billbyte_release_service(
                        alert.service_name, reason, origin=alert.budget_id
                    )
                    continue
                held = holding.filtered(
                    lambda h, a=account: (
                        a in h._scope_accounts()
                        and (h.kind == "threshold" or h.service_limit_id.fallback == "suspend")
                    )
                )
                if suspends and not held and alert._suspended_by_a_budget(account):
                    account.billbyte_resume(reason, origin=alert.budget_id)
            alert.enforcement = "released"

    def _suspended_by_a_budget(self, account):
        """Whether the account's suspension (or its flag, where the vendor cannot
        enforce) is a budget's doing."""
        if account.state != "suspended" and not account.enforcement_flag:
            return False
        last = self.env["billbyte.service.action"].search(
            [
                ("cloud_account_id", "=", account.id),
                ("action", "=", "suspend"),
                ("state", "in", ("done", "not_enforceable")),
            ],
            order="id desc",
            limit=1,
        )
        return bool(last.origin) and last.origin._name == "billbyte.cloud.budget"
