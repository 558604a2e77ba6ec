# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib

from odoo import api, fields, models
from odoo.tools import split_every


class BillbyteBillingRun(models.Model):
    """Sending: posted invoices go out on their date through Odoo's own sending."""

    _inherit = "billbyte.billing.run"  # pylint: disable=consider-merging-classes-inherited

    def _after_post(self, moves):
        """The run's posted invoices dated today or earlier are sent now, in jobs of
        their own (a failed sending never undoes the billing); later-dated ones are
        sent on their date by the sending cron. With the context key
        `billbyte_defer_sending` (benchmarks, bulk re-billing), all of them are left to
        the sending cron."""
        moves = super()._after_post(moves)
        if self.env.context.get("billbyte_defer_sending"):
            return moves
        today = fields.Date.context_today(self)
        posted = moves.filtered(lambda m: m.state == "posted")
        later = posted.filtered(lambda m: m.invoice_date and m.invoice_date > today)
        for move in later:
            move.billbyte_send_note = self.env._(
                "Dated %(date)s: sent on that day.", date=move.invoice_date
            )
        self._enqueue_sending(posted - later)
        return moves

    def _bill_partners(self, partner_ids):
        """The run log of each customer says how its invoices went out (when they were
        sent in the same transaction) and why no email went out."""
        # The run sends its invoices itself: posting them need not wake the cron.
        outcome = super(BillbyteBillingRun, self.with_context(billbyte_in_run=True))._bill_partners(
            partner_ids
        )
        for pid, (state, message, moves) in list(outcome.items()):
            notes = [
                f"{move.name}: {move.billbyte_send_note}"
                for move in (moves or [])
                if move.billbyte_send_note
            ]
            if state == "invoiced" and notes:
                message = "\n".join(filter(None, [message or "", *notes]))
                outcome[pid] = (state, message, moves)
        return outcome

    @api.model
    def _enqueue_sending(self, moves):
        """Jobs sending these invoices, a batch each (the company's batch size)."""
        if not moves:
            return
        company = moves[:1].company_id
        size = max(company.billbyte_billing_batch_size, 1)
        for batch in split_every(size, moves.ids, list):
            digest = hashlib.sha1(",".join(map(str, batch)).encode()).hexdigest()
            self.with_delay(
                channel="root.billbyte_billing",
                description=self.env._("Send %(count)s cloud invoice(s)", count=len(batch)),
                identity_key=f"billbyte_billing_send:{digest}",
            )._send_invoices(batch)

    @api.model
    def _send_invoices(self, move_ids):
        """Send these invoices (a job): Odoo's sending with each customer's preferences,
        then the note of each on the log of the billing run that made it."""
        moves = self.env["account.move"].sudo().browse(move_ids).exists()
        sent = self.env["account.move.send"]._billbyte_send_invoices(moves)
        lines = (
            self.env["billbyte.billing.run.line"]
            .sudo()
            .search([("move_ids", "in", moves.ids), ("state", "!=", "pending")])
        )
        for line in lines:
            notes = [
                f"{move.name}: {move.billbyte_send_note}"
                for move in line.move_ids & moves
                if move.billbyte_send_note and move.billbyte_send_state
            ]
            if notes:
                line.message = "\n".join(filter(None, [line.message or "", *notes]))
        return self.env._(
            "%(sent)s of %(count)s invoice(s) sent.", sent=len(sent), count=len(moves)
        )

    @api.model
    def _cron_send_invoices(self):
        """Daily (and right after an accountant posts one): the billing's invoices
        dated today or earlier that nothing sent yet (posted after a draft billing, or
        dated later than their run)."""
        today = fields.Date.context_today(self)
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("billbyte_run_id", "!=", False),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("is_move_sent", "=", False),
                    ("billbyte_send_state", "=", False),
                    ("invoice_date", "<=", today),
                ],
                order="company_id, id",
            )
        )
        for company_moves in moves.grouped("company_id").values():
            self._enqueue_sending(company_moves)
        return True
