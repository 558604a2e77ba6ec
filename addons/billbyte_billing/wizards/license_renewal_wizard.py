# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable


class BillbyteLicenseRenewalWizard(models.TransientModel):
    """Change a license at its renewal (seats, SKU, term) or upgrade it now. For a
    license kept in step with Partner Center, Microsoft is asked first; when it
    refuses, its reason is shown and nothing changes in Odoo."""

    _name = "billbyte.license.renewal.wizard"
    _description = "Change a License at Renewal or Upgrade It"

    license_id = fields.Many2one("billbyte.license", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="license_id.currency_id")
    mode = fields.Selection(
        [("renewal", "Change at Renewal"), ("upgrade", "Upgrade Now")],
        required=True,
        default="renewal",
    )
    product_id = fields.Many2one(
        "product.product",
        string="License SKU",
        domain="[('billbyte_offer_type', '=', 'license')]",
    )
    seats = fields.Integer(string="Seats Next Term")
    term = fields.Selection([("monthly", "Monthly"), ("annual", "Annual")])
    price_unit = fields.Monetary(
        string="Price per Seat",
        help="Per seat and term; empty: the customer's pricelist price of the SKU.",
    )
    renewal_date = fields.Date(compute="_compute_renewal_date", string="Renewal")
    upgrade_options = fields.Text(readonly=True, string="Microsoft's Upgrade Offers")
    message = fields.Text(readonly=True)

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
            "name": self.env._("Renewal and Upgrade"),
        }

    def action_list_upgrades(self):
        """Ask Microsoft which SKUs the subscription can be upgraded to."""
        self.ensure_one()
        try:
            targets = self.license_id.billbyte_upgrade_targets()
        except (VendorError, VendorUnavailable, UserError) as error:
            self.message = str(error)
            return self._reopen()
        lines = []
        for target in targets:
            if target["eligible"]:
                state = self.env._("eligible")
            else:
                state = self.env._("not eligible: %s", "; ".join(target["errors"]) or "-")
            known = "" if target["product_id"] else self.env._(" (no such SKU in Odoo)")
            lines.append(f"{target['name']} ({target['offer_id']}): {state}{known}")
        self.upgrade_options = "\n".join(lines) or self.env._("Microsoft offers no upgrade.")
        return self._reopen()

    def action_apply(self):
        self.ensure_one()
        lic = self.license_id
        price = self.price_unit or None
        try:
            if self.mode == "upgrade":
                if not self.product_id:
                    raise UserError(self.env._("Choose the SKU to upgrade to."))
                changes = lic.billbyte_upgrade(self.product_id, price)
                credit = sum(c.amount for c in changes if c.kind == "upgrade_credit")
                charge = sum(c.amount for c in changes if c.kind == "upgrade")
                message = self.env._(
                    "Upgraded to %(product)s: %(charge)s for the rest of the term, less "
                    "%(credit)s for the unused part of the old SKU, on the next invoice.",
                    product=self.product_id.display_name,
                    charge=lic.currency_id.format(charge),
                    credit=lic.currency_id.format(-credit),
                )
                lic.message_post(body=message)
            else:
                message = lic.billbyte_schedule_renewal_change(
                    seats=self.seats or None,
                    product=self.product_id or None,
                    term=self.term or None,
                    price_unit=price,
                )
        except (VendorError, VendorUnavailable) as error:
            self.message = self.env._("%s Nothing changed in Odoo.", error)
            return self._reopen()
        self.message = message
        return self._reopen()
