# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Google Cloud: its FOCUS export (a BigQuery view of the billing export, exported
as CSV, e.g. by a scheduled `bq extract`) or its standard billing export flattened
to CSV (gcp_billing.py), read from a file on the Odoo server whenever it changes."""

import os
from datetime import datetime, timezone

from odoo.tools.translate import LazyTranslate

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

from .base import Connector, Fetched, register_connector

_lt = LazyTranslate(__name__)


@register_connector
class GcpFileConnector(Connector):
    kind = "gcp_file"
    label = _lt("Google Cloud FOCUS export file")
    vendor_code = "gcp"
    sequence = 30

    def _path(self):
        return self.connection.gcp_file_path or ""

    def test(self):
        path = self._path()
        if not path or not os.access(path, os.R_OK):
            raise VendorError(self.env._("The file %s cannot be read on the server.", path or "-"))
        return self.env._("The file %s is readable.", path)

    def scopes(self):
        return ["file"]

    def scope_label(self, scope):
        return self.env._("Google Cloud FOCUS export")

    def fetch(self, scope):
        if scope != "file":
            return super().fetch(scope)
        path = self._path()
        try:
            stat = os.stat(path)
        except OSError as error:
            raise VendorError(
                self.env._(
                    "The Google Cloud export file %(path)s cannot be read: %(error)s",
                    path=path or "-",
                    error=error.strerror,
                )
            ) from None
        modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        label = f"{os.path.basename(path)} ({stat.st_size} bytes, {modified} UTC)"
        return Fetched(path, label, label)
