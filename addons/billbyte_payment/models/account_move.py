# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Usage invoices paid when posted: from the customer's credit, from their deposits, and
automatically with their saved payment method.

Automatic payment: a posted usage invoice with an amount due, of a customer who opted
in, gets a queued job that charges the saved payment method (Odoo's offline payment by
token). One job per invoice and attempt (identity key), the invoice row locked while it
runs, and no new charge while another payment of the invoice is under way or its outcome
unknown: nothing is charged twice. A failure leaves the invoice open, tells the customer
and is tried again the next day, at most the company's number of retries.
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

AUTOPAY_STATES = [
    ("queued", "Charge Queued"),
    ("processing", "Awaiting the Provider"),
    ("waiting", "Another Payment Under Way"),
    ("failed", "Failed, Will Retry"),
    ("stopped", "Failed, Retries Used Up"),
    ("paid", "Paid Automatically"),
    ("cancelled", "Not Charged"),
]
# Transaction states in which a payment of the invoice is under way.
UNDER_WAY = ("pending", "authorized")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        usage_invoices = posted.filtered(
            lambda move: move.billbyte_run_id and move.move_type == "out_invoice"
        )
        usage_invoices._billbyte_apply_customer_credit()
        usage_invoices._billbyte_apply_deposits()
        # What the credit and the deposits left to pay is charged to the saved payment
        # method of customers who opted in.
        usage_invoices._billbyte_autopay_schedule()
        return posted

    def _billbyte_apply_deposits(self):
        """Pay these usage invoices from what is left of their customers' deposits
        (oldest first, in the invoice's currency): an entry from the deposits account
        to the receivable, reconciled on both sides."""
        Line = self.env["account.move.line"]
        for invoice in self.filtered(lambda move: move.state == "posted" and move.amount_residual):
            account = invoice.company_id.billbyte_deposit_account_id
            if not account:
                continue
            partner = invoice.commercial_partner_id
            deposits = Line.search(
                [
                    ("account_id", "=", account.id),
                    ("partner_id", "=", partner.id),
                    ("currency_id", "=", invoice.currency_id.id),
                    ("reconciled", "=", False),
                    ("parent_state", "=", "posted"),
                    ("amount_residual_currency", "<", 0),
                ],
                order="date, id",
            )
            available = -sum(deposits.mapped("amount_residual_currency"))
            receivable = invoice.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            if not deposits or not receivable or invoice.currency_id.is_zero(available):
                continue
            amount = invoice.currency_id.round(min(available, invoice.amount_residual))
            balance = invoice.currency_id._convert(
                amount, invoice.company_id.currency_id, invoice.company_id, invoice.date
            )
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", invoice.company_id.id)], limit=1
            )
            common = {"partner_id": partner.id, "currency_id": invoice.currency_id.id}
            label = self.env._("Deposit applied to %s", invoice.name)
            entry = self.create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": invoice.date,
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            dict(
                                common,
                                name=label,
                                account_id=account.id,
                                amount_currency=amount,
                                balance=balance,
                            )
                        ),
                        Command.create(
                            dict(
                                common,
                                name=label,
                                account_id=receivable[0].account_id.id,
                                amount_currency=-amount,
                                balance=-balance,
                            )
                        ),
                    ],
                }
            )
            entry.action_post()
            (
                receivable
                + entry.line_ids.filtered(
                    lambda line, a=receivable[0].account_id: line.account_id == a
                )
            ).reconcile()
            (
                deposits + entry.line_ids.filtered(lambda line, a=account: line.account_id == a)
            ).reconcile()
            invoice.message_post(
                body=self.env._(
                    "%(amount)s of the customer's deposit applied to this invoice.",
                    amount=invoice.currency_id.format(amount),
                )
            )

    def _billbyte_apply_customer_credit(self):
        """Deduct what customers paid beyond earlier invoices (payments left open on their
        receivable account, in the invoice's currency) from these usage invoices, oldest
        credit first. One search for the whole batch; credit notes are left to the
        accountant (they may be meant for a refund)."""
        invoices = self.filtered(lambda move: move.state == "posted" and move.amount_residual)
        if not invoices:
            return
        credits = self.env["account.move.line"].search(
            [
                ("partner_id", "in", invoices.commercial_partner_id.ids),
                ("company_id", "in", invoices.company_id.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
                ("move_id.origin_payment_id", "!=", False),
            ],
            order="date, id",
        )
        if not credits:
            return
        for invoice in invoices.sorted(lambda move: (move.invoice_date or move.date, move.id)):
            receivable = invoice.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            available = credits.filtered(
                lambda line, inv=invoice, rec=receivable: (
                    line.partner_id == inv.commercial_partner_id
                    and line.account_id in rec.account_id
                    and line.currency_id == inv.currency_id
                    and line.company_id == inv.company_id
                    and not line.reconciled
                )
            )
            if not receivable or not available:
                continue
            before = invoice.amount_residual
            residuals = {line: line.amount_residual_currency for line in available}
            (receivable + available).reconcile()
            applied = before - invoice.amount_residual
            if invoice.currency_id.is_zero(applied):
                continue
            used = available.filtered(
                lambda line, before=residuals: line.amount_residual_currency != before[line]
            )
            invoice.message_post(
                body=self.env._(
                    "%(amount)s of the customer's credit (%(payments)s) deducted from this "
                    "invoice.",
                    amount=invoice.currency_id.format(applied),
                    payments=", ".join(used.move_id.mapped("name")),
                )
            )

    # ------------------------------------------------------------ automatic payment
    billbyte_autopay_state = fields.Selection(
        AUTOPAY_STATES,
        string="Automatic Payment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Where the automatic charge of this usage invoice to the customer's saved "
        "payment method stands.",
    )
    billbyte_autopay_attempts = fields.Integer(
        string="Automatic Payment Attempts",
        readonly=True,
        copy=False,
    )
    billbyte_autopay_next_date = fields.Date(
        string="Next Automatic Attempt",
        readonly=True,
        copy=False,
    )
    billbyte_autopay_error = fields.Char(
        string="Automatic Payment Failure",
        readonly=True,
        copy=False,
        help="Why the last automatic charge did not go through.",
    )
    billbyte_autopay_method = fields.Char(
        string="Payment Method Charged Automatically",
        readonly=True,
        copy=False,
        help="The saved payment method of the last automatic charge.",
    )
    billbyte_autopay_attempts_allowed = fields.Integer(
        string="Automatic Payment Attempts Allowed",
        compute="_compute_billbyte_autopay_attempts_allowed",
        help="The first charge and the company's retries.",
    )

    billbyte_autopay_unknown = fields.Boolean(
        string="Automatic Charge Outcome Unknown",
        compute="_compute_billbyte_autopay_unknown",
        help="The provider never answered an automatic charge of this invoice: it is asked "
        "before any new attempt.",
    )

    @api.depends("transaction_ids.state", "transaction_ids.billbyte_autopay")
    def _compute_billbyte_autopay_unknown(self):
        for move in self:
            move.billbyte_autopay_unknown = any(
                tx.billbyte_autopay and tx._billbyte_autopay_unknown()
                for tx in move.sudo().transaction_ids
            )

    @api.depends("company_id.billbyte_autopay_retries")
    def _compute_billbyte_autopay_attempts_allowed(self):
        for move in self:
            move.billbyte_autopay_attempts_allowed = move.company_id.billbyte_autopay_retries + 1

    # ------------------------------------------------------------------ scheduling
    def _billbyte_autopay_schedule(self):
        """Queue the automatic charge of these posted usage invoices whose customer opted
        in and that still have an amount due."""
        due = self.filtered(
            lambda move: (
                move.state == "posted"
                and move.move_type == "out_invoice"
                and not move.currency_id.is_zero(move.amount_residual)
                and move.sudo().commercial_partner_id.billbyte_autopay
            )
        )
        if due:
            due.sudo().write(
                {"billbyte_autopay_state": "queued", "billbyte_autopay_next_date": False}
            )
            due._billbyte_autopay_enqueue()

    def _billbyte_autopay_enqueue(self):
        for invoice in self:
            attempt = invoice.billbyte_autopay_attempts + 1
            invoice.with_delay(
                channel="root.billbyte_payment",
                description=self.env._(
                    "Automatic payment of %(invoice)s (attempt %(attempt)s)",
                    invoice=invoice.name,
                    attempt=attempt,
                ),
                # Two triggers of one attempt (posting and the daily retry, a double
                # click) make one job.
                identity_key=f"billbyte_autopay:{invoice.id}:{attempt}",
            )._billbyte_autopay_charge()

    @api.model
    def _cron_billbyte_autopay_retry(self):
        """Daily: try again the automatic payments that failed (or waited for another
        payment of the invoice) whose day has come."""
        invoices = self.sudo().search(
            [
                ("billbyte_autopay_state", "in", ("failed", "waiting")),
                ("billbyte_autopay_next_date", "<=", fields.Date.context_today(self)),
                ("state", "=", "posted"),
            ]
        )
        invoices.write({"billbyte_autopay_state": "queued"})
        invoices._billbyte_autopay_enqueue()

    # ------------------------------------------------------------------ the charge
    def _billbyte_autopay_charge(self):
        """Job: charge each invoice's amount due to its customer's saved payment method."""
        for invoice in self:
            invoice.sudo().with_company(invoice.company_id)._billbyte_autopay_charge_one()

    def _billbyte_autopay_lock(self):
        """Hold the invoice row until the job ends: a second job of the same invoice
        running meanwhile is retried a minute later (PostgreSQL refuses its lock, or its
        snapshot, until the first one committed) and then sees what the first one did."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                        tuple(self.ids),
                    )
                )
        except psycopg2.errors.LockNotAvailable as error:
            raise RetryableJobError(
                "Another automatic payment of this invoice is running", seconds=60
            ) from error

    def _billbyte_autopay_charge_one(self):
        self.ensure_one()
        self._billbyte_autopay_lock()
        self.invalidate_recordset()
        customer = self.commercial_partner_id
        if self.state != "posted" or self.currency_id.is_zero(self.amount_residual):
            self._billbyte_autopay_nothing_due()
            return
        if not customer.billbyte_autopay:
            self.billbyte_autopay_state = "cancelled"
            self._billbyte_autopay_note(
                self.env._("Not charged automatically: the customer turned automatic payment off.")
            )
            return
        transactions = self.transaction_ids
        # A payment made but not booked yet (the provider's confirmation came, the
        # post-processing did not run yet): book it, and charge only what it leaves.
        unbooked = transactions.filtered(lambda tx: tx.state == "done" and not tx.is_post_processed)
        if unbooked:
            unbooked._post_process()
            if self.currency_id.is_zero(self.amount_residual):
                self._billbyte_autopay_nothing_due()
                return
        under_way = transactions.filtered(lambda tx: tx.state in UNDER_WAY)
        if under_way:
            ours = under_way.filtered("billbyte_autopay")
            self.write(
                {
                    "billbyte_autopay_state": "processing" if ours else "waiting",
                    "billbyte_autopay_next_date": False
                    if ours
                    else fields.Date.context_today(self) + timedelta(days=1),
                }
            )
            self._billbyte_autopay_note(
                self.env._(
                    "Not charged automatically: the payment %(references)s of this invoice is "
                    "under way.",
                    references=", ".join(under_way.mapped("reference")),
                )
            )
            return
        attempt = self.billbyte_autopay_attempts + 1
        self.billbyte_autopay_attempts = attempt
        # Earlier charges whose outcome we never heard of: ask the provider first.
        unknown = transactions.filtered(
            lambda tx: tx.billbyte_autopay and tx._billbyte_autopay_unknown()
        )
        if unknown:
            try:
                with self.env.cr.savepoint():
                    unknown._billbyte_autopay_recover()
            except (ValidationError, UserError) as error:
                self._billbyte_autopay_failed(
                    self.env._(
                        "%(reason)s Whether the earlier charge %(references)s went through is "
                        "not known yet: nothing is charged again before the provider says.",
                        reason=error.args[0],
                        references=", ".join(unknown.mapped("reference")),
                    )
                )
                return
            if unknown.filtered(lambda tx: tx.state in ("done", *UNDER_WAY)):
                self.billbyte_autopay_attempts = attempt - 1
                return  # The earlier charge went through after all: it pays the invoice.
        token = customer.billbyte_autopay_token_id
        self.billbyte_autopay_method = token._billbyte_label() if token else False
        problem = self._billbyte_autopay_token_problem(token)
        if problem:
            self._billbyte_autopay_failed(problem)
            return
        Transaction = self.env["payment.transaction"]
        tx = Transaction.create(
            {
                "provider_id": token.provider_id.id,
                "payment_method_id": token.payment_method_id.id,
                # The same reference for the same attempt: should this job be rolled back
                # after the provider charged, its retry sends the same idempotency key.
                "reference": Transaction._compute_reference(
                    token.provider_id.code, prefix=f"{self.name}-A{attempt}"
                ),
                "amount": self.amount_residual,
                "currency_id": self.currency_id.id,
                "partner_id": self.partner_id.id,
                "token_id": token.id,
                "operation": "offline",
                "invoice_ids": [Command.set(self.ids)],
                "billbyte_autopay": True,
            }
        )
        self.billbyte_autopay_state = "queued"
        try:
            with self.env.cr.savepoint():
                tx._send_payment_request()
        except (ValidationError, UserError) as error:
            # No answer (or no usable one): the charge may or may not have been made.
            _logger.warning("Automatic payment %s: %s", tx.reference, error.args[0])
            tx.write({"state_message": error.args[0], "billbyte_autopay_handled": True})
            self._billbyte_autopay_failed(error.args[0], tx)
            return
        tx._billbyte_autopay_outcome()

    def _billbyte_autopay_token_problem(self, token):
        """Why this saved payment method cannot be charged for this invoice, or ''."""
        self.ensure_one()
        if not token:
            return self.env._("No saved payment method is chosen for automatic payments.")
        if not token.active:
            return self.env._(
                "The saved payment method %(method)s was removed.", method=token._billbyte_label()
            )
        if token.provider_id.state == "disabled" or token.company_id != self.company_id:
            return self.env._(
                "The saved payment method %(method)s cannot be charged any more (its payment "
                "provider is not available for %(company)s).",
                method=token._billbyte_label(),
                company=self.company_id.name,
            )
        return ""

    # ------------------------------------------------------------------ outcomes
    def _billbyte_autopay_nothing_due(self):
        """The invoice was paid (or cancelled) otherwise: nothing to charge."""
        for invoice in self:
            paid_by_us = invoice.transaction_ids.filtered(
                lambda tx: tx.billbyte_autopay and tx.state == "done"
            )
            invoice.write(
                {
                    "billbyte_autopay_state": "paid" if paid_by_us else "cancelled",
                    "billbyte_autopay_next_date": False,
                }
            )

    def _billbyte_autopay_paid(self, tx):
        for invoice in self.filtered(
            lambda move: (
                move.billbyte_autopay_state != "paid"
                and move.currency_id.is_zero(move.amount_residual)
            )
        ):
            invoice.write(
                {
                    "billbyte_autopay_state": "paid",
                    "billbyte_autopay_next_date": False,
                    "billbyte_autopay_error": False,
                }
            )
            invoice._billbyte_autopay_note(
                self.env._(
                    "Paid automatically: %(amount)s charged to %(method)s (%(reference)s).",
                    amount=tx.currency_id.format(tx.amount),
                    method=tx.token_id._billbyte_label(),
                    reference=tx.reference,
                )
            )

    def _billbyte_autopay_failed(self, reason, tx=None):
        """The automatic charge did not go through: the invoice stays open, the note says
        why, the customer's billing contact is emailed what failed and what happens next;
        tried again tomorrow, or, retries used up, the salesperson gets an activity."""
        today = fields.Date.context_today(self)
        template = self.env.ref("billbyte_payment.mail_template_autopay_failed")
        for invoice in self:
            stop = invoice.billbyte_autopay_attempts >= invoice.billbyte_autopay_attempts_allowed
            invoice.write(
                {
                    "billbyte_autopay_state": "stopped" if stop else "failed",
                    "billbyte_autopay_next_date": False if stop else today + timedelta(days=1),
                    "billbyte_autopay_error": reason,
                }
            )
            if stop:
                next_step = self.env._(
                    "No retry left: the invoice waits for the customer's payment, and the "
                    "salesperson has an activity."
                )
            else:
                next_step = self.env._(
                    "Tried again on %(date)s (attempt %(next)s of %(allowed)s).",
                    date=fields.Date.to_string(invoice.billbyte_autopay_next_date),
                    next=invoice.billbyte_autopay_attempts + 1,
                    allowed=invoice.billbyte_autopay_attempts_allowed,
                )
            invoice._billbyte_autopay_note(
                self.env._(
                    "Automatic payment failed (attempt %(attempt)s of %(allowed)s%(reference)s): "
                    "%(reason)s %(next)s",
                    attempt=invoice.billbyte_autopay_attempts,
                    allowed=invoice.billbyte_autopay_attempts_allowed,
                    reference=f", {tx.reference}" if tx else "",
                    reason=reason,
                    next=next_step,
                )
            )
            recipients = invoice._billbyte_autopay_recipients()
            if recipients:
                invoice.with_context(lang=recipients[0].lang).message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=recipients.ids,
                )
            if stop:
                customer = invoice.commercial_partner_id
                invoice.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=(
                        customer.user_id
                        or invoice.invoice_user_id
                        or self.env.ref("base.user_admin")
                    ).id,
                    summary=self.env._(
                        "Automatic payment of %(invoice)s failed %(attempts)s times",
                        invoice=invoice.name,
                        attempts=invoice.billbyte_autopay_attempts,
                    ),
                    note=self.env._(
                        "%(customer)s was told each time. Last failure: %(reason)s",
                        customer=customer.name,
                        reason=reason,
                    ),
                )

    def _billbyte_autopay_recipients(self):
        """The customer's billing contact (invoice address), with an email."""
        self.ensure_one()
        customer = self.commercial_partner_id
        billing = customer.browse(customer.address_get(["invoice"])["invoice"])
        return billing.filtered("email") or customer.filtered("email")

    def _billbyte_autopay_note(self, body):
        for invoice in self:
            invoice.message_post(body=body, subtype_xmlid="mail.mt_note")
