# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo import api, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    billbyte_allocation_ids = fields.One2many(
        "billbyte.payment.allocation", "invoice_line_id", string="Allocations", readonly=True
    )
    billbyte_credited_line_id = fields.Many2one(
        "account.move.line",
        string="Discount on",
        readonly=True,
        index="btree_not_null",
        help="On a discount credit note: the invoice line it reduces.",
    )
    billbyte_amount_paid = fields.Monetary(
        "Paid", compute="_compute_billbyte_amounts", store=True, currency_field="currency_id"
    )
    billbyte_amount_credited = fields.Monetary(
        "Credited", compute="_compute_billbyte_amounts", store=True, currency_field="currency_id"
    )
    billbyte_amount_open = fields.Monetary(
        "Open", compute="_compute_billbyte_amounts", store=True, currency_field="currency_id"
    )

    @api.depends("price_total", "billbyte_allocation_ids.amount", "billbyte_allocation_ids.kind")
    def _compute_billbyte_amounts(self):
        for line in self:
            paid = credited = Decimal(0)
            for allocation in line.billbyte_allocation_ids:
                amount = Decimal(str(allocation.amount))
                if allocation.kind == "credit":
                    credited += amount
                else:
                    paid += amount
            line.billbyte_amount_paid = paid
            line.billbyte_amount_credited = credited
            if line.display_type == "product" and line.move_id.is_sale_document():
                line.billbyte_amount_open = Decimal(str(line.price_total)) - paid - credited
            else:
                line.billbyte_amount_open = 0

    def _billbyte_open_decimal(self):
        """What is left to pay on this invoice line, as a Decimal."""
        self.ensure_one()
        currency = self.currency_id
        allocated = sum(
            (Decimal(str(currency.round(a.amount))) for a in self.billbyte_allocation_ids),
            Decimal(0),
        )
        return Decimal(str(currency.round(self.price_total))) - allocated
