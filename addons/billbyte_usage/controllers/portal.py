# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import fields, http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

CHART_DAYS = 31


class BillbyteCloudPortal(CustomerPortal):
    """/my/cloud: the customer's cloud accounts, their unbilled usage (a chart by day,
    a table by service) and a usage download, read with the customer's own rights.
    Budgets, invoices and payments add their sections from their own modules
    (template `billbyte_usage.portal_my_cloud`, div `billbyte_cloud_sections`)."""

    def _billbyte_accounts(self):
        Account = request.env["billbyte.cloud.account"]
        if not Account.has_access("read"):
            return Account
        return Account.search([], order="name, id")

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "billbyte_cloud_account_count" in counters:
            Account = request.env["billbyte.cloud.account"]
            values["billbyte_cloud_account_count"] = (
                Account.search_count([]) if Account.has_access("read") else 0
            )
        return values

    @staticmethod
    def _billbyte_chart(by_day, today):
        """Bars of the last CHART_DAYS days for a server-drawn chart: (day, amount,
        height in % of the largest day)."""
        amounts = {fields.Date.to_date(d["date"]): Decimal(str(d["amount"])) for d in by_day}
        first = today - timedelta(days=CHART_DAYS - 1)
        days = [first + timedelta(days=n) for n in range(CHART_DAYS)]
        top = max([amounts.get(day, Decimal(0)) for day in days] + [Decimal(0)])
        return [
            {
                "day": day,
                "amount": amounts.get(day, Decimal(0)),
                "height": float(amounts.get(day, Decimal(0)) * 100 / top) if top > 0 else 0.0,
            }
            for day in days
        ]

    def _billbyte_cloud_values(self, accounts):
        today = fields.Date.context_today(request.env.user)
        summaries = accounts._get_unbilled_usage() if accounts else []
        currencies = request.env["res.currency"].browse([s["currency_id"] for s in summaries])
        for summary in summaries:
            summary["chart"] = self._billbyte_chart(summary["by_day"], today)
            summary["currency_record"] = currencies.filtered(
                lambda c, s=summary: c.id == s["currency_id"]
            )
        return {
            "cloud_accounts": accounts,
            "usage_summaries": summaries,
            "last_import": accounts._billbyte_last_import() if accounts else False,
            "usage_month": today.strftime("%Y-%m"),
        }

    @http.route(["/my/cloud"], type="http", auth="user", website=True)
    def portal_my_cloud(self, **kwargs):
        accounts = self._billbyte_accounts()
        values = self._prepare_portal_layout_values()
        values.update(self._billbyte_cloud_values(accounts))
        values["page_name"] = "billbyte_cloud"
        return request.render("billbyte_usage.portal_my_cloud", values)

    @http.route(["/my/cloud/accounts/<int:account_id>"], type="http", auth="user", website=True)
    def portal_my_cloud_account(self, account_id, **kwargs):
        # Another customer's account and a missing one look the same: not found.
        account = self._billbyte_accounts().filtered(lambda a: a.id == account_id)
        if not account:
            raise request.not_found()
        values = self._prepare_portal_layout_values()
        values.update(self._billbyte_cloud_values(account))
        values.update({"page_name": "billbyte_cloud_account", "cloud_account": account})
        return request.render("billbyte_usage.portal_my_cloud_account", values)

    @http.route(["/my/cloud/usage.csv"], type="http", auth="user", website=True)
    def portal_my_cloud_usage_csv(self, month=None, account_id=None, **kwargs):
        """The customer's rated usage of a month (default: this month), a line per
        cloud account, service and day, billed or not: customer amounts only."""
        accounts = self._billbyte_accounts()
        if account_id:
            accounts = accounts.filtered(lambda a: str(a.id) == str(account_id))
            if not accounts:
                raise request.not_found()
        try:
            start = date.fromisoformat(f"{month}-01") if month else None
        except ValueError:
            start = None
        if start is None:
            start = fields.Date.context_today(request.env.user).replace(day=1)
        end = start + relativedelta(months=1, days=-1)
        rows = accounts._billbyte_usage_rows(start, end) if accounts else []
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(
            [
                "Date",
                "Cloud Account",
                "Vendor Account ID",
                "Service",
                "Quantity",
                "Unit",
                "Amount",
                "Currency",
                "Billed",
                "Corrects Period",
            ]
        )
        writer.writerows(rows)
        filename = f"cloud-usage-{start.strftime('%Y-%m')}.csv"
        return request.make_response(
            buffer.getvalue().encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
            ],
        )
