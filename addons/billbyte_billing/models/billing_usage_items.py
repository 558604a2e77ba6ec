# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class BillbyteBillingUsageItems(models.AbstractModel):
    """What a billing run bills of the usage: the batch's unbilled usage read and
    locked in one query, and its invoice items per customer, currency, cloud
    account and service (inherited by billbyte.billing.run)."""

    _name = "billbyte.billing.usage.items"
    _description = "Cloud Billing: usage items"

    def _usage_groups(self, rows):
        """The batch's unbilled usage, summed per customer, currency, cloud account,
        product, service and corrected period, into the temp table bb_bill (one row per
        analytic line, locked) and returned as dicts."""
        cr = self.env.cr
        self._fill_scope(rows)
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_bill (aal_id int, account_id int, "
            "partner_id int, currency_id int, product_id int, service text, period text, "
            "day date) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_bill")
        cr.execute(
            SQL(
                """
            INSERT INTO bb_bill
            SELECT l.id, l.billbyte_cloud_account_id, s.partner_id, l.billbyte_currency_id,
                   l.product_id, COALESCE(l.billbyte_service_name, ''),
                   COALESCE(l.billbyte_corrected_period, ''), l.date
              FROM account_analytic_line l
              JOIN bb_bill_scope s ON s.account_id = l.billbyte_cloud_account_id
                                  AND l.date <= s.date_to
                                  AND (s.date_from IS NULL OR l.date >= s.date_from)
             WHERE NOT l.billbyte_billed
            %s
            """,
                # A preview of what a run would bill (the API's line items) reads
                # the lines without locking them against imports.
                SQL("" if self.env.context.get("billbyte_preview") else "FOR UPDATE OF l"),
            )
        )
        cr.execute("ANALYZE bb_bill")
        cr.execute(
            """
            SELECT b.partner_id, b.currency_id, b.account_id, b.product_id, b.service,
                   b.period, min(b.day), max(b.day),
                   sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text,
                   sum(l.unit_amount)::text, (-sum(l.amount))::text
              FROM bb_bill b
              JOIN account_analytic_line l ON l.id = b.aal_id
             GROUP BY 1, 2, 3, 4, 5, 6
             ORDER BY 1, 2, 3, 6, 5, 4
            """
        )
        groups = [
            {
                "partner_id": row[0],
                "currency_id": row[1],
                "account_id": row[2],
                "product_id": row[3],
                "service": row[4],
                "period": row[5],
                "first_day": row[6],
                "last_day": row[7],
                "price": Decimal(row[8] or 0),
                "quantity": Decimal(row[9] or 0),
                "cost": Decimal(row[10] or 0),
            }
            for row in cr.fetchall()
        ]
        cr.execute(
            """
            SELECT b.partner_id, b.currency_id, b.account_id, b.product_id, b.service,
                   b.period, min(r.billing_currency_id), max(r.billing_currency_id),
                   sum(r.billed_cost)::text
              FROM (SELECT DISTINCT partner_id, currency_id, account_id, product_id, service,
                           period, day FROM bb_bill) b
              JOIN billbyte_usage_record r ON r.cloud_account_id = b.account_id
                                          AND r.usage_date = b.day
                                          AND r.product_id = b.product_id
                                          AND COALESCE(r.corrected_period, '') = b.period
             GROUP BY 1, 2, 3, 4, 5, 6
            """
        )
        vendor = {
            row[:6]: (row[6], Decimal(row[8] or 0)) for row in cr.fetchall() if row[6] == row[7]
        }
        for group in groups:
            key = tuple(
                group[k]
                for k in (
                    "partner_id",
                    "currency_id",
                    "account_id",
                    "product_id",
                    "service",
                    "period",
                )
            )
            group["vendor"] = vendor.get(key)
        return groups

    def _usage_items(self, groups, periods):
        """Invoice line items of usage groups: dicts with partner_id, currency_id,
        section (cloud account) and the line's values."""
        if not groups:
            return []
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .browse(sorted({g["account_id"] for g in groups}))
        )
        period_of = {account.id: periods.get(account) for account in accounts}
        products = (
            self.env["product.product"].sudo().browse(sorted({g["product_id"] for g in groups}))
        )
        currencies = self.env["res.currency"].browse(sorted({g["currency_id"] for g in groups}))
        steps = {c.id: Decimal(str(c.rounding)) for c in currencies}
        items = []
        for group in groups:
            account = accounts.browse(group["account_id"])
            product = products.browse(group["product_id"])
            amount = group["price"].quantize(steps[group["currency_id"]], ROUND_HALF_UP)
            service = group["service"] or product.display_name
            if group["period"]:
                year, month = (int(part) for part in group["period"].split("-"))
                start = fields.Date.to_date(f"{year:04d}-{month:02d}-01")
                end = start.replace(day=28) + timedelta(days=4)
                end -= timedelta(days=end.day)
                label = self.env._(
                    "%(service)s, %(account)s (%(vendor_id)s): correction of %(period)s",
                    service=service,
                    account=account.name,
                    vendor_id=account.vendor_account_id,
                    period=group["period"],
                )
            else:
                start, end = period_of.get(account.id) or (group["first_day"], group["last_day"])
                start = min(start, group["first_day"])
                end = max(end, group["last_day"])
                label = self.env._(
                    "%(service)s, %(account)s (%(vendor_id)s)",
                    service=service,
                    account=account.name,
                    vendor_id=account.vendor_account_id,
                )
            vendor = group.get("vendor")
            items.append(
                {
                    "partner_id": group["partner_id"],
                    "currency_id": group["currency_id"],
                    "section": account,
                    "amount": amount,
                    "vals": {
                        "name": label,
                        "product_id": product.id,
                        "product_uom_id": product.uom_id.id,
                        "start_date": start,
                        "end_date": end,
                        "analytic_distribution": {str(account.analytic_account_id.id): 100}
                        if account.analytic_account_id
                        else False,
                        "billbyte_cloud_account_id": account.id,
                        "billbyte_service_name": group["service"],
                        "billbyte_corrected_period": group["period"] or False,
                        "billbyte_usage_quantity": float(group["quantity"]),
                        "billbyte_cost": float(group["cost"]),
                        "billbyte_vendor_currency_id": vendor[0] if vendor else False,
                        "billbyte_vendor_cost": float(vendor[1]) if vendor else 0.0,
                    },
                    "quantity": group["quantity"],
                }
            )
        return items
