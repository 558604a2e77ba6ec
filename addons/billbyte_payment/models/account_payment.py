# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        """A customer payment tops up a prepaid balance (whatever the provider)."""
        res = super().action_post()
        customers = self.filtered(lambda p: p.partner_type == "customer").partner_id
        if customers:
            self.env["res.partner"]._billbyte_wallet_check(customers.commercial_partner_id.ids)
        return res

    def action_draft(self):
        """A payment taken back (reset, cancelled, refunded) lowers the balance."""
        customers = self.filtered(lambda p: p.partner_type == "customer").partner_id
        res = super().action_draft()
        if customers:
            self.env["res.partner"]._billbyte_wallet_check(customers.commercial_partner_id.ids)
        return res
