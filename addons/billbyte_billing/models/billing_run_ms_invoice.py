# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import models


class BillbyteBillingRun(models.Model):
    _inherit = "billbyte.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _blocked_partners(self, partner_ids, periods):
        """In 'after reconciliation' mode, licenses wait like usage: a customer whose
        Partner Center license has a term or seat increase to bill waits until
        Microsoft's invoice charges it and that invoice is reconciled."""
        blocked = super()._blocked_partners(partner_ids, periods)
        if self.company_id.billbyte_billing_timing != "reconciled" or not partner_ids:
            return blocked
        waiting = self._licenses_waiting_for_microsoft(
            [pid for pid in partner_ids if pid not in blocked]
        )
        for partner_id, reasons in waiting.items():
            blocked[partner_id] = self.env._(
                "Waiting for Microsoft's invoice to be reconciled: %(reasons)s.",
                reasons="; ".join(reasons),
            )
        return blocked

    def _licenses_waiting_for_microsoft(self, partner_ids):
        """{customer id: [reasons]} of customers with a license term or increase due in
        this run whose Microsoft charge is not imported yet, or is on a Microsoft
        invoice that is not reconciled."""
        if not partner_ids:
            return {}
        licenses = (
            self.env["billbyte.license"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partner_ids),
                    ("company_id", "=", self.company_id.id),
                    ("ms_subscription_id", "!=", False),
                    ("cloud_account_id.connection_id.kind", "=", "microsoft"),
                ]
            )
        )
        if not licenses:
            return {}
        day = self.date
        lines = (
            self.env["billbyte.ms.invoice.line"].sudo().search([("license_id", "in", licenses.ids)])
        )
        by_change = {line.license_change_id.id: line for line in lines if line.license_change_id}
        by_start = {
            (line.license_id.id, line.charge_start): line
            for line in lines
            if line.charge_type in ("new", "renew", "cycle", "convert")
        }
        waiting = defaultdict(list)
        for lic in licenses:
            charges = []
            pending = lic.change_ids.filtered(
                lambda c: c.state == "to_bill" and c.kind in ("term", "increase") and c.date <= day
            )
            for change in pending:
                charges.append((change.date, by_change.get(change.id)))
            due = lic.state == "active" and lic.next_term_start and lic.next_term_start <= day
            if due and not pending.filtered(lambda c, lic=lic: c.date == lic.next_term_start):
                charges.append((lic.next_term_start, by_start.get((lic.id, lic.next_term_start))))
            for start, line in charges:
                if not line:
                    waiting[lic.partner_id.id].append(
                        self.env._(
                            "%(license)s from %(date)s not on a Microsoft invoice yet",
                            license=lic.display_name,
                            date=start,
                        )
                    )
                elif line.reconciliation_id.state != "reconciled":
                    waiting[lic.partner_id.id].append(
                        self.env._(
                            "Microsoft invoice %(invoice)s not reconciled",
                            invoice=line.invoice_id,
                        )
                    )
        return {pid: sorted(set(reasons)) for pid, reasons in waiting.items()}

    def _mark_extra_billed(self, moves):
        """License lines of Microsoft's invoices waiting for these invoices match now."""
        moves = super()._mark_extra_billed(moves)
        licenses = moves.invoice_line_ids.billbyte_license_id
        if licenses:
            lines = (
                self.env["billbyte.ms.invoice.line"]
                .sudo()
                .search([("license_id", "in", licenses.ids), ("state", "=", "waiting")])
            )
            lines.action_rematch()
        return moves
