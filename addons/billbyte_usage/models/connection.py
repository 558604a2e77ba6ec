# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class BillbyteConnection(models.Model):
    """The provider's partner account at one vendor; usage arrives through it."""

    _name = "billbyte.connection"
    _description = "Vendor Connection"
    _inherit = ["mail.thread"]
    _order = "vendor_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", required=True, tracking=True)
    kind = fields.Selection(
        [("file", "FOCUS file upload")],
        required=True,
        default="file",
        help="How usage arrives: uploaded FOCUS files, or a vendor API.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    import_run_ids = fields.One2many("billbyte.import.run", "connection_id", string="Import Runs")
    import_run_count = fields.Integer(compute="_compute_import_run_count")
    last_import_date = fields.Datetime(readonly=True, copy=False)

    def _compute_import_run_count(self):
        groups = self.env["billbyte.import.run"]._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
        )
        counts = {connection.id: count for connection, count in groups}
        for connection in self:
            connection.import_run_count = counts.get(connection.id, 0)

    def action_view_import_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_import_run"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"default_connection_id": self.id}
        return action

    def action_import_file(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_import_wizard"
        )
        action["context"] = {"default_connection_id": self.id}
        return action

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_usage(self):
        """Usage records keep a plain reference (no foreign key): refuse to orphan them."""
        if (
            self.env["billbyte.usage.record"]
            .sudo()
            .search_count([("connection_id", "in", self.ids)], limit=1)
        ):
            raise UserError(
                self.env._(
                    "A vendor connection with imported usage cannot be deleted: imported cloud usage refers to it."
                )
            )
