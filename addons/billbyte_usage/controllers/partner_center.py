# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request


class PartnerCenterConsent(http.Controller):
    """Where Microsoft sends a Partner Center user back after their consent (app +
    user): the connection keeps the refresh token of that consent."""

    @http.route("/billbyte/partner-center/consent", type="http", auth="user")
    def partner_center_consent(self, **params):
        if not request.env.user.has_group("base.group_system"):
            raise AccessError(request.env._("Only system administrators store vendor secrets."))
        try:
            connection = request.env["billbyte.connection"]._ms_finish_consent(params)
        except UserError as error:
            return request.make_response(str(error), status=400)
        return request.redirect(
            f"/odoo/action-billbyte_usage.action_billbyte_connection/{connection.id}"
        )
