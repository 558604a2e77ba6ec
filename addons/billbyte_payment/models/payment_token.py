# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentToken(models.Model):
    _inherit = "payment.token"

    def _billbyte_label(self):
        """The payment method and its masked details, e.g. "Visa •••• 4242"."""
        self.ensure_one()
        return f"{self.payment_method_id.name} {self.display_name}"

    def _handle_archiving(self):
        """A saved payment method the customer removed (or the provider disabled) is no
        longer charged: the customers who chose it for automatic payments are left without
        one, and told so on their record."""
        res = super()._handle_archiving()
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("billbyte_autopay_token_id", "in", self.ids)])
        )
        for partner in partners:
            token = partner.billbyte_autopay_token_id
            partner.billbyte_autopay_token_id = False
            partner.message_post(
                body=self.env._(
                    "The saved payment method %(method)s was removed: automatic payments "
                    "have no payment method to charge until another one is chosen.",
                    method=token._billbyte_label(),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return res
