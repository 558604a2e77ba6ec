# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.http import request

from odoo.addons.billbyte_usage.controllers.portal import BillbyteCloudPortal


class BillbyteCloudCreditSection(BillbyteCloudPortal):
    """The credit section of /my/cloud: limit, exposure and its parts, for customers
    under a cloud credit limit."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        status = request.env.user.partner_id.get_credit_status()[0]
        values["cloud_credit"] = status if status["controlled"] else None
        return values
