# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import requests

from odoo import fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_paypal.controllers.main import PaypalController

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
        stays the customer's credit and goes to the next invoice."""
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
        return res
