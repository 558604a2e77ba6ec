# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Partner Center's new-commerce charge types (written "new", "addQuantity",
# "Add quantity", ...): the kind of Odoo charge each one matches.
CHARGE_TYPES = {
    "new": "new",
    "purchase": "new",
    "renew": "renew",
    "renewal": "renew",
    "cyclecharge": "cycle",
    "cyclefee": "cycle",
    "addquantity": "add_quantity",
    "removequantity": "remove_quantity",
    "cancelimmediately": "cancel",
    "cancelimmediate": "cancel",
    "cancel": "cancel",
    "refund": "cancel",
    "convert": "convert",
    "customercredit": "credit",
    "credit": "credit",
}
CHARGE_TYPE_SELECTION = [
    ("new", "New"),
    ("renew", "Renew"),
    ("cycle", "Cycle Charge"),
    ("add_quantity", "Add Quantity"),
    ("remove_quantity", "Remove Quantity"),
    ("cancel", "Cancel Immediately"),
    ("convert", "Convert"),
    ("credit", "Customer Credit"),
    ("other", "Other"),
]
# Charges of a whole term (or billing cycle) of seats; charges of seats added.
TERM_CHARGES = ("new", "renew", "cycle", "convert")
PRICED_CHARGES = ("new", "renew", "cycle", "convert", "add_quantity")
REASONS = [
    ("unknown_subscription", "Unknown Subscription"),
    ("not_in_odoo", "Not Billed in Odoo"),
    ("not_billed", "Seat Change Not Yet Billed"),
    ("seats", "Seats Differ"),
    ("price", "Price Change"),
    ("credit", "Credit from Microsoft"),
    ("unreadable", "Unreadable Line"),
]
# Columns of a stored line, in the order of the import's rows.
COLUMNS = [
    ("line_number", "integer"),
    ("key", "varchar"),
    ("customer_tenant", "varchar"),
    ("customer_name", "varchar"),
    ("subscription_id", "varchar"),
    ("subscription_description", "varchar"),
    ("order_id", "varchar"),
    ("offer_id", "varchar"),
    ("product_name", "varchar"),
    ("sku_name", "varchar"),
    ("charge_type", "varchar"),
    ("charge_type_vendor", "varchar"),
    ("charge_start", "date"),
    ("charge_end", "date"),
    ("quantity", "numeric"),
    ("unit_price", "numeric"),
    ("effective_unit_price", "numeric"),
    ("subtotal", "numeric"),
    ("tax_total", "numeric"),
    ("total", "numeric"),
    ("billing_currency", "varchar"),
    ("term_and_billing_cycle", "varchar"),
    ("credit_reason_code", "varchar"),
    ("price_adjustment_description", "varchar"),
    ("unreadable", "varchar"),
    ("vendor_columns", "text"),
]

STAGING = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)


def _text(value):
    return "" if value is None else str(value).strip()


def _day(value):
    try:
        return date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def _number(item, name, problems):
    """A column as Decimal (JSON numbers arrive as Decimal, some exports write them
    as text); None when empty; a problem noted when unreadable."""
    value = item.get(name)
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(f"{name}={value!r}")
        return None
    if not number.is_finite():
        problems.append(f"{name}={value!r}")
        return None
    return number


