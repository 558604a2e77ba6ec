# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteUsageImportWizard(models.TransientModel):
    """Upload a FOCUS usage file (CSV, optionally gzip) for a vendor connection."""

    _name = "billbyte.usage.import.wizard"
    _description = "Import Usage File"

    connection_id = fields.Many2one("billbyte.connection", required=True)
    file = fields.Binary(string="FOCUS File", required=True, attachment=False)
    filename = fields.Char()
    in_background = fields.Boolean(
        string="Import in the Background",
        help="Queue the import as a background job instead of waiting for it. Files over "
        "10 MB (system parameter billbyte.import_background_bytes) always are.",
    )

    def _is_large(self):
        """Whether the file is over the size (system parameter
        billbyte.import_background_bytes, 10 MB by default) above which an upload is
        imported in the background rather than in the request."""
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("billbyte.import_background_bytes", 10 * 1024 * 1024)
        )
        return len(self.file or b"") * 3 // 4 > limit

    def action_import(self):
        self.ensure_one()
        run = self.env["billbyte.usage.import"].create(
            {"connection_id": self.connection_id.id, "source": self.filename or "upload.csv"}
        )
        run.attachment_id = self.env["ir.attachment"].create(
            {
                "name": self.filename or "upload.csv",
                "datas": self.file,
                "res_model": run._name,
                "res_id": run.id,
            }
        )
        if self.in_background or self._is_large():
            run.action_enqueue()
        else:
            run.action_process()
        return {
            "type": "ir.actions.act_window",
            "res_model": run._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
