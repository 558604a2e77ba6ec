# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import payment as account_payment_portal


class PaymentPortal(account_payment_portal.PaymentPortal):
    def _process_transaction(
        self, partner_id, currency_id, invoice_ids, payment_reference, **kwargs
    ):
        """Before a new payment of invoices, find out how earlier PayPal payments of them
        went when PayPal's answer never reached us: one PayPal captured is not charged
        again."""
        invoices = request.env["account.move"].sudo().browse(invoice_ids).exists()
        confirmed = invoices.transaction_ids._billbyte_settle_paypal_orders()
        if confirmed:
            confirmed._post_process()
            # What PayPal told us stays, although this request ends in an error.
            request.env.cr.commit()  # pylint: disable=invalid-commit
            if all(invoice.currency_id.is_zero(invoice.amount_residual) for invoice in invoices):
                raise ValidationError(
                    request.env._(
                        "Your earlier PayPal payment (%(references)s) went through: nothing "
                        "is left to pay on this invoice.",
                        references=", ".join(confirmed.mapped("reference")),
                    )
                )
            raise ValidationError(
                request.env._(
                    "Your earlier PayPal payment (%(references)s) went through. Please reload "
                    "the page to see what is left to pay.",
                    references=", ".join(confirmed.mapped("reference")),
                )
            )
        return super()._process_transaction(
            partner_id, currency_id, invoice_ids, payment_reference, **kwargs
        )
