# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class BillbyteCloudVendor(models.Model):
    """A vendor's prices also come from its connections (Partner Center price
    sheets), and each vendor's scheduled sync runs as a background job."""

    _inherit = "billbyte.cloud.vendor"

    def _billbyte_price_sheet_connections(self):
        self.ensure_one()
        return (
            self.env["billbyte.connection"]
            .sudo()
            .search(
                [
                    ("vendor_id", "=", self.id),
                    ("kind", "=", "microsoft"),
                    ("ms_price_sync", "=", True),
                ]
            )
        )

    def _billbyte_has_price_source(self):
        return super()._billbyte_has_price_source() or bool(
            self._billbyte_price_sheet_connections()
        )

    def _billbyte_sync_vendor_prices(self, source, raise_on_error):
        runs = super()._billbyte_sync_vendor_prices(source, raise_on_error)
        for connection in self._billbyte_price_sheet_connections():
            runs |= connection._billbyte_sync_price_sheets(raise_on_error=raise_on_error)
        return runs

    def _billbyte_run_price_syncs(self):
        """One queue_job job per due vendor; a vendor whose sync is still queued or
        running gets no second one (identity key)."""
        from odoo.addons.queue_job.job import identity_exact

        if self.env.context.get("queue_job__no_delay"):
            return super()._billbyte_run_price_syncs()
        for vendor in self:
            vendor.with_delay(
                identity_key=identity_exact,
                description=self.env._("Sync prices of %s", vendor.display_name),
            )._billbyte_price_sync_job()
        return self.env["billbyte.price.import"]

    def _billbyte_price_sync_job(self):
        """The background job of one vendor's scheduled price sync."""
        self.ensure_one()
        if not self._billbyte_due_for_price_sync():
            return self.env._("Not due: another sync of %s ran meanwhile.", self.display_name)
        runs = self._billbyte_sync_prices(source="sync")
        if not runs and self._billbyte_has_price_source():
            return self.env._("Skipped: a price sync of %s is already running.", self.display_name)
        return "\n".join(
            f"{run.file_name or run.file_format}: {run.state}"
            + (f" ({run.message})" if run.message else "")
            for run in runs
        )
