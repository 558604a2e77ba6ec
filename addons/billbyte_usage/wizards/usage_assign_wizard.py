# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class BillbyteUsageAssignWizard(models.TransientModel):
    """Assign unmatched usage to a cloud account, which rates it."""

    _name = "billbyte.usage.assign.wizard"
    _description = "Assign Unmatched Usage"

    record_ids = fields.Many2many("billbyte.usage.record", string="Usage Records")
    vendor_id = fields.Many2one("billbyte.cloud.vendor", compute="_compute_vendor_id")
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account", required=True, domain="[('vendor_id', '=', vendor_id)]"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "billbyte.usage.record":
            records = self.env["billbyte.usage.record"].browse(
                self.env.context.get("active_ids", [])
            )
            values["record_ids"] = [
                fields.Command.set(records.filtered(lambda r: r.state == "unmatched").ids)
            ]
        return values

    @api.depends("record_ids")
    def _compute_vendor_id(self):
        for wizard in self:
            wizard.vendor_id = wizard.record_ids[:1].vendor_id

    def action_assign(self):
        self.ensure_one()
        if not self.record_ids:
            raise UserError(self.env._("Select unmatched usage records to assign."))
        self.record_ids.action_assign_cloud_account(self.cloud_account_id)
        return self.cloud_account_id.action_view_unbilled_usage()
