# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Budget evaluation: consumption, forecasts, thresholds and service limits of many
budgets at once.

It runs in the transaction of every import (through the usage hook
`_usage_lines_changed`), when a budget changes, and daily by cron. It is set-based:
one query finds the budgets a change touches, one sums their consumption (per budget,
service and currency), one reads their thresholds, limits and fired alerts; the
outcome is written with one statement per table. What follows a firing (emails,
activities, suspension at the vendor) runs in one queued job after the commit.
"""

import logging
import time
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)


class BillbyteBudgetEvaluation(models.AbstractModel):
    _name = "billbyte.budget.evaluation"
    _description = "Cloud Budget Evaluation"

    @api.model
    def _budgets_of_accounts(self, account_ids):
        """Active budgets whose scope holds one of these cloud accounts."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT b.id FROM billbyte_cloud_budget b
                 WHERE b.active AND b.cloud_account_id = ANY(%(ids)s)
                 UNION
                SELECT b.id FROM billbyte_cloud_budget b
                  JOIN res_partner p ON p.commercial_partner_id = b.partner_id
                  JOIN billbyte_cloud_account ca ON ca.partner_id = p.id
                                                AND ca.company_id = b.company_id
                 WHERE b.active AND b.cloud_account_id IS NULL AND ca.id = ANY(%(ids)s)
                """,
                ids=sorted(account_ids),
            )
        )
        return self.env["billbyte.cloud.budget"].sudo().browse(sorted(r[0] for r in rows))

    @api.model
    def _evaluate_accounts(self, account_ids, today=None):
        """Evaluate the budgets of these cloud accounts (the usage hook's entry)."""
        started = time.monotonic()
        budgets = self._budgets_of_accounts(account_ids)
        if budgets:
            self._evaluate(budgets, today=today)
        elapsed = time.monotonic() - started
        _logger.info(
            "budget check: %d budgets of %d cloud accounts in %.2f s",
            len(budgets),
            len(account_ids),
            elapsed,
        )
        return elapsed

    # ------------------------------------------------------------------ the run
    @api.model
    def _evaluate(self, budgets, today=None):
        # `billbyte_as_of` in the context evaluates as of another day (a re-run of a
        # past day, tests).
        today = fields.Date.to_date(
            today or self.env.context.get("billbyte_as_of") or fields.Date.context_today(self)
        )
        budgets = (
            budgets.sudo()
            .exists()
            .with_context(
                billbyte_budget_evaluating=True,
                mail_create_nolog=True,
                mail_notrack=True,
                tracking_disable=True,
            )
        )
        if not budgets:
            return budgets
        # The statements below read budgets, limits and usage lines in SQL.
        self.env.flush_all()
        periods = {}
        for budget in budgets:
            period = budget._period_at(today) if budget.active else None
            if period:
                periods[budget.id] = period
        live = budgets.filtered(lambda b: b.id in periods)
        sums = self._consumption(live, periods)
        thresholds, limits, fired = self._definitions(budgets)
        rate_of, rate_notes = self._rates(live, sums, periods, today)

        out = {"status": [], "limits": [], "new": [], "rearm": [], "release": []}
        now = fields.Datetime.now()
        for budget in budgets:
            self._judge(
                budget,
                periods.get(budget.id),
                today,
                sums.get(budget.id, {}),
                rate_of,
                rate_notes.get(budget.id),
                thresholds.get(budget.id, []),
                limits.get(budget.id, []),
                fired.get(budget.id, []),
                now,
                out,
            )
        status_rows, limit_rows = out["status"], out["limits"]
        new_alerts, rearm_ids, release_ids = out["new"], out["rearm"], out["release"]
        self._write_status(status_rows, limit_rows, now)
        Alert = (
            self.env["billbyte.budget.alert"]
            .sudo()
            .with_context(mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        )
        if rearm_ids:
            self.env.execute_query(
                SQL(
                    """
                    UPDATE billbyte_budget_alert a
                       SET state = 'rearmed', rearmed_on = %(now)s,
                           rearmed_percent = b.consumed_pct
                      FROM billbyte_cloud_budget b
                     WHERE b.id = a.budget_id AND a.id = ANY(%(ids)s)
                    """,
                    now=now,
                    ids=rearm_ids,
                )
            )
            Alert.invalidate_model(["state", "rearmed_on", "rearmed_percent"])
        created = Alert.browse(self._insert_alerts(new_alerts)) if new_alerts else Alert
        if created:
            created.with_delay(
                channel="root.billbyte_budget",
                description=self.env._("Budget alerts: notify and enforce"),
            )._act()
        if release_ids:
            Alert.browse(release_ids).with_delay(
                channel="root.billbyte_budget",
                description=self.env._("Budget alerts: release enforcement"),
            )._release()
        return created

    @api.model
    def _judge(
        self,
        budget,
        period,
        today,
        sums,
        rate_of,
        rate_note,
        thresholds,
        limits,
        budget_fired,
        now,
        out,
    ):
        """One budget's outcome from the figures read: rows to write and alerts to
        create, re-arm or release, appended to `out` (no query)."""
        if not period:
            # Ended (or not started): nothing is held any more.
            for alert in budget_fired:
                self._close(alert, out)
            status = "ended" if budget.date_start <= today else "pending"
            out["status"].append((budget.id, None, None, 0, 0, 0, 0, 0, None, status, None))
            out["limits"] += [(limit["id"], 0, 0, 0, False) for limit in limits]
            return
        start, end = period
        # Alerts of earlier periods are done with; what they enforced is released.
        current = []
        for alert in budget_fired:
            if alert["period_start"] == start:
                current.append(alert)
            else:
                self._close(alert, out)
        currency = budget.currency_id
        step = Decimal(10) ** -currency.decimal_places
        per_service = defaultdict(Decimal)
        consumed = qty = Decimal(0)
        for (service, currency_id), (amount, quantity) in sums.items():
            converted = amount * rate_of(currency_id, currency.id, budget.company_id.id, end)
            per_service[service] += converted
            consumed += converted
            qty += quantity
        consumed = consumed.quantize(step, ROUND_HALF_UP)
        elapsed = (min(today, end) - start).days + 1
        pace = Decimal((end - start).days + 1) / Decimal(elapsed)
        forecast = (consumed * pace).quantize(step, ROUND_HALF_UP)
        amount = Decimal(str(budget.amount or 0))
        quota = Decimal(str(budget.quota_qty or 0)) if budget.product_id else Decimal(0)
        shares = [consumed * HUNDRED / amount] if amount else []
        if quota:
            shares.append(qty * HUNDRED / quota)
        pct = max(shares, default=Decimal(0))
        forecast_date = None
        if 0 < pct < HUNDRED <= pct * pace:
            # Days at this pace until 100 %, counted from the period's start.
            days = (HUNDRED * Decimal(elapsed) / pct).to_integral_value(ROUND_CEILING)
            forecast_date = start + timedelta(days=int(days) - 1)
        moment = {
            "budget_id": budget.id,
            "period_start": start,
            "period_end": end,
            "fired_on": now,
        }
        # Thresholds fire once per period; falling back below re-arms them.
        fired_thresholds = {a["threshold_id"]: a for a in current if a["kind"] == "threshold"}
        for threshold in thresholds:
            alert = fired_thresholds.get(threshold["id"])
            if pct >= Decimal(str(threshold["percent"])):
                if not alert:
                    out["new"].append(
                        dict(
                            moment,
                            kind="threshold",
                            threshold_id=threshold["id"],
                            threshold_percent=threshold["percent"],
                            action=threshold["action"],
                            percent=float(pct),
                            consumed_amount=float(consumed),
                            consumed_qty=float(qty),
                            limit_amount=float(amount),
                            forecast_amount=float(forecast),
                            forecast_date=forecast_date,
                        )
                    )
            elif alert:
                self._close(alert, out)
        fired_limits = {a["service_limit_id"]: a for a in current if a["kind"] == "limit"}
        for limit in limits:
            self._judge_limit(
                limit, per_service, amount, step, pace, moment, fired_limits.get(limit["id"]), out
            )
        if pct >= HUNDRED:
            status = "exceeded"
        elif thresholds and pct >= Decimal(str(thresholds[0]["percent"])):
            status = "warning"
        else:
            status = "ok"
        out["status"].append(
            (
                budget.id,
                start,
                end,
                consumed,
                qty,
                float(pct),
                forecast,
                float(pct * pace),
                forecast_date,
                status,
                rate_note,
            )
        )

    @api.model
    def _judge_limit(self, limit, per_service, budget_amount, step, pace, moment, alert, out):
        cap = self._cap(limit, budget_amount, step)
        spent = per_service.get(limit["service_name"], Decimal(0)).quantize(step, ROUND_HALF_UP)
        over = bool(cap) and spent >= cap
        pct = spent * HUNDRED / cap if cap else Decimal(0)
        forecast = (spent * pace).quantize(step, ROUND_HALF_UP)
        out["limits"].append((limit["id"], spent, float(pct), forecast, over))
        if over and not alert:
            out["new"].append(
                dict(
                    moment,
                    kind="limit",
                    service_limit_id=limit["id"],
                    service_name=limit["service_name"],
                    action=limit["action"],
                    percent=float(pct),
                    consumed_amount=float(spent),
                    limit_amount=float(cap),
                    forecast_amount=float(forecast),
                )
            )
        elif not over and alert:
            self._close(alert, out)

    @api.model
    def _close(self, alert, out):
        """Re-arm a fired alert, releasing what it enforced."""
        out["rearm"].append(alert["id"])
        if alert["enforcement"] == "requested":
            out["release"].append(alert["id"])

    # -------------------------------------------------------------- the queries
    @api.model
    def _consumption(self, budgets, periods):
        """{budget id: {(service, currency id): (amount, quantity of the quota
        product)}} of the cloud usage in each budget's current period: one query."""
        if not budgets:
            return {}
        ids = list(periods)
        rows = self.env.execute_query(
            SQL(
                """
                WITH period AS (
                    SELECT * FROM unnest(%(ids)s::int[], %(starts)s::date[], %(ends)s::date[])
                        AS p(budget_id, date_from, date_to)
                ), scope AS (
                    SELECT p.*, b.product_id, b.cloud_account_id AS account_id
                      FROM period p JOIN billbyte_cloud_budget b ON b.id = p.budget_id
                     WHERE b.cloud_account_id IS NOT NULL
                     UNION ALL
                    SELECT p.*, b.product_id, ca.id
                      FROM period p JOIN billbyte_cloud_budget b ON b.id = p.budget_id
                      JOIN res_partner rp ON rp.commercial_partner_id = b.partner_id
                      JOIN billbyte_cloud_account ca ON ca.partner_id = rp.id
                                                    AND ca.company_id = b.company_id
                     WHERE b.cloud_account_id IS NULL
                )
                SELECT s.budget_id, l.billbyte_service_name, l.billbyte_currency_id,
                       sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text,
                       sum(CASE WHEN l.product_id = s.product_id THEN l.unit_amount END)::text
                  FROM scope s
                  JOIN account_analytic_line l
                    ON l.billbyte_cloud_account_id = s.account_id
                   AND l.date BETWEEN s.date_from AND s.date_to
                 GROUP BY s.budget_id, l.billbyte_service_name, l.billbyte_currency_id
                """,
                ids=ids,
                starts=[periods[i][0] for i in ids],
                ends=[periods[i][1] for i in ids],
            )
        )
        sums = defaultdict(dict)
        for budget_id, service, currency_id, amount, qty in rows:
            sums[budget_id][(service, currency_id)] = (Decimal(amount or 0), Decimal(qty or 0))
        return sums

    @api.model
    def _definitions(self, budgets):
        """Thresholds, limits and alerts still fired, per budget id: three queries."""
        ids = budgets.ids
        thresholds = defaultdict(list)
        for row in self.env.execute_query_dict(
            SQL(
                """SELECT id, budget_id, percent, action FROM billbyte_budget_threshold
                    WHERE budget_id = ANY(%s) ORDER BY budget_id, sequence, percent, id""",
                ids,
            )
        ):
            thresholds[row["budget_id"]].append(row)
        limits = defaultdict(list)
        for row in self.env.execute_query_dict(
            SQL(
                """SELECT id, budget_id, service_name, cap_type, cap_amount, cap_share, action,
                          fallback
                     FROM billbyte_budget_service_limit
                    WHERE budget_id = ANY(%s) ORDER BY id""",
                ids,
            )
        ):
            limits[row["budget_id"]].append(row)
        fired = defaultdict(list)
        for row in self.env.execute_query_dict(
            SQL(
                """SELECT id, budget_id, kind, threshold_id, service_limit_id, period_start,
                          enforcement
                     FROM billbyte_budget_alert
                    WHERE budget_id = ANY(%s) AND state = 'fired'""",
                ids,
            )
        ):
            fired[row["budget_id"]].append(row)
        return thresholds, limits, fired

    @api.model
    def _cap(self, limit, budget_amount, step):
        if limit["cap_type"] == "share":
            return (budget_amount * Decimal(str(limit["cap_share"] or 0)) / HUNDRED).quantize(
                step, ROUND_HALF_UP
            )
        return Decimal(str(limit["cap_amount"] or 0))

    @api.model
    def _rates(self, budgets, sums, periods, today):
        """A function giving the Decimal rate from a usage currency to a budget's, at
        the day evaluated (the period's end at the latest), and per budget the note
        saying at which rate and date it converted."""
        Currency = self.env["res.currency"]
        cache = {}

        def rate_of(from_id, to_id, company_id, end):
            if not from_id or from_id == to_id:
                return Decimal(1)
            day = min(today, end)
            key = (from_id, to_id, company_id, day)
            if key not in cache:
                rate = Currency._get_conversion_rate(
                    Currency.browse(from_id),
                    Currency.browse(to_id),
                    self.env["res.company"].browse(company_id),
                    day,
                )
                cache[key] = Decimal(repr(rate))
            return cache[key]

        notes = {}
        for budget in budgets:
            start, end = periods[budget.id]
            day = min(today, end)
            foreign = sorted(
                {c for (_s, c) in sums.get(budget.id, {}) if c and c != budget.currency_id.id}
                | (
                    {budget.usage_currency_id.id}
                    if budget.usage_currency_id and budget.usage_currency_id != budget.currency_id
                    else set()
                )
            )
            if foreign:
                parts = []
                for currency_id in foreign:
                    rate = rate_of(currency_id, budget.currency_id.id, budget.company_id.id, end)
                    parts.append(
                        self.env._(
                            "1 %(from)s = %(rate)s %(to)s",
                            **{
                                "from": Currency.browse(currency_id).name,
                                "rate": f"{rate:.6f}",
                                "to": budget.currency_id.name,
                            },
                        )
                    )
                notes[budget.id] = self.env._(
                    "Usage converted at %(rates)s, Odoo's rate of %(date)s.",
                    rates="; ".join(parts),
                    date=fields.Date.to_string(day),
                )
        return rate_of, notes

    @api.model
    def _insert_alerts(self, new_alerts):
        """Insert the alerts fired (a log: thousands may fire in one first import of a
        month) in one statement; return their ids."""
        columns = (
            ("budget_id", "int"),
            ("kind", "varchar"),
            ("threshold_id", "int"),
            ("service_limit_id", "int"),
            ("service_name", "varchar"),
            ("action", "varchar"),
            ("period_start", "date"),
            ("period_end", "date"),
            ("percent", "float8"),
            ("threshold_percent", "float8"),
            ("consumed_amount", "numeric"),
            ("consumed_qty", "numeric"),
            ("limit_amount", "numeric"),
            ("forecast_amount", "numeric"),
            ("forecast_date", "date"),
        )
        arrays = {name: [alert.get(name) for alert in new_alerts] for name, _type in columns}
        for name, kind in columns:
            if kind == "numeric":
                arrays[name] = [None if v is None else str(v) for v in arrays[name]]
        names = [name for name, _type in columns]
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO billbyte_budget_alert
                       (%(names)s, company_id, partner_id, cloud_account_id, fired_on, state,
                        notified, enforcement, create_uid, create_date, write_uid, write_date)
                SELECT %(v_names)s, b.company_id, b.partner_id, b.cloud_account_id,
                       %(now)s, 'fired', false, 'none', %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(arrays)s) AS v(%(names)s)
                  JOIN billbyte_cloud_budget b ON b.id = v.budget_id
                RETURNING id
                """,
                names=SQL(", ").join(SQL.identifier(name) for name in names),
                v_names=SQL(", ").join(SQL.identifier("v", name) for name in names),
                arrays=SQL(", ").join(
                    SQL("%s::" + kind + "[]", arrays[name]) for name, kind in columns
                ),
                now=new_alerts[0]["fired_on"],
                uid=self.env.uid,
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _write_status(self, status_rows, limit_rows, now):
        if status_rows:
            columns = list(zip(*status_rows, strict=True))
            self.env.execute_query(
                SQL(
                    """
                    UPDATE billbyte_cloud_budget b
                       SET period_start = v.period_start, period_end = v.period_end,
                           consumed_amount = v.consumed, consumed_qty = v.qty,
                           consumed_pct = v.pct, forecast_amount = v.forecast,
                           forecast_pct = v.forecast_pct, forecast_date = v.forecast_date,
                           status = v.status, rate_note = v.rate_note,
                           last_evaluation = %(now)s
                      FROM unnest(%(ids)s::int[], %(starts)s::date[], %(ends)s::date[],
                                  %(consumed)s::numeric[], %(qty)s::numeric[], %(pct)s::float8[],
                                  %(forecast)s::numeric[], %(fpct)s::float8[],
                                  %(fdate)s::date[], %(status)s::varchar[], %(notes)s::varchar[])
                           AS v(id, period_start, period_end, consumed, qty, pct, forecast,
                                forecast_pct, forecast_date, status, rate_note)
                     WHERE b.id = v.id
                    """,
                    now=now,
                    ids=list(columns[0]),
                    starts=list(columns[1]),
                    ends=list(columns[2]),
                    consumed=[str(v) for v in columns[3]],
                    qty=[str(v) for v in columns[4]],
                    pct=list(columns[5]),
                    forecast=[str(v) for v in columns[6]],
                    fpct=list(columns[7]),
                    fdate=list(columns[8]),
                    status=list(columns[9]),
                    notes=list(columns[10]),
                )
            )
            self.env["billbyte.cloud.budget"].invalidate_model(
                [
                    "period_start",
                    "period_end",
                    "consumed_amount",
                    "consumed_qty",
                    "consumed_pct",
                    "forecast_amount",
                    "forecast_pct",
                    "forecast_date",
                    "status",
                    "rate_note",
                    "last_evaluation",
                ]
            )
        if limit_rows:
            columns = list(zip(*limit_rows, strict=True))
            self.env.execute_query(
                SQL(
                    """
                    UPDATE billbyte_budget_service_limit l
                       SET consumed_amount = v.consumed, consumed_pct = v.pct,
                           forecast_amount = v.forecast, exceeded = v.over
                      FROM unnest(%(ids)s::int[], %(consumed)s::numeric[], %(pct)s::float8[],
                                  %(forecast)s::numeric[], %(over)s::bool[])
                           AS v(id, consumed, pct, forecast, over)
                     WHERE l.id = v.id
                    """,
                    ids=list(columns[0]),
                    consumed=[str(v) for v in columns[1]],
                    pct=list(columns[2]),
                    forecast=[str(v) for v in columns[3]],
                    over=list(columns[4]),
                )
            )
            self.env["billbyte.budget.service.limit"].invalidate_model(
                ["consumed_amount", "consumed_pct", "forecast_amount", "exceeded"]
            )
