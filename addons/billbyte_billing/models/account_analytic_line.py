# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    billbyte_invoice_line_id = fields.Many2one(
        "account.move.line",
        string="Billed On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The customer invoice line that billed this usage.",
    )
    billbyte_invoice_id = fields.Many2one(
        related="billbyte_invoice_line_id.move_id", string="Invoice", readonly=True
    )

    def _auto_init(self):
        res = super()._auto_init()
        # Billed means billed: usage on an invoice line is marked billed, and usage
        # already on one invoice line can never be moved to another (only released
        # first, which is what cancelling or deleting an invoice does).
        self.env.cr.execute(
            """
            ALTER TABLE account_analytic_line
                DROP CONSTRAINT IF EXISTS account_analytic_line_billbyte_billed_invoice;
            ALTER TABLE account_analytic_line
                ADD CONSTRAINT account_analytic_line_billbyte_billed_invoice
                CHECK (billbyte_invoice_line_id IS NULL OR billbyte_billed);
            CREATE OR REPLACE FUNCTION billbyte_usage_billed_once() RETURNS trigger AS $$
            BEGIN
                IF OLD.billbyte_invoice_line_id IS NOT NULL
                   AND NEW.billbyte_invoice_line_id IS NOT NULL
                   AND OLD.billbyte_invoice_line_id <> NEW.billbyte_invoice_line_id THEN
                    RAISE EXCEPTION 'usage line % is already billed on invoice line %',
                        OLD.id, OLD.billbyte_invoice_line_id
                        USING ERRCODE = 'unique_violation';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS billbyte_usage_billed_once ON account_analytic_line;
            CREATE TRIGGER billbyte_usage_billed_once
                BEFORE UPDATE OF billbyte_invoice_line_id ON account_analytic_line
                FOR EACH ROW WHEN (OLD.billbyte_invoice_line_id IS NOT NULL)
                EXECUTE FUNCTION billbyte_usage_billed_once();
            """
        )
        return res
