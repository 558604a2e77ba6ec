# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from dateutil.relativedelta import relativedelta

from odoo import fields, http
from odoo.http import request

from odoo.addons.billbyte_usage.controllers.portal import BillbyteCloudPortal

MONTH = re.compile(r"^\d{4}-\d{2}$")


class BillbyteCloudFocusDownload(BillbyteCloudPortal):
    """The customer's usage of a month as a FOCUS 1.3 file, from /my/cloud: the same
    export as the API's, for the portal user's own customer only."""

    @http.route(["/my/cloud/focus.csv"], type="http", auth="user", website=True)
    def portal_my_cloud_focus(self, month=None, **kwargs):
        accounts = self._billbyte_accounts()
        if not accounts:
            raise request.not_found()
        if not month or not MONTH.match(month):
            month = fields.Date.context_today(request.env.user).strftime("%Y-%m")
        customer = request.env.user.partner_id.commercial_partner_id
        first = fields.Date.to_date(f"{month}-01")
        last = first + relativedelta(months=1, days=-1)
        # As the system, for the accounts the portal user may read only: the export
        # holds customer amounts, never a vendor cost.
        text = (
            request.env["billbyte.api"]
            .sudo()
            ._focus_export(customer.sudo(), accounts.sudo(), first, last)
        )
        return request.make_response(
            text.encode("utf-8"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="focus-{month}.csv"'),
            ],
        )
