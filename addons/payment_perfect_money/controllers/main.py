# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hmac
import logging
import pprint

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


class PerfectMoneyController(http.Controller):
    _return_url = "/payment/perfect_money/return"
    _status_url = "/payment/perfect_money/status"

    @http.route(
        _return_url,
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
    )
    def perfect_money_return_from_checkout(self, **data):
        """Show the payment status page when the payer comes back from Perfect Money.

        What the browser brings back (PAYMENT_URL or NOPAYMENT_URL) is not signed: it changes
        nothing. The transaction is confirmed by the status notification only, which the status
        page polls for.

        The route is flagged with `save_session=False` for the same reason as Odoo's own
        providers: a cross-site request may come without the session cookie, and the session
        found again on /payment/status must not be replaced by a new one.
        """
        _logger.info(
            "Perfect Money: payer returned for %s (batch %s)",
            data.get("PAYMENT_ID"),
            data.get("PAYMENT_BATCH_NUM"),
        )
        return request.redirect("/payment/status")

    @http.route(
        _status_url,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def perfect_money_status(self, **data):
        """Process the status notification Perfect Money posts to STATUS_URL after a payment.

        A notification whose V2_HASH is wrong is answered 403; one for an unknown transaction or
        whose payee, currency or amount is not the transaction's is logged and ignored. Either
        way nothing is recorded.

        :param dict data: The notification's fields.
        :return: An empty answer to acknowledge the notification.
        :rtype: str
        """
        _logger.info("Perfect Money: status notification received:\n%s", pprint.pformat(data))
        try:
            tx_sudo = (
                request.env["payment.transaction"]
                .sudo()
                ._get_tx_from_notification_data("perfect_money", data)
            )
            self._verify_notification_signature(data, tx_sudo)
            tx_sudo._handle_notification_data("perfect_money", data)
        except ValidationError as error:
            _logger.warning("Perfect Money: notification ignored: %s", error)
        return ""

    @staticmethod
    def _verify_notification_signature(notification_data, tx_sudo):
        """Check the notification's V2_HASH against the one computed with the provider's
        alternate passphrase.

        :param dict notification_data: The notification's fields.
        :param payment.transaction tx_sudo: The transaction the notification names.
        :return: None
        :raise Forbidden: If V2_HASH is missing or wrong, or the provider has no passphrase.
        """
        received_hash = notification_data.get("V2_HASH")
        if not received_hash:
            _logger.warning(
                "Perfect Money: notification for %s without V2_HASH refused", tx_sudo.reference
            )
            raise Forbidden()
        if not tx_sudo.provider_id.perfect_money_alternate_passphrase:
            # Without a passphrase, anyone could compute the hash.
            _logger.warning(
                "Perfect Money: notification for %s refused: the provider has no alternate "
                "passphrase",
                tx_sudo.reference,
            )
            raise Forbidden()
        expected_hash = tx_sudo.provider_id._perfect_money_compute_v2_hash(notification_data)
        # Bytes: compare_digest refuses str with characters beyond ASCII.
        if not hmac.compare_digest(received_hash.encode(), expected_hash.encode()):
            _logger.warning(
                "Perfect Money: notification for %s with an invalid V2_HASH refused",
                tx_sudo.reference,
            )
            raise Forbidden()
