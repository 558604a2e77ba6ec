# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable


class BillbyteVendorReconciliation(models.Model):
    """A Microsoft invoice's new-commerce license lines, beside its usage: their
    subtotal counts in the imported cost, and a license line that does not match
    Odoo's billing keeps the invoice from being reconciled."""

    _inherit = "billbyte.vendor.reconciliation"  # pylint: disable=consider-merging-classes-inherited

    ms_line_ids = fields.One2many(
        "billbyte.ms.invoice.line", "reconciliation_id", string="License Lines", readonly=True
    )
    license_total = fields.Monetary(
        readonly=True,
        help="Subtotal of Microsoft's new-commerce license lines of this invoice (lines "
        "of subscriptions whose usage records carry the invoice id count once).",
    )
    license_line_count = fields.Integer(readonly=True)
    license_difference_count = fields.Integer(
        string="License Differences",
        compute="_compute_license_difference_count",
        store=True,
        help="License lines that match no Odoo charge, and are not accepted.",
    )

    @api.depends("ms_line_ids.state")
    def _compute_license_difference_count(self):
        for rec in self:
            rec.license_difference_count = len(
                rec.ms_line_ids.filtered(lambda line: line.state == "difference")
            )

    @api.depends(
        "difference",
        "accepted",
        "accepted_difference",
        "difference_line_count",
        "license_difference_count",
    )
    def _compute_state(self):
        res = super()._compute_state()
        for rec in self:
            if rec.state == "reconciled" and rec.license_difference_count:
                rec.state = "difference"
        return res

    def _refresh_imported(self):
        """Usage records (as before) plus the license lines' subtotal."""
        res = super()._refresh_imported()
        if not self:
            return res
        cr = self.env.cr
        cr.execute(
            """
            UPDATE billbyte_vendor_reconciliation v
               SET license_total = s.amount, license_line_count = s.n,
                   imported_total = COALESCE(v.imported_total, 0) + s.amount,
                   period_start = LEAST(v.period_start, s.first_day),
                   period_end = GREATEST(v.period_end, s.last_day)
              FROM (SELECT v2.id, COALESCE(sum(l.subtotal) FILTER (
                               WHERE NOT EXISTS (
                                   SELECT 1 FROM billbyte_usage_record r
                                    WHERE r.connection_id = v2.connection_id
                                      AND r.invoice_id = v2.invoice_id
                                      AND lower(r.sub_account_id) = l.subscription_id)), 0)
                               AS amount,
                           count(l.id) AS n, min(l.charge_start) AS first_day,
                           max(l.charge_end) AS last_day
                      FROM billbyte_vendor_reconciliation v2
                      LEFT JOIN billbyte_ms_invoice_line l ON l.reconciliation_id = v2.id
                     WHERE v2.id = ANY(%s)
                     GROUP BY v2.id) s
             WHERE v.id = s.id
            """,
            [self.ids],
        )
        self.env.invalidate_all()
        self.modified(["imported_total", "ms_line_ids"])
        self.env.flush_all()
        return res

    def _refresh_license_state(self):
        self.modified(["ms_line_ids"])
        self.env.flush_all()

    def action_import_license_lines(self):
        """Read this Microsoft invoice's new-commerce license lines (again): lines
        already imported stay, new ones are added and matched."""
        for rec in self:
            if rec.connection_id.kind != "microsoft":
                raise UserError(
                    self.env._(
                        "%s is not a Partner Center invoice: it has no license lines to read.",
                        rec.display_name,
                    )
                )
            try:
                self.env["billbyte.ms.invoice.line"]._import_invoice(
                    rec.connection_id, rec.invoice_id
                )
            except (VendorError, VendorUnavailable) as error:
                raise UserError(str(error)) from None
        return True

    def action_rematch_license_lines(self):
        self.ms_line_ids.action_rematch()
        return True

    def action_view_license_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_billing.action_billbyte_ms_invoice_line"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _cron_sync(self):
        """Also match again the license lines still waiting or different (Odoo billed
        since, or the license was adopted)."""
        res = super()._cron_sync()
        lines = self.env["billbyte.ms.invoice.line"].search(
            [("state", "in", ("waiting", "difference"))]
        )
        lines.action_rematch()
        return res
