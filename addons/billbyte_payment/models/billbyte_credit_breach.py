# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbyteCreditBreach(models.Model):
    """One crossing of a customer's cloud credit limit, from the check that found the
    exposure above it until the one that found it back within: what was warned and
    what was suspended (the vendor actions name it as their origin). At most one
    open breach per customer and company: a customer is warned once per crossing."""

    _name = "billbyte.credit.breach"
    _description = "Cloud Credit Limit Breach"
    _inherit = ["mail.thread"]
    _order = "date_over desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    exposure = fields.Monetary(
        readonly=True, help="The customer's exposure when the limit was found exceeded."
    )
    credit_limit = fields.Monetary(readonly=True, help="The credit limit then (0: no credit).")
    action = fields.Selection(
        [("notify", "Notify"), ("suspend", "Notify and Suspend")],
        string="Action Taken",
        readonly=True,
        required=True,
        default="notify",
    )
    state = fields.Selection(
        [("open", "Over the Limit"), ("cleared", "Back Within the Limit")],
        default="open",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    date_over = fields.Datetime(
        string="Over Since", default=fields.Datetime.now, required=True, readonly=True
    )
    date_cleared = fields.Datetime(string="Back Within On", readonly=True)
    service_action_ids = fields.Many2many(
        "billbyte.service.action",
        compute="_compute_service_action_ids",
        string="Vendor Actions",
        help="Suspensions and resumptions at the vendors this breach asked for.",
    )

    def init(self):
        # Never two open breaches of one customer in one company, even when two
        # checks run at once: the second one's insert fails and its job is retried.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS billbyte_credit_breach_open_uniq "
            "ON billbyte_credit_breach (partner_id, company_id) WHERE state = 'open'"
        )

    @api.depends("partner_id", "date_over")
    def _compute_display_name(self):
        for breach in self:
            breach.display_name = self.env._(
                "%(customer)s over the credit limit since %(date)s",
                customer=breach.partner_id.display_name,
                date=fields.Date.to_string(fields.Date.to_date(breach.date_over))
                if breach.date_over
                else "",
            )

    def _compute_service_action_ids(self):
        Action = self.env["billbyte.service.action"].sudo()
        for breach in self:
            breach.service_action_ids = (
                Action.search([("origin", "=", f"{self._name},{breach.id}")])
                if breach.id
                else Action
            )

    # ------------------------------------------------------------------ jobs
    def _billbyte_summary(self):
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        status = partner.sudo().get_credit_status()[0]
        currency = self.currency_id
        if status["no_credit"]:
            limit = self.env._("no credit (limit 0)")
        else:
            limit = currency.format(self.credit_limit)
        return self.env._(
            "%(customer)s is over its credit limit: exposure %(exposure)s, limit %(limit)s "
            "(open invoices %(invoices)s, unbilled cloud usage %(usage)s, deposits "
            "%(deposits)s).",
            customer=partner.display_name,
            exposure=currency.format(self.exposure),
            limit=limit,
            invoices=status["open_invoices"],
            usage=status["unbilled_usage"],
            deposits=status["deposits"],
        )

    def _billbyte_warned_users(self):
        """The customer's salesperson and the company's credit accountant (the
        administrator when none is set)."""
        self.ensure_one()
        accountant = self.company_id.billbyte_credit_accountant_id or self.env.ref(
            "base.user_admin"
        )
        return (self.partner_id.user_id | accountant).filtered("active")

    def _billbyte_went_over(self):
        """Warn once (a note to the salesperson and the accountant on the customer,
        and an activity for each) and, if the customer is set so, suspend its cloud
        accounts at their vendors."""
        for breach in self.sudo().filtered(lambda b: b.state == "open"):
            partner = breach.partner_id
            summary = breach._billbyte_summary()
            users = breach._billbyte_warned_users()
            partner.message_post(
                body=summary,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=users.partner_id.ids,
            )
            breach.message_post(body=summary)
            for user in users:
                partner.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=user.id,
                    summary=self.env._("Over the credit limit: %s", partner.display_name),
                    note=summary,
                )
            if breach.action == "suspend":
                accounts = partner._billbyte_wallet_accounts().filtered(
                    lambda a, c=breach.company_id: a.state == "active" and a.company_id == c
                )
                reason = self.env._("Credit limit exceeded: %s", summary)
                for account in accounts:
                    account.billbyte_suspend(reason, origin=breach)

    def _billbyte_cleared(self):
        """Back within the limit: a note on the customer, and its cloud accounts this
        breach suspended resumed (never a suspension of another origin)."""
        for breach in self.sudo().filtered(lambda b: b.state == "cleared"):
            partner = breach.partner_id
            note = self.env._("%s is back within its credit limit.", partner.display_name)
            partner.message_post(body=note, subtype_xmlid="mail.mt_note")
            breach.message_post(body=note)
            for account in partner._billbyte_wallet_accounts():
                if account.state != "suspended" and not account.enforcement_flag:
                    continue
                last = (
                    self.env["billbyte.service.action"]
                    .sudo()
                    .search(
                        [
                            ("cloud_account_id", "=", account.id),
                            ("action", "=", "suspend"),
                            ("state", "in", ("done", "not_enforceable")),
                        ],
                        order="id desc",
                        limit=1,
                    )
                )
                if last.origin == breach:
                    account.billbyte_resume(note, origin=breach)
