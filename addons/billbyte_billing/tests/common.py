# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from decimal import Decimal

from odoo.addons.billbyte_usage.tests.common import UsageCommon, focus_csv, focus_row


class BillingCommon(UsageCommon):
    """UsageCommon's provider and three customers, with a sales tax of 10 % on
    Amazon EC2 and billing runs that run their jobs inline."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=True))
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 10 %", "amount": 10.0, "type_tax_use": "sale"}
        )
        cls.ec2.taxes_id = cls.tax
        cls.customers = cls.contoso | cls.fabrikam | cls.northwind
        for partner in cls.customers:
            partner.email = f"billing@{partner.name.lower()}.example.com"

    def import_rows(self, rows):
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual(run.state, "done", run.message if hasattr(run, "message") else "")
        return run

    def bill(self, day, partners=None, **values):
        """A billing run as of `day` for these customers (ours by default)."""
        run = self.env["billbyte.billing.run"].create(
            {
                "date": day if isinstance(day, date) else date.fromisoformat(day),
                "partner_ids": [(6, 0, (partners or self.customers).ids)],
                **values,
            }
        )
        run.action_start()
        return run

    @staticmethod
    def dec(value):
        return Decimal(str(value)).quantize(Decimal("0.01"))

    def month_rows(
        self,
        month="2026-03",
        account="111111111111",
        service="AmazonEC2",
        cost="1.00",
        days=28,
        qty="10",
        **kwargs,
    ):
        """A row a day of one account and service, days 1 to `days` (at most 28)."""
        return [
            focus_row(account, f"{month}-{day:02d}", service, cost, qty=qty, **kwargs)
            for day in range(1, days + 1)
        ]

    def product_lines(self, invoice):
        return invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")


__all__ = ["BillingCommon", "focus_csv", "focus_row"]
