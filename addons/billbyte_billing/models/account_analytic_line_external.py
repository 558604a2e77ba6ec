# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"  # pylint: disable=consider-merging-classes-inherited

    billbyte_external_billing_id = fields.Many2one(
        "billbyte.external.billing",
        string="Billed by Own System",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The acknowledged month-close export of the provider's own invoicing "
        "system that billed this usage.",
    )

    def _auto_init(self):
        res = super()._auto_init()
        # Billed once: usage billed by the provider's own system is billed, on no
        # invoice line, and never moved to another export (a second acknowledgement
        # finds it billed and marks nothing).
        self.env.cr.execute(
            """
            ALTER TABLE account_analytic_line
                DROP CONSTRAINT IF EXISTS account_analytic_line_billbyte_billed_external;
            ALTER TABLE account_analytic_line
                ADD CONSTRAINT account_analytic_line_billbyte_billed_external
                CHECK (billbyte_external_billing_id IS NULL
                       OR (billbyte_billed AND billbyte_invoice_line_id IS NULL));
            CREATE OR REPLACE FUNCTION billbyte_usage_exported_once() RETURNS trigger AS $$
            BEGIN
                IF NEW.billbyte_external_billing_id IS DISTINCT FROM
                   OLD.billbyte_external_billing_id THEN
                    RAISE EXCEPTION 'usage line % is already billed by export %',
                        OLD.id, OLD.billbyte_external_billing_id
                        USING ERRCODE = 'unique_violation';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS billbyte_usage_exported_once ON account_analytic_line;
            CREATE TRIGGER billbyte_usage_exported_once
                BEFORE UPDATE OF billbyte_external_billing_id ON account_analytic_line
                FOR EACH ROW WHEN (OLD.billbyte_external_billing_id IS NOT NULL)
                EXECUTE FUNCTION billbyte_usage_exported_once();
            """
        )
        return res
