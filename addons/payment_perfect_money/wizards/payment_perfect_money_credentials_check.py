# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, fields, models

from .. import const


class PaymentPerfectMoneyCredentialsCheck(models.TransientModel):
    """The guided check of a Perfect Money account: one call to its balance API.

    The member ID and its passphrase are asked for each check and never kept: the passphrase
    opens the whole account (spends included), and Perfect Money's API guide asks not to store
    it in a program. It is wiped as soon as the call is made.
    """

    _name = "payment.perfect.money.credentials.check"
    _description = "Perfect Money Credentials Check"

    provider_id = fields.Many2one(
        comodel_name="payment.provider",
        required=True,
        readonly=True,
        ondelete="cascade",
        domain=[("code", "=", "perfect_money")],
    )
    signup_url = fields.Char(string="Sign-up Page", default=const.SIGNUP_URL, readonly=True)
    member_id = fields.Char(
        string="Member ID",
        help="The number you log in to Perfect Money with.",
    )
    passphrase = fields.Char(
        string="Password",
        help="The password of the Perfect Money account: used for this one check, then wiped.",
    )
    result = fields.Text(string="Answer", readonly=True)
    result_state = fields.Selection(
        string="Outcome",
        selection=[("ok", "Perfect Money answers"), ("error", "Failed")],
        readonly=True,
    )

    def action_check(self):
        self.ensure_one()
        ok, message = self.provider_id._perfect_money_check_credentials(
            self.member_id, self.passphrase
        )
        self.write(
            {"passphrase": False, "result": message, "result_state": "ok" if ok else "error"}
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Test Perfect Money Credentials"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
