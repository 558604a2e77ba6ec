# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"  # pylint: disable=consider-merging-classes-inherited

    def _usage_lines_changed(self, keys):
        """New or restated usage: a reconciliation for every vendor invoice id it
        brings, and the imported cost of those invoices refreshed, in the import's own
        transaction (a billing run waiting for reconciliation sees them at once)."""
        keys = super()._usage_lines_changed(keys)
        self.env["billbyte.vendor.reconciliation"].sudo()._sync_usage_keys(keys)
        return keys
