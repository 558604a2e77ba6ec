# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
import re
from decimal import Decimal

from werkzeug import urls

from odoo import _, models
from odoo.exceptions import ValidationError
from odoo.tools import float_repr

from ..controllers.main import PerfectMoneyController

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _perfect_money_format_amount(self):
        """The amount as the SCI's PAYMENT_AMOUNT: a plain decimal with the currency's places."""
        self.ensure_one()
        currency = self.currency_id
        return float_repr(currency.round(self.amount), currency.decimal_places)

    def _get_specific_rendering_values(self, processing_values):
        """Override of `payment` to return the fields of Perfect Money's SCI entry form.

        Note: self.ensure_one() from `_get_processing_values`

        :param dict processing_values: The generic and specific processing values of the tx.
        :return: The values of the redirect form.
        :rtype: dict
        """
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "perfect_money":
            return res

        provider = self.provider_id
        wallet = provider._perfect_money_get_wallet(self.currency_id)
        if not wallet:
            raise ValidationError(
                _(
                    "No Perfect Money wallet is set to receive payments in %s.",
                    self.currency_id.name,
                )
            )
        base_url = provider.get_base_url()
        return_url = urls.url_join(base_url, PerfectMoneyController._return_url)
        company = provider.company_id.name or ""
        return {
            "api_url": provider._perfect_money_get_sci_url(),
            "PAYEE_ACCOUNT": wallet,
            "PAYEE_NAME": provider.perfect_money_payee_name or company,
            "PAYMENT_AMOUNT": self._perfect_money_format_amount(),
            "PAYMENT_UNITS": self.currency_id.name,
            "PAYMENT_ID": self.reference,
            "STATUS_URL": urls.url_join(base_url, PerfectMoneyController._status_url),
            # The payer comes back through the return route whether they paid or not; it
            # only shows the status page: the status notification alone confirms a payment.
            "PAYMENT_URL": return_url,
            "PAYMENT_URL_METHOD": "GET",
            "NOPAYMENT_URL": return_url,
            "NOPAYMENT_URL_METHOD": "GET",
            # Perfect Money keeps the memo to 100 characters.
            "SUGGESTED_MEMO": f"{company} {self.reference}".strip()[:100],
        }

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        """Override of `payment` to find the transaction of a Perfect Money notification.

        :param str provider_code: The code of the provider that handled the transaction.
        :param dict notification_data: The fields posted to STATUS_URL.
        :return: The transaction.
        :rtype: payment.transaction
        :raise ValidationError: If the data match no transaction.
        """
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != "perfect_money" or len(tx) == 1:
            return tx

        reference = notification_data.get("PAYMENT_ID")
        tx = reference and self.search(
            [("reference", "=", reference), ("provider_code", "=", "perfect_money")]
        )
        if not tx:
            raise ValidationError(
                _("No Perfect Money transaction found matching reference %s.", reference)
            )
        return tx

    def _perfect_money_check_notification_matches(self, notification_data):
        """Refuse a notification whose payee, currency or amount is not the transaction's.

        Each of them is a field of the checkout form the payer's browser posts, so a signed
        notification can still carry a payment to another wallet or of another amount.

        :raise ValidationError: Naming what does not match.
        """
        self.ensure_one()
        expected_wallet = self.provider_id._perfect_money_get_wallet(self.currency_id)
        payee = notification_data.get("PAYEE_ACCOUNT") or ""
        if not expected_wallet or payee != expected_wallet:
            raise ValidationError(
                _(
                    "The Perfect Money payment of %(reference)s went to wallet %(payee)s, "
                    "not %(wallet)s.",
                    reference=self.reference,
                    payee=payee,
                    wallet=expected_wallet,
                )
            )
        units = notification_data.get("PAYMENT_UNITS") or ""
        if units != self.currency_id.name:
            raise ValidationError(
                _(
                    "The Perfect Money payment of %(reference)s is in %(units)s, not %(currency)s.",
                    reference=self.reference,
                    units=units,
                    currency=self.currency_id.name,
                )
            )
        amount = notification_data.get("PAYMENT_AMOUNT") or ""
        expected_amount = self._perfect_money_format_amount()
        # Decimals, never floats: "15.95" and "15.950" are the same amount, "15.949" is not.
        if not re.fullmatch(r"\d{1,15}(\.\d{1,8})?", amount) or Decimal(amount) != Decimal(
            expected_amount
        ):
            raise ValidationError(
                _(
                    "The Perfect Money payment of %(reference)s is %(amount)s %(currency)s, not "
                    "%(expected)s %(currency)s.",
                    reference=self.reference,
                    amount=amount,
                    currency=self.currency_id.name,
                    expected=expected_amount,
                )
            )

    def _process_notification_data(self, notification_data):
        """Override of `payment` to confirm the transaction from a verified status notification.

        Perfect Money posts to STATUS_URL only for a completed payment, so a notification that
        matches the transaction confirms it. Its signature (V2_HASH) is checked by the controller
        before this runs.

        Note: self.ensure_one()

        :param dict notification_data: The fields posted to STATUS_URL.
        :return: None
        :raise ValidationError: If the notification does not match the transaction.
        """
        super()._process_notification_data(notification_data)
        if self.provider_code != "perfect_money":
            return

        self._perfect_money_check_notification_matches(notification_data)
        batch_number = notification_data.get("PAYMENT_BATCH_NUM")
        if not batch_number:
            raise ValidationError(
                _("Perfect Money sent a payment of %s without a batch number.", self.reference)
            )
        if self.state == "done":
            if self.provider_reference != batch_number:
                _logger.warning(
                    "Perfect Money: transaction %s was already paid by batch %s; the payment of "
                    "batch %s is not recorded (refund it from the Perfect Money account)",
                    self.reference,
                    self.provider_reference,
                    batch_number,
                )
            else:
                _logger.info(
                    "Perfect Money: batch %s of transaction %s received again; nothing to do",
                    batch_number,
                    self.reference,
                )
            return

        self.provider_reference = batch_number
        payment_method = self.env["payment.method"]._get_from_code("perfect_money")
        self.payment_method_id = payment_method or self.payment_method_id
        self._set_done()
