# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCloudAccountOwner(models.Model):
    """An earlier customer of a cloud account: its usage up to `date_to` bills them."""

    _name = "billbyte.cloud.account.owner"
    _description = "Earlier Customer of a Cloud Account"
    _order = "cloud_account_id, date_to desc"
    _check_company_auto = True

    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    date_to = fields.Date(
        string="Owned Until",
        required=True,
        help="Usage up to and including this day bills this customer.",
    )
    company_id = fields.Many2one(related="cloud_account_id.company_id", store=True)

    _sql_constraints = [
        (
            "account_date_uniq",
            "unique(cloud_account_id, date_to)",
            "A cloud account changes customer at most once a day.",
        ),
    ]
