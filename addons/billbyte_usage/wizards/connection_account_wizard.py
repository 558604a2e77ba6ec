# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError


class BillbyteConnectionAccountWizard(models.TransientModel):
    """The vendor's accounts (AWS linked accounts, Partner Center subscriptions),
    offered as new cloud accounts."""

    _name = "billbyte.connection.account.wizard"
    _description = "Accounts at the Vendor"

    connection_id = fields.Many2one("billbyte.connection", required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Default Customer",
        help="Customer of the new cloud accounts whose line names none.",
    )
    line_ids = fields.One2many(
        "billbyte.connection.account.wizard.line", "wizard_id", string="Accounts"
    )

    def _load_vendor_accounts(self):
        self.ensure_one()
        try:
            accounts = self.connection_id._vendor_accounts()
        except VendorError as error:
            raise UserError(str(error)) from None
        existing = set(
            self.env["billbyte.cloud.account"]
            .with_context(active_test=False)
            .search(
                [
                    ("vendor_id", "=", self.connection_id.vendor_id.id),
                    ("company_id", "=", self.connection_id.company_id.id),
                ]
            )
            .mapped("vendor_account_id")
        )
        self.line_ids = [
            fields.Command.create(
                {
                    "vendor_account_id": account["vendor_account_id"],
                    "vendor_customer_id": account.get("vendor_customer_id"),
                    "name": account.get("name") or account["vendor_account_id"],
                    "customer_name": account.get("customer_name") or account.get("email"),
                    "status": account.get("status"),
                    "exists": account["vendor_account_id"] in existing,
                    "selected": account["vendor_account_id"] not in existing,
                }
            )
            for account in accounts
            if account.get("vendor_account_id")
        ]

    def action_create_accounts(self):
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.selected and not line.exists)
        missing = lines.filtered(lambda line: not (line.partner_id or self.partner_id))
        if missing:
            raise UserError(
                self.env._(
                    "Choose the customer of %s (or a default customer).",
                    ", ".join(missing.mapped("name")),
                )
            )
        accounts = self.env["billbyte.cloud.account"].create(
            [
                {
                    "name": line.name,
                    "vendor_id": self.connection_id.vendor_id.id,
                    "vendor_account_id": line.vendor_account_id,
                    "vendor_customer_id": line.vendor_customer_id,
                    "partner_id": (line.partner_id or self.partner_id).id,
                    "company_id": self.connection_id.company_id.id,
                }
                for line in lines
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Cloud Accounts"),
            "res_model": "billbyte.cloud.account",
            "domain": [("id", "in", accounts.ids)],
            "view_mode": "list,form",
        }
