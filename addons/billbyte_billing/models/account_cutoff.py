# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

ACCRUAL_TYPES = ("accrued_revenue", "accrued_expense")


class AccountCutoff(models.Model):
    """OCA cut-offs, fed with cloud usage not yet invoiced at the cut-off date: its
    rated amount as accrued revenue, its imported vendor cost as accrued expense."""

    _inherit = "account.cutoff"

    billbyte_usage = fields.Boolean(
        string="Cloud Usage",
        default=True,
        help="Accrued revenue and expense cut-offs include the rated usage not yet on a "
        "posted invoice dated on or before the cut-off date (revenue) and its imported "
        "vendor cost (expense), per customer, cloud account and service.",
    )

    def _get_merge_keys(self):
        return [*super()._get_merge_keys(), "billbyte_cloud_account_id", "billbyte_service_name"]

    def _prepare_provision_line(self, cutoff_line):
        vals = super()._prepare_provision_line(cutoff_line)
        vals["billbyte_cloud_account_id"] = cutoff_line.billbyte_cloud_account_id.id or False
        vals["billbyte_service_name"] = cutoff_line.billbyte_service_name or False
        if cutoff_line.billbyte_cloud_account_id:
            # The margin per customer reads the customer from the entry.
            vals["partner_id"] = cutoff_line.partner_id.id or False
        return vals

    def _prepare_move(self, to_provision):
        """OCA's entry, with its counterpart summed in Decimal from the rounded lines
        (OCA sums floats): debits equal credits to the cent however many lines."""
        vals = super()._prepare_move(to_provision)
        commands = vals["line_ids"]
        total = sum(
            (
                Decimal(str(command[2]["credit"])) - Decimal(str(command[2]["debit"]))
                for command in commands[:-1]
            ),
            Decimal(0),
        )
        counterpart = commands[-1][2]
        counterpart["debit"] = float(total) if total > 0 else 0.0
        counterpart["credit"] = float(-total) if total < 0 else 0.0
        return vals

    def _prepare_provision_tax_line(self, cutoff_tax_line):
        vals = super()._prepare_provision_tax_line(cutoff_tax_line)
        vals.update(billbyte_cloud_account_id=False, billbyte_service_name=False)
        return vals

    def get_lines(self):
        res = super().get_lines()
        for cutoff in self:
            if cutoff.billbyte_usage and cutoff.cutoff_type in ACCRUAL_TYPES:
                cutoff._billbyte_add_usage_lines()
        return res

    def _billbyte_usage_rows(self):
        """Usage not yet invoiced at the cut-off date, summed per customer (of the day),
        cloud account, product, service and customer currency: rated amount and vendor
        cost (company currency) as Decimal."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT COALESCE(o.partner_id, ca.partner_id), l.billbyte_cloud_account_id,
                   l.product_id, COALESCE(l.billbyte_service_name, ''), l.billbyte_currency_id,
                   sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text,
                   (-sum(l.amount))::text, min(l.date), max(l.date)
              FROM account_analytic_line l
              JOIN billbyte_cloud_account ca ON ca.id = l.billbyte_cloud_account_id
              LEFT JOIN account_move_line ml ON ml.id = l.billbyte_invoice_line_id
              LEFT JOIN LATERAL (
                   SELECT ow.partner_id FROM billbyte_cloud_account_owner ow
                    WHERE ow.cloud_account_id = ca.id AND ow.date_to >= l.date
                    ORDER BY ow.date_to LIMIT 1) o ON true
             WHERE l.billbyte_cloud_account_id IS NOT NULL
               AND ca.company_id = %(company)s
               AND l.date <= %(date)s
               AND (NOT l.billbyte_billed
                    OR (ml.id IS NULL AND l.billbyte_external_billing_id IS NULL)
                    OR ml.parent_state <> 'posted' OR ml.date > %(date)s)
             GROUP BY 1, 2, 3, 4, 5
             ORDER BY 1, 2, 4, 3
            """,
            {"company": self.company_id.id, "date": self.cutoff_date},
        )
        return [
            {
                "partner_id": row[0],
                "account_id": row[1],
                "product_id": row[2],
                "service": row[3],
                "currency_id": row[4],
                "price": Decimal(row[5] or 0),
                "cost": Decimal(row[6] or 0),
                "first_day": row[7],
                "last_day": row[8],
            }
            for row in self.env.cr.fetchall()
        ]

    def _billbyte_add_usage_lines(self):
        """Cut-off lines of the usage not yet invoiced: one per customer, cloud account
        and service (products of a service merge when they share the account)."""
        self.ensure_one()
        company = self.company_id
        company_currency = company.currency_id
        step = Decimal(str(company_currency.rounding))
        rows = self._billbyte_usage_rows()
        if not rows:
            return
        mapping = self._get_mapping_dict()
        products = self.env["product.product"].browse(sorted({r["product_id"] for r in rows}))
        accounts = self.env["billbyte.cloud.account"].browse(
            sorted({r["account_id"] for r in rows})
        )
        rates = {}
        sums = defaultdict(lambda: {"amount": Decimal(0), "company": Decimal(0)})
        revenue = self.cutoff_type == "accrued_revenue"
        for row in rows:
            product = products.browse(row["product_id"])
            product_accounts = product.product_tmpl_id.with_company(company).get_product_accounts()
            if revenue:
                account = product_accounts["income"]
                currency_id = row["currency_id"] or company_currency.id
                if currency_id not in rates:
                    currency = self.env["res.currency"].browse(currency_id)
                    rates[currency_id] = Decimal(
                        str(
                            currency._get_conversion_rate(
                                currency, company_currency, company, self.cutoff_date
                            )
                        )
                    )
                amount = row["price"]
                in_company = amount * rates[currency_id]
                sign = 1
            else:
                account = company.billbyte_accrual_cost_account_id or product_accounts["expense"]
                currency_id = company_currency.id
                amount = in_company = row["cost"]
                sign = -1
            if not account:
                raise UserError(
                    self.env._(
                        "%(product)s has no %(kind)s account: set one on the product or its "
                        "category.",
                        product=product.display_name,
                        kind=self.env._("income") if revenue else self.env._("expense"),
                    )
                )
            key = (row["partner_id"], row["account_id"], row["service"], account.id, currency_id)
            sums[key]["amount"] += amount
            sums[key]["company"] += in_company
            sums[key].setdefault("first_day", row["first_day"])
            sums[key]["first_day"] = min(sums[key]["first_day"], row["first_day"])
            sums[key].setdefault("last_day", row["last_day"])
            sums[key]["last_day"] = max(sums[key]["last_day"], row["last_day"])
            sums[key].setdefault("service_label", row["service"] or product.display_name)
        commands = []
        for (partner_id, account_id, service, gl_account_id, currency_id), value in sums.items():
            cutoff_amount = value["company"].quantize(step, ROUND_HALF_UP) * sign
            if not cutoff_amount:
                continue
            cloud_account = accounts.browse(account_id)
            currency = self.env["res.currency"].browse(currency_id)
            amount = value["amount"].quantize(Decimal(str(currency.rounding)), ROUND_HALF_UP)
            commands.append(
                Command.create(
                    {
                        "parent_id": self.id,
                        "name": self.env._(
                            "%(service)s, %(account)s (%(vendor_id)s): usage %(start)s to %(end)s",
                            service=value["service_label"],
                            account=cloud_account.name,
                            vendor_id=cloud_account.vendor_account_id,
                            start=value["first_day"],
                            end=value["last_day"],
                        ),
                        "partner_id": partner_id,
                        "account_id": gl_account_id,
                        "cutoff_account_id": mapping.get(gl_account_id, gl_account_id),
                        "currency_id": currency_id,
                        "amount": float(amount * sign),
                        "cutoff_amount": float(cutoff_amount),
                        "analytic_distribution": {str(cloud_account.analytic_account_id.id): 100}
                        if cloud_account.analytic_account_id
                        else False,
                        "billbyte_cloud_account_id": account_id,
                        "billbyte_service_name": service or False,
                    }
                )
            )
        self.write({"line_ids": commands})

    # ------------------------------------------------------------------ month end

    @api.model
    def _billbyte_month_end(self, company, month_end):
        """Accrue the usage of a company not invoiced at `month_end`: an accrued revenue
        and an accrued expense cut-off of that day, their entries posted and reversed on
        the next day (the 1st). Cut-offs already done are left as they are.

        Returns the cut-offs."""
        self = self.with_company(company)
        missing = [
            label
            for label, value in (
                (
                    self.env._("Default Account for Accrued Revenues"),
                    company.default_accrued_revenue_account_id,
                ),
                (
                    self.env._("Default Account for Accrued Expenses"),
                    company.default_accrued_expense_account_id,
                ),
            )
            if not value
        ]
        if missing:
            raise UserError(
                self.env._(
                    "Set %(settings)s of %(company)s (Invoicing settings, Cut-offs) first.",
                    settings=", ".join(missing),
                    company=company.name,
                )
            )
        journal = company.default_cutoff_journal_id or self.env["account.journal"].search(
            [("type", "=", "general"), ("company_id", "=", company.id)], limit=1
        )
        cutoffs = self.browse()
        for cutoff_type in ACCRUAL_TYPES:
            cutoff = self.search(
                [
                    ("company_id", "=", company.id),
                    ("cutoff_date", "=", month_end),
                    ("cutoff_type", "=", cutoff_type),
                ],
                limit=1,
            )
            if cutoff.state == "done":
                cutoffs |= cutoff
                continue
            if not cutoff:
                cutoff = self.create(
                    {
                        "company_id": company.id,
                        "cutoff_date": month_end,
                        "cutoff_type": cutoff_type,
                        "cutoff_journal_id": journal.id,
                        "auto_reverse": True,
                        "move_partner": True,
                    }
                )
            else:
                cutoff.write({"auto_reverse": True})
            cutoff.get_lines()
            if not cutoff.line_ids:
                cutoff.message_post(body=self.env._("Nothing to accrue."))
                cutoffs |= cutoff
                continue
            cutoff.create_move()
            (cutoff.move_id | cutoff.move_reversal_id).filtered(
                lambda move: move.state == "draft"
            )._post(soft=False)
            cutoffs |= cutoff
        return cutoffs

    @api.model
    def _cron_billbyte_month_end(self):
        """On the 1st: accrue last month's usage not invoiced, in every company whose
        accrual accounts are set."""
        first = fields.Date.context_today(self).replace(day=1)
        month_end = first - timedelta(days=1)
        companies = self.env["res.company"].search(
            [
                ("default_accrued_revenue_account_id", "!=", False),
                ("default_accrued_expense_account_id", "!=", False),
            ]
        )
        for company in companies:
            self.with_company(company)._billbyte_month_end(company, month_end)
        return True