def line_row(item, number, occurrence):
    """The stored row (COLUMNS) of one Partner Center billing line item."""
    lower = {str(key).lower(): value for key, value in item.items()}
    problems = []
    raw_type = _text(lower.get("chargetype"))
    charge_type = CHARGE_TYPES.get(re.sub(r"[^a-z]", "", raw_type.lower()), "other")
    product, sku = _text(lower.get("productid")), _text(lower.get("skuid"))
    canonical = json.dumps(item, sort_keys=True, default=str)
    key = hashlib.sha256(canonical.encode()).hexdigest()[:40] + f"#{occurrence}"
    subtotal = _number(lower, "subtotal", problems)
    if subtotal is None and not problems:
        problems.append("subtotal is empty")
    total = _number(lower, "totalforcustomer", problems)
    if total is None:
        total = _number(lower, "total", problems)
    return (
        number,
        key,
        _text(lower.get("customerid")).lower(),
        _text(lower.get("customername")),
        _text(lower.get("subscriptionid")).lower(),
        _text(lower.get("subscriptiondescription")),
        _text(lower.get("orderid")),
        f"{product}:{sku}" if product and sku else product or sku,
        _text(lower.get("productname")),
        _text(lower.get("skuname")),
        charge_type,
        raw_type,
        _day(lower.get("chargestartdate")),
        _day(lower.get("chargeenddate")),
        _number(lower, "quantity", problems),
        _number(lower, "unitprice", problems),
        _number(lower, "effectiveunitprice", problems),
        subtotal,
        _number(lower, "taxtotal", problems),
        total,
        _text(lower.get("currency") or lower.get("billingcurrency")).upper(),
        _text(lower.get("termandbillingcycle")),
        _text(lower.get("creditreasoncode")),
        _text(lower.get("priceadjustmentdescription")),
        ", ".join(problems),
        canonical,
    )


