# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
import threading

from odoo import models

_logger = logging.getLogger(__name__)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _file_write(self, bin_value, checksum):
        """Odoo's filestore write, made atomic: the file appears whole or not at all.

        Two workers storing the same bytes at the same moment (a vendor export uploaded
        twice, two pulls of one delivery) share one filestore path. Odoo writes it in
        place, so the second one can find it half written, take that for a hash
        collision and refuse the upload ("The attachment collides with an existing
        file"). Written to a private temporary file and renamed into place, the path
        only ever holds the complete content.
        """
        fname, full_path = self._get_path(bin_value, checksum)
        if not os.path.exists(full_path):
            temporary = f"{full_path}.{os.getpid()}-{threading.get_ident()}.tmp"
            try:
                with open(temporary, "wb") as handle:
                    handle.write(bin_value)
                os.replace(temporary, full_path)
                # Add fname to the checklist, in case the transaction aborts.
                self._mark_for_gc(fname)
            except OSError:
                _logger.info("_file_write writing %s", full_path, exc_info=True)
                if os.path.exists(temporary):
                    os.unlink(temporary)
        return fname
