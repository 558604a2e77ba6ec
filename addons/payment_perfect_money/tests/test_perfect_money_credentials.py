# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The credentials check against a stand-in for Perfect Money's balance API."""

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import parse_qs

from odoo.exceptions import AccessError, UserError
from odoo.tests import common, tagged

from .. import const
from .common import PerfectMoneyCommon

MEMBER_ID = "1234567"
PASSWORD = "account-password"

# As the API guide shows it: a table for people, a hidden input per wallet for programs.
BALANCE_PAGE = """<html>
<head><title>Balance</title></head>
<body>
<h1>Balance</h1>
<table border=1>
<tr><td><b>Account No.</b></td><td><b>Balance</b></td></tr><tr><td>U1234567</td><td>1152.31</td></tr>
<tr><td>E7654321</td><td>276.50</td></tr>
<tr><td>G1234569</td><td>0.00</td></tr>
</table>
<input name='U1234567' type='hidden' value='1152.31'>
<input name='E7654321' type='hidden' value='276.50'>
<input name='G1234569' type='hidden' value='0.00'>
</body>
</html>
"""
ERROR_PAGE = """<html><head><title>Balance</title></head><body>
<input name='ERROR' type='hidden' value='Can not login with passed AccountID and PassPhrase'>
</body></html>
"""


class BalanceStandIn(BaseHTTPRequestHandler):
    """Answers like acct/balance.asp: the balance page for the right member ID and password,
    the ERROR page otherwise; /slow/... answers too late, /broken/... with HTTP 500,
    /other/... with a page that is not Perfect Money's."""

    requests_seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = {key: values[0] for key, values in parse_qs(body).items()}
        type(self).requests_seen.append((self.path, form))
        if self.path.startswith("/slow/"):
            time.sleep(1.5)
            page, status = BALANCE_PAGE, 200
        elif self.path.startswith("/broken/"):
            page, status = "Internal error", 500
        elif self.path.startswith("/other/"):
            page, status = "<html><body><p>Welcome</p></body></html>", 200
        elif form.get("AccountID") == MEMBER_ID and form.get("PassPhrase") == PASSWORD:
            page, status = BALANCE_PAGE, 200
        else:
            page, status = ERROR_PAGE, 200
        payload = page.encode()
        # The client may have given up already (the timeout test).
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestPerfectMoneyCredentials(PerfectMoneyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), BalanceStandIn)
        cls.server.daemon_threads = True
        cls.stand_in_url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.provider.perfect_money_server_url = cls.stand_in_url

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # Odoo's tests raise timeouts below 10 s to 10 s; calls to the stand-in keep theirs,
        # so that the timeout test waits a second rather than ten.
        if request.url.startswith(cls.stand_in_url + "/"):
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        BalanceStandIn.requests_seen = []

    def _check(self, member_id=MEMBER_ID, passphrase=PASSWORD):
        wizard = self.env["payment.perfect.money.credentials.check"].create(
            {"provider_id": self.provider.id, "member_id": member_id, "passphrase": passphrase}
        )
        action = wizard.action_check()
        self.assertEqual((action["res_model"], action["res_id"]), (wizard._name, wizard.id))
        self.assertFalse(wizard.passphrase, "the password must not be kept")
        return wizard

    def test_good_credentials_list_the_wallets(self):
        wizard = self._check()
        self.assertEqual(wizard.result_state, "ok")
        self.assertIn("Perfect Money answers for member ID 1234567", wizard.result)
        self.assertIn("U1234567: 1152.31 USD", wizard.result)
        self.assertIn("E7654321: 276.50 EUR", wizard.result)
        self.assertIn("G1234569: 0.00 OAU", wizard.result)
        self.assertIn("The USD wallet set here, U1234567, is one of them.", wizard.result)
        self.assertIn("The EUR wallet set here, E7654321, is one of them.", wizard.result)
        # One call, to the balance API, the password in the body rather than the URL.
        self.assertEqual(
            BalanceStandIn.requests_seen,
            [("/acct/balance.asp", {"AccountID": MEMBER_ID, "PassPhrase": PASSWORD})],
        )

    def test_wallet_of_someone_else_is_pointed_out(self):
        self.provider.perfect_money_eur_account = "E1111111"
        wizard = self._check()
        self.assertEqual(wizard.result_state, "ok")
        self.assertIn(
            "The EUR wallet set here, E1111111, is NOT one of this member's wallets",
            wizard.result,
        )

    def test_wrong_password_gives_perfect_money_reason(self):
        wizard = self._check(passphrase="wrong")
        self.assertEqual(wizard.result_state, "error")
        self.assertEqual(
            wizard.result,
            "Perfect Money refused the credentials: "
            "Can not login with passed AccountID and PassPhrase",
        )

    def test_no_answer_in_time(self):
        self.provider.perfect_money_server_url = self.stand_in_url + "/slow"
        with patch.object(const, "API_TIMEOUT", 0.3):
            wizard = self._check()
        self.assertEqual(wizard.result_state, "error")
        self.assertIn("Perfect Money did not answer within 0.3 seconds", wizard.result)

    def test_nobody_listening(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        self.provider.perfect_money_server_url = f"http://127.0.0.1:{closed_port}"
        wizard = self._check()
        self.assertEqual(wizard.result_state, "error")
        self.assertIn(
            f"Could not reach Perfect Money at http://127.0.0.1:{closed_port}/acct/balance.asp",
            wizard.result,
        )

    def test_error_page_and_foreign_page(self):
        self.provider.perfect_money_server_url = self.stand_in_url + "/broken"
        with self.assertRaisesRegex(UserError, r"error page \(HTTP 500\)"):
            self.provider._perfect_money_fetch_balances(MEMBER_ID, PASSWORD)
        self.provider.perfect_money_server_url = self.stand_in_url + "/other"
        with self.assertRaisesRegex(UserError, "holds no wallet balance"):
            self.provider._perfect_money_fetch_balances(MEMBER_ID, PASSWORD)

    def test_button_opens_the_check(self):
        action = self.provider.action_perfect_money_check_credentials()
        self.assertEqual(action["res_model"], "payment.perfect.money.credentials.check")
        self.assertEqual(action["context"], {"default_provider_id": self.provider.id})
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(wizard.signup_url, "https://perfectmoney.com/signup.html")

    def test_credentials_are_for_system_administrators_only(self):
        secret_fields = (
            "perfect_money_usd_account",
            "perfect_money_eur_account",
            "perfect_money_alternate_passphrase",
            "perfect_money_server_url",
        )
        for field in secret_fields:
            self.assertEqual(
                self.env["payment.provider"]._fields[field].groups, "base.group_system"
            )
        self.internal_user.groups_id |= self.env.ref("base.group_erp_manager")
        provider = self.provider.with_user(self.internal_user)
        for field in secret_fields:
            with self.assertRaises(AccessError):
                provider.read([field])
        with self.assertRaises(AccessError):
            self.env["payment.perfect.money.credentials.check"].with_user(
                self.internal_user
            ).create({"provider_id": self.provider.id, "member_id": MEMBER_ID})
