# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import payment as account_payment_portal


class AutopayPortal(account_payment_portal.PaymentPortal):
    """Automatic payment of usage invoices, on Odoo's own Payment Methods page."""

    @http.route()
    def payment_method(self, **kwargs):
        response = super().payment_method(**kwargs)
        partner = request.env.user.partner_id
        customer = partner.sudo().commercial_partner_id
        response.qcontext.update(
            billbyte_autopay=customer.billbyte_autopay,
            billbyte_autopay_token=customer.billbyte_autopay_token_id.filtered("active"),
            billbyte_autopay_tokens=partner._billbyte_autopay_tokens(),
            billbyte_autopay_message=kwargs.get("autopay"),
        )
        return response

    @http.route(
        "/my/payment_method/autopay", type="http", auth="user", methods=["POST"], website=True
    )
    def billbyte_payment_method_autopay(self, enabled=None, token_id=None, **kwargs):
        """Turn automatic payment on (with one of the customer's saved payment methods)
        or off. Only the customer's own payment methods are accepted."""
        partner = request.env.user.partner_id
        token = request.env["payment.token"].sudo().browse(self._cast_as_int(token_id) or [])
        try:
            partner.sudo().billbyte_set_autopay(bool(enabled), token=token.exists())
        except ValidationError:
            return request.redirect("/my/payment_method?autopay=refused")
        customer = partner.sudo().commercial_partner_id
        customer.message_post(
            body=request.env._(
                "Automatic payment of usage invoices turned on by %(user)s in the portal, "
                "charging %(method)s.",
                user=partner.name,
                method=customer.billbyte_autopay_token_id._billbyte_label(),
            )
            if enabled
            else request.env._(
                "Automatic payment of usage invoices turned off by %(user)s in the portal.",
                user=partner.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return request.redirect("/my/payment_method?autopay=saved")
