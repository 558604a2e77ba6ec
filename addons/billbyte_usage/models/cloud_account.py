# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..focus.schema import normalize_account_id


class BillbyteCloudAccount(models.Model):
    """One customer subscription at a vendor: an AWS linked account, an Azure
    subscription, a Microsoft 365 subscription or a GCP project."""

    _name = "billbyte.cloud.account"
    _description = "Cloud Account"
    _inherit = ["mail.thread", "mail.activity.mixin", "billbyte.usage.referenced.mixin"]
    _billbyte_usage_field = "cloud_account_id"
    _order = "partner_id, name"
    _check_company_auto = True
    # What a customer may read of their own cloud accounts (see billbyte_catalog's
    # models/base.py): never the pricing strategy or the analytic account.
    _billbyte_portal_fields = frozenset(
        {
            "name",
            "vendor_id",
            "vendor_account_id",
            "vendor_customer_id",
            "partner_id",
            "company_id",
            "currency_id",
            "billing_cycle",
            "state",
            "billed_until",
            "unbilled_amount",
        }
    )

    name = fields.Char(required=True, tracking=True)
    vendor_id = fields.Many2one(
        "billbyte.cloud.vendor",
        required=True,
        tracking=True,
    )
    vendor_account_id = fields.Char(
        string="Vendor Account ID",
        required=True,
        index=True,
        tracking=True,
        help="The vendor's id of this account: AWS linked account id, Azure "
        "subscription id, Microsoft 365 subscription id, GCP project or billing "
        "sub-account (FOCUS SubAccountId).",
    )
    vendor_account_key = fields.Char(
        compute="_compute_vendor_account_key",
        store=True,
        index=True,
        help="The vendor account id in the form usage rows are matched by: GUIDs in lower "
        "case, an Azure resource path or a Partner Center tenant/subscription pair as its "
        "subscription id.",
    )
    vendor_customer_id = fields.Char(
        string="Vendor Customer ID",
        help="The customer's id at the vendor when it has one, e.g. the Partner "
        "Center customer (tenant) id.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        readonly=True,
        copy=False,
        check_company=True,
        help="Created with the cloud account in the 'Cloud Accounts' analytic plan; "
        "its analytic lines are the account's usage.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricing Strategy",
        compute="_compute_pricelist_id",
        store=True,
        precompute=True,
        readonly=False,
        check_company=True,
        tracking=True,
        help="Defaults to the customer's pricelist; set another to override it for this account.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        help="Currency the customer is billed in for this account.",
    )
    billing_cycle = fields.Selection(
        [("monthly", "Monthly")],
        default="monthly",
        required=True,
    )
    state = fields.Selection(
        [("active", "Active"), ("suspended", "Suspended"), ("purged", "Purged")],
        default="active",
        required=True,
        tracking=True,
    )
    active = fields.Boolean(default=True)
    billed_until = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="Usage up to and including this day is on posted invoices. Usage that "
        "arrives later for those days is billed in the next open period as a correction.",
    )
    unbilled_amount = fields.Monetary(
        compute="_compute_unbilled_amount", currency_field="currency_id", string="Unbilled Usage"
    )

    _sql_constraints = [
        (
            "vendor_account_uniq",
            "unique(company_id, vendor_id, vendor_account_id)",
            "This vendor account id is already a cloud account of this company.",
        ),
        (
            "vendor_account_key_uniq",
            "unique(company_id, vendor_id, vendor_account_key)",
            "This vendor account id is already a cloud account of this company (written "
            "in another form).",
        ),
    ]

    @api.depends("vendor_account_id")
    def _compute_vendor_account_key(self):
        for account in self:
            account.vendor_account_key = normalize_account_id(account.vendor_account_id)

    @api.model
    def _search_vendor_accounts(self, company, vendor_id, vendor_account_ids):
        """The cloud accounts of a company and vendor that usage rows with these
        SubAccountIds (in any of their written forms) belong to."""
        keys = sorted({normalize_account_id(value) for value in vendor_account_ids if value})
        return self.with_context(active_test=False).search(
            [
                ("company_id", "=", company.id),
                ("vendor_id", "=", vendor_id),
                ("vendor_account_key", "in", keys),
            ]
        )

    def _usage_lines_changed(self, keys):
        """Hook: the unbilled usage lines of these keys changed.

        Called by the usage pipeline in the transaction that changed them, after
        every import, restatement, removal of estimates, assignment of unmatched usage
        and re-rating, with `keys` a set of (cloud account id, day, product id) tuples
        (ids, not records: an import can change hundreds of thousands of lines). Runs
        as superuser. Budgets and billing override it to react to new usage; an
        override calls super() and must stay set-based (no query per key).
        """
        return keys

    @api.depends("partner_id")
    def _compute_pricelist_id(self):
        # The customer's strategy, also when the account changes customer; set
        # another one on the account to override it.
        for account in self:
            if account.partner_id:
                account.pricelist_id = account.partner_id.with_company(
                    account.company_id or self.env.company
                ).property_product_pricelist

    @api.depends("partner_id", "pricelist_id")
    def _compute_currency_id(self):
        for account in self:
            account.currency_id = (
                account.pricelist_id.currency_id
                or (account.company_id or self.env.company).currency_id
            )

    @api.depends("name", "vendor_account_id")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.name} ({account.vendor_account_id})"

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        accounts._create_analytic_accounts()
        accounts._claim_unmatched_usage()
        return accounts

    def _claim_unmatched_usage(self):
        """Usage imported before its account existed is waiting as unmatched: take it
        (its SubAccountId written in any form of the account's id)."""
        Record = self.env["billbyte.usage.record"].sudo()
        for account in self:
            domain = [
                ("state", "=", "unmatched"),
                ("company_id", "=", account.company_id.id),
                ("vendor_id", "=", account.vendor_id.id),
            ]
            written = [
                sub
                for (sub,) in Record._read_group(domain, ["sub_account_id"])
                if normalize_account_id(sub) == account.vendor_account_key
            ]
            if not written:
                continue
            unmatched = Record.search(domain + [("sub_account_id", "in", written)])
            unmatched.action_assign_cloud_account(account)

    def _unbilled_domain(self):
        return [("billbyte_cloud_account_id", "in", self.ids), ("billbyte_billed", "=", False)]

    def _compute_unbilled_amount(self):
        # Exact amounts summed, rounded once per service: as the invoice will bill them.
        totals = self.env["account.analytic.line"]._billbyte_unbilled_by_account(
            self._unbilled_domain()
        )
        for account in self:
            account.unbilled_amount = float(totals.get(account.id, 0))

    def _get_unbilled_usage(self, as_text=False):
        """Unbilled usage of these cloud accounts: total, per service and per day.

        For the portal, the API and the back office alike. Amounts are the rated
        customer amounts, per customer currency, rounded once per account and service
        (see account.analytic.line._billbyte_usage_summary).
        """
        return self.env["account.analytic.line"]._billbyte_usage_summary(
            self._unbilled_domain(), as_text=as_text
        )

    def get_unbilled_usage(self):
        """Public (RPC) form of :meth:`_get_unbilled_usage`, for the OSS/BSS API:
        runs with the caller's rights on the accounts; amounts and quantities are
        decimal strings (never binary floats) beside their currency code, dates ISO
        strings."""
        self.check_access("read")
        summaries = self._get_unbilled_usage(as_text=True)
        for summary in summaries:
            for day in summary["by_day"]:
                day["date"] = fields.Date.to_string(day["date"])
        return summaries

    def action_view_unbilled_usage(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_unbilled_usage"
        )
        action["domain"] = self._unbilled_domain()
        action["context"] = {"search_default_groupby_service": 1}
        return action

    def action_view_usage_records(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_record"
        )
        action["domain"] = [("cloud_account_id", "in", self.ids)]
        return action

    def _create_analytic_accounts(self):
        plan = self.env.ref("billbyte_usage.analytic_plan_cloud_accounts")
        todo = self.filtered(lambda a: not a.analytic_account_id)
        analytic_accounts = (
            self.env["account.analytic.account"]
            .sudo()
            .create(
                [
                    {
                        "name": self.env._(
                            "%(vendor)s: %(name)s", vendor=account.vendor_id.name, name=account.name
                        ),
                        "code": account.vendor_account_id,
                        "plan_id": plan.id,
                        "partner_id": account.partner_id.id,
                        "company_id": account.company_id.id,
                    }
                    for account in todo
                ]
            )
        )
        for account, analytic in zip(todo, analytic_accounts, strict=True):
            account.analytic_account_id = analytic

    def action_suspend(self):
        self.write({"state": "suspended"})

    def action_resume(self):
        self.write({"state": "active"})

    def _cycle_period(self, day):
        """(first day, last day) of this account's billing cycle holding `day`: the
        calendar month here; billbyte_billing knows the other cycles and invoice days."""
        self.ensure_one()
        start = day.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)

    def _billbyte_usage_refusal(self):
        return self.env._(
            "A cloud account with imported usage cannot be deleted. Archive it instead."
        )
