# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_round

DEFAULT_THRESHOLDS = (50.0, 80.0, 100.0)


class BillbyteCloudBudget(models.Model):
    """How much a cloud account, or all of a customer's accounts, may use per period:
    an amount and/or a quantity quota on one product, with thresholds that notify or
    enforce, and per-service spending limits."""

    _name = "billbyte.cloud.budget"
    _description = "Cloud Budget"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, cloud_account_id, id"
    _check_company_auto = True
    # What a customer may read of their own budgets (see billbyte_catalog's models/base.py).
    _billbyte_portal_fields = frozenset(
        {
            "name",
            "scope",
            "cloud_account_id",
            "partner_id",
            "company_id",
            "currency_id",
            "amount",
            "product_id",
            "quota_qty",
            "quota_uom_id",
            "period_type",
            "recurring",
            "date_start",
            "date_end",
            "period_start",
            "period_end",
            "consumed_amount",
            "consumed_qty",
            "consumed_pct",
            "remaining_amount",
            "forecast_amount",
            "forecast_pct",
            "forecast_date",
            "status",
            "threshold_ids",
            "service_limit_ids",
            "last_evaluation",
            "forecast_text",
            "rate_note",
        }
    )

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    scope = fields.Selection(
        [("account", "Cloud Account"), ("customer", "Customer")],
        default="account",
        required=True,
        tracking=True,
        help="A budget on one cloud account, or on all the cloud accounts of a customer.",
    )
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        index=True,
        check_company=True,
        ondelete="cascade",
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
    )
    usage_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_usage_currency_id",
        help="The currency the usage of this scope is rated in.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        help="The budget's currency: usage rated in another currency is converted at "
        "Odoo's rate of the day it is evaluated.",
    )
    amount = fields.Monetary(
        string="Budget",
        tracking=True,
        help="What the scope may use per period, in the budget's currency. Leave empty "
        "for a quantity quota only.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Quota Product",
        tracking=True,
        domain="[('billbyte_vendor_id', '!=', False)]",
        help="A quantity quota on this metered product, e.g. 500 GB-month of storage.",
    )
    quota_qty = fields.Float(string="Quota", digits="Product Unit of Measure", tracking=True)
    quota_uom_id = fields.Many2one(related="product_id.uom_id", string="Quota Unit")
    period_type = fields.Selection(
        [
            ("month", "Calendar Month"),
            ("cycle", "Billing Cycle"),
            ("custom", "Custom Dates"),
        ],
        string="Period",
        default="month",
        required=True,
        tracking=True,
    )
    recurring = fields.Boolean(
        default=True,
        tracking=True,
        help="Starts again every period. A one-off budget covers its first period only.",
    )
    date_start = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        tracking=True,
        help="The first day the budget applies (its first period is the one holding "
        "this day; with custom dates, the period starts on it).",
    )
    date_end = fields.Date(
        string="To",
        tracking=True,
        help="Custom dates: the last day of the period. Otherwise the last day the "
        "budget applies (empty: no end).",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Gets an activity when a threshold is reached or cannot be enforced: the "
        "cloud account's manager, else the customer's salesperson.",
    )
    threshold_ids = fields.One2many(
        "billbyte.budget.threshold",
        "budget_id",
        string="Thresholds",
        copy=True,
        default=lambda self: [
            fields.Command.create({"sequence": n, "percent": percent})
            for n, percent in enumerate(DEFAULT_THRESHOLDS, start=1)
        ],
    )
    service_limit_ids = fields.One2many(
        "billbyte.budget.service.limit", "budget_id", string="Service Limits", copy=True
    )
    alert_ids = fields.One2many("billbyte.budget.alert", "budget_id", string="Alerts")
    alert_count = fields.Integer(compute="_compute_alert_count")

    # Written by the evaluation (billbyte.budget.evaluation), in bulk.
    period_start = fields.Date(string="Current Period Start", readonly=True, copy=False)
    period_end = fields.Date(string="Current Period End", readonly=True, copy=False)
    consumed_amount = fields.Monetary(string="Consumed", readonly=True, copy=False)
    consumed_qty = fields.Float(
        string="Consumed Quantity", digits="Product Unit of Measure", readonly=True, copy=False
    )
    consumed_pct = fields.Float(
        string="Consumed (%)",
        readonly=True,
        copy=False,
        aggregator="max",
        help="The larger of the amount's and the quota's share used.",
    )
    remaining_amount = fields.Monetary(string="Remaining", compute="_compute_remaining_amount")
    forecast_amount = fields.Monetary(
        string="Forecast",
        readonly=True,
        copy=False,
        help="What the period will have used at this pace (a linear forecast).",
    )
    forecast_pct = fields.Float(string="Forecast (%)", readonly=True, copy=False)
    forecast_date = fields.Date(
        string="Reaches 100 % on",
        readonly=True,
        copy=False,
        help="At this pace the budget is used up on this day (empty: not within the period).",
    )
    status = fields.Selection(
        [
            ("pending", "Not Evaluated"),
            ("ok", "Within Budget"),
            ("warning", "Threshold Reached"),
            ("exceeded", "Exceeded"),
            ("ended", "Ended"),
        ],
        default="pending",
        readonly=True,
        copy=False,
        tracking=True,
    )
    rate_note = fields.Char(
        string="Conversion",
        readonly=True,
        copy=False,
        help="The exchange rate and date at which usage in another currency was converted.",
    )
    last_evaluation = fields.Datetime(readonly=True, copy=False)
    forecast_text = fields.Char(compute="_compute_forecast_text", string="At This Pace")

    _sql_constraints = [
        (
            "quota_positive",
            "CHECK (quota_qty IS NULL OR quota_qty >= 0)",
            "A quota cannot be negative.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends("cloud_account_id")
    def _compute_partner_id(self):
        for budget in self:
            if budget.cloud_account_id:
                budget.partner_id = budget.cloud_account_id.partner_id.commercial_partner_id

    @api.depends("cloud_account_id", "partner_id")
    def _compute_company_id(self):
        for budget in self:
            budget.company_id = (
                budget.cloud_account_id.company_id
                or budget.company_id
                or budget.partner_id.company_id
                or self.env.company
            )

    @api.depends("cloud_account_id", "partner_id", "company_id")
    def _compute_usage_currency_id(self):
        for budget in self:
            budget.usage_currency_id = budget._usage_currency()

    def _usage_currency(self):
        self.ensure_one()
        if self.cloud_account_id:
            return self.cloud_account_id.currency_id
        company = self.company_id or self.env.company
        pricelist = self.partner_id.with_company(company).property_product_pricelist
        return pricelist.currency_id or company.currency_id

    @api.depends("cloud_account_id", "partner_id", "company_id")
    def _compute_currency_id(self):
        for budget in self:
            if not budget.currency_id:
                budget.currency_id = budget._usage_currency()

    @api.depends("cloud_account_id", "partner_id")
    def _compute_user_id(self):
        for budget in self:
            if budget.user_id:
                continue
            account = budget.cloud_account_id
            manager = account["user_id"] if account and "user_id" in account._fields else False
            budget.user_id = manager or budget.partner_id.user_id

    def _compute_alert_count(self):
        counts = dict(
            self.env["billbyte.budget.alert"]._read_group(
                [("budget_id", "in", self.ids)], ["budget_id"], ["__count"]
            )
        )
        for budget in self:
            budget.alert_count = counts.get(budget, 0)

    @api.depends("amount", "consumed_amount")
    def _compute_remaining_amount(self):
        for budget in self:
            budget.remaining_amount = (
                max(budget.amount - budget.consumed_amount, 0.0) if budget.amount else 0.0
            )

    @api.depends("forecast_date", "forecast_pct", "status", "period_end")
    def _compute_forecast_text(self):
        for budget in self:
            if budget.status in ("pending", "ended"):
                budget.forecast_text = False
            elif budget.consumed_pct >= 100:
                budget.forecast_text = self.env._("The budget is used up.")
            elif budget.forecast_date:
                budget.forecast_text = self.env._(
                    "At this pace you reach 100 %% on %(date)s.",
                    date=fields.Date.to_string(budget.forecast_date),
                )
            else:
                budget.forecast_text = self.env._(
                    "At this pace you use %(pct)s %% by the end of the period.",
                    pct=round(budget.forecast_pct),
                )

    # --------------------------------------------------------------- constraints
    @api.constrains("scope", "cloud_account_id", "partner_id")
    def _check_scope(self):
        for budget in self:
            if budget.scope == "account" and not budget.cloud_account_id:
                raise ValidationError(self.env._("A cloud account budget needs a cloud account."))
            if budget.scope == "customer" and not budget.partner_id:
                raise ValidationError(self.env._("A customer budget needs a customer."))

    @api.constrains("amount", "product_id", "quota_qty")
    def _check_measure(self):
        for budget in self:
            if budget.amount < 0:
                raise ValidationError(self.env._("A budget must be a positive amount."))
            if budget.product_id and budget.quota_qty <= 0:
                raise ValidationError(
                    self.env._(
                        "A quota on %s needs a positive quantity.", budget.product_id.display_name
                    )
                )
            if not budget.amount and not budget.product_id:
                raise ValidationError(
                    self.env._(
                        "A budget must be a positive amount, a quantity quota on a product, or both."
                    )
                )

    @api.constrains("period_type", "date_start", "date_end")
    def _check_dates(self):
        for budget in self:
            if budget.period_type == "custom" and not budget.date_end:
                raise ValidationError(self.env._("A budget on custom dates needs an end date."))
            if budget.date_end and budget.date_end < budget.date_start:
                raise ValidationError(self.env._("A budget cannot end before it starts."))

    @api.constrains("threshold_ids")
    def _check_thresholds(self):
        for budget in self:
            previous = None
            for threshold in budget.threshold_ids.sorted(lambda t: (t.sequence, t.id)):
                if previous is not None and threshold.percent <= previous:
                    raise ValidationError(
                        self.env._(
                            "Thresholds must rise in the order they are listed: %(pct)s %% "
                            "comes after %(previous)s %%.",
                            pct=threshold.percent,
                            previous=previous,
                        )
                    )
                previous = threshold.percent

    @api.constrains(
        "active",
        "scope",
        "cloud_account_id",
        "partner_id",
        "product_id",
        "amount",
        "period_type",
        "recurring",
        "date_start",
        "date_end",
    )
    def _check_overlap(self):
        """Two budgets of the same scope and the same measure (amount, or quota of a
        product) must not cover the same day."""
        for budget in self.filtered("active"):
            domain = [
                ("id", "!=", budget.id),
                ("company_id", "=", budget.company_id.id),
                ("scope", "=", budget.scope),
            ]
            if budget.scope == "account":
                domain.append(("cloud_account_id", "=", budget.cloud_account_id.id))
            else:
                domain.append(("partner_id", "=", budget.partner_id.id))
            first, last = budget._coverage()
            for other in self.search(domain):
                same_measure = (budget.amount and other.amount) or (
                    budget.product_id and budget.product_id == other.product_id
                )
                if not same_measure:
                    continue
                other_first, other_last = other._coverage()
                if first <= (other_last or first) and (last is None or other_first <= last):
                    raise ValidationError(
                        self.env._(
                            "%(budget)s overlaps the budget %(other)s on the same %(scope)s "
                            "and period: end one before the other starts.",
                            budget=budget.name,
                            other=other.display_name,
                            scope=dict(self._fields["scope"].selection)[budget.scope].lower(),
                        )
                    )

    def _coverage(self):
        """(first day, last day or None) the budget covers."""
        self.ensure_one()
        first_period = self._period_at(self.date_start)
        first = first_period[0] if first_period else self.date_start
        if self.period_type == "custom":
            return first, (None if self.recurring else self.date_end)
        if not self.recurring:
            return first, first_period[1] if first_period else self.date_start
        return first, self.date_end or None

    # -------------------------------------------------------------------- periods
    def _period_at(self, day):
        """(start, end) of this budget's period holding `day`, or None when the budget
        does not apply on that day."""
        self.ensure_one()
        if self.period_type == "custom":
            span = (self.date_end - self.date_start).days + 1
            if day < self.date_start:
                return None
            if not self.recurring:
                return (self.date_start, self.date_end) if day <= self.date_end else None
            start = self.date_start + timedelta(days=((day - self.date_start).days // span) * span)
            return start, start + timedelta(days=span - 1)
        first = self._calendar_period(self.date_start)
        if day < first[0] or (self.date_end and day > self.date_end):
            return None
        period = self._calendar_period(day)
        if not self.recurring and period != first:
            return None
        return period

    def _calendar_period(self, day):
        if self.period_type == "cycle":
            account = self.cloud_account_id or self.env["billbyte.cloud.account"].search(
                [
                    ("partner_id", "child_of", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                ],
                order="id",
                limit=1,
            )
            if account:
                return account._cycle_period(day)
        start = day.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)

    # ------------------------------------------------------------------- actions
    @api.model_create_multi
    def create(self, vals_list):
        budgets = super().create(vals_list)
        budgets._billbyte_evaluate()
        return budgets

    def write(self, vals):
        res = super().write(vals)
        watched = {
            "amount",
            "product_id",
            "quota_qty",
            "period_type",
            "recurring",
            "date_start",
            "date_end",
            "currency_id",
            "cloud_account_id",
            "partner_id",
            "scope",
            "active",
        }
        if watched & set(vals) and not self.env.context.get("billbyte_budget_evaluating"):
            self._billbyte_evaluate()
        return res

    def _billbyte_evaluate(self, today=None):
        """Evaluate these budgets now (set-based; see billbyte.budget.evaluation)."""
        return self.env["billbyte.budget.evaluation"]._evaluate(self, today=today)

    def action_evaluate(self):
        self._billbyte_evaluate()
        return True

    def action_view_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "billbyte_budget.action_billbyte_budget_alert"
        )
        action["domain"] = [("budget_id", "=", self.id)]
        action["context"] = {"default_budget_id": self.id}
        return action

    def action_view_consumption(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "billbyte_budget.action_billbyte_budget_report"
        )
        action["domain"] = [("budget_id", "=", self.id)]
        action["display_name"] = self.env._("Consumption of %s", self.display_name)
        return action

    @api.model
    def _cron_evaluate(self):
        """Daily: a new period starts with nothing fired; ended periods release what
        their budget enforced."""
        self.search([("active", "=", True)])._billbyte_evaluate()

    # --------------------------------------------------------------- public API
    def get_budget_status(self):
        """The status of these budgets, for the portal, the API and XML-RPC: amounts
        as decimal strings with their currency, per service and the thresholds fired
        in the current period. Runs with the caller's rights. What is missing is false
        (XML-RPC has no null)."""
        self.check_access("read")
        return self._billbyte_budget_statuses()

    @api.model
    def _billbyte_budget_statuses(self, domain=None):
        """The statuses of :meth:`get_budget_status` read in one statement: of these
        budgets (in their order), or with `domain`, of the budgets the caller may read
        that match it (by id). The budgets, their currency, thresholds, fired alerts of
        the current period and service limits come in the same statement; only a quota
        product's name is read apart."""
        if domain is not None:
            query = self._search(domain)
            where = SQL("b.id IN %s", query.subselect())
        elif self.ids:
            where = SQL("b.id = ANY(%s)", list(self.ids))
        else:
            return []
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT b.id, b.name, b.scope, b.cloud_account_id, b.partner_id,
                       b.period_start, b.period_end, b.amount, b.consumed_amount,
                       b.consumed_pct, b.forecast_amount, b.forecast_pct, b.forecast_date,
                       b.product_id, b.quota_qty, b.consumed_qty, b.status, b.last_evaluation,
                       c.name AS currency, c.rounding, c.decimal_places,
                       (SELECT json_agg(json_build_object(
                                   'percent', t.percent, 'action', t.action,
                                   'fired', EXISTS(
                                       SELECT 1 FROM billbyte_budget_alert a
                                        WHERE a.budget_id = b.id AND a.threshold_id = t.id
                                          AND a.state = 'fired'
                                          AND a.period_start = b.period_start))
                                   ORDER BY t.sequence, t.percent, t.id)
                          FROM billbyte_budget_threshold t
                         WHERE t.budget_id = b.id) AS thresholds,
                       (SELECT json_agg(json_build_object(
                                   'percent', t.percent,
                                   'fired_on', to_char(a.fired_on, 'YYYY-MM-DD HH24:MI:SS'),
                                   'consumed', a.consumed_amount)
                                   ORDER BY a.fired_on, a.threshold_percent, a.id)
                          FROM billbyte_budget_alert a
                          JOIN billbyte_budget_threshold t ON t.id = a.threshold_id
                         WHERE a.budget_id = b.id AND a.state = 'fired'
                           AND a.period_start = b.period_start) AS fired,
                       (SELECT json_agg(json_build_object(
                                   'service', l.service_name, 'cap_type', l.cap_type,
                                   'cap_amount', l.cap_amount, 'cap_share', l.cap_share,
                                   'consumed', l.consumed_amount, 'consumed_pct', l.consumed_pct,
                                   'forecast', l.forecast_amount, 'exceeded', l.exceeded)
                                   ORDER BY l.service_name, l.id)
                          FROM billbyte_budget_service_limit l
                         WHERE l.budget_id = b.id) AS services
                  FROM billbyte_cloud_budget b
                  JOIN res_currency c ON c.id = b.currency_id
                 WHERE %s
                 ORDER BY b.id
                """,
                where,
            )
        )
        product_ids = {row["product_id"] for row in rows if row["product_id"]}
        products = self.env["product.product"].sudo().browse(sorted(product_ids))
        by_id = {row["id"]: self._billbyte_status_values(row, products) for row in rows}
        if domain is not None:
            return list(by_id.values())
        return [by_id[budget_id] for budget_id in self.ids if budget_id in by_id]

    @api.model
    def _billbyte_status_values(self, row, products):
        """One budget's status from its row of :meth:`_billbyte_budget_statuses`."""
        rounding, places = row["rounding"], row["decimal_places"]

        def rounded(value):
            return float_round(float(value or 0.0), precision_rounding=rounding)

        def money(value):
            return str(Decimal(str(rounded(value))).quantize(Decimal(10) ** -places))

        amount = float(row["amount"] or 0.0)
        consumed = float(row["consumed_amount"] or 0.0)
        product = products.filtered(lambda p: p.id == row["product_id"])
        return {
            "id": row["id"],
            "name": row["name"],
            "scope": row["scope"],
            "cloud_account_id": row["cloud_account_id"] or False,
            "customer_id": row["partner_id"] or False,
            "currency": row["currency"],
            "period_start": fields.Date.to_string(row["period_start"]) or False,
            "period_end": fields.Date.to_string(row["period_end"]) or False,
            "amount": money(amount) if amount else False,
            "consumed": money(consumed),
            "remaining": money(max(amount - consumed, 0.0)) if amount else False,
            "consumed_percent": f"{row['consumed_pct'] or 0.0:.2f}",
            "forecast": money(row["forecast_amount"]),
            "forecast_percent": f"{row['forecast_pct'] or 0.0:.2f}",
            "forecast_reaches_100_on": fields.Date.to_string(row["forecast_date"]) or False,
            "quota": {
                "product": product.display_name,
                "quantity": str(float(row["quota_qty"] or 0.0)),
                "consumed": str(float(row["consumed_qty"] or 0.0)),
                "unit": product.uom_id.name,
            }
            if product
            else False,
            "status": row["status"] or "pending",
            "thresholds": [
                {
                    "percent": f"{float(t['percent'] or 0.0):g}",
                    "action": t["action"],
                    "fired": t["fired"],
                }
                for t in row["thresholds"] or []
            ],
            "thresholds_fired": [
                {
                    "percent": f"{float(a['percent'] or 0.0):g}",
                    "fired_on": a["fired_on"],
                    "consumed": money(a["consumed"]),
                }
                for a in row["fired"] or []
            ],
            "services": [
                {
                    "service": limit["service"],
                    "cap": money(
                        rounded(amount * (limit["cap_share"] or 0.0) / 100.0)
                        if limit["cap_type"] == "share"
                        else limit["cap_amount"]
                    ),
                    "consumed": money(limit["consumed"]),
                    "consumed_percent": f"{limit['consumed_pct'] or 0.0:.2f}",
                    "forecast": money(limit["forecast"]),
                    "over_cap": bool(limit["exceeded"]),
                }
                for limit in row["services"] or []
            ],
            "last_evaluation": fields.Datetime.to_string(row["last_evaluation"]) or False,
        }

    @api.model
    def _demo_budgets(self):
        """Demo: a budget on the demo AWS account at about 85 % used (its 50 % and
        80 % thresholds fire) with a cap on its largest service, and a customer
        budget forecast to run out before the month ends."""
        aws = self.env.ref("billbyte_usage.cloud_account_demo_aws", raise_if_not_found=False)
        azure = self.env.ref("billbyte_usage.cloud_account_demo_azure", raise_if_not_found=False)
        today = fields.Date.context_today(self)
        start = today.replace(day=1)
        Line = self.env["account.analytic.line"]
        budgets = self.browse()
        for account, share, scope in ((aws, 0.85, "account"), (azure, 0.6, "customer")):
            if not account:
                continue
            rows = Line._read_group(
                [
                    ("billbyte_cloud_account_id", "=", account.id),
                    ("date", ">=", start),
                    ("date", "<=", today),
                ],
                ["billbyte_service_name"],
                ["billbyte_price:sum"],
            )
            used = sum(amount for _service, amount in rows)
            if not used:
                continue
            vals = {
                "name": self.env._("%s monthly budget", account.name)
                if scope == "account"
                else self.env._("%s cloud budget", account.partner_id.commercial_partner_id.name),
                "scope": scope,
                "amount": account.currency_id.round(used / share),
                "date_start": start,
            }
            if scope == "account":
                vals["cloud_account_id"] = account.id
                service, service_used = max(rows, key=lambda row: row[1])
                vals["service_limit_ids"] = [
                    fields.Command.create(
                        {
                            "service_name": service,
                            "cap_type": "amount",
                            "cap_amount": account.currency_id.round(service_used * 0.9),
                        }
                    )
                ]
            else:
                vals["partner_id"] = account.partner_id.commercial_partner_id.id
            budgets |= self.create(vals)
        return budgets
