# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hashlib
import logging
import re

import requests
from lxml import html

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.const import REPORT_REASONS_MAPPING

from .. import const

_logger = logging.getLogger(__name__)


def _md5_upper(text):
    return hashlib.md5(text.encode()).hexdigest().upper()


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("perfect_money", "Perfect Money")],
        ondelete={"perfect_money": "set default"},
    )
    perfect_money_usd_account = fields.Char(
        string="USD Wallet",
        help="Your Perfect Money wallet that receives payments in US dollars, e.g. U1234567.",
        groups="base.group_system",
    )
    perfect_money_eur_account = fields.Char(
        string="EUR Wallet",
        help="Your Perfect Money wallet that receives payments in euros, e.g. E1234567.",
        groups="base.group_system",
    )
    perfect_money_payee_name = fields.Char(
        string="Payee Name",
        help="The name Perfect Money shows the payer; the company's name when empty.",
    )
    perfect_money_alternate_passphrase = fields.Char(
        string="Alternate Passphrase",
        help="The alternate passphrase set in your Perfect Money account: Perfect Money signs "
        "each payment notification (V2_HASH) with it.",
        required_if_provider="perfect_money",
        groups="base.group_system",
    )
    perfect_money_server_url = fields.Char(
        string="Perfect Money Server",
        help="Where the checkout form posts and the credentials check calls. Change it only to "
        "test against a stand-in.",
        default=const.DEFAULT_SERVER_URL,
        groups="base.group_system",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("state", "code", "perfect_money_usd_account", "perfect_money_eur_account")
    def _check_perfect_money_wallets(self):
        for provider in self.sudo().filtered(lambda p: p.code == "perfect_money"):
            wallets = {
                "USD": provider.perfect_money_usd_account,
                "EUR": provider.perfect_money_eur_account,
            }
            for currency, wallet in wallets.items():
                letter = const.WALLET_LETTER_BY_CURRENCY[currency]
                if wallet and not re.fullmatch(rf"{letter}\d+", wallet):
                    raise ValidationError(
                        _(
                            "The %(currency)s wallet of Perfect Money is the letter %(letter)s "
                            "followed by digits, like %(letter)s1234567, not %(wallet)s.",
                            currency=currency,
                            letter=letter,
                            wallet=wallet,
                        )
                    )
            if provider.state != "disabled" and not any(wallets.values()):
                raise ValidationError(
                    _(
                        "Perfect Money needs the USD or the EUR wallet that receives the "
                        "payments before it can be enabled or tested."
                    )
                )

    # === BUSINESS METHODS === #

    def _get_supported_currencies(self):
        """Override of `payment` to return the supported currencies."""
        supported_currencies = super()._get_supported_currencies()
        if self.code == "perfect_money":
            supported_currencies = supported_currencies.filtered(
                lambda c: c.name in const.SUPPORTED_CURRENCIES
            )
        return supported_currencies

    def _get_default_payment_method_codes(self):
        """Override of `payment` to return the default payment method codes."""
        default_codes = super()._get_default_payment_method_codes()
        if self.code != "perfect_money":
            return default_codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    @api.model
    def _get_compatible_providers(
        self,
        company_id,
        partner_id,
        amount,
        currency_id=None,
        force_tokenization=False,
        is_express_checkout=False,
        is_validation=False,
        report=None,
        **kwargs,
    ):
        """Override of `payment` to leave Perfect Money out when it has no wallet of the
        currency: a Perfect Money wallet holds one currency only."""
        providers = super()._get_compatible_providers(
            company_id,
            partner_id,
            amount,
            currency_id=currency_id,
            force_tokenization=force_tokenization,
            is_express_checkout=is_express_checkout,
            is_validation=is_validation,
            report=report,
            **kwargs,
        )
        currency = self.env["res.currency"].browse(currency_id).exists()
        if currency:
            unfiltered_providers = providers
            providers = providers.filtered(
                lambda p: p.code != "perfect_money" or p._perfect_money_get_wallet(currency)
            )
            payment_utils.add_to_report(
                report,
                unfiltered_providers - providers,
                available=False,
                reason=REPORT_REASONS_MAPPING["incompatible_currency"],
            )
        return providers

    def _perfect_money_get_wallet(self, currency):
        """The wallet (PAYEE_ACCOUNT) that receives payments in `currency`, or ''."""
        self.ensure_one()
        provider = self.sudo()
        wallet = {
            "USD": provider.perfect_money_usd_account,
            "EUR": provider.perfect_money_eur_account,
        }.get(currency.name)
        return wallet or ""

    def _perfect_money_get_server_url(self):
        self.ensure_one()
        return (self.sudo().perfect_money_server_url or const.DEFAULT_SERVER_URL).rstrip("/")

    def _perfect_money_get_sci_url(self):
        """The SCI entry form's ACTION."""
        return self._perfect_money_get_server_url() + const.SCI_PATH

    def _perfect_money_compute_v2_hash(self, data):
        """The V2_HASH Perfect Money computes for a status notification.

        SCI specification (and Perfect Money's sample validation script):
        strtoupper(md5(PAYMENT_ID:PAYEE_ACCOUNT:PAYMENT_AMOUNT:PAYMENT_UNITS:
        PAYMENT_BATCH_NUM:PAYER_ACCOUNT:AlternateMerchantPassphraseHash:TIMESTAMPGMT)),
        where AlternateMerchantPassphraseHash = strtoupper(md5(alternate passphrase)).

        :param dict data: The fields posted to STATUS_URL.
        :return: The expected V2_HASH.
        :rtype: str
        """
        self.ensure_one()
        passphrase_hash = _md5_upper(self.sudo().perfect_money_alternate_passphrase or "")
        parts = [
            *(data.get(name) or "" for name in const.V2_HASH_FIELDS_BEFORE_PASSPHRASE),
            passphrase_hash,
            *(data.get(name) or "" for name in const.V2_HASH_FIELDS_AFTER_PASSPHRASE),
        ]
        return _md5_upper(":".join(parts))

    def _perfect_money_fetch_balances(self, member_id, passphrase):
        """Call Perfect Money's balance API once with a member ID and its passphrase.

        API guide, "Perfect Money balance": acct/balance.asp with AccountID and PassPhrase
        (by GET or POST; POST here, so that the passphrase stays out of URLs and logs). The
        answer is an HTML page with a hidden input per wallet (name = wallet, value =
        balance), or a hidden input named ERROR with the reason.

        :return: The balance of each wallet, as strings, by wallet.
        :rtype: dict
        :raise UserError: In plain words, when Perfect Money cannot be reached or refuses.
        """
        self.ensure_one()
        url = self._perfect_money_get_server_url() + const.BALANCE_PATH
        try:
            response = requests.post(
                url,
                data={"AccountID": member_id or "", "PassPhrase": passphrase or ""},
                timeout=const.API_TIMEOUT,
            )
        except requests.exceptions.Timeout:
            raise UserError(
                _(
                    "Perfect Money did not answer within %(seconds)s seconds (%(url)s). Try "
                    "again later; if it keeps failing, check that this server can reach "
                    "Perfect Money.",
                    seconds=const.API_TIMEOUT,
                    url=url,
                )
            ) from None
        except requests.exceptions.RequestException as error:
            raise UserError(
                _("Could not reach Perfect Money at %(url)s: %(error)s", url=url, error=error)
            ) from None
        if response.status_code >= 400:
            raise UserError(
                _(
                    "Perfect Money answered with an error page (HTTP %(status)s) at %(url)s.",
                    status=response.status_code,
                    url=url,
                )
            )
        try:
            inputs = html.fromstring(response.text or "<html/>").xpath(
                "//input[translate(@type, 'HIDDEN', 'hidden')='hidden'][@name]"
            )
        except (ValueError, html.etree.ParserError):
            inputs = []
        values = {element.get("name"): (element.get("value") or "").strip() for element in inputs}
        if "ERROR" in values:
            raise UserError(
                _("Perfect Money refused the credentials: %(error)s", error=values["ERROR"])
            )
        balances = {
            name: value for name, value in values.items() if re.fullmatch(r"[A-Z]\d+", name or "")
        }
        if not balances:
            raise UserError(
                _(
                    "The answer of %(url)s holds no wallet balance: it does not look like "
                    "Perfect Money's balance API.",
                    url=url,
                )
            )
        return balances

    def _perfect_money_check_credentials(self, member_id, passphrase):
        """Check the credentials with one call to the balance API.

        :return: Whether Perfect Money answered with the member's wallets, and what to tell the
                 user about it, in plain words.
        :rtype: tuple(bool, str)
        """
        self.ensure_one()
        try:
            balances = self._perfect_money_fetch_balances(member_id, passphrase)
        except UserError as error:
            return False, str(error.args[0])
        wallets = "\n".join(
            f"  {wallet}: {balance} {const.WALLET_CURRENCY_BY_LETTER.get(wallet[0], '')}".rstrip()
            for wallet, balance in sorted(balances.items())
        )
        lines = [
            _(
                "Perfect Money answers for member ID %(member)s. Its wallets and balances:",
                member=member_id,
            ),
            wallets,
        ]
        configured = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", const.SUPPORTED_CURRENCIES)])
        )
        any_wallet = False
        for currency in configured.sorted("name", reverse=True):
            wallet = self._perfect_money_get_wallet(currency)
            if not wallet:
                continue
            any_wallet = True
            if wallet in balances:
                lines.append(
                    _(
                        "The %(currency)s wallet set here, %(wallet)s, is one of them.",
                        currency=currency.name,
                        wallet=wallet,
                    )
                )
            else:
                lines.append(
                    _(
                        "The %(currency)s wallet set here, %(wallet)s, is NOT one of this "
                        "member's wallets: check it, or payments go to someone else's account.",
                        currency=currency.name,
                        wallet=wallet,
                    )
                )
        if not any_wallet:
            lines.append(_("Set the USD or EUR wallet that receives the payments."))
        lines.append(
            _(
                "Perfect Money has no call that checks the alternate passphrase: if it is "
                'wrong, payment notifications are refused ("invalid V2_HASH" in the server '
                "log) and payments stay pending."
            )
        )
        return True, "\n".join(lines)

    # === ACTION METHODS === #

    def action_perfect_money_check_credentials(self):
        """Open the credentials check (a guided step with the sign-up link)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Test Perfect Money Credentials"),
            "res_model": "payment.perfect.money.credentials.check",
            "view_mode": "form",
            "target": "new",
            "context": {"default_provider_id": self.id},
        }
