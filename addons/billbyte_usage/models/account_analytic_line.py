# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.tools import SQL

from ..fields import FactMany2one


class AccountAnalyticLine(models.Model):
    """Rated cloud usage: one line per cloud account x product x day."""

    _inherit = "account.analytic.line"

    # No foreign key (see FactMany2one): a cloud account with usage cannot be
    # deleted, and its lines exist only through its usage records. Indexed with
    # date and product in _auto_init: the key the import rebuilds lines by.
    billbyte_cloud_account_id = FactMany2one(
        "billbyte.cloud.account", string="Cloud Account", readonly=True
    )
    billbyte_service_name = fields.Char(string="Cloud Service", readonly=True)
    billbyte_currency_id = FactMany2one("res.currency", string="Customer Currency", readonly=True)
    billbyte_price = fields.Monetary(
        string="Customer Amount",
        currency_field="billbyte_currency_id",
        readonly=True,
        help="The rated amount the customer pays for this usage.",
    )
    billbyte_price_exact = fields.Float(
        string="Customer Amount (exact)",
        digits=0,
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
        help="The customer amount before rounding: totals per account and service are "
        "rounded once from these, so sub-cent usage never adds up rounding errors.",
    )
    billbyte_corrected_period = fields.Char(
        string="Corrects Period",
        readonly=True,
        help="Set on corrections and late usage of an invoiced period: the month they correct.",
    )
    billbyte_billed = fields.Boolean(
        string="Billed",
        default=False,
        readonly=True,
        help="On a posted customer invoice. Unbilled usage is every cloud usage line not billed.",
    )

    def _auto_init(self):
        res = super()._auto_init()
        self.env.cr.execute(
            """
            ALTER TABLE account_analytic_line
                DROP CONSTRAINT IF EXISTS account_analytic_line_billbyte_cloud_account_id_fkey;
            DROP INDEX IF EXISTS account_analytic_line__billbyte_cloud_account_id_index;
            DROP INDEX IF EXISTS account_analytic_line__billbyte_billed_index;
            CREATE INDEX IF NOT EXISTS account_analytic_line_billbyte_key_idx
                ON account_analytic_line (billbyte_cloud_account_id, date, product_id)
                WHERE billbyte_cloud_account_id IS NOT NULL;
            """
        )
        return res

    @api.model
    def _billbyte_exact_sums(self, domain):
        """Rows (currency id, cloud account id, product id, service, day, exact customer
        amount, quantity, cost) of the cloud usage lines matching domain, amounts as
        Decimal. One statement, the domain as its WHERE clause (so that the cloud
        account and day index serves it)."""
        query = self.sudo()._search(domain)
        query.order = None
        query.groupby = SQL(
            "%(currency)s, %(account)s, %(product)s, %(service)s, %(day)s",
            currency=SQL.identifier(query.table, "billbyte_currency_id"),
            account=SQL.identifier(query.table, "billbyte_cloud_account_id"),
            product=SQL.identifier(query.table, "product_id"),
            service=SQL.identifier(query.table, "billbyte_service_name"),
            day=SQL.identifier(query.table, "date"),
        )
        rows = self.env.execute_query(
            query.select(
                SQL(
                    """%(groupby)s,
                       sum(COALESCE(%(exact)s, %(price)s))::text,
                       sum(%(quantity)s)::text, sum(%(cost)s)::text""",
                    groupby=query.groupby,
                    exact=SQL.identifier(query.table, "billbyte_price_exact"),
                    price=SQL.identifier(query.table, "billbyte_price"),
                    quantity=SQL.identifier(query.table, "unit_amount"),
                    cost=SQL.identifier(query.table, "amount"),
                )
            )
        )
        return [
            (*row[:5], Decimal(row[5] or 0), Decimal(row[6] or 0), Decimal(row[7] or 0))
            for row in rows
        ]

    @api.model
    def _billbyte_rounder(self, currency_ids):
        """A function rounding a Decimal amount to a currency's precision (half up)."""
        currencies = self.env["res.currency"].browse(sorted(c for c in currency_ids if c))
        steps = {c.id: Decimal(str(c.rounding)) for c in currencies}

        def rounded(amount, currency_id):
            return amount.quantize(steps.get(currency_id, Decimal("0.01")), ROUND_HALF_UP)

        return rounded

    @api.model
    def _billbyte_unbilled_by_account(self, domain):
        """{cloud account id: customer amount} of the lines matching domain, each
        service's exact sum rounded once."""
        rows = self._billbyte_exact_sums(domain)
        rounded = self._billbyte_rounder({row[0] for row in rows})
        per_service = defaultdict(Decimal)
        for currency_id, account_id, product_id, service, _day, price, _qty, _cost in rows:
            per_service[currency_id, account_id, product_id, service] += price
        totals = defaultdict(Decimal)
        for (currency_id, account_id, _product, _service), amount in per_service.items():
            totals[account_id] += rounded(amount, currency_id)
        return totals

    @api.model
    def _billbyte_usage_summary(self, domain, as_text=False):
        """Totals of cloud usage lines matching domain: per currency, service and day.

        Exact decimals are summed first and rounded once per cloud account and service
        (then added up), so thousands of sub-cent records never drift from the rounded
        sum of the records; days are rounded once per day. Amounts are Decimal
        rounded to the currency, as floats (for views and reports) or, with
        `as_text`, as decimal strings (for the API and the portal's JSON).
        """
        rows = self._billbyte_exact_sums(domain)
        return self._billbyte_summarize(rows, as_text)

    @api.model
    def _billbyte_usage_summary_by_account(self, domain, as_text=False):
        """The summary of :meth:`_billbyte_usage_summary` for all the lines matching
        domain and for each cloud account, from one statement: (summary of all,
        {cloud account id: its summary}). Each account's totals add up to the
        total's (the same rounding once per account and service)."""
        rows = self._billbyte_exact_sums(domain)
        per_account = defaultdict(list)
        for row in rows:
            per_account[row[1]].append(row)
        return self._billbyte_summarize(rows, as_text), {
            account_id: self._billbyte_summarize(account_rows, as_text)
            for account_id, account_rows in per_account.items()
        }

    @api.model
    def _billbyte_summarize(self, rows, as_text=False):
        """The summary (per currency: total, by service, by day) of rows of
        :meth:`_billbyte_exact_sums`."""
        currencies = self.env["res.currency"].browse(sorted({row[0] for row in rows if row[0]}))
        rounded = self._billbyte_rounder(currencies.ids)
        exact = defaultdict(Decimal)  # (currency, account, product, service)
        quantity = defaultdict(Decimal)
        per_day = defaultdict(Decimal)  # (currency, day)
        cost = defaultdict(Decimal)
        for currency_id, account_id, product_id, service, day, price, qty, amount in rows:
            exact[currency_id, account_id, product_id, service] += price
            quantity[currency_id, product_id, service] += qty
            per_day[currency_id, day] += price
            cost[currency_id] -= amount
        totals = defaultdict(lambda: {"total": Decimal(0), "services": defaultdict(Decimal)})
        for (currency_id, _account_id, product_id, service), amount in exact.items():
            amount = rounded(amount, currency_id)
            totals[currency_id]["total"] += amount
            totals[currency_id]["services"][product_id, service] += amount
        convert = str if as_text else float
        internal = self.env.user._is_internal()
        result = []
        for currency in currencies.sorted("name"):
            values = totals[currency.id]
            by_service = sorted(
                values["services"].items(), key=lambda item: (-item[1], item[0][1] or "")
            )
            summary = {
                "currency": currency.name,
                "currency_id": currency.id,
                "total": convert(values["total"]),
                "by_service": [
                    {
                        "product_id": product_id,
                        "service": service,
                        "amount": convert(amount),
                        "quantity": format(
                            quantity[currency.id, product_id, service].normalize(), "f"
                        )
                        if as_text
                        else float(quantity[currency.id, product_id, service]),
                    }
                    for (product_id, service), amount in by_service
                ],
                "by_day": [
                    {"date": day, "amount": convert(rounded(amount, currency.id))}
                    for (currency_id, day), amount in sorted(per_day.items(), key=lambda i: i[0][1])
                    if currency_id == currency.id
                ],
            }
            if internal:
                # The provider's cost is not the customer's business.
                summary["cost"] = convert(cost[currency.id])
            result.append(summary)
        return result
