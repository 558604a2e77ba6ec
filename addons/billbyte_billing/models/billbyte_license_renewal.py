# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import uuid
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

from .billbyte_license_microsoft import MS_TERMS


class BillbyteLicense(models.Model):
    """Renewals, upgrades and suspension of a license.

    - A change of seats, SKU or term scheduled for the renewal (Partner Center's
      scheduledNextTermInstructions): one at a time, applied when the renewal's term
      is scheduled, billed from then.
    - An upgrade to a higher SKU mid-term (Partner Center's upgrades API): the rest of
      the term at the new SKU, less a credit for the unused part of the old one.
    - Terms that start while the license is suspended are billed to the customer or
      not, as the provider's rule says (Bill suspended licenses to the customer)."""

    _inherit = "billbyte.license"  # pylint: disable=consider-merging-classes-inherited

    next_term_product_id = fields.Many2one(
        "product.product",
        string="SKU Next Term",
        readonly=True,
        tracking=True,
        help="The SKU the license changes to at the renewal (scheduled change).",
    )
    next_term_term = fields.Selection(
        [("monthly", "Monthly"), ("annual", "Annual")],
        string="Term Next Term",
        readonly=True,
        tracking=True,
    )
    next_term_price_unit = fields.Monetary(
        string="Price per Seat Next Term",
        readonly=True,
        help="The price per seat and term from the scheduled change on.",
    )
    renewal_change_date = fields.Date(
        string="Scheduled Change Takes Effect",
        readonly=True,
        tracking=True,
        help="The renewal at which the scheduled change of seats, SKU or term applies.",
    )
    suspended = fields.Boolean(
        compute="_compute_suspended",
        help="Its cloud account is suspended, or Partner Center reports its subscription "
        "suspended: Microsoft keeps billing the provider for it.",
    )
    bill_when_suspended = fields.Boolean(
        related="cloud_account_id.billbyte_bill_suspended_licenses",
        string="Bill Suspended Licenses",
    )

    def _compute_suspended(self):
        for lic in self:
            lic.suspended = lic._is_suspended()

    def _is_suspended(self):
        self.ensure_one()
        return self.cloud_account_id.state == "suspended" or self.ms_status == "suspended"

    # ------------------------------------------------------------------ scheduled change

    def _price_of(self, product, seats):
        """The customer's price per seat of `product`: its cloud account's pricelist."""
        self.ensure_one()
        pricelist = self.cloud_account_id.pricelist_id
        if pricelist:
            return pricelist._get_product_price(product, seats or 1)
        return product.lst_price

    def billbyte_schedule_renewal_change(
        self, seats=None, product=None, term=None, price_unit=None
    ):
        """Schedule a change of seats, SKU or term for the renewal: sent to Partner
        Center as the subscription's next-term instruction (it replaces any earlier one:
        Microsoft and Odoo hold one scheduled change), applied and billed from the
        renewal on. Returns what was scheduled, in words. A refusal by Microsoft
        raises VendorError and changes nothing."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(self.env._("%s is not active: nothing renews.", self.display_name))
        if isinstance(product, int):
            product = self.env["product.product"].browse(product)
        product = product or self.next_term_product_id or self.product_id
        term = term or self.next_term_term or self.term
        seats = self.next_term_seats if seats is None else int(seats)
        if product.billbyte_offer_type != "license" or (
            product.billbyte_vendor_id != self.product_id.billbyte_vendor_id
        ):
            raise UserError(
                self.env._(
                    "%(product)s is not a license SKU of %(vendor)s.",
                    product=product.display_name,
                    vendor=self.product_id.billbyte_vendor_id.display_name,
                )
            )
        if seats <= 0:
            raise UserError(
                self.env._("To end the license at its renewal, turn auto-renew off instead.")
            )
        if (seats, product, term) == (self.seats, self.product_id, self.term) and not (
            self.renewal_change_date or self.next_term_seats != self.seats
        ):
            raise UserError(self.env._("Nothing changes at the renewal."))
        sub = self._ms_subscription()
        if sub and not sub.auto_renew:
            raise UserError(
                self.env._(
                    "Auto-renew is off at Microsoft: %s does not renew. Turn it on first.",
                    self.display_name,
                )
            )
        if price_unit is None:
            price_unit = (
                self.price_unit if product == self.product_id else self._price_of(product, seats)
            )
        renewal = self._ms_renewal_date()
        if self.ms_subscription_id and self._ms_target()[0]:
            product_id, _sep, rest = (product.billbyte_sku_id or "").partition(":")
            duration, cycle = MS_TERMS[term]
            self._ms_change(
                {
                    "scheduledNextTermInstructions": {
                        "product": {
                            "productId": product_id,
                            "skuId": rest.split(":")[0],
                            "termDuration": duration,
                            "billingCycle": cycle,
                        },
                        "quantity": seats,
                    }
                },
                self.env._("Change at renewal"),
            )
        # One scheduled change at a time: this one replaces the earlier one.
        today = fields.Date.context_today(self)
        self.change_ids.filtered(lambda c: c.kind == "decrease" and not c.applied).sudo().unlink()
        self.next_term_seats = self.seats
        if seats < self.seats:
            self._change_seats(seats - self.seats, today)
        else:
            self.next_term_seats = seats
        self.write(
            {
                "next_term_product_id": product.id if product != self.product_id else False,
                "next_term_term": term if term != self.term else False,
                "next_term_price_unit": price_unit,
                "renewal_change_date": renewal,
            }
        )
        terms = dict(self._fields["term"]._description_selection(self.env))
        message = self.env._(
            "From the renewal on %(date)s: %(seats)s seat(s) of %(product)s, %(term)s term, "
            "%(price)s per seat; billed from then. Until then nothing changes.",
            date=renewal,
            seats=seats,
            product=product.display_name,
            term=terms[term].lower(),
            price=self.currency_id.format(price_unit),
        )
        self.message_post(body=message)
        return message

    def _apply_renewal_change(self, start):
        """The renewal on `start` came: the scheduled seats, SKU, term and price hold
        from this term on (a new term length starts its terms on that day)."""
        self.ensure_one()
        values = {
            "seats": self.next_term_seats,
            "price_unit": self.next_term_price_unit or self.price_unit,
            "next_term_product_id": False,
            "next_term_term": False,
            "next_term_price_unit": 0.0,
            "renewal_change_date": False,
        }
        if self.next_term_product_id:
            values["product_id"] = self.next_term_product_id.id
        if self.next_term_term and self.next_term_term != self.term:
            values.update(term=self.next_term_term, date_start=start)
        self.change_ids.filtered(
            lambda c: c.kind == "decrease" and not c.applied and c.date <= start
        ).write({"applied": True})
        self.write(values)
        self.message_post(
            body=self.env._(
                "Renewal on %(date)s: the scheduled change applies, %(seats)s seat(s) of "
                "%(product)s.",
                date=start,
                seats=self.seats,
                product=self.product_id.display_name,
            )
        )

    def _schedule_due_terms(self, day):
        Change = self.env["billbyte.license.change"]
        created = Change
        for lic in self.filtered(
            lambda x: x.state == "active" and x.renewal_change_date and x.renewal_change_date <= day
        ):
            renewal = lic.renewal_change_date
            created |= super(BillbyteLicense, lic)._schedule_due_terms(renewal - timedelta(days=1))
            if lic.state == "active" and lic.next_term_start >= renewal:
                lic._apply_renewal_change(lic.next_term_start)
        created |= super()._schedule_due_terms(day)
        created._waive_suspended_terms()
        return created

    # ------------------------------------------------------------------ upgrades

    def billbyte_upgrade_targets(self):
        """The SKUs Microsoft lets this license's subscription upgrade to: dicts of
        offer_id, name, eligible, errors and product_id (the matching license SKU in
        Odoo, or False)."""
        self.ensure_one()
        connection, tenant = self._ms_target()
        if not connection or not self.ms_subscription_id:
            raise UserError(
                self.env._("%s is not linked to a Partner Center subscription.", self.display_name)
            )
        targets = connection._connector().subscription_upgrades(tenant, self.ms_subscription_id)
        for target in targets:
            target["product_id"] = self._license_sku(target["offer_id"]).id or False
        return targets

    def _license_sku(self, offer_id):
        key = ":".join((offer_id or "").split(":")[:2]).upper()
        return self.env["product.product"].search(
            [
                ("billbyte_offer_type", "=", "license"),
                ("billbyte_vendor_id", "=", self.product_id.billbyte_vendor_id.id),
                ("billbyte_sku_id", "=ilike", key),
            ],
            limit=1,
        )

    def billbyte_upgrade(self, product, price_unit=None, day=None):
        """Upgrade the license to a higher SKU on `day` (today by default): converted at Microsoft first (a
        refusal raises VendorError, nothing changes), then billed for the rest of the
        term at the new SKU, less a credit for the unused part of the old SKU, both
        prorated by the company's rule. Returns the upgrade and credit changes."""
        self.ensure_one()
        if isinstance(product, int):
            product = self.env["product.product"].browse(product)
        if self.state != "active":
            raise UserError(self.env._("%s is not active.", self.display_name))
        if product == self.product_id or product.billbyte_offer_type != "license":
            raise UserError(
                self.env._("Choose another license SKU to upgrade %s to.", self.display_name)
            )
        today = day or fields.Date.context_today(self)
        if today < self.date_start:
            raise UserError(
                self.env._("%s has not started yet: change its SKU instead.", self.display_name)
            )
        if price_unit is None:
            price_unit = self._price_of(product, self.seats)
        connection, tenant = self._ms_target()
        if connection and self.ms_subscription_id:
            offer = product.billbyte_sku_id
            key = json.dumps({"upgrade": offer}, sort_keys=True)
            request_id = (
                self.ms_pending_request_id
                if self.ms_pending_change == key and self.ms_pending_request_id
                else str(uuid.uuid4())
            )
            self.sudo().write({"ms_pending_request_id": request_id, "ms_pending_change": key})
            audit = self.env["billbyte.partner.center.call"]._recorder(
                connection, self.env._("Upgrade"), license_record=self
            )
            try:
                values = connection._connector().upgrade_subscription(
                    tenant, self.ms_subscription_id, offer, request_id, audit
                )
            except VendorUnavailable:
                raise
            except VendorError:
                self.sudo().write({"ms_pending_request_id": False, "ms_pending_change": False})
                raise
            self.sudo().write(
                {
                    "ms_pending_request_id": False,
                    "ms_pending_change": False,
                    "ms_subscription_id": values.get("subscription_id") or self.ms_subscription_id,
                }
            )
            if values:
                self.env["billbyte.ms.subscription"].sudo()._keep(connection, tenant, values)
        return self._upgrade_in_odoo(product, price_unit, today)

    def _upgrade_in_odoo(self, product, price_unit, day):
        Change = self.env["billbyte.license.change"]
        if self.next_term_start <= day:
            self._schedule_due_terms(day)
        _first, last = self._term_bounds(day)
        old_product, old_price = self.product_id, self.price_unit
        seats = self.seats
        changes = Change
        if self.billed_until and self.billed_until >= last:
            # The current term is billed (or scheduled) at the old SKU: credit its
            # unused part, bill the new SKU for the rest of the term.
            used, units, credit = self._prorate(seats, day, old_price)
            _used, _units, charge = self._prorate(seats, day, price_unit)
            common = {
                "license_id": self.id,
                "date": day,
                "date_end": last,
                "seats_before": seats,
                "seats_after": seats,
                "quantity": seats,
                "days": used,
                "term_days": units,
                "upgraded_from_id": old_product.id,
            }
            changes |= Change.create(dict(common, kind="upgrade_credit", amount=-float(credit)))
            changes |= Change.create(dict(common, kind="upgrade", amount=float(charge)))
        values = {"product_id": product.id, "price_unit": price_unit}
        if self.next_term_product_id == product:
            values["next_term_product_id"] = False
        if self.renewal_change_date and not self.next_term_product_id:
            values["next_term_price_unit"] = price_unit
        self.write(values)
        self.message_post(
            body=self.env._(
                "Upgraded from %(old)s to %(new)s on %(date)s: %(seats)s seat(s) at %(price)s "
                "to the end of the term on %(end)s, less the unused part of %(old)s.",
                old=old_product.display_name,
                new=product.display_name,
                date=day,
                seats=seats,
                price=self.currency_id.format(price_unit),
                end=last,
            )
        )
        return changes

    def action_renewal_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Renewal and Upgrade"),
            "res_model": "billbyte.license.renewal.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_license_id": self.id,
                "default_seats": self.next_term_seats,
                "default_term": self.next_term_term or self.term,
            },
        }
