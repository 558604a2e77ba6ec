# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    billbyte_cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        string="Cloud Account",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
    billbyte_service_name = fields.Char(string="Cloud Service", readonly=True, copy=False)
    billbyte_corrected_period = fields.Char(
        string="Corrects Period",
        readonly=True,
        copy=False,
        help="On corrections and late usage of an invoiced period: the month they correct.",
    )
    billbyte_usage_quantity = fields.Float(
        string="Usage Quantity",
        digits=0,
        readonly=True,
        copy=False,
        help="The quantity used, unrounded, in the product's unit.",
    )
    billbyte_usage_line_ids = fields.One2many(
        "account.analytic.line",
        "billbyte_invoice_line_id",
        string="Billed Usage",
        readonly=True,
    )
    billbyte_cost = fields.Monetary(
        string="Vendor Cost",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,billbyte_catalog.group_billbyte_user",
        help="The imported vendor cost of this usage, in the company currency.",
    )
    billbyte_vendor_cost = fields.Monetary(
        string="Vendor Cost (vendor currency)",
        currency_field="billbyte_vendor_currency_id",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,billbyte_catalog.group_billbyte_user",
    )
    billbyte_vendor_currency_id = fields.Many2one(
        "res.currency",
        string="Vendor Currency",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,billbyte_catalog.group_billbyte_user",
    )
    billbyte_margin = fields.Monetary(
        string="Margin",
        currency_field="company_currency_id",
        compute="_compute_billbyte_margin",
        groups="account.group_account_invoice,billbyte_catalog.group_billbyte_user",
        help="Revenue of the line in the company currency less its vendor cost.",
    )

    @api.depends("balance", "billbyte_cost")
    def _compute_billbyte_margin(self):
        for line in self:
            line.billbyte_margin = (
                -line.balance - line.billbyte_cost if line.billbyte_cloud_account_id else 0.0
            )

    def _billbyte_release_usage(self):
        """Return the usage billed on these lines to unbilled, and move the billed-until
        day of their cloud accounts back before it."""
        if not self.ids:
            return
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            WITH released AS (
                UPDATE account_analytic_line l
                   SET billbyte_invoice_line_id = NULL, billbyte_billed = false
                 WHERE l.billbyte_invoice_line_id = ANY(%(lines)s)
             RETURNING l.billbyte_cloud_account_id AS account_id, l.date, l.product_id
            ), starts AS (
                SELECT ml.billbyte_cloud_account_id AS account_id, min(ml.start_date) AS day
                  FROM account_move_line ml
                 WHERE ml.id = ANY(%(lines)s) AND ml.billbyte_corrected_period IS NULL
                   AND ml.billbyte_cloud_account_id IS NOT NULL
                 GROUP BY 1
            ), firsts AS (
                SELECT account_id, min(date) AS day FROM released GROUP BY 1
                 UNION ALL
                SELECT account_id, day FROM starts
            ), moved AS (
                UPDATE billbyte_cloud_account ca
                   SET billed_until = CASE WHEN f.day - 1 < ca.billed_until
                                           THEN f.day - 1 ELSE ca.billed_until END
                  FROM (SELECT account_id, min(day) AS day FROM firsts GROUP BY 1) f
                 WHERE ca.id = f.account_id AND ca.billed_until IS NOT NULL
            )
            SELECT DISTINCT account_id, date, product_id FROM released
            """,
            {"lines": self.ids},
        )
        keys = set(cr.fetchall())
        self.env.invalidate_all()
        if keys:
            self.env["billbyte.cloud.account"].sudo()._usage_lines_changed(keys)

    def unlink(self):
        # Only billing runs' invoices carry usage (no extra query for other moves).
        self.filtered(lambda line: line.move_id.billbyte_run_id).filtered(
            "billbyte_usage_line_ids"
        )._billbyte_release_usage()
        return super().unlink()
