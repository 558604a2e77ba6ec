# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from werkzeug.exceptions import Forbidden

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.payment.tests.http_common import PaymentHttpCommon

from ..controllers.main import PerfectMoneyController
from .common import ALTERNATE_PASSPHRASE, PerfectMoneyCommon, v2_hash

CONTROLLER_LOGGER = "odoo.addons.payment_perfect_money.controllers.main"
TRANSACTION_LOGGER = "odoo.addons.payment.models.payment_transaction"


@tagged("post_install", "-at_install")
class TestPerfectMoney(PerfectMoneyCommon, PaymentHttpCommon):
    # === Set-up and rendering === #

    def test_provider_defaults(self):
        self.assertEqual(self.provider._get_default_payment_method_codes(), {"perfect_money"})
        self.assertEqual(
            set(self.provider._get_supported_currencies().mapped("name")), {"USD", "EUR"}
        )
        self.assertEqual(set(self.provider.available_currency_ids.mapped("name")), {"USD", "EUR"})
        self.assertIn(self.payment_method, self.provider.payment_method_ids)
        self.assertEqual(
            self.provider.redirect_form_view_id.key.split(".")[0], "payment_perfect_money"
        )

    def test_wallets_are_checked(self):
        with self.assertRaises(ValidationError):
            self.provider.perfect_money_usd_account = "E1234567"  # a EUR wallet
        with self.assertRaises(ValidationError):
            self.provider.perfect_money_eur_account = "E12 34"
        with self.assertRaises(ValidationError):
            self.provider.write(
                {"perfect_money_usd_account": False, "perfect_money_eur_account": False}
            )
        # Disabled, a provider may have no wallet yet.
        self.provider.write(
            {
                "state": "disabled",
                "perfect_money_usd_account": False,
                "perfect_money_eur_account": False,
            }
        )

    def test_redirect_form_values(self):
        self.patch(type(self.env["base"]), "get_base_url", lambda _: "http://127.0.0.1:8069")
        tx = self._create_transaction(flow="redirect")
        with mute_logger(TRANSACTION_LOGGER):
            processing_values = tx._get_processing_values()
        form = self._extract_values_from_html_form(processing_values["redirect_form_html"])

        self.assertEqual(form["action"], "https://perfectmoney.com/api/step1.asp")
        self.assertEqual(form["method"], "post")
        return_url = "http://127.0.0.1:8069/payment/perfect_money/return"
        self.assertDictEqual(
            form["inputs"],
            {
                "PAYEE_ACCOUNT": "U1234567",
                "PAYEE_NAME": "BillByte Cloud",
                "PAYMENT_AMOUNT": "1111.11",
                "PAYMENT_UNITS": "USD",
                "PAYMENT_ID": self.reference,
                "STATUS_URL": "http://127.0.0.1:8069/payment/perfect_money/status",
                "PAYMENT_URL": return_url,
                "PAYMENT_URL_METHOD": "GET",
                "NOPAYMENT_URL": return_url,
                "NOPAYMENT_URL_METHOD": "GET",
                "SUGGESTED_MEMO": f"{self.company.name} {self.reference}",
            },
        )

    def test_redirect_form_in_euros_pays_the_eur_wallet(self):
        self.provider.perfect_money_server_url = "http://127.0.0.1:9/"
        tx = self._create_transaction(flow="redirect", currency_id=self.currency_euro.id, amount=20)
        with mute_logger(TRANSACTION_LOGGER):
            processing_values = tx._get_processing_values()
        form = self._extract_values_from_html_form(processing_values["redirect_form_html"])
        self.assertEqual(form["action"], "http://127.0.0.1:9/api/step1.asp")
        self.assertEqual(form["inputs"]["PAYEE_ACCOUNT"], "E7654321")
        self.assertEqual(form["inputs"]["PAYMENT_UNITS"], "EUR")
        self.assertEqual(form["inputs"]["PAYMENT_AMOUNT"], "20.00")

    def test_offered_only_in_currencies_with_a_wallet(self):
        def compatible(currency):
            return self.env["payment.provider"]._get_compatible_providers(
                self.company.id, self.partner.id, 10.0, currency_id=currency.id
            )

        self.assertIn(self.provider, compatible(self.currency_usd))
        self.assertIn(self.provider, compatible(self.currency_euro))
        self.provider.perfect_money_eur_account = False
        self.assertIn(self.provider, compatible(self.currency_usd))
        self.assertNotIn(self.provider, compatible(self.currency_euro))

    # === V2_HASH and the transaction === #

    def test_v2_hash_follows_the_sci_specification(self):
        data = self._notification()
        # A fixed vector, computed once from the SCI formula:
        # md5("Test Transaction:U1234567:1111.11:USD:789012345:U9876543:"
        #     + md5("alt-Passphrase-123").upper() + ":1767225600").upper()
        self.assertEqual(
            self.provider._perfect_money_compute_v2_hash(data),
            v2_hash(data, ALTERNATE_PASSPHRASE),
        )
        self.assertEqual(data["V2_HASH"], "802A2A5975CE6EF83FDEC77D180E768E")

    def test_signature_check(self):
        tx = self._create_transaction("redirect")
        data = self._notification()
        self._assert_does_not_raise(
            Forbidden, PerfectMoneyController._verify_notification_signature, data, tx
        )
        with mute_logger(CONTROLLER_LOGGER):
            for forged in (
                dict(data, V2_HASH="0" * 32),
                dict(data, V2_HASH=data["V2_HASH"].lower()),
                dict(data, V2_HASH="É" * 32),
                {k: v for k, v in data.items() if k != "V2_HASH"},
                self._notification(sign=False, PAYMENT_AMOUNT="1.00"),
                dict(data, V2_HASH=v2_hash(data, passphrase="another passphrase")),
            ):
                with self.assertRaises(Forbidden):
                    PerfectMoneyController._verify_notification_signature(forged, tx)

    def test_no_passphrase_no_notification(self):
        """With no alternate passphrase (a disabled provider), the hash of an empty passphrase,
        which anyone can compute, is refused."""
        tx = self._create_transaction("redirect")
        self.provider.write({"state": "disabled", "perfect_money_alternate_passphrase": False})
        data = self._notification()
        data["V2_HASH"] = v2_hash(data, passphrase="")
        with mute_logger(CONTROLLER_LOGGER), self.assertRaises(Forbidden):
            PerfectMoneyController._verify_notification_signature(data, tx)

    def test_tx_lookup_by_payment_id(self):
        tx = self._create_transaction("redirect")
        found = self.env["payment.transaction"]._get_tx_from_notification_data(
            "perfect_money", self._notification()
        )
        self.assertEqual(found, tx)
        with self.assertRaises(ValidationError):
            self.env["payment.transaction"]._get_tx_from_notification_data(
                "perfect_money", self._notification(PAYMENT_ID="NO-SUCH-REFERENCE")
            )
        with self.assertRaises(ValidationError):
            self.env["payment.transaction"]._get_tx_from_notification_data("perfect_money", {})

    def test_processing_confirms_the_transaction(self):
        tx = self._create_transaction("redirect")
        with mute_logger(TRANSACTION_LOGGER):
            tx._handle_notification_data("perfect_money", self._notification())
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, "789012345")
        self.assertEqual(tx.payment_method_id, self.payment_method)

    def test_processing_refuses_what_is_not_the_transaction(self):
        tx = self._create_transaction("redirect")
        for fields in (
            {"PAYEE_ACCOUNT": "U7777777"},
            {"PAYEE_ACCOUNT": "E7654321"},  # our EUR wallet, for a USD transaction
            {"PAYMENT_UNITS": "EUR"},
            {"PAYMENT_UNITS": "OAU"},
            {"PAYMENT_AMOUNT": "1111.10"},
            {"PAYMENT_AMOUNT": "1111.111"},
            {"PAYMENT_AMOUNT": "1e3"},
            {"PAYMENT_AMOUNT": "NaN"},
            {"PAYMENT_AMOUNT": ""},
            {"PAYMENT_BATCH_NUM": ""},
        ):
            with self.subTest(fields=fields), self.assertRaises(ValidationError):
                tx._handle_notification_data("perfect_money", self._notification(**fields))
            self.assertEqual(tx.state, "draft")
            self.assertFalse(tx.provider_reference)

    def test_amount_is_compared_as_a_decimal(self):
        tx = self._create_transaction("redirect", amount=15.9)
        with mute_logger(TRANSACTION_LOGGER):
            tx._handle_notification_data(
                "perfect_money", self._notification(PAYMENT_AMOUNT="15.90")
            )
        self.assertEqual(tx.state, "done")
        tx = self._create_transaction("redirect", reference="Test Transaction 2", amount=15.9)
        with mute_logger(TRANSACTION_LOGGER):
            tx._handle_notification_data(
                "perfect_money",
                self._notification(PAYMENT_ID="Test Transaction 2", PAYMENT_AMOUNT="15.9"),
            )
        self.assertEqual(tx.state, "done")

    def test_same_notification_twice_confirms_once(self):
        tx = self._create_transaction("redirect")
        data = self._notification()
        with mute_logger(TRANSACTION_LOGGER):
            tx._handle_notification_data("perfect_money", data)
            last_state_change = tx.last_state_change
            tx._handle_notification_data("perfect_money", data)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.last_state_change, last_state_change)
        self.assertEqual(self._get_tx(self.reference), tx)

    def test_second_payment_of_a_paid_transaction_is_not_recorded(self):
        tx = self._create_transaction("redirect")
        with mute_logger(TRANSACTION_LOGGER):
            tx._handle_notification_data("perfect_money", self._notification())
        with self.assertLogs("odoo.addons.payment_perfect_money.models", "WARNING") as logs:
            tx._handle_notification_data(
                "perfect_money", self._notification(PAYMENT_BATCH_NUM="789012999")
            )
        self.assertIn("789012999", logs.output[0])
        self.assertEqual(tx.provider_reference, "789012345")

    # === The routes, over HTTP on the test server === #

    def _post_status(self, data):
        url = self._build_url(PerfectMoneyController._status_url)
        return self._make_http_post_request(url, data=data)

    def test_status_route_confirms_the_transaction(self):
        tx = self._create_transaction("redirect")
        with mute_logger(CONTROLLER_LOGGER, TRANSACTION_LOGGER):
            response = self._post_status(self._notification())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, "789012345")

    def test_status_route_same_notification_twice_one_done_transaction(self):
        tx = self._create_transaction("redirect")
        data = self._notification()
        with mute_logger(CONTROLLER_LOGGER, TRANSACTION_LOGGER):
            first = self._post_status(data)
            last_state_change = tx.last_state_change
            second = self._post_status(data)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.last_state_change, last_state_change)
        self.assertEqual(len(self._get_tx(self.reference)), 1)

    def test_status_route_refuses_a_wrong_hash(self):
        tx = self._create_transaction("redirect")
        forged = (
            self._notification(V2_HASH="0" * 32),
            self._notification(sign=False, PAYMENT_AMOUNT="1.00"),
            self._notification(sign=False, PAYEE_ACCOUNT="U7777777"),
            self._notification(sign=False, PAYMENT_UNITS="EUR"),
            {k: v for k, v in self._notification().items() if k != "V2_HASH"},
        )
        for data in forged:
            with self.subTest(data=data):
                with self.assertLogs(CONTROLLER_LOGGER, "WARNING") as logs:
                    response = self._post_status(data)
                self.assertEqual(response.status_code, 403)
                self.assertTrue(any("refused" in line for line in logs.output))
                self.assertEqual(tx.state, "draft")
                self.assertFalse(tx.provider_reference)

    def test_status_route_ignores_signed_notifications_not_for_the_transaction(self):
        """Signed with our passphrase (the payer edited the checkout form before posting it to
        Perfect Money), but not the transaction's payee, currency or amount."""
        tx = self._create_transaction("redirect")
        for fields in (
            {"PAYEE_ACCOUNT": "U7777777"},
            {"PAYMENT_UNITS": "EUR"},
            {"PAYMENT_AMOUNT": "1.00"},
            {"PAYMENT_ID": "NO-SUCH-REFERENCE"},
        ):
            with self.subTest(fields=fields):
                with self.assertLogs(CONTROLLER_LOGGER, "WARNING") as logs:
                    response = self._post_status(self._notification(**fields))
                self.assertEqual(response.status_code, 200)
                self.assertIn("ignored", logs.output[0])
                self.assertEqual(tx.state, "draft")
                self.assertFalse(tx.provider_reference)

    def test_status_route_takes_posts_only(self):
        self._create_transaction("redirect")
        url = self._build_url(PerfectMoneyController._status_url)
        response = self._make_http_get_request(url, params=self._notification())
        self.assertEqual(response.status_code, 405)

    def test_return_route_shows_the_status_page_and_confirms_nothing(self):
        tx = self._create_transaction("redirect")
        url = self._build_url(PerfectMoneyController._return_url)
        for method in (self._make_http_get_request, self._make_http_post_request):
            with mute_logger(CONTROLLER_LOGGER):
                response = method(url, self._notification())
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.url.endswith("/payment/status"), response.url)
            self.assertEqual(tx.state, "draft")

    # === Accounting: one payment === #

    def test_same_notification_twice_one_payment(self):
        """Post-processing after each of two identical notifications creates one payment."""
        self._skip_if_account_payment_is_not_installed()
        self.post_process_patcher.stop()  # PaymentCommon keeps payments from being created
        if not self.provider.journal_id:
            self.skipTest("the company has no bank journal for the provider")
        tx = self._create_transaction("redirect")
        data = self._notification()
        with mute_logger(CONTROLLER_LOGGER, TRANSACTION_LOGGER):
            self._post_status(data)
            tx._post_process()
            payment = tx.payment_id
            self._post_status(data)
            tx._post_process()
        self.assertTrue(payment)
        self.assertEqual(tx.payment_id, payment)
        payments = self.env["account.payment"].search([("payment_transaction_id", "=", tx.id)])
        self.assertEqual(payments, payment)
        self.assertEqual(payment.amount, 1111.11)
        self.assertEqual(payment.currency_id, self.currency_usd)
