# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

BACK_OFFICE = "billbyte_catalog.group_billbyte_user,account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    billbyte_autopay = fields.Boolean(
        string="Pay Usage Invoices Automatically",
        tracking=True,
        groups=BACK_OFFICE,
        help="When a usage invoice of this customer is posted, what is left to pay after the "
        "customer's credit is charged to the saved payment method below. The customer can "
        "turn this on and off in the portal (Payment Methods).",
    )
    billbyte_autopay_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method Charged",
        tracking=True,
        groups=BACK_OFFICE,
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
        ondelete="set null",
        help="A payment method the customer saved (a card with Stripe): the one automatic "
        "payments charge.",
    )

    @api.constrains("billbyte_autopay_token_id")
    def _check_billbyte_autopay_token(self):
        for partner in self.sudo():
            token = partner.billbyte_autopay_token_id
            if token and token.partner_id.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s can only be charged with a payment method they saved "
                        "themselves, not with %(method)s of %(owner)s.",
                        customer=partner.commercial_partner_id.display_name,
                        method=token._billbyte_label(),
                        owner=token.partner_id.commercial_partner_id.display_name,
                    )
                )

    def _billbyte_autopay_tokens(self):
        """The saved payment methods this customer may have charged: those of the customer
        and its contacts, with a provider that charges saved methods."""
        self.ensure_one()
        commercial = self.sudo().commercial_partner_id
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("provider_id.state", "!=", "disabled"),
                ]
            )
        )

    def billbyte_set_autopay(self, enabled, token=None):
        """Turn automatic payments of this customer's usage invoices on (charging `token`,
        one of the customer's own saved payment methods) or off. For the portal and the
        API: the caller's rights on the partner are checked, the token's owner always."""
        self.ensure_one()
        self.check_access("write")
        commercial = self.sudo().commercial_partner_id
        if enabled:
            if not token or token not in commercial._billbyte_autopay_tokens():
                raise ValidationError(
                    self.env._("Choose one of your saved payment methods to be charged.")
                )
            commercial.write({"billbyte_autopay": True, "billbyte_autopay_token_id": token.id})
        else:
            commercial.write({"billbyte_autopay": False})
        return True
