# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class BillbyteBudgetReport(models.Model):
    """Consumption against budget over each budget's current period, day by day: one
    row per budget, day and series (cumulative consumption per service, the budget,
    the linear forecast, each service's cap), in the budget's currency, so that a line
    graph grouped by day and series shows where the period is heading."""

    _name = "billbyte.budget.report"
    _description = "Cloud Budget Consumption"
    _auto = False
    _order = "day, series"
    _rec_name = "budget_id"

    budget_id = fields.Many2one("billbyte.cloud.budget", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    cloud_account_id = fields.Many2one("billbyte.cloud.account", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    day = fields.Date(readonly=True)
    series = fields.Selection(
        [
            ("consumed", "Consumed"),
            ("budget", "Budget"),
            ("forecast", "Forecast"),
            ("cap", "Service Cap"),
        ],
        readonly=True,
    )
    service_name = fields.Char(string="Service", readonly=True)
    value = fields.Monetary(string="Amount", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
            WITH b AS (
                SELECT id, company_id, partner_id, cloud_account_id, currency_id, amount,
                       consumed_amount, period_start, period_end,
                       (LEAST(CURRENT_DATE, period_end) - period_start + 1) AS elapsed
                  FROM billbyte_cloud_budget
                 WHERE active AND period_start IS NOT NULL
            ), days AS (
                SELECT b.*, d::date AS day
                  FROM b, generate_series(b.period_start, b.period_end, interval '1 day') d
            ), scope AS (
                SELECT b.id AS budget_id, b.cloud_account_id AS account_id
                  FROM b WHERE b.cloud_account_id IS NOT NULL
                 UNION ALL
                SELECT b.id, ca.id
                  FROM b
                  JOIN res_partner rp ON rp.commercial_partner_id = b.partner_id
                  JOIN billbyte_cloud_account ca ON ca.partner_id = rp.id
                                                AND ca.company_id = b.company_id
                 WHERE b.cloud_account_id IS NULL
            ), daily AS (
                SELECT s.budget_id, l.billbyte_service_name AS service_name, l.date AS day,
                       sum(COALESCE(l.billbyte_price_exact, l.billbyte_price)) AS amount
                  FROM scope s
                  JOIN b ON b.id = s.budget_id
                  JOIN account_analytic_line l
                    ON l.billbyte_cloud_account_id = s.account_id
                   AND l.date BETWEEN b.period_start AND b.period_end
                 GROUP BY 1, 2, 3
            ), factor AS (
                -- The evaluation's conversion into the budget's currency, as one factor.
                SELECT b.id AS budget_id,
                       CASE WHEN COALESCE(sum(daily.amount), 0) = 0 THEN 1
                            ELSE b.consumed_amount / sum(daily.amount) END AS factor
                  FROM b LEFT JOIN daily ON daily.budget_id = b.id
                 GROUP BY b.id, b.consumed_amount
            ), services AS (
                SELECT DISTINCT budget_id, service_name FROM daily
            ), consumed AS (
                SELECT days.id AS budget_id, days.day, sv.service_name,
                       sum(COALESCE(daily.amount, 0) * f.factor) OVER (
                           PARTITION BY days.id, sv.service_name ORDER BY days.day
                       ) AS value
                  FROM days
                  JOIN services sv ON sv.budget_id = days.id
                  JOIN factor f ON f.budget_id = days.id
                  LEFT JOIN daily ON daily.budget_id = days.id AND daily.day = days.day
                                 AND daily.service_name = sv.service_name
                 WHERE days.day <= LEAST(CURRENT_DATE, days.period_end)
            ), rows AS (
                SELECT budget_id, day, 'consumed' AS series, service_name, value FROM consumed
                 UNION ALL
                SELECT id, day, 'budget', NULL, amount FROM days WHERE amount > 0
                 UNION ALL
                SELECT id, day, 'forecast', NULL,
                       consumed_amount * (day - period_start + 1) / GREATEST(elapsed, 1)
                  FROM days
                 UNION ALL
                SELECT days.id, days.day, 'cap', lim.service_name,
                       CASE WHEN lim.cap_type = 'share'
                            THEN days.amount * lim.cap_share::numeric / 100
                            ELSE lim.cap_amount END
                  FROM days JOIN billbyte_budget_service_limit lim ON lim.budget_id = days.id
            )
            SELECT row_number() OVER (ORDER BY rows.budget_id, rows.day, rows.series,
                                               rows.service_name) AS id,
                   rows.budget_id, b.company_id, b.partner_id, b.cloud_account_id,
                   b.currency_id, rows.day, rows.series, rows.service_name,
                   round(rows.value, 2) AS value
              FROM rows JOIN b ON b.id = rows.budget_id
            )
            """
        )
