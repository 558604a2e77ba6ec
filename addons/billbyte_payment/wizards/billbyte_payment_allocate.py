# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class BillbytePaymentAllocate(models.TransientModel):
    """Allocate (part of) a received payment or a credit note to chosen lines of one or
    more usage invoices of the customer: reconciles exactly those amounts."""

    _name = "billbyte.payment.allocate"
    _description = "Allocate a Payment to Invoice Lines"

    partner_id = fields.Many2one("res.partner", required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    source_line_id = fields.Many2one(
        "account.move.line",
        string="Payment",
        required=True,
        domain="[('partner_id.commercial_partner_id', '=', partner_id),"
        " ('account_type', '=', 'asset_receivable'), ('reconciled', '=', False),"
        " ('parent_state', '=', 'posted'), ('balance', '<', 0)]",
        help="The payment (or credit note) whose open amount is allocated.",
    )
    source_residual = fields.Monetary(
        "Available", compute="_compute_source_residual", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="source_line_id.currency_id")
    line_ids = fields.One2many("billbyte.payment.allocate.line", "wizard_id", string="Lines")

    @api.depends("source_line_id")
    def _compute_source_residual(self):
        for wizard in self:
            wizard.source_residual = -wizard.source_line_id.amount_residual_currency

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        invoices = self.env["account.move"]
        if context.get("active_model") == "account.payment" and context.get("active_id"):
            payment = self.env["account.payment"].browse(context["active_id"])
            partner = payment.partner_id.commercial_partner_id
            values["partner_id"] = partner.id
            values["source_line_id"] = payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            )[:1].id
        if context.get("default_invoice_ids"):
            invoices = self.env["account.move"].browse(context["default_invoice_ids"])
            partner = invoices.commercial_partner_id[:1]
            values["partner_id"] = partner.id
        elif values.get("partner_id"):
            invoices = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", values["partner_id"]),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                order="invoice_date, id",
            )
        if values.get("partner_id") and not values.get("source_line_id"):
            values["source_line_id"] = (
                self.env["account.move.line"]
                .search(
                    [
                        ("partner_id.commercial_partner_id", "=", values["partner_id"]),
                        ("account_type", "=", "asset_receivable"),
                        ("reconciled", "=", False),
                        ("parent_state", "=", "posted"),
                        ("balance", "<", 0),
                    ],
                    order="date, id",
                    limit=1,
                )
                .id
            )
        lines = []
        for invoice in invoices.filtered(lambda move: move._billbyte_is_usage_invoice()):
            for line in invoice._billbyte_allocation_lines():
                if line.billbyte_amount_open > 0:
                    lines.append(Command.create({"invoice_line_id": line.id, "amount": 0.0}))
        values["line_ids"] = lines
        return values

    def action_allocate(self):
        """Check the allocation, then reconcile each invoice with the payment for the
        sum of its chosen lines; the allocations follow from the reconciliation."""
        self.ensure_one()
        source = self.source_line_id
        partner = self.partner_id.commercial_partner_id
        if source.partner_id.commercial_partner_id != partner:
            raise UserError(self.env._("The payment is not of %s.", partner.display_name))
        per_invoice = defaultdict(dict)
        total = Decimal(0)
        for row in self.line_ids:
            line = row.invoice_line_id
            currency = line.currency_id
            amount = Decimal(str(currency.round(row.amount)))
            if not amount:
                continue
            invoice = line.move_id
            if amount < 0:
                raise UserError(self.env._("An allocation must be positive."))
            if invoice.commercial_partner_id != partner:
                raise UserError(
                    self.env._(
                        "The line “%(line)s” is on invoice %(invoice)s of %(customer)s, not of "
                        "%(partner)s: a payment only pays its own customer's invoices.",
                        line=line.name,
                        invoice=invoice.name,
                        customer=invoice.commercial_partner_id.display_name,
                        partner=partner.display_name,
                    )
                )
            if not invoice._billbyte_is_usage_invoice() or invoice.state != "posted":
                raise UserError(
                    self.env._("%s is not a posted usage invoice.", invoice.display_name)
                )
            if currency != source.currency_id:
                raise UserError(
                    self.env._(
                        "The payment and invoice %s are in different currencies.", invoice.name
                    )
                )
            open_amount = line._billbyte_open_decimal()
            if amount > open_amount:
                raise UserError(
                    self.env._(
                        "%(amount)s is more than the %(open)s still open on the line “%(line)s” "
                        "of %(invoice)s.",
                        amount=amount,
                        open=open_amount,
                        line=line.name,
                        invoice=invoice.name,
                    )
                )
            per_invoice[invoice][line.id] = per_invoice[invoice].get(line.id, Decimal(0)) + amount
            total += amount
        if not per_invoice:
            raise UserError(self.env._("Enter the amount to allocate on at least one line."))
        available = -Decimal(str(source.currency_id.round(source.amount_residual_currency)))
        if total > available:
            raise UserError(
                self.env._(
                    "%(total)s allocated but only %(available)s of the payment is left.",
                    total=total,
                    available=available,
                )
            )
        for invoice, plan in per_invoice.items():
            invoice._billbyte_reconcile_amount(source, sum(plan.values(), Decimal(0)), plan)
        return {"type": "ir.actions.act_window_close"}
