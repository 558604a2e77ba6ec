# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from odoo import http
from odoo.http import request

from odoo.addons.billbyte_usage.controllers.portal import BillbyteCloudPortal
from odoo.addons.payment import utils as payment_utils

from ..models.payment_transaction import DEPOSIT_PREFIX


class BillbyteCloudWalletSection(BillbyteCloudPortal):
    """The prepaid balance section of /my/cloud, and its top-up."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        partner = request.env.user.partner_id
        status = partner.get_wallet_status()[0]
        values["cloud_wallet"] = status if status["prepaid"] else None
        return values

    @http.route(
        ["/my/cloud/wallet/topup"], type="http", auth="user", methods=["POST"], website=True
    )
    def portal_my_cloud_wallet_topup(self, amount=None, **kwargs):
        """Top up the prepaid balance: Odoo's own payment page, for this amount in the
        wallet's currency, with any provider the customer may use."""
        partner = request.env.user.partner_id
        status = partner.get_wallet_status()[0]
        try:
            value = Decimal(str(amount or "").replace(",", "."))
        except InvalidOperation:
            value = Decimal(0)
        if not status["prepaid"] or value <= 0:
            return request.redirect("/my/cloud?wallet_error=amount")
        currency = request.env["res.currency"].search([("name", "=", status["currency"])], limit=1)
        value = float(value.quantize(Decimal(10) ** -currency.decimal_places))
        query = {
            "amount": value,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "access_token": payment_utils.generate_access_token(partner.id, value, currency.id),
        }
        return request.redirect(f"/payment/pay?{urlencode(query)}")


class BillbyteCloudDepositSection(BillbyteCloudWalletSection):
    """The deposit section of /my/cloud, and its payment."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        status = request.env.user.partner_id.get_deposit_status()[0]
        asked = Decimal(status["required"]) > 0 or Decimal(status["received"]) > 0
        values["cloud_deposit"] = status if asked else None
        return values

    @http.route(["/my/cloud/deposit/pay"], type="http", auth="user", methods=["POST"], website=True)
    def portal_my_cloud_deposit_pay(self, **kwargs):
        """Pay what is still missing of the deposit, on Odoo's own payment page."""
        partner = request.env.user.partner_id
        status = partner.get_deposit_status()[0]
        missing = Decimal(status["required"]) - Decimal(status["received"])
        if missing <= 0:
            return request.redirect("/my/cloud?deposit=paid")
        currency = request.env["res.currency"].search([("name", "=", status["currency"])], limit=1)
        value = float(missing)
        query = {
            "reference": f"{DEPOSIT_PREFIX}-{status['customer_id']}",
            "amount": value,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "access_token": payment_utils.generate_access_token(partner.id, value, currency.id),
        }
        return request.redirect(f"/payment/pay?{urlencode(query)}")