class BillbyteMsInvoiceLine(models.Model):
    """One new-commerce billing line item of a Microsoft invoice (a purchase,
    renewal, seat change, cancellation, conversion or credit of one subscription),
    as Partner Center states it, matched with what Odoo billed the customer for the
    same subscription and period. A line that does not match says why."""

    _name = "billbyte.ms.invoice.line"
    _description = "Microsoft Invoice License Line"
    _order = "reconciliation_id, line_number, id"
    _check_company_auto = True

    reconciliation_id = fields.Many2one(
        "billbyte.vendor.reconciliation",
        string="Vendor Invoice",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    invoice_id = fields.Char(string="Microsoft Invoice", readonly=True, index=True)
    line_number = fields.Integer(readonly=True, help="Position in Microsoft's line items.")
    key = fields.Char(
        required=True,
        readonly=True,
        help="Deterministic: the line's content and its occurrence on the invoice.",
    )
    customer_tenant = fields.Char(readonly=True)
    customer_name = fields.Char(string="Customer at Microsoft", readonly=True)
    subscription_id = fields.Char(string="Subscription ID", readonly=True, index=True)
    subscription_description = fields.Char(readonly=True)
    order_id = fields.Char(string="Microsoft Order", readonly=True)
    offer_id = fields.Char(string="Product:SKU", readonly=True)
    product_name = fields.Char(readonly=True)
    sku_name = fields.Char(string="SKU", readonly=True)
    charge_type = fields.Selection(CHARGE_TYPE_SELECTION, readonly=True, index=True)
    charge_type_vendor = fields.Char(string="Charge Type at Microsoft", readonly=True)
    charge_start = fields.Date(readonly=True)
    charge_end = fields.Date(readonly=True)
    quantity = fields.Float(readonly=True, digits=(16, 4))
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    unit_price = fields.Monetary(readonly=True, currency_field="currency_id")
    effective_unit_price = fields.Monetary(readonly=True, currency_field="currency_id")
    subtotal = fields.Monetary(
        readonly=True, currency_field="currency_id", help="Microsoft's charge before tax."
    )
    tax_total = fields.Monetary(readonly=True, currency_field="currency_id")
    total = fields.Monetary(readonly=True, currency_field="currency_id")
    billing_currency = fields.Char(readonly=True)
    term_and_billing_cycle = fields.Char(readonly=True)
    credit_reason_code = fields.Char(readonly=True)
    price_adjustment_description = fields.Char(readonly=True)
    unreadable = fields.Char(
        readonly=True, help="Columns Partner Center sent that could not be read as numbers."
    )
    vendor_columns = fields.Text(
        readonly=True, groups="billbyte_catalog.group_billbyte_manager", help="Every column."
    )
    license_id = fields.Many2one(
        "billbyte.license", readonly=True, index="btree_not_null", ondelete="set null"
    )
    cloud_account_id = fields.Many2one("billbyte.cloud.account", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    license_change_id = fields.Many2one(
        "billbyte.license.change",
        string="Odoo Charge",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The license term or seat increase Odoo bills for this charge.",
    )
    odoo_invoice_line_id = fields.Many2one(
        "account.move.line",
        readonly=True,
        ondelete="set null",
        help="The customer invoice (or credit note) line of the same charge.",
    )
    odoo_quantity = fields.Integer(string="Seats in Odoo", readonly=True)
    state = fields.Selection(
        [
            ("matched", "Matched"),
            ("waiting", "Waiting for Odoo's Invoice"),
            ("difference", "Difference"),
            ("accepted", "Accepted"),
        ],
        readonly=True,
        index=True,
        default="difference",
    )
    reason = fields.Selection(REASONS, readonly=True)
    note = fields.Char(string="Why", readonly=True)

    _sql_constraints = [
        (
            "key_uniq",
            "unique(reconciliation_id, key)",
            "A Microsoft invoice line is imported once.",
        )
    ]

    # ------------------------------------------------------------------ import

    @api.model
    def _import_invoice(self, connection, invoice_id):
        """Read a Microsoft invoice (its total) and all its new-commerce billing line
        items, store them (set-based: lines already imported stay as they are, lines
        Microsoft no longer lists go), and match them with Odoo's invoices. Returns
        {reconciliation, lines, added, removed, microsoft_subtotal, stored_subtotal}."""
        if connection.kind != "microsoft":
            raise UserError(
                self.env._("%s is not a Microsoft Partner Center connection.", connection.name)
            )
        connector = connection.sudo()._connector()
        invoice = connector.invoice(invoice_id)
        items = connector.invoice_license_lines(invoice_id)
        currency_code = _text(invoice.get("currencyCode")) or next(
            (_text(i.get("currency")) for i in items if i.get("currency")), ""
        )
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", currency_code.upper())], limit=1)
        )
        if not currency:
            raise UserError(
                self.env._(
                    "Microsoft bills invoice %(invoice)s in %(currency)s, a currency this "
                    "database does not have.",
                    invoice=invoice_id,
                    currency=currency_code or "-",
                )
            )
        Rec = self.env["billbyte.vendor.reconciliation"].sudo()
        rec = Rec.search(
            [("connection_id", "=", connection.id), ("invoice_id", "=", invoice_id)], limit=1
        )
        if not rec:
            rec = Rec.create(
                {
                    "connection_id": connection.id,
                    "invoice_id": invoice_id,
                    "company_id": connection.company_id.id,
                    "currency_id": currency.id,
                    "tolerance": connection.company_id.billbyte_reconcile_tolerance,
                }
            )
        seen, rows = {}, []
        for number, item in enumerate(items, start=1):
            canonical = json.dumps(item, sort_keys=True, default=str)
            seen[canonical] = seen.get(canonical, 0) + 1
            rows.append(line_row(item, number, seen[canonical]))
        added, removed = self._store(rec, rows)
        lines = self.search([("reconciliation_id", "=", rec.id)])
        lines._match()
        if invoice.get("totalCharges") is not None:
            rec._apply_vendor_invoice(invoice)
        rec._refresh_imported()
        microsoft = sum((row[17] for row in rows if row[17] is not None), Decimal(0))
        self.env.cr.execute(
            "SELECT COALESCE(sum(subtotal), 0)::text FROM billbyte_ms_invoice_line "
            "WHERE reconciliation_id = %s",
            [rec.id],
        )
        stored = self.env.cr.fetchone()[0]
        rec.message_post(
            body=self.env._(
                "%(count)s license line item(s) read from Partner Center (%(added)s new, "
                "%(removed)s no longer listed); subtotal %(subtotal)s %(currency)s.",
                count=len(rows),
                added=added,
                removed=removed,
                subtotal=stored,
                currency=rec.currency_id.name,
            )
        )
        return {
            "reconciliation": rec,
            "lines": len(rows),
            "added": added,
            "removed": removed,
            "microsoft_subtotal": microsoft,
            "stored_subtotal": Decimal(stored),
        }

    @api.model
    def _store(self, rec, rows):
        """Insert the rows not stored yet, delete the stored lines of the invoice that
        Microsoft no longer lists. Returns (added, removed)."""
        cr = self.env.cr
        self.env.flush_all()
        names = [name for name, _kind in COLUMNS]
        cr.execute("DROP TABLE IF EXISTS bb_ms_lines")
        cr.execute(SQL("CREATE TEMP TABLE bb_ms_lines (%s) ON COMMIT DROP", SQL(STAGING)))
        if rows:
            execute_values(cr._obj, "INSERT INTO bb_ms_lines VALUES %s", rows, page_size=2000)
        cr.execute(
            "DELETE FROM billbyte_ms_invoice_line l WHERE l.reconciliation_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM bb_ms_lines t WHERE t.key = l.key)",
            [rec.id],
        )
        removed = cr.rowcount
        columns = ", ".join(names)
        cr.execute(
            f"""
            INSERT INTO billbyte_ms_invoice_line
                ({columns}, reconciliation_id, connection_id, company_id, invoice_id, state,
                 create_uid, create_date, write_uid, write_date)
            SELECT {columns}, %(rec)s, %(connection)s, %(company)s, %(invoice)s, 'difference',
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM bb_ms_lines
            ON CONFLICT (reconciliation_id, key) DO UPDATE SET line_number = EXCLUDED.line_number
            RETURNING (xmax = 0)
            """,
            {
                "rec": rec.id,
                "connection": rec.connection_id.id,
                "company": rec.company_id.id,
                "invoice": rec.invoice_id,
                "uid": self.env.uid,
            },
        )
        added = sum(1 for (inserted,) in cr.fetchall() if inserted)
        self.env.invalidate_all()
        return added, removed

    # ------------------------------------------------------------------ matching

    def _match(self):
        """Match these lines with Odoo's licenses (by Partner Center subscription id),
        their terms and seat increases (by charge period) and credit notes; say why a
        line does not match. Lines accepted by hand stay accepted."""
        lines = self.filtered(lambda line: line.state != "accepted")
        if not lines:
            return
        License = self.env["billbyte.license"].sudo()
        subscriptions = sorted(set(lines.mapped("subscription_id")) - {""})
        licenses = License.with_context(active_test=False).search(
            [("ms_subscription_id", "in", subscriptions)]
        )
        by_subscription = {}
        for lic in licenses:
            if lic.company_id in lines.company_id:
                by_subscription.setdefault((lic.company_id.id, lic.ms_subscription_id), lic)
        known = {
            (sub.connection_id.id, sub.subscription_id): sub
            for sub in self.env["billbyte.ms.subscription"]
            .sudo()
            .search([("subscription_id", "in", subscriptions)])
        }
        credits = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("billbyte_license_id", "in", licenses.ids),
                    ("move_id.move_type", "=", "out_refund"),
                    ("parent_state", "!=", "cancel"),
                ]
            )
        )
        earlier = self.sudo().search(
            [
                ("subscription_id", "in", subscriptions),
                ("charge_type", "in", PRICED_CHARGES),
                ("id", "not in", lines.ids),
            ],
            order="charge_start desc, id desc",
        )
        used_changes, used_credits = set(), set()
        for line in lines.sorted(lambda x: (x.charge_start or date.min, x.line_number, x.id)):
            lic = by_subscription.get((line.company_id.id, line.subscription_id))
            vals = line._match_values(lic, known, credits, earlier, used_changes, used_credits)
            line.write(vals)

    def _match_values(self, lic, known, credits, earlier, used_changes, used_credits):
        self.ensure_one()
        _ = self.env._
        vals = {
            "license_id": lic.id if lic else False,
            "cloud_account_id": lic.cloud_account_id.id if lic else False,
            "partner_id": lic.partner_id.id if lic else False,
            "license_change_id": False,
            "odoo_invoice_line_id": False,
            "odoo_quantity": 0,
        }
        if self.unreadable:
            return dict(
                vals,
                state="difference",
                reason="unreadable",
                note=_("Microsoft's line cannot be read: %s", self.unreadable),
            )
        if not lic:
            sub = known.get((self.connection_id.id, self.subscription_id))
            if sub and sub.cloud_account_id:
                vals.update(cloud_account_id=sub.cloud_account_id.id)
                vals.update(partner_id=sub.cloud_account_id.partner_id.id)
            return dict(
                vals,
                state="difference",
                reason="unknown_subscription",
                note=_(
                    "Microsoft charged subscription %(sub)s (%(customer)s), which no Odoo "
                    "license bills: adopt it in the license reconciliation.",
                    sub=self.subscription_id or "-",
                    customer=self.customer_name or self.customer_tenant or "-",
                ),
            )
        quantity = Decimal(str(self.quantity or 0))
        seats = int(abs(quantity))
        start = self.charge_start
        if self.charge_type == "credit" or (
            self.charge_type not in ("remove_quantity", "cancel") and (self.subtotal or 0) < 0
        ):
            return dict(
                vals,
                state="difference",
                reason="credit",
                note=_(
                    "Microsoft gave a credit of %(amount)s %(currency)s%(code)s: pass it on to "
                    "the customer with a credit note, or accept it.",
                    amount=self.subtotal,
                    currency=self.currency_id.name,
                    code=f" ({self.credit_reason_code})" if self.credit_reason_code else "",
                ),
            )
        if self.charge_type in ("remove_quantity", "cancel"):
            credit = credits.filtered(
                lambda ml: (
                    ml.billbyte_license_id == lic
                    and ml.id not in used_credits
                    and (not start or ml.start_date == start)
                )
            )[:1]
            if credit:
                used_credits.add(credit.id)
                return dict(
                    vals, odoo_invoice_line_id=credit.id, state="matched", reason=False, note=False
                )
            return dict(
                vals,
                state="difference",
                reason="credit",
                note=_(
                    "Microsoft credited %(seats)s removed seat(s) (%(amount)s %(currency)s) "
                    "from %(date)s; the customer has no credit note for them.",
                    seats=seats,
                    amount=self.subtotal,
                    currency=self.currency_id.name,
                    date=start,
                ),
            )
        change = self._find_change(lic, used_changes)
        if not change:
            due = (
                self.charge_type in TERM_CHARGES
                and lic.state == "active"
                and start
                and lic.next_term_start
                and lic.next_term_start <= start
            )
            pending = lic.change_ids.filtered(
                lambda c: c.kind == "increase" and c.state == "to_bill"
            )
            if due:
                expected = lic._seats_due(start)
                if expected != seats:
                    return dict(
                        vals,
                        odoo_quantity=expected,
                        state="difference",
                        reason="seats",
                        note=_(
                            "Microsoft charged %(ms)s seat(s) from %(date)s, Odoo will bill "
                            "%(odoo)s.",
                            ms=seats,
                            date=start,
                            odoo=expected,
                        ),
                    )
                vals["odoo_quantity"] = expected
            if due or (self.charge_type == "add_quantity" and pending):
                return dict(
                    vals,
                    state="waiting",
                    reason="not_billed",
                    note=_(
                        "Seat change or term from %s not billed to the customer yet: the "
                        "next billing run bills it.",
                        start,
                    ),
                )
            return dict(
                vals,
                state="difference",
                reason="not_in_odoo",
                note=_(
                    "Odoo bills no %(kind)s of %(license)s from %(date)s (%(seats)s seat(s)).",
                    kind=dict(CHARGE_TYPE_SELECTION).get(self.charge_type, self.charge_type),
                    license=lic.display_name,
                    date=start,
                    seats=seats,
                ),
            )
        used_changes.add(change.id)
        vals.update(
            license_change_id=change.id,
            odoo_invoice_line_id=change.invoice_line_id.id,
            odoo_quantity=change.quantity,
        )
        if change.quantity != seats:
            return dict(
                vals,
                state="difference",
                reason="seats",
                note=_(
                    "Microsoft charged %(ms)s seat(s), Odoo bills %(odoo)s.",
                    ms=seats,
                    odoo=change.quantity,
                ),
            )
        previous = earlier.filtered(
            lambda x: (
                x.subscription_id == self.subscription_id
                and x.offer_id == self.offer_id
                and x.charge_start
                and start
                and x.charge_start < start
                and x.effective_unit_price
            )
        )[:1]
        if (
            previous
            and self.effective_unit_price
            and Decimal(str(previous.effective_unit_price))
            != Decimal(str(self.effective_unit_price))
        ):
            return dict(
                vals,
                state="difference",
                reason="price",
                note=_(
                    "Microsoft's price per seat changed from %(before)s to %(after)s "
                    "%(currency)s (invoice %(invoice)s): check the customer's price.",
                    before=previous.effective_unit_price,
                    after=self.effective_unit_price,
                    currency=self.currency_id.name,
                    invoice=previous.invoice_id,
                ),
            )
        if change.state == "to_bill":
            return dict(
                vals,
                state="waiting",
                reason="not_billed",
                note=_(
                    "Seat change or term from %s not billed to the customer yet: the next "
                    "billing run bills it.",
                    change.date,
                ),
            )
        return dict(vals, state="matched", reason=False, note=False)

    def _find_change(self, lic, used):
        """The Odoo term or seat increase billing the same charge: the term holding
        the charge's first day, or the increase of that day (else of its term)."""
        start = self.charge_start
        if not start:
            return lic.change_ids.browse()
        if self.charge_type in TERM_CHARGES:
            return lic.change_ids.filtered(
                lambda c: (
                    c.kind == "term"
                    and c.id not in used
                    and c.date <= start <= (c.date_end or c.date)
                )
            )[:1]
        if self.charge_type != "add_quantity":
            return lic.change_ids.browse()
        increases = lic.change_ids.filtered(lambda c: c.kind == "increase" and c.id not in used)
        same_day = increases.filtered(lambda c: c.date == start)
        seats = int(abs(self.quantity or 0))
        exact = same_day.filtered(lambda c: c.quantity == seats)
        return (
            exact
            or same_day
            or increases.filtered(lambda c: c.date <= start <= (c.date_end or c.date))
        )[:1]

    # ------------------------------------------------------------------ actions

    def action_accept(self):
        """Accept a difference by hand (noted on the vendor invoice's chatter)."""
        for line in self.filtered(lambda x: x.state == "difference"):
            line.write({"state": "accepted"})
            line.reconciliation_id.message_post(
                body=self.env._(
                    "License line %(number)s (%(subscription)s, %(reason)s) accepted by "
                    "%(user)s: %(note)s",
                    number=line.line_number,
                    subscription=line.subscription_id,
                    reason=dict(REASONS).get(line.reason, ""),
                    user=self.env.user.name,
                    note=line.note or "",
                )
            )
        self.reconciliation_id._refresh_license_state()
        return True

    def action_rematch(self):
        self._match()
        self.reconciliation_id._refresh_license_state()
        return True


class BillbyteLicense(models.Model):
    _inherit = "billbyte.license"  # pylint: disable=consider-merging-classes-inherited

    def _seats_due(self, day):
        """Seats of the term starting on `day` that Odoo has not scheduled yet: the
        seats of the next term when a decrease waits for that renewal."""
        self.ensure_one()
        pending = self.change_ids.filtered(
            lambda c: c.kind == "decrease" and not c.applied and c.date <= day
        )
        return self.next_term_seats if pending else self._seats_at(day)
