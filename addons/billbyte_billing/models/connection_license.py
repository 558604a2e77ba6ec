# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

_logger = logging.getLogger(__name__)


class BillbyteConnection(models.Model):
    _inherit = "billbyte.connection"  # pylint: disable=consider-merging-classes-inherited

    ms_license_sync_date = fields.Datetime(string="Licenses Synced", readonly=True, copy=False)
    ms_license_difference_count = fields.Integer(
        string="License Differences", compute="_compute_ms_license_difference_count"
    )

    def _compute_ms_license_difference_count(self):
        groups = dict(
            self.env["billbyte.license.reconciliation"]._read_group(
                [("connection_id", "in", self.ids), ("state", "=", "open")],
                ["connection_id"],
                ["__count"],
            )
        )
        for connection in self:
            connection.ms_license_difference_count = groups.get(connection, 0)

    def _sync_licenses(self):
        """Read Partner Center's license subscriptions, then list the differences with
        the licenses Odoo bills. Returns the figures of both."""
        self.ensure_one()
        if self.kind != "microsoft":
            raise UserError(
                self.env._("%s is not a Microsoft Partner Center connection.", self.name)
            )
        stats = self.env["billbyte.ms.subscription"].sudo()._sync(self)
        stats.update(self.env["billbyte.license.reconciliation"].sudo()._reconcile(self))
        if stats["written"] or not self.ms_license_sync_date:
            self.sudo().ms_license_sync_date = fields.Datetime.now()
        return stats

    def action_sync_licenses(self):
        self.ensure_one()
        try:
            stats = self._sync_licenses()
        except VendorError as error:
            raise UserError(str(error)) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Licenses synced with Partner Center"),
                "message": self.env._(
                    "%(subscriptions)s subscription(s) read, %(written)s changed; %(open)s "
                    "difference(s) to reconcile.",
                    **stats,
                ),
                "type": "success" if not stats["open"] else "warning",
                "next": self.action_view_license_differences(),
            },
        }

    def action_view_license_differences(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_billing.action_billbyte_license_reconciliation"
        )
        action["domain"] = [("connection_id", "in", self.ids)]
        return action

    @api.model
    def _cron_sync_licenses(self):
        """Every Microsoft connection's licenses, one connection per transaction."""
        for connection in self.search([("kind", "=", "microsoft")]):
            try:
                with self.env.cr.savepoint():
                    connection._sync_licenses()
            except VendorError as error:
                _logger.warning("License sync of %s failed: %s", connection.name, error)
                connection._record_error(str(error))
            if not self.env.registry.in_test_mode():
                self.env.cr.commit()  # pylint: disable=invalid-commit
