# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    billbyte_invoice_day = fields.Integer(
        string="Cloud Invoice Day",
        default=1,
        help="Day of the month (1 to 28) on which this customer's cloud billing periods "
        "end and their invoices are made: with 15, a monthly period runs from the 15th "
        "to the 14th of the next month.",
    )

    @api.constrains("billbyte_invoice_day")
    def _check_billbyte_invoice_day(self):
        for partner in self:
            if not 1 <= partner.billbyte_invoice_day <= 28:
                raise ValidationError(
                    self.env._(
                        "The cloud invoice day must be between 1 and 28 (it is %s).",
                        partner.billbyte_invoice_day,
                    )
                )

    # ------------------------------------------- invoiced by the provider's own system
    billbyte_external_billing = fields.Boolean(
        string="Invoiced by Own System",
        help="The provider invoices this customer's cloud usage with its own system: "
        "billing runs make no invoice for them; their usage is marked billed when the "
        "provider acknowledges the month-close export.",
    )

    def _billbyte_billing_customer(self):
        self.ensure_one()
        self.check_access("read")
        return self.commercial_partner_id

    def billbyte_get_line_items(self, billing_date):
        """The usage line items a billing run as of `billing_date` bills this customer
        for (the periods that ended before that day), line by line: cloud account,
        service, service period, quantity, amount (decimal strings with the currency).
        For a customer invoiced by the provider's own system whose usage of that date
        is acknowledged, the items acknowledged. Runs with the caller's rights."""
        customer = self._billbyte_billing_customer()
        billing_date = fields.Date.to_date(billing_date)
        export = (
            self.env["billbyte.external.billing"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", customer.id),
                    ("company_id", "=", self.env.company.id),
                    ("date", "=", billing_date),
                ],
                limit=1,
            )
        )
        if export:
            return {
                "acknowledged": True,
                "reference": export.reference or None,
                "acknowledged_on": fields.Datetime.to_string(export.acknowledged_on),
                "line_items": export.line_items or [],
            }
        run = self.env["billbyte.billing.run"].sudo()._billbyte_draft_run(billing_date)
        return {
            "acknowledged": False,
            "reference": None,
            "acknowledged_on": None,
            "line_items": run._billbyte_closed_items(customer),
        }

    def billbyte_get_open_line_items(self):
        """The unbilled usage of this customer's current billing periods as the next
        invoice will carry it, line by line (see billbyte_get_line_items)."""
        customer = self._billbyte_billing_customer()
        today = fields.Date.context_today(self)
        run = self.env["billbyte.billing.run"].sudo()._billbyte_draft_run(today)
        return run._billbyte_open_items(customer)

    def billbyte_acknowledge_external_billing(self, billing_date, reference=None):
        """The provider's own system billed this customer's usage as of
        `billing_date` (the month-close export): mark those usage lines billed
        against that export. Once: a second acknowledgement of the same date returns
        the first one and marks nothing. Customers invoiced by Odoo are refused."""
        customer = self._billbyte_billing_customer()
        if not (
            self.env.user.has_group("billbyte_catalog.group_billbyte_manager")
            or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                self.env._("Only Cloud Billing administrators and accountants mark usage billed.")
            )
        if not customer.billbyte_external_billing:
            raise UserError(
                self.env._(
                    "%s is invoiced by Odoo: its usage is billed by billing runs.",
                    customer.display_name,
                )
            )
        run = self.env["billbyte.billing.run"].sudo()._billbyte_draft_run(billing_date)
        return run._billbyte_mark_billed_externally(customer, reference)
