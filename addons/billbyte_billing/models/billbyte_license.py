# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

TERM_MONTHS = {"monthly": 1, "annual": 12}


class BillbyteLicense(models.Model):
    """Seats of a license SKU on a customer's cloud account, billed in advance per
    term (Microsoft new-commerce style): an increase is billed at once, prorated by
    day for the rest of the term; a decrease applies from the next term."""

    _name = "billbyte.license"
    _description = "Cloud License"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, cloud_account_id, product_id, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
    )
    partner_id = fields.Many2one(
        related="cloud_account_id.partner_id", store=True, index=True, string="Customer"
    )
    product_id = fields.Many2one(
        "product.product",
        string="License SKU",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('billbyte_offer_type', '=', 'license')]",
    )
    vendor_id = fields.Many2one(related="product_id.billbyte_vendor_id", store=True)
    seats = fields.Integer(
        required=True,
        tracking=True,
        help="Seats of the current term. An increase counts from the day it is ordered.",
    )
    next_term_seats = fields.Integer(
        string="Seats Next Term",
        tracking=True,
        help="Seats from the next renewal on: lower than the current seats when a "
        "decrease is pending (a decrease takes effect at the term's renewal).",
    )
    term = fields.Selection(
        [("monthly", "Monthly"), ("annual", "Annual")],
        required=True,
        tracking=True,
        help="Each term is billed in advance on its first day.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        tracking=True,
        help="First day of the first term; later terms start on the same day of the month.",
    )
    price_unit = fields.Monetary(
        string="Price per Seat",
        required=True,
        tracking=True,
        help="Price of one seat for one term, in the customer's currency. A change applies "
        "to the terms billed and the seats added from now on.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    state = fields.Selection(
        [("active", "Active"), ("cancelled", "Cancelled")],
        default="active",
        required=True,
        tracking=True,
        help="A cancelled license is not renewed: terms already billed stay billed.",
    )
    billed_until = fields.Date(
        compute="_compute_billed_until",
        store=True,
        help="Last day of the last term billed (the next term starts the day after).",
    )
    next_term_start = fields.Date(compute="_compute_billed_until", store=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    change_ids = fields.One2many("billbyte.license.change", "license_id", string="Seat Changes")
    sale_line_ids = fields.One2many(
        "sale.order.line", "billbyte_license_id", string="Order Lines", readonly=True
    )
    invoice_line_ids = fields.One2many(
        "account.move.line", "billbyte_license_id", string="Invoice Lines", readonly=True
    )
    amount_term = fields.Monetary(
        string="Amount per Term", compute="_compute_amount_term", help="Seats × price per seat."
    )

    _sql_constraints = [
        (
            "seats_positive",
            "CHECK(seats >= 0 AND next_term_seats >= 0)",
            "Seats cannot be negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # Licenses entered by hand (e.g. taken over from another provider): the term
        # of the SKU, the account's currency, as many seats next term as now.
        for vals in vals_list:
            if "next_term_seats" not in vals:
                vals["next_term_seats"] = vals.get("seats", 0)
            if not vals.get("term") and vals.get("product_id"):
                product = self.env["product.product"].browse(vals["product_id"])
                vals["term"] = product.billbyte_term
            if not vals.get("currency_id") and vals.get("cloud_account_id"):
                account = self.env["billbyte.cloud.account"].browse(vals["cloud_account_id"])
                vals["currency_id"] = account.currency_id.id
        return super().create(vals_list)

    @api.depends("product_id", "cloud_account_id")
    def _compute_name(self):
        for lic in self:
            lic.name = (
                f"{lic.product_id.display_name or ''} / {lic.cloud_account_id.display_name or ''}"
            )

    @api.depends("date_start", "change_ids.kind", "change_ids.date_end")
    def _compute_billed_until(self):
        for lic in self:
            ends = lic.change_ids.filtered(lambda c: c.kind == "term").mapped("date_end")
            lic.billed_until = max(ends) if ends else False
            lic.next_term_start = (
                lic.billed_until + timedelta(days=1) if lic.billed_until else lic.date_start
            )

    @api.depends("seats", "price_unit", "currency_id")
    def _compute_amount_term(self):
        for lic in self:
            lic.amount_term = float(lic._amount(lic.seats))

    # ------------------------------------------------------------------ terms

    def _term_bounds(self, day):
        """(first day, last day) of the term of this license that holds `day`, counted
        from the start date (the same day of the month every term)."""
        self.ensure_one()
        months = TERM_MONTHS[self.term]
        start = self.date_start
        if day < start:
            return start, start + relativedelta(months=months) - timedelta(days=1)
        elapsed = relativedelta(day, start)
        index = (elapsed.years * 12 + elapsed.months) // months
        first = start + relativedelta(months=index * months)
        if first > day:  # end-of-month starts (e.g. the 31st) shorten some months
            index -= 1
            first = start + relativedelta(months=index * months)
        nxt = start + relativedelta(months=(index + 1) * months)
        if nxt <= day:
            first, nxt = nxt, start + relativedelta(months=(index + 2) * months)
        return first, nxt - timedelta(days=1)

    def _amount(self, seats, days=None, term_days=None):
        """seats × price per seat (× days / term days), rounded to the currency: Decimal."""
        self.ensure_one()
        step = Decimal(str(self.currency_id.rounding or 0.01))
        amount = Decimal(seats) * Decimal(str(self.price_unit))
        if days is not None and term_days:
            amount = amount * Decimal(days) / Decimal(term_days)
        return amount.quantize(step, ROUND_HALF_UP)

    def _prorate(self, seats, day, price_unit=None):
        """(units billed, units of the term, amount) of `seats` from `day` to the end
        of the term holding it (co-termination), by the company's proration rule: by
        day, or by whole month (the month `day` falls in counts in full)."""
        self.ensure_one()
        first, last = self._term_bounds(day)
        if self.company_id.billbyte_license_proration == "month":
            elapsed = relativedelta(day, first)
            units = TERM_MONTHS[self.term]
            used = units - (elapsed.years * 12 + elapsed.months)
        else:
            used, units = (last - day).days + 1, (last - first).days + 1
        if price_unit is None:
            return used, units, self._amount(seats, used, units)
        step = Decimal(str(self.currency_id.rounding or 0.01))
        amount = Decimal(seats) * Decimal(str(price_unit)) * Decimal(used) / Decimal(units)
        return used, units, amount.quantize(step, ROUND_HALF_UP)

    def _seats_at(self, day):
        """Seats in force on the term starting on `day`: the current seats less the
        increases ordered after that day (billed on their own, prorated)."""
        self.ensure_one()
        later = self.change_ids.filtered(lambda c: c.kind == "increase" and c.date > day)
        return self.seats - sum(c.seats_after - c.seats_before for c in later)

    def _schedule_due_terms(self, day):
        """Create the term records of every term of these active licenses that starts on
        or before `day` and is not yet billed; pending decreases apply at their renewal.
        Returns the new term records."""
        Change = self.env["billbyte.license.change"]
        created = Change
        for lic in self.filtered(lambda x: x.state == "active"):
            start = lic.next_term_start
            while start and start <= day and lic.state == "active":
                decreases = lic.change_ids.filtered(
                    lambda c, s=start: c.kind == "decrease" and not c.applied and c.date <= s
                )
                if decreases:
                    decreases.write({"applied": True})
                    lic.seats = lic.next_term_seats
                    lic.message_post(
                        body=self.env._(
                            "Renewal on %(date)s: %(seats)s seat(s) from this term on.",
                            date=start,
                            seats=lic.seats,
                        )
                    )
                seats = lic._seats_at(start)
                if seats <= 0:
                    lic.state = "cancelled"
                    lic.message_post(body=self.env._("No seats left at renewal: not renewed."))
                    break
                first, last = lic._term_bounds(start)
                created |= Change.create(
                    {
                        "license_id": lic.id,
                        "kind": "term",
                        "date": first,
                        "date_end": last,
                        "seats_before": seats,
                        "seats_after": seats,
                        "quantity": seats,
                        "days": (last - first).days + 1,
                        "term_days": (last - first).days + 1,
                        "amount": float(lic._amount(seats)),
                    }
                )
                start = last + timedelta(days=1)
        return created

    # ------------------------------------------------------------------ seat changes

    def _change_seats(self, delta, day, sale_line=None):
        """Add (delta > 0) or remove (delta < 0) seats as of `day`: an increase now,
        prorated by day to the end of its term and billed on the next invoice; a
        decrease from the next renewal."""
        self.ensure_one()
        if not delta:
            return self.env["billbyte.license.change"]
        day = max(day, self.date_start)
        if delta > 0:
            _first, last = self._term_bounds(day)
            days, term_days, amount = self._prorate(delta, day)
            change = self.env["billbyte.license.change"].create(
                {
                    "license_id": self.id,
                    "kind": "increase",
                    "date": day,
                    "date_end": last,
                    "seats_before": self.seats,
                    "seats_after": self.seats + delta,
                    "quantity": delta,
                    "days": days,
                    "term_days": term_days,
                    "amount": float(amount),
                    "sale_line_id": sale_line.id if sale_line else False,
                }
            )
            self.write(
                {"seats": self.seats + delta, "next_term_seats": self.next_term_seats + delta}
            )
            return change
        if self.next_term_seats + delta < 0:
            raise UserError(
                self.env._(
                    "%(license)s has %(seats)s seat(s) next term: %(remove)s cannot be removed.",
                    license=self.display_name,
                    seats=self.next_term_seats,
                    remove=-delta,
                )
            )
        _first, last = self._term_bounds(day)
        change = self.env["billbyte.license.change"].create(
            {
                "license_id": self.id,
                "kind": "decrease",
                "date": last + timedelta(days=1),
                "date_end": last + timedelta(days=1),
                "seats_before": self.next_term_seats,
                "seats_after": self.next_term_seats + delta,
                "quantity": delta,
                "sale_line_id": sale_line.id if sale_line else False,
            }
        )
        self.next_term_seats += delta
        return change

    def action_cancel(self):
        """Not renewed any more; the terms already billed stay billed."""
        self.write({"state": "cancelled"})
        return True

    def action_view_invoice_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("License Invoice Lines"),
            "res_model": "account.move.line",
            "view_mode": "list",
            "domain": [("billbyte_license_id", "=", self.id)],
        }
