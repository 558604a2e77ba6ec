# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class BillbyteRevenueLine(models.Model):
    """Invoiced, credited, paid and open amounts per usage invoice line, with its
    service period, income account and analytic account (SQL view)."""

    _name = "billbyte.revenue.line"
    _description = "Revenue by Invoice Line"
    _auto = False
    _order = "date desc, id"

    invoice_line_id = fields.Many2one("account.move.line", readonly=True)
    invoice_id = fields.Many2one("account.move", readonly=True)
    date = fields.Date("Invoice Date", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    cloud_account_id = fields.Many2one("billbyte.cloud.account", readonly=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", readonly=True)
    product_id = fields.Many2one("product.product", string="Service", readonly=True)
    service_name = fields.Char("Cloud Service", readonly=True)
    start_date = fields.Date("Period Start", readonly=True)
    end_date = fields.Date("Period End", readonly=True)
    account_id = fields.Many2one("account.account", string="Income Account", readonly=True)
    analytic_account_id = fields.Many2one("account.analytic.account", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_untaxed = fields.Monetary("Invoiced (untaxed)", readonly=True)
    amount_invoiced = fields.Monetary("Invoiced", readonly=True)
    amount_credited = fields.Monetary("Credited", readonly=True)
    amount_paid = fields.Monetary("Paid", readonly=True)
    amount_open = fields.Monetary("Open", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT l.id AS id,
                       l.id AS invoice_line_id,
                       m.id AS invoice_id,
                       m.invoice_date AS date,
                       m.commercial_partner_id AS partner_id,
                       l.billbyte_cloud_account_id AS cloud_account_id,
                       ca.vendor_id AS vendor_id,
                       l.product_id AS product_id,
                       l.billbyte_service_name AS service_name,
                       l.start_date AS start_date,
                       l.end_date AS end_date,
                       l.account_id AS account_id,
                       ca.analytic_account_id AS analytic_account_id,
                       l.company_id AS company_id,
                       l.currency_id AS currency_id,
                       l.price_subtotal AS amount_untaxed,
                       l.price_total AS amount_invoiced,
                       COALESCE(l.billbyte_amount_credited, 0) AS amount_credited,
                       COALESCE(l.billbyte_amount_paid, 0) AS amount_paid,
                       COALESCE(l.billbyte_amount_open, 0) AS amount_open
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                  LEFT JOIN billbyte_cloud_account ca ON ca.id = l.billbyte_cloud_account_id
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND l.display_type = 'product'
                   AND l.billbyte_cloud_account_id IS NOT NULL
            )
            """
        )
