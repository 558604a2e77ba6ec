# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteImportRun(models.Model):
    _inherit = "billbyte.usage.import"

    def _fail(self, message, started):
        """Webhook import.failed, in the transaction that records the failure."""
        result = super()._fail(message, started)
        run = self.sudo()
        self.env["billbyte.webhook.endpoint"]._emit(
            "import.failed",
            [
                (
                    run.company_id,
                    {
                        "import_id": run.id,
                        "connection_id": run.connection_id.id,
                        "connection": run.connection_id.name,
                        "vendor": run.vendor_id.code,
                        "source": run.source,
                        "message": message,
                        "failed_at": fields.Datetime.to_string(fields.Datetime.now()),
                    },
                )
            ],
        )
        return result
