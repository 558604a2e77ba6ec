# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _billbyte_get_unbilled_usage(self):
        """Unbilled usage of this customer's cloud accounts (its contacts' included)."""
        self.ensure_one()
        accounts = self.env["billbyte.cloud.account"].search(
            [("partner_id", "child_of", self.commercial_partner_id.id)]
        )
        return accounts._get_unbilled_usage()

    def action_billbyte_view_unbilled_usage(self):
        self.ensure_one()
        accounts = self.env["billbyte.cloud.account"].search(
            [("partner_id", "child_of", self.commercial_partner_id.id)]
        )
        return accounts.action_view_unbilled_usage()
