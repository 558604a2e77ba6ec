# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

_logger = logging.getLogger(__name__)


def dec(value):
    """A stored monetary value as a Decimal (stored values are rounded already)."""
    return Decimal(str(value or 0))


class BillbyteVendorReconciliation(models.Model):
    """One vendor invoice (Partner Center invoice, AWS invoice of the export, FOCUS
    InvoiceId) against the imported usage records carrying its id."""

    _name = "billbyte.vendor.reconciliation"
    _description = "Vendor Invoice Reconciliation"
    _inherit = ["mail.thread"]
    _order = "invoice_date desc, id desc"
    _rec_name = "invoice_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, readonly=True, check_company=True, index=True
    )
    connection_kind = fields.Selection(related="connection_id.kind", string="Connection Kind")
    vendor_id = fields.Many2one(
        related="connection_id.vendor_id", store=True, string="Vendor", readonly=True
    )
    invoice_id = fields.Char(
        string="Vendor Invoice", required=True, readonly=True, help="The vendor's invoice id."
    )
    currency_id = fields.Many2one(
        "res.currency",
        string="Vendor Currency",
        required=True,
        readonly=True,
        help="The currency the vendor bills this invoice in.",
    )
    invoice_date = fields.Date(tracking=True, help="The vendor invoice's date.")
    period_start = fields.Date(
        readonly=True, help="First charge day of the imported records of this invoice."
    )
    period_end = fields.Date(
        readonly=True, help="Last charge day of the imported records of this invoice."
    )
    vendor_total = fields.Monetary(
        tracking=True,
        help="The total of the vendor's invoice before tax, as the vendor states it "
        "(entered from the vendor's invoice, or set by a pull).",
    )
    vendor_total_known = fields.Boolean(
        string="Vendor Total Entered",
        tracking=True,
        help="Set when the vendor total is entered or pulled; until then the imported cost "
        "has nothing to be compared with.",
    )
    imported_total = fields.Monetary(
        readonly=True, help="The sum of BilledCost of every imported record with this invoice id."
    )
    record_count = fields.Integer(string="Records", readonly=True)
    difference = fields.Monetary(
        compute="_compute_difference",
        store=True,
        help="Imported cost less the vendor total (of the invoice, or of the amounts "
        "entered per cloud account and service when the invoice total is not known).",
    )
    tolerance = fields.Monetary(
        readonly=True,
        default=lambda self: self.env.company.billbyte_reconcile_tolerance,
        help="The company's tolerance when last computed, in the vendor currency.",
    )
    state = fields.Selection(
        [
            ("to_check", "To Check"),
            ("reconciled", "Reconciled"),
            ("difference", "Difference"),
        ],
        compute="_compute_state",
        store=True,
        tracking=True,
        index=True,
        help="To check: no vendor total yet. Reconciled: within the tolerance, or the "
        "difference was accepted. Difference: see the lines per cloud account and service.",
    )
    accepted = fields.Boolean(
        readonly=True, tracking=True, help="A difference was accepted by hand (see the chatter)."
    )
    accepted_difference = fields.Monetary(
        readonly=True,
        help="The difference accepted; a later change of the difference needs a new acceptance.",
    )
    line_ids = fields.One2many(
        "billbyte.vendor.reconciliation.line", "reconciliation_id", string="Per Account"
    )
    difference_line_count = fields.Integer(compute="_compute_difference", store=True)

    _sql_constraints = [
        (
            "invoice_uniq",
            "unique(company_id, connection_id, invoice_id)",
            "A vendor invoice is reconciled once per connection.",
        )
    ]

    def _auto_init(self):
        res = super()._auto_init()
        # Reconciliations sum the usage records of an invoice id.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS billbyte_usage_record_invoice_idx
                ON billbyte_usage_record (connection_id, invoice_id)
             WHERE invoice_id IS NOT NULL AND invoice_id <> ''
            """
        )
        return res

    @api.depends(
        "vendor_total",
        "vendor_total_known",
        "imported_total",
        "tolerance",
        "line_ids.difference",
        "line_ids.vendor_amount_known",
        "line_ids.vendor_amount",
    )
    def _compute_difference(self):
        for rec in self:
            vendor = rec._vendor_total_effective()
            rec.difference = float(dec(rec.imported_total) - vendor) if vendor is not None else 0.0
            tolerance = dec(rec.tolerance)
            rec.difference_line_count = len(
                rec.line_ids.filtered(
                    lambda line, t=tolerance: (
                        line.vendor_amount_known and abs(dec(line.difference)) > t
                    )
                )
            )

    def _vendor_total_effective(self):
        """The vendor's total: as entered or pulled, else the sum of the amounts entered
        per line when every line has one; None when unknown."""
        self.ensure_one()
        if self.vendor_total_known:
            return dec(self.vendor_total)
        if self.line_ids and all(self.line_ids.mapped("vendor_amount_known")):
            return sum((dec(line.vendor_amount) for line in self.line_ids), Decimal(0))
        return None

    @api.depends("difference", "accepted", "accepted_difference", "difference_line_count")
    def _compute_state(self):
        for rec in self:
            if rec._vendor_total_effective() is None:
                rec.state = "to_check"
            elif rec.accepted and dec(rec.accepted_difference) == dec(rec.difference):
                rec.state = "reconciled"
            elif abs(dec(rec.difference)) <= dec(rec.tolerance) and not rec.difference_line_count:
                rec.state = "reconciled"
            else:
                rec.state = "difference"

    @api.depends("invoice_id", "connection_id")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = f"{rec.connection_id.name or ''}: {rec.invoice_id or ''}"

    def write(self, vals):
        if "vendor_total" in vals and "vendor_total_known" not in vals:
            vals = dict(vals, vendor_total_known=True)
        return super().write(vals)

    # ------------------------------------------------------------------ actions

    def action_compute(self):
        """(Re)compute the imported cost of these invoices from the usage records, per
        cloud account and service, with the company's current tolerance."""
        for company in self.company_id:
            recs = self.filtered(lambda r, c=company: r.company_id == c)
            recs.write({"tolerance": company.billbyte_reconcile_tolerance})
        self._refresh_imported()
        return True

    def action_accept_difference(self):
        """Accept the current difference by hand (logged in the chatter)."""
        for rec in self:
            if rec._vendor_total_effective() is None:
                raise UserError(
                    self.env._(
                        "%(invoice)s has no vendor total yet: enter the vendor's total first.",
                        invoice=rec.invoice_id,
                    )
                )
            rec.write({"accepted": True, "accepted_difference": rec.difference})
            rec.message_post(
                body=self.env._(
                    "Difference of %(amount)s %(currency)s accepted by %(user)s.",
                    amount=rec.difference,
                    currency=rec.currency_id.name,
                    user=self.env.user.name,
                )
            )
        return True

    def action_pull_vendor_total(self):
        """Read the invoice's total, date and currency from the vendor (Partner Center
        invoices API); other vendors' totals are entered from their invoice."""
        for rec in self:
            if rec.connection_id.kind != "microsoft":
                raise UserError(
                    self.env._(
                        "%(connection)s cannot read invoice totals from its vendor: enter the "
                        "total of %(invoice)s from the vendor's invoice.",
                        connection=rec.connection_id.name,
                        invoice=rec.invoice_id,
                    )
                )
            try:
                invoice = rec._partner_center_invoice()
            except VendorError as error:
                raise UserError(str(error)) from None
            rec._apply_vendor_invoice(invoice)
        return True

    def _partner_center_invoice(self):
        """The Partner Center invoice resource (GET /v1/invoices/{id}), amounts as
        Decimal."""
        self.ensure_one()
        connector = self.connection_id.sudo()._connector()
        token = connector.token(connector.partner_center_url)
        response = connector.http.request(
            "GET",
            f"{connector.partner_center_url}/v1/invoices/{quote(self.invoice_id, safe='')}",
            self.env._("invoice %s", self.invoice_id),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        try:
            return json.loads(response.text, parse_float=Decimal)
        except ValueError:
            raise VendorError(
                self.env._("Partner Center's answer for invoice %s is not JSON.", self.invoice_id)
            ) from None

    def _apply_vendor_invoice(self, invoice):
        """Store the vendor total (totalCharges), date and period of a Partner Center
        invoice, and say so in the chatter."""
        self.ensure_one()
        currency_code = invoice.get("currencyCode")
        if currency_code and currency_code != self.currency_id.name:
            raise UserError(
                self.env._(
                    "Partner Center bills invoice %(invoice)s in %(vendor)s, the imported "
                    "usage is in %(ours)s.",
                    invoice=self.invoice_id,
                    vendor=currency_code,
                    ours=self.currency_id.name,
                )
            )
        total = invoice.get("totalCharges")
        if not isinstance(total, Decimal | int):
            raise UserError(
                self.env._("Partner Center states no total for invoice %s.", self.invoice_id)
            )
        total = Decimal(total).quantize(Decimal(str(self.currency_id.rounding)), ROUND_HALF_UP)
        vals = {"vendor_total": float(total), "vendor_total_known": True}
        day = str(invoice.get("invoiceDate") or "")[:10]
        if day:
            vals["invoice_date"] = fields.Date.to_date(day)
        self.write(vals)
        self.message_post(
            body=self.env._(
                "Vendor total %(total)s %(currency)s read from Partner Center.",
                total=total,
                currency=self.currency_id.name,
            )
        )

    def action_view_records(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_record"
        )
        action["domain"] = [
            ("connection_id", "=", self.connection_id.id),
            ("invoice_id", "=", self.invoice_id),
        ]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ set-based sync

    @api.model
    def _sync_usage_keys(self, keys):
        """The usage lines of these (cloud account id, day, product id) keys changed: make
        a reconciliation for every new vendor invoice id of their records and refresh
        the imported cost of every invoice id they carry."""
        if not keys:
            return self.browse()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_recon_keys (account_id int, day date, "
            "product_id int) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_recon_keys")
        for chunk in split_every(5000, sorted(keys, key=str), list):
            cr.execute(
                SQL(
                    "INSERT INTO bb_recon_keys VALUES %s",
                    SQL(", ").join(SQL("(%s, %s::date, %s)", *key) for key in chunk),
                )
            )
        cr.execute("ANALYZE bb_recon_keys")
        cr.execute(
            """
            SELECT DISTINCT r.connection_id, r.invoice_id
              FROM bb_recon_keys k
              JOIN billbyte_usage_record r ON r.cloud_account_id = k.account_id
                                          AND r.usage_date = k.day
                                          AND r.product_id = k.product_id
             WHERE r.invoice_id IS NOT NULL AND r.invoice_id <> ''
            """
        )
        return self._ensure_invoices(cr.fetchall())

    @api.model
    def _cron_sync(self):
        """Daily catch-all: invoice ids of records no hook saw (usage still unmatched to
        a cloud account), and the refresh of every invoice not yet reconciled."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            SELECT DISTINCT r.connection_id, r.invoice_id
              FROM billbyte_usage_record r
             WHERE r.invoice_id IS NOT NULL AND r.invoice_id <> ''
               AND NOT EXISTS (SELECT 1 FROM billbyte_vendor_reconciliation v
                                WHERE v.connection_id = r.connection_id
                                  AND v.invoice_id = r.invoice_id)
            """
        )
        self._ensure_invoices(cr.fetchall())
        open_recs = self.search([("state", "!=", "reconciled")])
        open_recs.action_compute()
        # Partner Center states its invoices' totals: read the ones still unknown.
        for rec in open_recs.filtered(
            lambda r: not r.vendor_total_known and r.connection_id.kind == "microsoft"
        ):
            try:
                with self.env.cr.savepoint():
                    rec._apply_vendor_invoice(rec._partner_center_invoice())
            except (VendorError, UserError) as error:
                _logger.info("Vendor total of %s not read: %s", rec.display_name, error)
        return True

    @api.model
    def _ensure_invoices(self, pairs):
        """Reconciliations of these (connection id, invoice id) pairs, created when new,
        and all of them refreshed."""
        if not pairs:
            return self.browse()
        recs = self.sudo()
        existing = recs.search(
            [
                ("connection_id", "in", sorted({p[0] for p in pairs})),
                ("invoice_id", "in", sorted({p[1] for p in pairs})),
            ]
        )
        pairs = {tuple(pair) for pair in pairs}
        known = {(r.connection_id.id, r.invoice_id) for r in existing}
        wanted = existing.filtered(lambda r: (r.connection_id.id, r.invoice_id) in pairs)
        new = sorted(pairs - known)
        if new:
            self.env.cr.execute(
                """
                SELECT r.connection_id, r.invoice_id, min(r.company_id), min(r.billing_currency_id)
                  FROM billbyte_usage_record r
                 WHERE (r.connection_id, r.invoice_id) IN %s
                 GROUP BY 1, 2
                """,
                [tuple(new)],
            )
            vals_list = []
            companies = {}
            for connection_id, invoice_id, company_id, currency_id in self.env.cr.fetchall():
                if company_id not in companies:
                    companies[company_id] = self.env["res.company"].browse(company_id)
                vals_list.append(
                    {
                        "connection_id": connection_id,
                        "invoice_id": invoice_id,
                        "company_id": company_id,
                        "currency_id": currency_id,
                        "tolerance": companies[company_id].billbyte_reconcile_tolerance,
                    }
                )
            wanted |= recs.create(vals_list)
        wanted._refresh_imported()
        return wanted

    def _refresh_imported(self):
        """Sum the imported records of these invoices per cloud account (vendor account
        id) and service in one statement; keep the vendor amounts entered per line."""
        if not self:
            return
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            WITH sums AS (
                SELECT v.id AS rec_id, r.sub_account_id, r.service_name,
                       min(r.cloud_account_id) AS account_id,
                       sum(r.billed_cost) AS amount, count(*) AS n
                  FROM billbyte_vendor_reconciliation v
                  JOIN billbyte_usage_record r ON r.connection_id = v.connection_id
                                              AND r.invoice_id = v.invoice_id
                 WHERE v.id = ANY(%(ids)s)
                   AND r.invoice_id IS NOT NULL AND r.invoice_id <> ''
                 GROUP BY 1, 2, 3
            ), reset AS (
                UPDATE billbyte_vendor_reconciliation_line l
                   SET imported_amount = 0, record_count = 0
                 WHERE l.reconciliation_id = ANY(%(ids)s)
                   AND NOT EXISTS (SELECT 1 FROM sums s
                                    WHERE s.rec_id = l.reconciliation_id
                                      AND s.sub_account_id = l.sub_account_id
                                      AND s.service_name = l.service_name)
            )
            INSERT INTO billbyte_vendor_reconciliation_line
                   (reconciliation_id, sub_account_id, service_name, cloud_account_id,
                    imported_amount, record_count, vendor_amount, vendor_amount_known,
                    difference, create_uid, write_uid, create_date, write_date)
            SELECT rec_id, sub_account_id, service_name, account_id, amount, n, 0, false, 0,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM sums
            ON CONFLICT (reconciliation_id, sub_account_id, service_name) DO UPDATE
               SET imported_amount = EXCLUDED.imported_amount,
                   record_count = EXCLUDED.record_count,
                   cloud_account_id = EXCLUDED.cloud_account_id,
                   write_date = EXCLUDED.write_date
            """,
            {"ids": self.ids, "uid": self.env.uid},
        )
        cr.execute(
            """
            DELETE FROM billbyte_vendor_reconciliation_line
             WHERE reconciliation_id = ANY(%(ids)s) AND record_count = 0
               AND NOT vendor_amount_known;
            UPDATE billbyte_vendor_reconciliation v
               SET imported_total = s.amount, record_count = s.n,
                   period_start = s.first_day, period_end = s.last_day
              FROM (SELECT v2.id, COALESCE(sum(r.billed_cost), 0) AS amount, count(r.id) AS n,
                           min(r.charge_date) AS first_day, max(r.charge_date) AS last_day
                      FROM billbyte_vendor_reconciliation v2
                      LEFT JOIN billbyte_usage_record r ON r.connection_id = v2.connection_id
                                                       AND r.invoice_id = v2.invoice_id
                     WHERE v2.id = ANY(%(ids)s)
                     GROUP BY v2.id) s
             WHERE v.id = s.id
            """,
            {"ids": self.ids},
        )
        self.env.invalidate_all()
        # Differences and states follow the new sums.
        self.modified(["imported_total", "line_ids"])
        self.line_ids.modified(["imported_amount"])
        self.env.flush_all()
