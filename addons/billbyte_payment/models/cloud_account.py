# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"

    def _usage_lines_changed(self, keys):
        """Usage draws prepaid balances down as it is imported."""
        keys = super()._usage_lines_changed(keys)
        if keys:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT p.commercial_partner_id
                      FROM billbyte_cloud_account ca
                      JOIN res_partner p ON p.id = ca.partner_id
                      JOIN res_partner c ON c.id = p.commercial_partner_id
                     WHERE ca.id = ANY(%s) AND c.billbyte_prepaid
                    """,
                    sorted({key[0] for key in keys}),
                )
            )
            if rows:
                self.env["res.partner"]._billbyte_wallet_check([row[0] for row in rows])
        return keys
