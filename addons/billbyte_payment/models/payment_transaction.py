# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta, timezone

import requests

from odoo import fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_paypal.controllers.main import PaypalController
from odoo.addons.payment_stripe.controllers.main import StripeController

_logger = logging.getLogger(__name__)

# How far back a PayPal order whose outcome we never heard of is looked up again.
PAYPAL_ORDER_LOOKBACK = timedelta(days=3)


DEPOSIT_PREFIX = "DEPOSIT"


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    billbyte_paypal_order_id = fields.Char(
        string="PayPal Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The PayPal order created for this transaction (PayPal's Orders API).",
    )

    def _get_specific_processing_values(self, processing_values):
        """Keep the PayPal order of the transaction: if the customer's browser never
        learns how its capture went, the order tells us later."""
        values = super()._get_specific_processing_values(processing_values)
        if self.provider_code == "paypal" and values.get("order_id"):
            self.billbyte_paypal_order_id = values["order_id"]
        return values

    def _billbyte_settle_paypal_orders(self):
        """Ask PayPal about the orders of these transactions that are still waiting for
        an outcome (no capture answer, no webhook yet) and confirm those PayPal
        captured. Return the transactions confirmed."""
        since = fields.Datetime.now() - PAYPAL_ORDER_LOOKBACK
        waiting = self.filtered(
            lambda tx: (
                tx.provider_code == "paypal"
                and tx.state in ("draft", "pending")
                and tx.billbyte_paypal_order_id
                and tx.create_date >= since
            )
        )
        confirmed = self.browse()
        for tx in waiting:
            try:
                order = tx.provider_id._billbyte_paypal_get(
                    f"/v2/checkout/orders/{tx.billbyte_paypal_order_id}"
                )
            except (ValidationError, requests.exceptions.RequestException):
                _logger.info("PayPal order %s: no answer", tx.billbyte_paypal_order_id)
                continue
            captures = [
                capture
                for unit in order.get("purchase_units") or []
                for capture in (unit.get("payments") or {}).get("captures") or []
            ]
            if order.get("status") != "COMPLETED" or not captures:
                continue
            notification = PaypalController()._normalize_paypal_data(order)
            tx._handle_notification_data("paypal", notification)
            if tx.state == "done":
                confirmed |= tx
        return confirmed

    def _create_payment(self, **extra_create_values):
        """A transaction of a deposit (its reference starts with DEPOSIT_PREFIX, as the
        portal's Pay Deposit makes it) creates a deposit payment."""
        if (self.reference or "").startswith(DEPOSIT_PREFIX):
            extra_create_values.setdefault("billbyte_is_deposit", True)
        return super()._create_payment(**extra_create_values)

    def _post_process(self):
        """Say on the invoices what became of a payment larger than what they owed: it
        stays the customer's credit and goes to the next invoice. An automatic charge's
        outcome acts on its invoice."""
        res = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done" and t.payment_id and t.invoice_ids):
            account = tx.payment_id.destination_account_id
            credit = tx.payment_id.move_id.line_ids.filtered(
                lambda line, account=account: (
                    line.account_id == account
                    and not line.reconciled
                    and line.amount_residual_currency < 0
                )
            )
            leftover = -sum(credit.mapped("amount_residual_currency"))
            if tx.currency_id.is_zero(leftover):
                continue
            tx._log_message_on_linked_documents(
                self.env._(
                    "%(amount)s of the payment %(reference)s was more than the invoice asked "
                    "for: it stays the customer's credit and is deducted from the next invoice.",
                    amount=tx.currency_id.format(leftover),
                    reference=tx.reference,
                )
            )
        self.filtered("billbyte_autopay")._billbyte_autopay_outcome()
        return res

    # ------------------------------------------------------------ automatic payment
    billbyte_autopay = fields.Boolean(
        string="Automatic Payment",
        readonly=True,
        copy=False,
        help="Charged to the customer's saved payment method when a usage invoice was posted "
        "(or on a retry), not by the customer.",
    )
    billbyte_autopay_handled = fields.Boolean(
        string="Failure Told",
        readonly=True,
        copy=False,
        help="The customer was told this automatic charge failed.",
    )

    def _billbyte_autopay_unknown(self):
        """Whether the provider never told how this charge went: sent, no answer."""
        self.ensure_one()
        return self.state == "draft" or (self.state == "error" and not self.provider_reference)

    def _handle_notification_data(self, provider_code, notification_data):
        """An automatic charge's outcome acts on its invoice as soon as the provider says
        it (in the charge's answer or in a webhook)."""
        tx = super()._handle_notification_data(provider_code, notification_data)
        tx.filtered("billbyte_autopay")._billbyte_autopay_outcome()
        return tx

    def _billbyte_autopay_outcome(self):
        """Done: the payment is booked and the invoice paid. Under way: the invoice waits
        for the provider. Refused: the invoice's failure path, once per charge."""
        for tx in self:
            invoices = tx.invoice_ids.sudo()
            if tx.state == "done":
                if not tx.is_post_processed:
                    tx._post_process()  # creates the payment; comes back here
                    continue
                invoices._billbyte_autopay_paid(tx)
            elif tx.state in ("pending", "authorized"):
                invoices.filtered(
                    lambda move: move.billbyte_autopay_state in ("queued", "failed", "waiting")
                ).billbyte_autopay_state = "processing"
            elif tx.state in ("error", "cancel") and not tx.billbyte_autopay_handled:
                tx.billbyte_autopay_handled = True
                invoices._billbyte_autopay_failed(
                    tx.state_message or self.env._("The payment provider refused the charge."), tx
                )

    def _billbyte_autopay_recover(self):
        """Ask the provider what became of these charges whose answer never came, and
        update them: found, they take the provider's state; not found, nothing was
        charged and they are cancelled. Raise ValidationError when the provider cannot be
        asked (nothing may then be charged again)."""
        for provider_code in set(self.mapped("provider_code")):
            txs = self.filtered(lambda tx, code=provider_code: tx.provider_code == code)
            recover = getattr(txs, f"_billbyte_autopay_recover_{provider_code}", None)
            if recover is None:
                raise ValidationError(
                    self.env._(
                        "%(provider)s cannot be asked what became of a charge.",
                        provider=txs[0].provider_id.name,
                    )
                )
            recover()

    def _billbyte_autopay_recover_stripe(self):
        """Stripe keeps every PaymentIntent with the transaction's reference as its
        description: list the customer's since the charge and take what Stripe says."""
        groups = {}
        for tx in self:
            groups.setdefault((tx.provider_id, tx.token_id.provider_ref), self.browse())
            groups[(tx.provider_id, tx.token_id.provider_ref)] |= tx
        for (provider, customer), txs in groups.items():
            # Odoo's datetimes are naive UTC.
            since = min(txs.mapped("create_date")).replace(tzinfo=timezone.utc) - timedelta(hours=1)
            intents = provider._billbyte_stripe_list_intents(customer, since.timestamp())
            by_reference = {intent.get("description"): intent for intent in intents}
            for tx in txs:
                intent = by_reference.get(tx.reference)
                if not intent:
                    tx._set_canceled(
                        state_message=self.env._(
                            "Stripe has no payment of this reference: nothing was charged."
                        ),
                        extra_allowed_states=("error",),
                    )
                    continue
                notification = {"reference": tx.reference}
                StripeController._include_payment_intent_in_notification_data(intent, notification)
                tx._handle_notification_data("stripe", notification)

    def _stripe_create_intent(self):
        """An offline charge Stripe refused says why in Stripe's words ("Your card was
        declined."), not in Odoo's message about the communication with the API."""
        intent = super()._stripe_create_intent()
        if self.operation == "offline" and self.state == "error" and isinstance(intent, dict):
            reason = (intent.get("last_payment_error") or {}).get("message")
            if reason:
                self.state_message = reason
        return intent
