# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class BillbyteVendorInvoicePullWizard(models.TransientModel):
    """Pull the billed usage or the billed reconciliation of a closed Partner Center
    invoice: what Microsoft finally billed for a month."""

    _name = "billbyte.vendor.invoice.pull.wizard"
    _description = "Pull a Billed Partner Center Invoice"

    connection_id = fields.Many2one(
        "billbyte.connection", required=True, domain="[('kind', '=', 'microsoft')]"
    )
    invoice_id = fields.Char(
        string="Invoice Number",
        required=True,
        help="The Partner Center invoice number, e.g. G000123456.",
    )
    export = fields.Selection(
        [
            ("billed", "Billed daily rated usage (Azure plan)"),
            ("reconciliation", "Billed reconciliation (licenses and other charges)"),
        ],
        required=True,
        default="billed",
    )

    def action_pull(self):
        self.ensure_one()
        invoice = (self.invoice_id or "").strip()
        if not invoice or ":" in invoice or " " in invoice:
            raise UserError(
                self.env._("%s is not a Partner Center invoice number.", self.invoice_id)
            )
        runs = self.connection_id._pull([f"{self.export}:{invoice}"])
        if runs is False:
            raise UserError(
                self.env._(
                    "Another pull of %s is running: try again in a moment.", self.connection_id.name
                )
            )
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_import"
        )
        action["domain"] = [("id", "in", runs.ids)]
        return action
