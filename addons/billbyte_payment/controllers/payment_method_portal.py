# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request

from .wallet_portal import BillbyteCloudDepositSection


class BillbyteCloudPaymentMethodsSection(BillbyteCloudDepositSection):
    """The saved payment methods section of /my/cloud: what the customer has saved
    with this company's payment providers; Odoo's own /my/payment_method manages
    them."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        customer = request.env.user.partner_id.sudo().commercial_partner_id
        # The customer's and its contacts' saved methods, of this company's providers
        # that are in use (as Odoo's payment methods page lists them; removed ones
        # are archived).
        values["cloud_payment_tokens"] = (
            request.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", customer.id),
                    ("company_id", "=", request.env.company.id),
                    ("provider_id.state", "in", ("enabled", "test")),
                ],
                order="id",
            )
        )
        values["cloud_autopay_token"] = (
            customer.billbyte_autopay_token_id if customer.billbyte_autopay else None
        )
        return values
