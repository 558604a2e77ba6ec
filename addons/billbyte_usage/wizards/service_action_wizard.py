# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class BillbyteServiceActionWizard(models.TransientModel):
    """Ask why before acting on cloud accounts at their vendor; for a purge, also
    the account id typed again."""

    _name = "billbyte.service.action.wizard"
    _description = "Vendor Action on Cloud Accounts"

    cloud_account_ids = fields.Many2many(
        "billbyte.cloud.account", string="Cloud Accounts", required=True
    )
    action = fields.Selection(
        [
            ("suspend", "Suspend"),
            ("resume", "Resume"),
            ("purge", "Purge"),
            ("restrict", "Restrict Service"),
            ("release", "Release Service"),
        ],
        required=True,
    )
    service_name = fields.Char(
        string="Service", help="The service's FOCUS ServiceName, e.g. AmazonEC2."
    )
    restricted_services = fields.Char(compute="_compute_restricted_services")
    reason = fields.Text(required=True)
    confirmation = fields.Char(
        string="Type the Vendor Account ID",
        help="A purge cannot be undone: type the account's vendor id to confirm it.",
    )
    vendor_account_id = fields.Char(compute="_compute_vendor_account_id")
    suspension_warning = fields.Text(
        compute="_compute_suspension_warning",
        help="What a suspension still costs: the vendor keeps billing license subscriptions.",
    )

    @api.depends("cloud_account_ids", "action")
    def _compute_suspension_warning(self):
        for wizard in self:
            wizard.suspension_warning = "\n".join(
                warning
                for warning in (
                    account._billbyte_suspension_warning() for account in wizard.cloud_account_ids
                )
                if warning
            )

    @api.depends("cloud_account_ids")
    def _compute_restricted_services(self):
        for wizard in self:
            wizard.restricted_services = ", ".join(
                service
                for service in wizard.cloud_account_ids.mapped("restricted_services")
                if service
            )

    @api.depends("cloud_account_ids")
    def _compute_vendor_account_id(self):
        for wizard in self:
            wizard.vendor_account_id = ", ".join(
                wizard.cloud_account_ids.mapped("vendor_account_id")
            )

    def action_confirm(self):
        self.ensure_one()
        accounts = self.cloud_account_ids
        if self.action == "purge":
            if len(accounts) != 1:
                raise UserError(self.env._("Purge one cloud account at a time."))
            if (self.confirmation or "").strip() != accounts.vendor_account_id.strip():
                raise UserError(
                    self.env._(
                        "Type the vendor account id %s to confirm the purge.",
                        accounts.vendor_account_id,
                    )
                )
            accounts.billbyte_purge(self.reason)
        elif self.action == "suspend":
            accounts.billbyte_suspend(self.reason)
        elif self.action == "resume":
            accounts.billbyte_resume(self.reason)
        elif self.action == "restrict":
            accounts.billbyte_restrict_service(self.service_name, self.reason)
        else:
            accounts.billbyte_release_service(self.service_name, self.reason)
        return {"type": "ir.actions.act_window_close"}
