# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import models


class BillbyteBillingRun(models.Model):
    _inherit = "billbyte.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _blocked_partners(self, partner_ids, periods):
        """In 'after reconciliation' mode, customers whose unbilled usage in the period
        has records the vendor has not invoiced yet (no invoice id) or whose vendor
        invoice is not reconciled wait for a later run."""
        blocked = super()._blocked_partners(partner_ids, periods)
        if self.company_id.billbyte_billing_timing != "reconciled" or not partner_ids:
            return blocked
        rows = self._scope_rows(periods, partner_ids)
        if not rows:
            return blocked
        self._fill_scope(rows)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT DISTINCT s.partner_id, NULLIF(r.invoice_id, ''), v.state
              FROM bb_bill_scope s
              JOIN account_analytic_line l ON l.billbyte_cloud_account_id = s.account_id
                                          AND NOT l.billbyte_billed
                                          AND l.date <= s.date_to
                                          AND (s.date_from IS NULL OR l.date >= s.date_from)
              JOIN billbyte_usage_record r
                   ON r.cloud_account_id = l.billbyte_cloud_account_id
                  AND r.usage_date = l.date
                  AND r.product_id = l.product_id
                  AND COALESCE(r.corrected_period, '') = COALESCE(l.billbyte_corrected_period, '')
              LEFT JOIN billbyte_vendor_reconciliation v
                     ON v.connection_id = r.connection_id AND v.invoice_id = r.invoice_id
             WHERE r.invoice_id IS NULL OR r.invoice_id = ''
                OR v.id IS NULL OR v.state <> 'reconciled'
             ORDER BY 1, 2
            """
        )
        waiting = defaultdict(lambda: {"no_invoice": False, "invoices": []})
        states = dict(
            self.env["billbyte.vendor.reconciliation"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        for partner_id, invoice_id, state in cr.fetchall():
            if invoice_id is None:
                waiting[partner_id]["no_invoice"] = True
            else:
                label = states.get(state) or self.env._("no reconciliation")
                waiting[partner_id]["invoices"].append(f"{invoice_id} ({label})")
        for partner_id, what in waiting.items():
            reasons = []
            if what["invoices"]:
                reasons.append(
                    self.env._(
                        "vendor invoice(s) not reconciled: %(invoices)s",
                        invoices=", ".join(what["invoices"]),
                    )
                )
            if what["no_invoice"]:
                reasons.append(self.env._("usage the vendor has not invoiced yet (no invoice id)"))
            blocked[partner_id] = self.env._(
                "Waiting for the vendor's invoice to be reconciled: %(reasons)s.",
                reasons="; ".join(reasons),
            )
        return blocked
