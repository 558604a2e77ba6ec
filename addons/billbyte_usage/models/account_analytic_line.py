# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models

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
    def _billbyte_usage_summary(self, domain):
        """Totals of cloud usage lines matching domain: per currency, service and day."""
        lines = self.sudo()
        totals = defaultdict(lambda: {"total": 0.0, "cost": 0.0, "by_service": [], "by_day": []})
        for currency, amount, cost in lines._read_group(
            domain, ["billbyte_currency_id"], ["billbyte_price:sum", "amount:sum"]
        ):
            totals[currency]["total"] = amount
            totals[currency]["cost"] = -cost
        for currency, product, service, amount, quantity in lines._read_group(
            domain,
            ["billbyte_currency_id", "product_id", "billbyte_service_name"],
            ["billbyte_price:sum", "unit_amount:sum"],
            order="billbyte_price:sum desc",
        ):
            totals[currency]["by_service"].append(
                {
                    "product_id": product.id,
                    "service": service,
                    "amount": amount,
                    "quantity": quantity,
                }
            )
        for currency, day, amount in lines._read_group(
            domain, ["billbyte_currency_id", "date:day"], ["billbyte_price:sum"], order="date:day"
        ):
            totals[currency]["by_day"].append({"date": day, "amount": amount})
        internal = self.env.user._is_internal()
        return [
            # The provider's cost is not the customer's business.
            dict(values, currency=currency.name, currency_id=currency.id)
            if internal
            else {
                key: value
                for key, value in dict(
                    values, currency=currency.name, currency_id=currency.id
                ).items()
                if key != "cost"
            }
            for currency, values in totals.items()
        ]
