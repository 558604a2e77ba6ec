# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..focus.schema import normalize_account_id
from .service_action import ACCOUNT_ACTIONS, OPEN_STATES, SERVICE_ACTIONS


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

    # -- service management ---------------------------------------------------
    connection_id = fields.Many2one(
        "billbyte.connection",
        string="Vendor Connection",
        compute="_compute_connection_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('vendor_id', '=', vendor_id)]",
        help="The connection suspensions, resumptions and purges of this account go "
        "through. Defaults to the company's only active connection of the vendor.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Gets an activity when the vendor refuses an action on the account or the "
        "account cannot be enforced. Defaults to the customer's salesperson.",
    )
    enforcement_flag = fields.Boolean(
        string="Over Limit, Not Enforceable",
        readonly=True,
        copy=False,
        tracking=True,
        help="A suspension, restriction or purge was asked that the account's connection "
        "cannot make at the vendor: act at the vendor by hand.",
    )
    enforcement_flag_reason = fields.Text(string="Why Not Enforceable", readonly=True, copy=False)
    enforcement_action_id = fields.Many2one(
        "billbyte.service.action", string="Flagged By", readonly=True, copy=False
    )
    restricted_services = fields.Char(
        compute="_compute_restricted_services",
        help="Services restricted at the vendor now (from the vendor actions done).",
    )
    service_action_ids = fields.One2many(
        "billbyte.service.action", "cloud_account_id", string="Vendor Actions"
    )
    service_action_count = fields.Integer(compute="_compute_service_action_count")

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

    @api.depends("vendor_id", "company_id")
    def _compute_connection_id(self):
        groups = (
            self.env["billbyte.connection"]
            .sudo()
            ._read_group(
                [
                    ("vendor_id", "in", self.vendor_id.ids),
                    ("company_id", "in", self.company_id.ids),
                ],
                ["company_id", "vendor_id"],
                ["id:array_agg"],
            )
        )
        only = {(company.id, vendor.id): ids[0] for company, vendor, ids in groups if len(ids) == 1}
        for account in self:
            current = account.connection_id
            if (
                current
                and current.vendor_id == account.vendor_id
                and current.company_id == account.company_id
            ):
                continue
            account.connection_id = only.get((account.company_id.id, account.vendor_id.id), False)

    @api.depends("partner_id")
    def _compute_user_id(self):
        for account in self:
            salesperson = (
                account.partner_id.user_id or account.partner_id.commercial_partner_id.user_id
            )
            if salesperson or not account.user_id:
                account.user_id = salesperson

    @api.depends("service_action_ids.state")
    def _compute_restricted_services(self):
        done = (
            self.env["billbyte.service.action"]
            .sudo()
            .search(
                [
                    ("cloud_account_id", "in", self.ids),
                    ("action", "in", SERVICE_ACTIONS),
                    ("state", "=", "done"),
                ],
                order="id",
            )
        )
        latest = {}
        for action in done:
            latest[(action.cloud_account_id.id, action.service_name)] = action.action
        for account in self:
            account.restricted_services = ", ".join(
                sorted(
                    service
                    for (account_id, service), kind in latest.items()
                    if account_id == account.id and kind == "restrict"
                )
            )

    def _compute_service_action_count(self):
        groups = (
            self.env["billbyte.service.action"]
            .sudo()
            ._read_group([("cloud_account_id", "in", self.ids)], ["cloud_account_id"], ["__count"])
        )
        counts = {account.id: count for account, count in groups}
        for account in self:
            account.service_action_count = counts.get(account.id, 0)

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

    def _get_unbilled_usage_by_account(self):
        """Unbilled usage of these cloud accounts in all and of each, from one
        statement over the usage lines: (summaries, {account id: summaries}), in
        the form of :meth:`get_unbilled_usage` (decimal strings, ISO dates). Runs
        with the caller's rights on the accounts. For the API, which answers both
        at once."""
        self.check_access("read")
        total, per_account = self.env["account.analytic.line"]._billbyte_usage_summary_by_account(
            self._unbilled_domain(), as_text=True
        )
        for summaries in [total, *per_account.values()]:
            for summary in summaries:
                for day in summary["by_day"]:
                    day["date"] = fields.Date.to_string(day["date"])
        return total, per_account

    def _billbyte_last_import(self):
        """When the usage of these accounts was last imported (the newest successful
        import of their vendors' connections): what 'unbilled usage now' is as of."""
        connections = self.sudo().connection_id
        if not connections:
            connections = (
                self.env["billbyte.connection"]
                .sudo()
                .search(
                    [
                        ("vendor_id", "in", self.vendor_id.ids),
                        ("company_id", "in", self.company_id.ids),
                    ]
                )
            )
        dates = [d for d in connections.mapped("last_import_date") if d]
        return max(dates) if dates else False

    def _billbyte_usage_rows(self, date_from, date_to):
        """Rated usage of these accounts between two days, billed or not, as rows
        (day, account, vendor account id, service, quantity, unit, customer amount,
        currency, billed, corrected period): customer amounts only, each row's exact
        amount rounded once. For the portal's and the API's downloads."""
        self.check_access("read")
        self.env.flush_all()
        records = self.env.execute_query(
            SQL(
                """
                SELECT l.date, ca.name, ca.vendor_account_id, l.billbyte_service_name,
                       sum(l.unit_amount)::text, uom.name, l.billbyte_currency_id,
                       sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text,
                       l.billbyte_billed, l.billbyte_corrected_period
                  FROM account_analytic_line l
                  JOIN billbyte_cloud_account ca ON ca.id = l.billbyte_cloud_account_id
                  LEFT JOIN uom_uom uom ON uom.id = l.product_uom_id
                 WHERE l.billbyte_cloud_account_id = ANY(%(ids)s)
                   AND l.date BETWEEN %(date_from)s AND %(date_to)s
                 GROUP BY l.date, ca.name, ca.id, ca.vendor_account_id, l.billbyte_service_name,
                          uom.name, l.billbyte_currency_id, l.billbyte_billed,
                          l.billbyte_corrected_period
                 ORDER BY l.date, ca.name, ca.id, l.billbyte_service_name
                """,
                ids=self.ids,
                date_from=date_from,
                date_to=date_to,
            )
        )
        Line = self.env["account.analytic.line"]
        currencies = self.env["res.currency"].browse({r[6] for r in records if r[6]})
        rounded = Line._billbyte_rounder(currencies.ids)
        names = {c.id: c.name for c in currencies}
        return [
            [
                fields.Date.to_string(day),
                account_name,
                vendor_account_id,
                service or "",
                format(Decimal(quantity or 0).normalize(), "f"),
                (uom.get(self.env.lang) or uom.get("en_US") or "")
                if isinstance(uom, dict)
                else (uom or ""),
                str(rounded(Decimal(amount or 0), currency_id)),
                names.get(currency_id, ""),
                "yes" if billed else "no",
                corrected or "",
            ]
            for (
                day,
                account_name,
                vendor_account_id,
                service,
                quantity,
                uom,
                currency_id,
                amount,
                billed,
                corrected,
            ) in records
        ]

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

    # ------------------------------------------------------------------
    # Service management: the public methods (UI, other modules, XML-RPC)
    # ------------------------------------------------------------------
    @api.returns("billbyte.service.action")
    def billbyte_suspend(self, reason, origin=None):
        """Suspend the accounts at their vendor. Returns their vendor actions (the
        open one when an equal one is already open); the account turns suspended
        once the vendor confirms. `origin`: the record that asks (a budget, a late
        payment), or "model,id"."""
        return self._billbyte_request("suspend", reason, origin=origin)

    @api.returns("billbyte.service.action")
    def billbyte_resume(self, reason, origin=None):
        """Resume suspended accounts at their vendor; active once the vendor confirms."""
        return self._billbyte_request("resume", reason, origin=origin)

    @api.returns("billbyte.service.action")
    def billbyte_purge(self, reason):
        """Close the accounts at their vendor, for good (Cloud Billing administrators
        only). Usage, analytic lines and invoices stay; a purged account takes no
        further vendor actions."""
        return self._billbyte_request("purge", reason)

    @api.returns("billbyte.service.action")
    def billbyte_restrict_service(self, service_name, reason, origin=None):
        """Stop one service (a FOCUS ServiceName) of the accounts at their vendor;
        see _billbyte_can_restrict."""
        return self._billbyte_request("restrict", reason, origin=origin, service_name=service_name)

    @api.returns("billbyte.service.action")
    def billbyte_release_service(self, service_name, reason, origin=None):
        """Undo billbyte_restrict_service."""
        return self._billbyte_request("release", reason, origin=origin, service_name=service_name)

    def _billbyte_can_restrict(self, service_name):
        """Whether the account's connection can stop this one service alone (else a
        restriction is recorded as not enforceable: suspend the account instead)."""
        self.ensure_one()
        connection = self.sudo().connection_id
        if not connection or not service_name or self.state == "purged":
            return False
        connector = connection._connector()
        return bool(connector.enforces and connector.can_restrict(service_name))

    def _billbyte_check_request(self, kind):
        if not self.env.su:
            self.check_access("read")
            group = (
                "billbyte_catalog.group_billbyte_manager"
                if kind == "purge"
                else "billbyte_catalog.group_billbyte_user"
            )
            if not self.env.user.has_group(group):
                raise AccessError(
                    self.env._("Only Cloud Billing administrators may purge a cloud account.")
                    if kind == "purge"
                    else self.env._("Only Cloud Billing users may act on cloud accounts.")
                )
        for account in self:
            if account.state == "purged":
                raise UserError(
                    self.env._(
                        "%s is purged: it cannot be resumed and takes no further vendor actions.",
                        account.display_name,
                    )
                )

    @api.model
    def _billbyte_origin_reference(self, origin):
        """'model,id' of an origin given as a record, 'model,id' or (model, id)."""
        if not origin:
            return False
        if isinstance(origin, models.BaseModel):
            if not origin.exists():  # e.g. the origin of a retried action, deleted since
                return False
            origin.ensure_one()
            return f"{origin._name},{origin.id}"
        if isinstance(origin, str) and "," in origin:
            model, record_id = origin.split(",", 1)
        elif isinstance(origin, list | tuple) and len(origin) == 2:
            model, record_id = origin
        else:
            raise UserError(self.env._("An origin is a record or 'model,id': %s", origin))
        if model not in self.env or not str(record_id).strip().isdigit():
            raise UserError(self.env._("An origin is a record or 'model,id': %s", origin))
        return f"{model},{int(record_id)}"

    def _billbyte_request(self, kind, reason, origin=None, service_name=None, retry_of=None):
        """Record and queue a vendor action of each account (see the public methods).
        An equal action still open is returned instead of a second one; so is the
        last one that made the change when it still holds."""
        if kind not in ACCOUNT_ACTIONS + SERVICE_ACTIONS:
            raise UserError(self.env._("Unknown vendor action %s", kind))
        self._billbyte_check_request(kind)
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why: every vendor action needs a reason."))
        service_name = (service_name or "").strip() or False
        if kind in SERVICE_ACTIONS and not service_name:
            raise UserError(self.env._("Name the service to restrict or release."))
        if kind not in SERVICE_ACTIONS:
            service_name = False
        origin = self._billbyte_origin_reference(origin)
        Action = self.env["billbyte.service.action"].sudo()
        actions = Action.browse()
        for account in self:
            account._billbyte_lock_requests()
            existing = Action.search(
                [
                    ("cloud_account_id", "=", account.id),
                    ("action", "=", kind),
                    ("service_name", "=", service_name),
                    ("state", "in", OPEN_STATES),
                ],
                limit=1,
            ) or account._billbyte_in_effect(kind, service_name)
            if existing:
                actions |= existing
                continue
            action = Action.create(
                {
                    "cloud_account_id": account.id,
                    "action": kind,
                    "service_name": service_name,
                    "reason": reason,
                    "origin": origin,
                    "requested_by_id": (retry_of.requested_by_id if retry_of else self.env.user).id,
                    "retry_of_id": retry_of.id if retry_of else False,
                }
            )
            action._enqueue()
            actions |= action
        return self.env["billbyte.service.action"].browse(actions.ids)

    def _billbyte_lock_requests(self):
        """Two requests for one account at the same time: the second waits for the
        first and, its snapshot outdated, is retried (serialization failure); it
        then finds the first's action open."""
        self.env.cr.execute(
            "UPDATE billbyte_cloud_account SET id = id WHERE id IN %s", [tuple(self.ids)]
        )

    def _billbyte_in_effect(self, kind, service_name):
        """The last action that made this very change, when it still holds: asking
        for it again changes nothing."""
        self.ensure_one()
        scope = SERVICE_ACTIONS if kind in SERVICE_ACTIONS else ACCOUNT_ACTIONS
        latest = (
            self.env["billbyte.service.action"]
            .sudo()
            .search(
                [
                    ("cloud_account_id", "=", self.id),
                    ("action", "in", scope),
                    ("service_name", "=", service_name),
                    ("state", "in", ("done", "not_enforceable")),
                ],
                order="id desc",
                limit=1,
            )
        )
        if latest.action != kind:
            return latest.browse()
        contrary_open = latest.search_count(
            [
                ("cloud_account_id", "=", self.id),
                ("action", "in", scope),
                ("action", "!=", kind),
                ("service_name", "=", service_name),
                ("state", "in", OPEN_STATES),
            ]
        )
        if contrary_open:  # e.g. a resumption waiting for the vendor: this overtakes it
            return latest.browse()
        if latest.state == "not_enforceable":
            holds = bool(self.enforcement_flag) == (kind not in ("resume", "release"))
        elif kind in ("suspend", "resume"):
            holds = self.state == {"suspend": "suspended", "resume": "active"}[kind]
        else:
            holds = True
        return latest if holds else latest.browse()

    def _billbyte_flag(self, action, why):
        """The account should be suspended (or restricted) but its connection cannot
        do it: flag it, and tell its manager (once, while the flag stays)."""
        self.ensure_one()
        self.sudo().write(
            {
                "enforcement_flag": True,
                "enforcement_flag_reason": why,
                "enforcement_action_id": action.id,
            }
        )
        self._billbyte_notify_manager(
            self.env._("Over limit, not enforceable: %s", self.display_name),
            self.env._(
                "%(action)s was asked (%(reason)s) but cannot be made at the vendor: "
                "%(why)s Act at the vendor by hand.",
                action=action.display_name,
                reason=action.reason,
                why=why,
            ),
            action.requested_by_id,
        )

    def _billbyte_clear_flag(self):
        self.sudo().write(
            {
                "enforcement_flag": False,
                "enforcement_flag_reason": False,
                "enforcement_action_id": False,
            }
        )

    def _billbyte_manager(self, requested_by=None):
        """Who gets the account's activities: its manager, else whoever asked (a
        person, not the system), else the administrator."""
        self.ensure_one()
        if self.user_id.active:
            return self.user_id
        if requested_by and requested_by.active and not requested_by.share:
            return requested_by
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        return admin if admin and admin.active else self.env["res.users"].browse(SUPERUSER_ID)

    def _billbyte_notify_manager(self, summary, note, requested_by=None):
        """An activity for the account manager; one at a time per account."""
        activity_type = self.env.ref("billbyte_usage.mail_activity_type_vendor_action")
        for account in self.sudo():
            if account.activity_ids.filtered(lambda a, t=activity_type: a.activity_type_id == t):
                continue
            account.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=note,
                user_id=account._billbyte_manager(requested_by).id,
            )

    # ------------------------------------------------------------------
    # Service management: buttons
    # ------------------------------------------------------------------
    def _billbyte_open_wizard(self, kind):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Vendor Action"),
            "res_model": "billbyte.service.action.wizard",
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "billbyte_usage.billbyte_service_action_wizard_view_form_purge"
                        if kind == "purge"
                        else "billbyte_usage.billbyte_service_action_wizard_view_form"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
            "context": {
                "default_action": kind,
                "default_cloud_account_ids": self.ids,
            },
        }

    def _billbyte_button(self, kind):
        """Ask the reason in a small wizard, unless the context gives it."""
        reason = self.env.context.get("billbyte_reason")
        if reason:
            self._billbyte_request(kind, reason)
            return True
        self._billbyte_check_request(kind)
        return self._billbyte_open_wizard(kind)

    def action_suspend(self):
        return self._billbyte_button("suspend")

    def action_resume(self):
        return self._billbyte_button("resume")

    def action_restrict_service(self):
        self._billbyte_check_request("restrict")
        return self._billbyte_open_wizard("restrict")

    def action_release_service(self):
        self._billbyte_check_request("release")
        return self._billbyte_open_wizard("release")

    def action_purge(self):
        """Always asks: the reason, and the account id typed to confirm."""
        self._billbyte_check_request("purge")
        return self._billbyte_open_wizard("purge")

    def action_view_service_actions(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_service_action"
        )
        action["domain"] = [("cloud_account_id", "in", self.ids)]
        action["context"] = {}
        return action

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
