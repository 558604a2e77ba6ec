# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hashlib

from odoo.addons.payment.tests.common import PaymentCommon

ALTERNATE_PASSPHRASE = "alt-Passphrase-123"


def v2_hash(data, passphrase=ALTERNATE_PASSPHRASE):
    """V2_HASH as the SCI specification writes it, independently of the addon's code:
    strtoupper(md5(PAYMENT_ID:PAYEE_ACCOUNT:PAYMENT_AMOUNT:PAYMENT_UNITS:PAYMENT_BATCH_NUM:
    PAYER_ACCOUNT:strtoupper(md5(passphrase)):TIMESTAMPGMT))."""
    passphrase_hash = hashlib.md5(passphrase.encode()).hexdigest().upper()
    chain = ":".join(
        [
            data["PAYMENT_ID"],
            data["PAYEE_ACCOUNT"],
            data["PAYMENT_AMOUNT"],
            data["PAYMENT_UNITS"],
            data["PAYMENT_BATCH_NUM"],
            data["PAYER_ACCOUNT"],
            passphrase_hash,
            data["TIMESTAMPGMT"],
        ]
    )
    return hashlib.md5(chain.encode()).hexdigest().upper()


class PerfectMoneyCommon(PaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.perfect_money = cls._prepare_provider(
            "perfect_money",
            update_values={
                "perfect_money_usd_account": "U1234567",
                "perfect_money_eur_account": "E7654321",
                "perfect_money_alternate_passphrase": ALTERNATE_PASSPHRASE,
                "perfect_money_payee_name": "BillByte Cloud",
            },
        )
        cls.provider = cls.perfect_money
        cls.currency = cls.currency_usd
        cls.payment_method = cls.env.ref("payment_perfect_money.payment_method_perfect_money")
        cls.payment_method_id = cls.payment_method.id
        cls.amount = 1111.11

    def _notification(self, sign=True, **fields):
        """The form Perfect Money posts to STATUS_URL for a payment of the transaction
        `self.reference`, signed with the alternate passphrase unless `sign` is False (then
        the V2_HASH of the genuine form is kept, as a forger who changed fields would). A
        V2_HASH among `fields` is taken as it is."""
        genuine = {
            "PAYEE_ACCOUNT": "U1234567",
            "PAYMENT_AMOUNT": "1111.11",
            "PAYMENT_UNITS": "USD",
            "PAYMENT_ID": self.reference,
            "PAYMENT_BATCH_NUM": "789012345",
            "PAYER_ACCOUNT": "U9876543",
            "TIMESTAMPGMT": "1767225600",
        }
        data = dict(genuine, **fields)
        data.setdefault("V2_HASH", v2_hash(data if sign else genuine))
        return data
