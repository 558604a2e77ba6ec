# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

# Partner Center's term durations of Odoo's license terms, and the billing cycle.
MS_TERMS = {"monthly": ("P1M", "monthly"), "annual": ("P1Y", "annual")}
ODOO_TERMS = {"P1M": "monthly", "P1Y": "annual"}


class BillbyteLicense(models.Model):
    _inherit = "billbyte.license"  # pylint: disable=consider-merging-classes-inherited

    ms_subscription_id = fields.Char(
        string="Partner Center Subscription",
        index="btree_not_null",
        copy=False,
        tracking=True,
        help="The Partner Center subscription this license bills: set from Microsoft's "
        "answer to the order, or when a reconciliation adopts Microsoft's side.",
    )
    ms_subscription_ids = fields.One2many(
        "billbyte.ms.subscription", "license_id", string="At Partner Center", readonly=True
    )
    ms_quantity = fields.Integer(string="Seats at Microsoft", compute="_compute_ms")
    ms_status = fields.Char(string="Status at Microsoft", compute="_compute_ms")
    ms_cancellation_until = fields.Date(
        string="Cancellation Window Ends",
        compute="_compute_ms",
        help="Until this day (Microsoft's cancellationAllowedUntilDate) seats can be "
        "removed or the license cancelled at once, with a credit note prorated by day; "
        "later, a decrease takes effect at the renewal.",
    )
    ms_in_window = fields.Boolean(string="In Cancellation Window", compute="_compute_ms")
    ms_commitment_end_date = fields.Date(string="Term Ends at Microsoft", compute="_compute_ms")
    ms_auto_renew = fields.Boolean(string="Auto-Renew at Microsoft", compute="_compute_ms")
    pending_decrease_date = fields.Date(
        string="Decrease Takes Effect",
        compute="_compute_pending_decrease",
        help="The renewal from which the scheduled decrease applies.",
    )
    ms_pending_request_id = fields.Char(readonly=True, copy=False)
    ms_pending_change = fields.Char(readonly=True, copy=False)
    ms_call_ids = fields.One2many(
        "billbyte.partner.center.call",
        "license_id",
        string="Partner Center Calls",
        groups="billbyte_catalog.group_billbyte_user",
    )

    @api.depends("ms_subscription_ids")
    def _compute_ms(self):
        today = fields.Date.context_today(self)
        for lic in self:
            sub = lic.ms_subscription_ids.filtered("present")[:1]
            lic.ms_quantity = sub.quantity
            lic.ms_status = sub.status
            lic.ms_cancellation_until = sub.cancellation_until
            lic.ms_in_window = bool(sub.cancellation_until and today <= sub.cancellation_until)
            lic.ms_commitment_end_date = sub.commitment_end_date
            lic.ms_auto_renew = sub.auto_renew

    @api.depends("change_ids.kind", "change_ids.applied", "change_ids.date")
    def _compute_pending_decrease(self):
        for lic in self:
            pending = lic.change_ids.filtered(lambda c: c.kind == "decrease" and not c.applied)
            lic.pending_decrease_date = min(pending.mapped("date")) if pending else False

    # ------------------------------------------------------------------ Partner Center

    def _ms_target(self):
        """(connection, customer tenant) when the license's cloud account is kept in
        step with Partner Center (a Microsoft connection and the customer's tenant id),
        else (None, None)."""
        self.ensure_one()
        return self.cloud_account_id._billbyte_ms_target()

    def _ms_subscription(self):
        self.ensure_one()
        return self.ms_subscription_ids.filtered("present")[:1]

    def _ms_change(self, changes, operation):
        """Send `changes` to the license's subscription (audited, one try). A change
        that got no answer keeps its request id: the same change sent again reuses it,
        so Microsoft applies it once. Returns Microsoft's subscription values."""
        self.ensure_one()
        connection, tenant = self._ms_target()
        if not connection or not self.ms_subscription_id:
            raise UserError(
                self.env._("%s is not linked to a Partner Center subscription.", self.display_name)
            )
        key = json.dumps(changes, sort_keys=True)
        request_id = (
            self.ms_pending_request_id
            if self.ms_pending_change == key and self.ms_pending_request_id
            else str(uuid.uuid4())
        )
        self.sudo().write({"ms_pending_request_id": request_id, "ms_pending_change": key})
        audit = self.env["billbyte.partner.center.call"]._recorder(
            connection, operation, license_record=self
        )
        connector = connection._connector()
        try:
            values = connector.change_subscription(
                tenant, self.ms_subscription_id, changes, request_id, audit
            )
        except VendorUnavailable:
            raise
        except VendorError:
            self.sudo().write({"ms_pending_request_id": False, "ms_pending_change": False})
            raise
        self.sudo().write({"ms_pending_request_id": False, "ms_pending_change": False})
        if values:
            self.env["billbyte.ms.subscription"].sudo()._keep(connection, tenant, values)
        return values

    def _ms_renewal_date(self):
        """The day a decrease scheduled now takes effect: Odoo's next renewal."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        _first, last = self._term_bounds(max(today, self.date_start))
        return last + timedelta(days=1)

    def _ms_remove_now(self, seats, day):
        """Microsoft removed `seats` inside its cancellation window: fewer seats from
        `day` on, and a credit note for the rest of the billed term, prorated by day.
        Returns the credit note (or an empty recordset when the term is not billed)."""
        self.ensure_one()
        first, last = self._term_bounds(day)
        remaining = self.seats - seats
        self.write(
            {
                "seats": remaining,
                "next_term_seats": max(self.next_term_seats - seats, 0),
                "state": "active" if remaining > 0 else "cancelled",
            }
        )
        credit = self.env["account.move"]
        if self.billed_until and self.billed_until >= last:
            days = (last - day).days + 1
            term_days = (last - first).days + 1
            amount = self._amount(seats, days, term_days)
            if amount:
                credit = self._ms_credit_note(seats, day, last, days, term_days, amount)
        self.message_post(
            body=self.env._(
                "%(seats)s seat(s) removed at Microsoft inside the cancellation window, as "
                "of %(date)s: %(left)s seat(s) left.",
                seats=seats,
                date=day,
                left=remaining,
            )
        )
        return credit

    def _ms_credit_note(self, seats, day, last, days, term_days, amount):
        account = self.cloud_account_id
        partner = account.partner_id
        label = self.env._(
            "%(product)s, %(account)s (%(vendor_id)s): -%(seats)s seat(s) from %(start)s to "
            "%(end)s, %(days)s of %(term_days)s days (removed in Microsoft's cancellation "
            "window)",
            product=self.product_id.display_name,
            account=account.name,
            vendor_id=account.vendor_account_id,
            seats=seats,
            start=day,
            end=last,
            days=days,
            term_days=term_days,
        )
        taxes = self.product_id.taxes_id.filtered(lambda t: t.company_id == self.company_id)
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "currency_id": self.currency_id.id,
                    "company_id": self.company_id.id,
                    "invoice_date": day,
                    "invoice_origin": self.display_name,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.product_id.id,
                                "name": label,
                                "quantity": 1,
                                "price_unit": float(amount),
                                "tax_ids": [(6, 0, taxes.ids)],
                                "billbyte_license_id": self.id,
                                "start_date": day,
                                "end_date": last,
                            },
                        )
                    ],
                }
            )
        )
        self.message_post(
            body=self.env._(
                "Credit note %(move)s: %(amount)s.", move=move.display_name, amount=amount
            )
        )
        return move

    def _ms_order_existing(self):
        """Order this Odoo license's seats at Microsoft and link the subscription."""
        self.ensure_one()
        connection, tenant = self._ms_target()
        if not connection:
            raise UserError(
                self.env._("%s's cloud account has no Microsoft connection.", self.display_name)
            )
        term, cycle = MS_TERMS[self.term]
        country = self.partner_id.country_id.code or self.company_id.country_id.code or "US"
        audit = self.env["billbyte.partner.center.call"]._recorder(
            connection, self.env._("Order"), license_record=self
        )
        created = connection._connector().place_order(
            tenant,
            [
                {
                    "offer": self.product_id.billbyte_sku_id,
                    "country": country,
                    "quantity": self.seats,
                    "term_duration": term,
                    "billing_cycle": cycle,
                    "name": self.product_id.name,
                }
            ],
            str(uuid.uuid4()),
            audit,
        )
        values = created[0]
        self.ms_subscription_id = values["subscription_id"]
        self.env["billbyte.ms.subscription"]._keep(connection, tenant, values)
        return self.env._("Ordered at Microsoft: subscription %s.", values["subscription_id"])

    def action_ms_auto_renew_off(self):
        return self._ms_set_auto_renew(False)

    def action_ms_auto_renew_on(self):
        return self._ms_set_auto_renew(True)

    def _ms_set_auto_renew(self, enabled):
        """Auto-renew on or off at Microsoft, and in Odoo: off, the license is not
        renewed (no seats from the renewal on); on again, the scheduled end is undone."""
        self.ensure_one()
        try:
            self._ms_change(
                {"autoRenewEnabled": enabled},
                self.env._("Auto-renew on") if enabled else self.env._("Auto-renew off"),
            )
        except (VendorError, VendorUnavailable) as error:
            message, kind = str(error), "danger"
        else:
            today = fields.Date.context_today(self)
            pending = self.change_ids.filtered(lambda c: c.kind == "decrease" and not c.applied)
            if enabled:
                pending.sudo().unlink()
                self.next_term_seats = self.seats
                message = self.env._("Auto-renew is on: the license renews.")
            else:
                if self.next_term_seats:
                    self._change_seats(-self.next_term_seats, today)
                message = self.env._(
                    "Auto-renew is off: the license ends with its term, on %s.",
                    self.pending_decrease_date,
                )
            kind = "success"
            self.message_post(body=message)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": kind == "danger"},
        }

    def action_change_seats(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Seats"),
            "res_model": "billbyte.license.seats.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_license_id": self.id, "default_seats": self.seats},
        }

    def action_view_ms_calls(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Partner Center Calls"),
            "res_model": "billbyte.partner.center.call",
            "view_mode": "list,form",
            "domain": [("license_id", "=", self.id)],
        }
