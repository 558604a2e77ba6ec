# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Uploaded files: usage arrives by "Import Usage File" (or the API), never pulled."""

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

from .base import Connector, register_connector


@register_connector
class FileConnector(Connector):
    kind = "file"
    label = "FOCUS file upload"
    pulls = False
    sequence = 1

    def test(self):
        raise VendorError(self.env._("File upload connections have nothing to test."))
