# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class BillbyteMarginReport(models.Model):
    """Revenue, vendor cost and margin of cloud usage per customer, cloud account,
    service and month, read from posted journal items only: usage invoice and credit
    note lines (revenue, and the vendor cost they carry), and the month-end accrual
    entries and their reversals (revenue on income accounts, cost on expense
    accounts). Company currency."""

    _name = "billbyte.margin.report"
    _description = "Cloud Margin"
    _auto = False
    _rec_name = "move_line_id"
    _order = "date desc, id desc"
    # Queries on the view flush these first.
    _depends = {
        "account.move.line": [
            "move_id",
            "company_id",
            "company_currency_id",
            "date",
            "partner_id",
            "billbyte_cloud_account_id",
            "billbyte_service_name",
            "billbyte_cost",
            "product_id",
            "account_id",
            "balance",
            "parent_state",
            "display_type",
        ],
        "account.move": ["move_type", "reversed_entry_id", "state"],
        "account.account": ["account_type"],
        "billbyte.cloud.account": ["vendor_id"],
    }

    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    cloud_account_id = fields.Many2one("billbyte.cloud.account", readonly=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", readonly=True)
    service_name = fields.Char(string="Service", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    kind = fields.Selection(
        [
            ("invoice", "Invoice"),
            ("refund", "Credit Note"),
            ("accrual", "Accrual"),
            ("reversal", "Accrual Reversal"),
        ],
        readonly=True,
    )
    revenue = fields.Monetary(readonly=True)
    cost = fields.Monetary(string="Vendor Cost", readonly=True)
    margin = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                SELECT ml.id, ml.id AS move_line_id, ml.move_id, ml.company_id,
                       ml.company_currency_id AS currency_id, ml.date, ml.partner_id,
                       ml.billbyte_cloud_account_id AS cloud_account_id, ca.vendor_id,
                       COALESCE(NULLIF(ml.billbyte_service_name, ''), pt.name->>'en_US')
                           AS service_name,
                       ml.product_id, ml.account_id,
                       CASE WHEN m.move_type = 'out_invoice' THEN 'invoice'
                            WHEN m.move_type = 'out_refund' THEN 'refund'
                            WHEN m.reversed_entry_id IS NOT NULL THEN 'reversal'
                            ELSE 'accrual' END AS kind,
                       CASE WHEN a.account_type LIKE 'income%%' THEN -ml.balance ELSE 0 END
                           AS revenue,
                       CASE WHEN a.account_type LIKE 'expense%%' THEN ml.balance
                            ELSE COALESCE(ml.billbyte_cost, 0) END AS cost,
                       CASE WHEN a.account_type LIKE 'income%%' THEN -ml.balance ELSE 0 END
                       - CASE WHEN a.account_type LIKE 'expense%%' THEN ml.balance
                              ELSE COALESCE(ml.billbyte_cost, 0) END AS margin
                  FROM account_move_line ml
                  JOIN account_move m ON m.id = ml.move_id
                  JOIN account_account a ON a.id = ml.account_id
                  JOIN billbyte_cloud_account ca ON ca.id = ml.billbyte_cloud_account_id
                  LEFT JOIN product_product pp ON pp.id = ml.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE ml.parent_state = 'posted'
                   AND ml.billbyte_cloud_account_id IS NOT NULL
                   AND (ml.display_type IS NULL
                        OR ml.display_type NOT IN ('line_section', 'line_note'))
            )
            """
        )
