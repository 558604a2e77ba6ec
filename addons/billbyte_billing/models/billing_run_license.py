# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import ROUND_HALF_UP, Decimal

from odoo import models
from odoo.exceptions import UserError


class BillbyteBillingRun(models.Model):
    """Licenses on billing runs: each term in advance on its first day (or in arrears
    after its last day, as the company chooses), seat increases and upgrades prorated
    on the customer's next invoice (at the latest in the month after)."""

    _inherit = "billbyte.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _candidate_partners_extra(self):
        """Customers with a license term starting on or before the run's day, a term
        to bill again (its invoice was cancelled), or a seat increase of an earlier
        month not billed yet."""
        partner_ids = super()._candidate_partners_extra()
        self.env.flush_all()
        month_start = self.date.replace(day=1)
        self.env.cr.execute(
            """
            SELECT l.partner_id
              FROM billbyte_license l
             WHERE l.company_id = %(company)s AND l.state = 'active'
               AND l.next_term_start <= %(day)s
             UNION
            SELECT c.partner_id
              FROM billbyte_license_change c
             WHERE c.company_id = %(company)s AND c.state = 'to_bill'
               AND ((c.billing_timing = 'arrears' AND c.date_end < %(day)s)
                    OR (c.billing_timing IS DISTINCT FROM 'arrears'
                        AND ((c.kind = 'term' AND c.date <= %(day)s)
                             OR (c.kind IN ('increase', 'upgrade', 'upgrade_credit')
                                 AND c.date < %(month)s))))
            """,
            {"company": self.company_id.id, "day": self.date, "month": month_start},
        )
        return list(partner_ids) + [pid for (pid,) in self.env.cr.fetchall() if pid]

    def _extra_items(self, partner_ids):
        items = super()._extra_items(partner_ids)
        if not partner_ids:
            return items
        cr = self.env.cr
        self.env.flush_all()
        # Two runs never bill the same license at once: the second retries later
        # (queue_job) and finds its terms billed.
        cr.execute(
            "SELECT id FROM billbyte_license WHERE partner_id = ANY(%s) AND company_id = %s "
            "ORDER BY id FOR NO KEY UPDATE NOWAIT",
            [list(partner_ids), self.company_id.id],
        )
        license_ids = [lid for (lid,) in cr.fetchall()]
        if not license_ids:
            return items
        self.env.invalidate_all()
        licenses = self.env["billbyte.license"].sudo().browse(license_ids)
        licenses.filtered(lambda lic: lic.next_term_start <= self.date)._schedule_due_terms(
            self.date
        )
        changes = (
            self.env["billbyte.license.change"]
            .sudo()
            .search(
                [
                    ("license_id", "in", license_ids),
                    ("state", "=", "to_bill"),
                    ("kind", "in", ("term", "increase", "upgrade", "upgrade_credit")),
                    # In advance from its first day, in arrears after its last day.
                    "|",
                    "&",
                    ("billing_timing", "!=", "arrears"),
                    ("date", "<=", self.date),
                    "&",
                    ("billing_timing", "=", "arrears"),
                    ("date_end", "<", self.date),
                ],
                order="license_id, date, kind desc, id",
            )
        )
        for change in changes:
            lic = change.license_id
            account = lic.cloud_account_id
            step = Decimal(str(lic.currency_id.rounding or 0.01))
            items.append(
                {
                    "partner_id": lic.partner_id.id,
                    "currency_id": lic.currency_id.id,
                    "section": account,
                    "amount": Decimal(str(change.amount)).quantize(step, ROUND_HALF_UP),
                    "quantity": Decimal(change.quantity),
                    "vals": {
                        "name": change._invoice_label(),
                        "product_id": lic.product_id.id,
                        "product_uom_id": lic.product_id.uom_id.id,
                        "start_date": change.date,
                        "end_date": change.date_end,
                        "analytic_distribution": {str(account.analytic_account_id.id): 100}
                        if account.analytic_account_id
                        else False,
                        "billbyte_cloud_account_id": account.id,
                        "billbyte_license_id": lic.id,
                        "billbyte_license_change_id": change.id,
                    },
                }
            )
        return items

    def _create_invoices(self, items, invoice_date):
        # License lines join the usage of their cloud account under one section.
        def group(item):
            section = item.get("section")
            return (
                item["partner_id"],
                item["currency_id"],
                section._name if section else "",
                section.id if section else 0,
            )

        first_seen = {}
        for item in items:
            first_seen.setdefault(group(item), len(first_seen))
        items = sorted(items, key=lambda item: first_seen[group(item)])
        return super()._create_invoices(items, invoice_date)

    def _mark_extra_billed(self, moves):
        """The license terms and increases on these invoices are billed (their state
        follows the invoice lines); none may be on two invoices that are not cancelled."""
        moves = super()._mark_extra_billed(moves)
        lines = moves.invoice_line_ids.filtered("billbyte_license_change_id")
        if not lines:
            return moves
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT c.id
              FROM billbyte_license_change c
              JOIN account_move_line ml ON ml.billbyte_license_change_id = c.id
             WHERE c.id = ANY(%s) AND ml.parent_state != 'cancel'
             GROUP BY c.id HAVING count(*) > 1
            """,
            [lines.billbyte_license_change_id.ids],
        )
        twice = [cid for (cid,) in self.env.cr.fetchall()]
        if twice:
            raise UserError(
                self.env._(
                    "%(count)s license term(s) or seat increase(s) are already on another "
                    "invoice: another run billed them. Nothing of this batch is kept.",
                    count=len(twice),
                )
            )
        return moves
