# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from decimal import Decimal

from odoo import api, models

_logger = logging.getLogger(__name__)


def to_decimal(currency, value):
    return Decimal(str(currency.round(value or 0.0)))


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        usage = partials.filtered(lambda p: p.debit_move_id.move_id._billbyte_is_usage_invoice())
        if usage:
            # Never break the reconciliation itself: a failure here is logged and the
            # lines simply stay unallocated.
            try:
                with self.env.cr.savepoint():
                    usage._billbyte_allocate()
            except Exception:
                _logger.exception("Could not allocate reconciliations %s to lines", usage.ids)
        return partials

    def unlink(self):
        self.env["billbyte.payment.allocation"].sudo().search(
            [("partial_id", "in", self.ids)]
        ).unlink()
        return super().unlink()

    def _billbyte_allocate(self):
        """Allocate each partial's amount (in the invoice's currency) to the invoice's
        lines: the lines the accountant chose (context ``billbyte_allocation_plan``:
        {invoice line id: amount}) first, then the oldest open line first."""
        plan = dict(self.env.context.get("billbyte_allocation_plan") or {})
        Allocation = self.env["billbyte.payment.allocation"].sudo()
        values = []
        for partial in self:
            invoice = partial.debit_move_id.move_id
            currency = invoice.currency_id
            source = partial.credit_move_id
            kind = "credit" if source.move_id.move_type == "out_refund" else "payment"
            left = to_decimal(currency, partial.debit_amount_currency)
            lines = invoice._billbyte_allocation_lines()
            opened = {line.id: line._billbyte_open_decimal() for line in lines}
            chosen = [line for line in lines if str(line.id) in plan or line.id in plan]
            for line in chosen + list(lines - self.env["account.move.line"].concat(*chosen)):
                if left <= 0:
                    break
                wanted = plan.pop(str(line.id), plan.pop(line.id, None))
                amount = min(left, opened[line.id])
                if wanted is not None:
                    amount = min(left, Decimal(str(wanted)))
                if amount <= 0:
                    continue
                opened[line.id] -= amount
                left -= amount
                values.append(
                    {
                        "invoice_line_id": line.id,
                        "partial_id": partial.id,
                        "source_line_id": source.id,
                        "kind": kind,
                        "amount": amount,
                    }
                )
            if left > 0 and values and lines:
                # The invoice's total rounds taxes once; its lines' totals each: the
                # cent left goes to the last line allocated.
                values[-1]["amount"] += left
        if values:
            Allocation.create(values)
