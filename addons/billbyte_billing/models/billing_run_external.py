# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import SQL


class BillbyteBillingRun(models.Model):
    """Customers invoiced by the provider's own system: runs skip them; their line
    items are read (and marked billed on acknowledgement) by the same grouping a run
    invoices with."""

    _inherit = "billbyte.billing.run"

    def _candidate_partners(self):
        partner_ids = super()._candidate_partners()
        external = set(self._billbyte_external_partners(partner_ids))
        return [pid for pid in partner_ids if pid not in external]

    def _blocked_partners(self, partner_ids, periods):
        blocked = super()._blocked_partners(partner_ids, periods)
        for pid in self._billbyte_external_partners(partner_ids):
            blocked.setdefault(pid, self.env._("Invoiced by the provider's own system."))
        return blocked

    @api.model
    def _billbyte_external_partners(self, partner_ids):
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        return partners.filtered(
            lambda p: (
                p.billbyte_external_billing or p.commercial_partner_id.billbyte_external_billing
            )
        ).ids

    # ------------------------------------------------------------------ line items

    @api.model
    def _billbyte_draft_run(self, billing_date):
        """A run in memory as of this day (never saved): what a run would bill."""
        return self.new({"company_id": self.env.company.id, "date": billing_date})

    def _billbyte_customer_accounts(self, customer):
        return (
            self.env["billbyte.cloud.account"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    "|",
                    ("partner_id", "child_of", customer.id),
                    ("owner_ids.partner_id", "child_of", customer.id),
                ]
            )
        )

    def _billbyte_scope(self, customer, periods):
        partner_ids = self.env["res.partner"].sudo().search([("id", "child_of", customer.id)]).ids
        return self._scope_rows(periods, partner_ids)

    def _billbyte_closed_periods(self, customer):
        accounts = self._billbyte_customer_accounts(customer)
        return {
            account: period
            for account, period in self._billing_accounts().items()
            if account in accounts
        }

    def _billbyte_closed_items(self, customer):
        periods = self._billbyte_closed_periods(customer)
        return self._billbyte_items(self._billbyte_scope(customer, periods), periods)

    def _billbyte_open_items(self, customer):
        """Unbilled usage up to the end of each account's current period."""
        periods = {
            account: account._cycle_period(self.date)
            for account in self._billbyte_customer_accounts(customer)
        }
        return self._billbyte_items(self._billbyte_scope(customer, periods), periods)

    def _billbyte_items(self, rows, periods, lock=False):
        if not rows:
            return []
        groups = self.with_context(billbyte_preview=not lock)._usage_groups(rows)
        items = self._usage_items(groups, periods)
        currencies = {
            c.id: c for c in self.env["res.currency"].browse({i["currency_id"] for i in items})
        }
        result = []
        for item in items:
            vals = item["vals"]
            account = item["section"]
            product = self.env["product.product"].sudo().browse(vals["product_id"])
            currency = currencies[item["currency_id"]]
            step = Decimal(1).scaleb(-currency.decimal_places)
            result.append(
                {
                    "cloud_account_id": account.id,
                    "cloud_account": account.name,
                    "vendor": account.vendor_id.code,
                    "vendor_account_id": account.vendor_account_id,
                    "service": vals["billbyte_service_name"] or product.display_name,
                    "product": product.display_name,
                    "description": vals["name"],
                    "period_start": fields.Date.to_string(vals["start_date"]),
                    "period_end": fields.Date.to_string(vals["end_date"]),
                    "corrected_period": vals["billbyte_corrected_period"] or None,
                    "quantity": format(Decimal(item["quantity"]).normalize(), "f"),
                    "unit": product.uom_id.name,
                    "amount": str(item["amount"].quantize(step)),
                    "currency": currency.name,
                }
            )
        return result

    def _billbyte_mark_billed_externally(self, customer, reference):
        """Lock the customer's accounts as a run does, make the export and mark the
        usage lines of its items billed on it, in one UPDATE. An export of the same
        customer and date is returned as it is."""
        Export = self.env["billbyte.external.billing"].sudo()
        domain = [
            ("partner_id", "=", customer.id),
            ("company_id", "=", self.company_id.id),
            ("date", "=", self.date),
        ]
        periods = self._billbyte_closed_periods(customer)
        if periods:
            # A second acknowledgement at the same moment waits for no one: it fails to
            # lock, the request is retried and then finds the first one's export.
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT id FROM billbyte_cloud_account WHERE id = ANY(%s) ORDER BY id "
                "FOR NO KEY UPDATE NOWAIT",
                [[account.id for account in periods]],
            )
        existing = Export.search(domain, limit=1)
        if existing:
            return existing, False
        rows = self._billbyte_scope(customer, periods)
        items = self._billbyte_items(rows, periods, lock=True)
        export = Export.create(
            {
                "partner_id": customer.id,
                "company_id": self.company_id.id,
                "date": self.date,
                "reference": reference or False,
                "acknowledged_by_id": self.env.uid,
                "acknowledged_on": fields.Datetime.now(),
                "line_items": items,
            }
        )
        if rows:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_analytic_line l
                       SET billbyte_billed = true, billbyte_external_billing_id = %s
                      FROM bb_bill b
                     WHERE l.id = b.aal_id AND NOT l.billbyte_billed
                    """,
                    export.id,
                )
            )
            for account, (_start, end) in periods.items():
                if not account.billed_until or account.billed_until < end:
                    account.billed_until = end
            self.env.invalidate_all()
        return export, True
