# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable


class BillbyteLicenseSeatsWizard(models.TransientModel):
    """Change a license's seats. For a license kept in step with Partner Center, the
    change goes to Microsoft first and Odoo follows Microsoft's answer: an increase
    at once; a decrease or cancellation at once inside Microsoft's cancellation
    window (with a credit note prorated by day), else at the renewal."""

    _name = "billbyte.license.seats.wizard"
    _description = "Change License Seats"

    license_id = fields.Many2one("billbyte.license", required=True, ondelete="cascade")
    current_seats = fields.Integer(related="license_id.seats")
    seats = fields.Integer(string="New Seats", required=True)
    ms_cancellation_until = fields.Date(related="license_id.ms_cancellation_until")
    ms_in_window = fields.Boolean(related="license_id.ms_in_window")
    renewal_date = fields.Date(compute="_compute_renewal_date", string="Renewal")
    confirm_below_assigned = fields.Boolean(
        string="Remove Assigned Licenses",
        help="Send the decrease although the customer has assigned more licenses than "
        "the new number of seats (users lose their license).",
    )
    warning = fields.Text(readonly=True)
    message = fields.Text(readonly=True)
    offer_renewal = fields.Boolean(readonly=True)

    @api.depends("license_id")
    def _compute_renewal_date(self):
        for wizard in self:
            wizard.renewal_date = (
                wizard.license_id._ms_renewal_date() if wizard.license_id else False
            )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Change Seats"),
        }

    def _done(self, message):
        self.message = message
        self.license_id.message_post(body=message)
        return self._reopen()

    def action_apply(self):
        self.ensure_one()
        lic = self.license_id
        if self.seats < 0:
            raise UserError(self.env._("Seats cannot be negative."))
        today = fields.Date.context_today(self)
        delta = self.seats - lic.seats
        if lic.state != "active":
            raise UserError(self.env._("%s is cancelled.", lic.display_name))
        connection, tenant = lic._ms_target()
        if not connection or not lic.ms_subscription_id:
            if delta:
                lic._change_seats(delta, today)
            return {"type": "ir.actions.act_window_close"}
        if not delta:
            return {"type": "ir.actions.act_window_close"}
        if delta > 0:
            try:
                lic._ms_change({"quantity": self.seats}, self.env._("Seat increase"))
            except (VendorError, VendorUnavailable) as error:
                self.message = str(error)
                return self._reopen()
            lic._change_seats(delta, today)
            return self._done(
                self.env._(
                    "Microsoft added %(seats)s seat(s): %(total)s from %(date)s.",
                    seats=delta,
                    total=self.seats,
                    date=today,
                )
            )
        if not self.confirm_below_assigned:
            warning = self._assigned_warning(connection, tenant)
            if warning:
                self.warning = warning
                return self._reopen()
        if not lic.ms_in_window:
            return self.action_schedule_renewal()
        changes = {"quantity": self.seats} if self.seats else {"status": "deleted"}
        try:
            lic._ms_change(
                changes,
                self.env._("Seat decrease") if self.seats else self.env._("Cancellation"),
            )
        except VendorUnavailable as error:
            self.message = str(error)
            return self._reopen()
        except VendorError as error:
            self.message = self.env._(
                "%(error)s\nNothing changed in Odoo. The decrease can take effect at the "
                "renewal on %(date)s instead: use 'Decrease at Renewal'.",
                error=str(error),
                date=self.renewal_date,
            )
            self.offer_renewal = True
            return self._reopen()
        credit = lic._ms_remove_now(-delta, today)
        message = self.env._(
            "Microsoft removed %(seats)s seat(s) inside the cancellation window.", seats=-delta
        )
        if credit:
            message += " " + self.env._(
                "Credit note %(move)s: %(amount)s %(currency)s.",
                move=credit.display_name,
                amount=credit.amount_untaxed,
                currency=credit.currency_id.name,
            )
        self.message = message
        return self._reopen()

    def _assigned_warning(self, connection, tenant):
        """A warning when the new number of seats is lower than the licenses the
        customer has assigned at Microsoft (subscribed SKUs, consumed units)."""
        lic = self.license_id
        sub = lic._ms_subscription()
        try:
            assigned = connection._connector().assigned_seats(tenant)
        except (VendorError, VendorUnavailable) as error:
            return self.env._(
                "The licenses assigned at Microsoft could not be read (%s): check them in "
                "the customer's admin center, then send the decrease.",
                error,
            )
        used = assigned.get((sub.offer_name or lic.product_id.name or "").strip().lower())
        if used and self.seats < used:
            return self.env._(
                "The customer has assigned %(used)s license(s) of %(product)s: with "
                "%(seats)s seat(s), %(lost)s user(s) lose their license. Tick 'Remove "
                "Assigned Licenses' to send the decrease anyway.",
                used=used,
                product=lic.product_id.display_name,
                seats=self.seats,
                lost=used - self.seats,
            )
        return False

    def action_schedule_renewal(self):
        """Outside Microsoft's window: the decrease takes effect at the renewal, at
        Microsoft (auto-renew off, or a next-term instruction) and in Odoo."""
        self.ensure_one()
        lic = self.license_id
        today = fields.Date.context_today(self)
        delta = self.seats - lic.seats
        if delta >= 0:
            raise UserError(self.env._("Only a decrease is scheduled for the renewal."))
        sub = lic._ms_subscription()
        if self.seats:
            product, _sep, rest = (sub.offer_id or lic.product_id.billbyte_sku_id or "").partition(
                ":"
            )
            sku = rest.split(":")[0]
            changes = {
                "scheduledNextTermInstructions": {
                    "product": {"productId": product, "skuId": sku},
                    "quantity": self.seats,
                    "term": {"duration": sub.term_duration or "P1M"},
                }
            }
            operation = self.env._("Decrease at renewal")
        else:
            changes = {"autoRenewEnabled": False}
            operation = self.env._("Auto-renew off")
        try:
            lic._ms_change(changes, operation)
        except (VendorError, VendorUnavailable) as error:
            self.message = str(error)
            return self._reopen()
        lic._change_seats(delta, today)
        self.offer_renewal = False
        return self._done(
            self.env._(
                "Decrease of %(seats)s seat(s) scheduled: it takes effect on %(date)s "
                "(renewal); until then the customer keeps and pays %(current)s seat(s).",
                seats=-delta,
                date=lic.pending_decrease_date or self.renewal_date,
                current=lic.seats,
            )
        )
