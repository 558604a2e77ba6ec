# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credit limits of cloud customers, on OCA account_financial_risk.

OCA's risk of a customer is the sum of the categories ticked on its Financial Risk
tab (open invoices, unpaid invoices, ...), compared with its credit limit. Cloud
usage adds two categories: the rated usage not invoiced yet, and what is left of the
customer's deposits (negative: money the provider holds). A customer under *Cloud
Credit Limit* has the categories of its exposure ticked (open and unpaid invoices on
the receivable, unbilled usage, deposits) and its limit counts even at 0: no credit.
The receivable's unreconciled credits (what the customer paid ahead, the prepaid
wallet's money) lower the open amount, so for a prepaid customer without open
invoices the exposure is its wallet's debt less its deposits.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import split_every

RISK_MANAGER = "account_financial_risk.group_account_financial_risk_manager"
# OCA's categories a cloud credit limit counts, and ours.
EXPOSURE_INCLUDES = (
    "risk_invoice_open_include",
    "risk_invoice_unpaid_include",
    "risk_account_amount_include",
    "risk_account_amount_unpaid_include",
    "billbyte_risk_usage_include",
    "billbyte_risk_deposit_include",
)
# Customers checked at once.
CHECK_BATCH = 200
# Fields only a credit manager may change.
CREDIT_SETTINGS = ("billbyte_credit_control", "billbyte_credit_action")


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    billbyte_credit_control = fields.Boolean(
        string="Cloud Credit Limit",
        tracking=True,
        groups="account_financial_risk.group_account_financial_risk_user,"
        "account.group_account_invoice,billbyte_catalog.group_billbyte_user",
        help="Watch this customer's exposure (open invoices, unbilled cloud usage, wallet "
        "debt, less deposits) against its credit limit, also at 0: a limit of 0 then "
        "means no credit at all. Above it the salesperson and the accountant are warned, "
        "new quotations need a credit manager's approval and, if set so below, the "
        "cloud accounts are suspended.",
    )
    billbyte_credit_action = fields.Selection(
        [("notify", "Notify"), ("suspend", "Notify and Suspend")],
        string="When Over the Credit Limit",
        default="notify",
        tracking=True,
        groups="account_financial_risk.group_account_financial_risk_user,"
        "account.group_account_invoice,billbyte_catalog.group_billbyte_user",
        help="Notify: a note and an activity for the salesperson and the accountant. "
        "Suspend: also suspend the customer's cloud accounts at their vendor until the "
        "exposure is back within the limit.",
    )
    billbyte_credit_breach_ids = fields.One2many(
        "billbyte.credit.breach",
        "partner_id",
        string="Credit Limit Breaches",
        groups="account_financial_risk.group_account_financial_risk_user,"
        "account.group_account_invoice,billbyte_catalog.group_billbyte_user",
    )
    billbyte_credit_over = fields.Boolean(
        string="Over the Credit Limit",
        compute="_compute_billbyte_credit_over",
        groups="account_financial_risk.group_account_financial_risk_user,"
        "account.group_account_invoice,billbyte_catalog.group_billbyte_user",
        help="A breach of the cloud credit limit is open: warned, and suspended if set so.",
    )
    # OCA risk categories: value, specific limit, included in the total risk.
    billbyte_risk_usage_include = fields.Boolean(
        string="Include Unbilled Cloud Usage",
        help="Full risk computation: rated cloud usage not on a posted invoice yet.",
    )
    billbyte_risk_usage_limit = fields.Monetary(
        string="Limit Unbilled Cloud Usage",
        currency_field="risk_currency_id",
        help="Set 0 if it is not locked",
    )
    billbyte_risk_usage = fields.Monetary(
        compute="_compute_risk_billbyte",
        compute_sudo=True,
        string="Unbilled Cloud Usage",
        currency_field="risk_currency_id",
        help="Rated usage of the customer's cloud accounts not on a posted invoice yet "
        "(before tax), each service's exact amounts rounded once.",
    )
    billbyte_risk_deposit_include = fields.Boolean(
        string="Include Cloud Deposits",
        help="Full risk computation: what is left of the customer's deposits lowers it.",
    )
    billbyte_risk_deposit_limit = fields.Monetary(
        string="Limit Cloud Deposits",
        currency_field="risk_currency_id",
        help="Not used: deposits only lower the risk.",
    )
    billbyte_risk_deposit = fields.Monetary(
        compute="_compute_risk_billbyte",
        compute_sudo=True,
        string="Cloud Deposits Left",
        currency_field="risk_currency_id",
        help="What is left of the customer's deposits (negative: the provider holds it).",
    )

    # ------------------------------------------------------------------ figures
    @api.depends_context("company")
    def _compute_risk_billbyte(self):
        figures = self._billbyte_credit_figures()
        for partner in self:
            usage, deposit = figures.get(partner.id, (Decimal(0), Decimal(0)))
            partner.billbyte_risk_usage = float(usage)
            partner.billbyte_risk_deposit = float(-deposit)

    def _billbyte_credit_figures(self):
        """{partner id: (unbilled usage, deposits left)} in each partner's risk
        currency, as Decimal rounded to it: a fixed number of queries for any number
        of customers (only commercial partners count, as in OCA)."""
        customers = self.filtered(
            lambda p: (
                p == p.commercial_partner_id
                or (p._origin and p._origin.id in p.commercial_partner_id.ids)
            )
        )
        ids = [p._origin.id or p.id for p in customers]
        ids = [i for i in ids if isinstance(i, int)]
        if not ids:
            return {}
        company = self.env.company
        today = fields.Date.context_today(self)
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("partner_id", "child_of", ids),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
        )
        unbilled = {}
        if accounts:
            unbilled = self.env["account.analytic.line"]._billbyte_unbilled_by_account(
                [("billbyte_cloud_account_id", "in", accounts.ids), ("billbyte_billed", "=", False)]
            )
        deposits = self.browse(ids)._billbyte_deposit_figures()
        accounts_of = defaultdict(list)
        for account in accounts:
            accounts_of[account.partner_id.commercial_partner_id.id].append(account)
        result = {}
        for partner in customers:
            pid = partner._origin.id or partner.id
            currency = partner.risk_currency_id or company.currency_id
            step = Decimal(str(currency.rounding))

            def convert(amount, from_currency, currency=currency):
                if not amount or from_currency == currency:
                    return amount
                return Decimal(
                    str(
                        from_currency._convert(float(amount), currency, company, today, round=False)
                    )
                )

            usage = Decimal(0)
            for account in accounts_of[pid]:
                usage += convert(unbilled.get(account.id, Decimal(0)), account.currency_id)
            available = deposits.get(pid, (0, 0, Decimal(0)))[2]
            wallet_currency = self.browse(pid).billbyte_wallet_currency_id or company.currency_id
            result[partner.id] = (
                usage.quantize(step, ROUND_HALF_UP),
                convert(available, wallet_currency).quantize(step, ROUND_HALF_UP),
            )
        return result

    # ----------------------------------------------------- OCA's risk machinery
    @api.model
    def _risk_field_list(self):
        return super()._risk_field_list() + [
            ("billbyte_risk_usage", "billbyte_risk_usage_limit", "billbyte_risk_usage_include"),
            (
                "billbyte_risk_deposit",
                "billbyte_risk_deposit_limit",
                "billbyte_risk_deposit_include",
            ),
        ]

    @api.model
    def _get_depends_compute_risk_exception(self):
        return super()._get_depends_compute_risk_exception() + ["billbyte_credit_control"]

    def _compute_risk_exception(self):
        res = super()._compute_risk_exception()
        # OCA reads a credit limit of 0 as no limit; under a cloud credit limit it
        # means no credit: any exposure above 0 is over it.
        for partner in self:
            commercial = partner.sudo()
            if (
                commercial.billbyte_credit_control
                and not commercial.credit_limit
                and partner.risk_total > 0
            ):
                partner.risk_exception = True
                partner.risk_amount_exceeded = partner.risk_total
        return res

    def _get_field_risk_model_domain(self, field_name):
        if field_name == "billbyte_risk_usage":
            return "account.analytic.line", [
                ("billbyte_cloud_account_id.partner_id", "child_of", self.ids),
                ("billbyte_billed", "=", False),
            ]
        return super()._get_field_risk_model_domain(field_name)

    def _get_financial_risk_lines(self):
        return super()._get_financial_risk_lines() + [
            (
                self.billbyte_risk_usage_include,
                self.billbyte_risk_usage,
                self._fields["billbyte_risk_usage"].string,
            ),
            (
                self.billbyte_risk_deposit_include,
                self.billbyte_risk_deposit,
                self._fields["billbyte_risk_deposit"].string,
            ),
        ]

    # ------------------------------------------------------------- settings
    @api.onchange("billbyte_credit_control")
    def _onchange_billbyte_credit_control(self):
        if self.billbyte_credit_control:
            self.update(dict.fromkeys(EXPOSURE_INCLUDES, True))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("billbyte_credit_control"):
                vals.update(dict.fromkeys(EXPOSURE_INCLUDES, True))
        partners = super().create(vals_list)
        controlled = partners.filtered(lambda p: p.sudo().billbyte_credit_control)
        if controlled:
            self._billbyte_credit_check(controlled.ids)
        return partners

    def write(self, vals):
        if any(key in vals for key in CREDIT_SETTINGS) and not (
            self.env.su or self.env.user.has_group(RISK_MANAGER)
        ):
            raise AccessError(
                self.env._(
                    "Only credit managers (Financial Risk: Manager) may change cloud credit limits."
                )
            )
        if vals.get("billbyte_credit_control"):
            vals = dict(vals, **dict.fromkeys(EXPOSURE_INCLUDES, True))
        res = super().write(vals)
        if any(
            key in vals
            for key in ("billbyte_credit_control", "credit_limit", "credit_currency")
            + EXPOSURE_INCLUDES
        ):
            self._billbyte_credit_check(self.ids)
        return res

    # ------------------------------------------------------------------ checks
    @api.depends_context("company")
    def _compute_billbyte_credit_over(self):
        commercial = self.commercial_partner_id
        open_ids = set(
            self.env["billbyte.credit.breach"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", commercial.ids),
                    ("state", "=", "open"),
                    ("company_id", "=", self.env.company.id),
                ]
            )
            .partner_id.ids
        )
        for partner in self:
            partner.billbyte_credit_over = partner.commercial_partner_id.id in open_ids

    @api.model
    def _billbyte_credit_check(self, partner_ids):
        """Compare the exposure of these customers under a cloud credit limit with
        their limits, in the current company: a customer going over gets one breach
        (warned once, suspended if set so, in a queued job); one back within its limit
        has its breach cleared (and what it suspended resumed). Set-based: a fixed
        number of queries for any number of customers."""
        partners = (
            self.sudo()
            .browse(partner_ids)
            .exists()
            .commercial_partner_id.filtered("billbyte_credit_control")
        )
        if not partners:
            return
        if len(partners) > CHECK_BATCH:
            # OCA's risk figures cost more per customer the more customers are read at once.
            for batch in split_every(CHECK_BATCH, partners.ids):
                self._billbyte_credit_check(list(batch))
            return
        self.env.flush_all()
        partners.invalidate_recordset()
        company = self.env.company
        Breach = self.env["billbyte.credit.breach"].sudo()
        open_breaches = {
            breach.partner_id.id: breach
            for breach in Breach.search(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "open"),
                    ("company_id", "=", company.id),
                ]
            )
        }
        went_over, cleared = [], Breach.browse()
        for partner in partners:
            if partner.risk_exception and partner.id not in open_breaches:
                went_over.append(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": partner.risk_currency_id.id,
                        "exposure": partner.risk_total,
                        "credit_limit": partner.credit_limit,
                        "action": partner.billbyte_credit_action or "notify",
                    }
                )
            elif not partner.risk_exception and partner.id in open_breaches:
                cleared |= open_breaches[partner.id]
        if went_over:
            breaches = Breach.create(went_over)
            breaches.with_delay(
                channel="root.billbyte_payment",
                description=self.env._("Credit limits exceeded: warn and suspend"),
            )._billbyte_went_over()
        if cleared:
            cleared.write({"state": "cleared", "date_cleared": fields.Datetime.now()})
            cleared.with_delay(
                channel="root.billbyte_payment",
                description=self.env._("Back within credit limits: resume"),
            )._billbyte_cleared()

    @api.model
    def _cron_billbyte_credit_check(self):
        for company in self.env["res.company"].sudo().search([("active", "=", True)]):
            self.with_company(company)._billbyte_credit_check(
                self.search([("billbyte_credit_control", "=", True)]).ids
            )

    # --------------------------------------------------------------- public API
    def get_credit_status(self):
        """The credit position of these customers for the portal, the API and
        XML-RPC, amounts as decimal strings in the risk currency: the limit (and
        whether 0 means no credit), the exposure and its parts, what remains."""
        self.check_access("read")
        result = []
        for partner in self:
            commercial = partner.sudo().commercial_partner_id
            currency = commercial.risk_currency_id
            step = Decimal(str(currency.rounding))

            def dec(value, step=step):
                return Decimal(str(value or 0)).quantize(step, ROUND_HALF_UP)

            open_invoices = (
                dec(commercial.risk_invoice_open)
                + dec(commercial.risk_invoice_unpaid)
                + dec(commercial.risk_account_amount)
                + dec(commercial.risk_account_amount_unpaid)
            )
            usage = dec(commercial.billbyte_risk_usage)
            deposits = dec(commercial.billbyte_risk_deposit)
            limit = dec(commercial.credit_limit)
            exposure = dec(commercial.risk_total)
            result.append(
                {
                    "customer_id": commercial.id,
                    "controlled": commercial.billbyte_credit_control,
                    "currency": currency.name,
                    "credit_limit": str(limit),
                    "no_credit": bool(commercial.billbyte_credit_control and not limit),
                    "open_invoices": str(open_invoices),
                    "unbilled_usage": str(usage),
                    "deposits": str(deposits),
                    "exposure": str(exposure),
                    "remaining": str(limit - exposure),
                    "over": bool(commercial.risk_exception),
                }
            )
        return result

    # ---------------------------------------------------------------------- demo
    @api.model
    def _billbyte_demo_credit(self):
        """Demo: Deco Addict under a cloud credit limit of 500.00, over it with its
        open invoices and unbilled usage (its deposit deducted): warned at once."""
        deco = self.env.ref("base.res_partner_2", raise_if_not_found=False)
        if deco:
            deco.with_context(queue_job__no_delay=True).write(
                {
                    "credit_limit": 500.0,
                    "billbyte_credit_control": True,
                    "billbyte_credit_action": "notify",
                }
            )
