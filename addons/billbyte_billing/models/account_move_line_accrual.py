# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"  # pylint: disable=consider-merging-classes-inherited

    def _copy_data_extend_business_fields(self, values):
        """A reversal (of a month-end accrual, or a credit note reversing a usage
        invoice) keeps the cloud account and service of the line it reverses, and the
        opposite vendor cost, so the margin per account reads the reversal too."""
        res = super()._copy_data_extend_business_fields(values)
        if self.billbyte_cloud_account_id:
            values.update(
                {
                    "billbyte_cloud_account_id": self.billbyte_cloud_account_id.id,
                    "billbyte_service_name": self.billbyte_service_name,
                    "billbyte_corrected_period": self.billbyte_corrected_period,
                    "billbyte_cost": -self.sudo().billbyte_cost,
                    "billbyte_vendor_cost": -self.sudo().billbyte_vendor_cost,
                    "billbyte_vendor_currency_id": self.sudo().billbyte_vendor_currency_id.id,
                }
            )
        return res
