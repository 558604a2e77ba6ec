# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from openapi_spec_validator import validate as validate_spec

from odoo.tests import tagged

from ..models.api import rpc_safe
from .common import ApiCommon, validate


@tagged("post_install", "-at_install")
class TestApiAuth(ApiCommon):
    """Who may call, and what a caller of another company sees: nothing."""

    def test_openapi_document_is_valid(self):
        status, document, _response = self.call("GET", "/openapi.json", key=False)
        self.assertEqual(status, 200)
        validate_spec(document)
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertIn("/customers", document["paths"])
        self.assertEqual(
            document["components"]["securitySchemes"]["apiKey"],
            {"type": "http", "scheme": "bearer", "description": "An Odoo API key"},
        )

    def test_no_key_wrong_key_revoked_key(self):
        path = f"/customers/{self.contoso.id}"
        self.assertError(self.call("GET", path, key=False), 401, "unauthorized")
        self.assertError(self.call("GET", path, key_value="not-a-key"), 401, "unauthorized")
        key = self.api_key(self.api_manager)
        self.assertEqual(self.call("GET", path, key_value=key)[0], 200)
        self.env["res.users.apikeys"].search(
            [("user_id", "=", self.api_manager.id), ("name", "=", "API test bb_api_oss")]
        )._remove()
        self.assertError(self.call("GET", path, key_value=key), 401, "unauthorized")
        self.assertError(self.call("GET", path, key_value=self.key), 401, "unauthorized")

    def test_a_user_without_rights_gets_403(self):
        answer = self.call("GET", f"/customers/{self.contoso.id}", key_value=self.no_rights_key)
        self.assertError(answer, 403, "forbidden")
        # A Cloud Billing user reads but does not create customers or purge.
        self.assertEqual(
            self.call("GET", f"/customers/{self.contoso.id}", key_value=self.user_key)[0], 200
        )
        answer = self.post("/customers", {"name": "X"}, key_value=self.user_key)
        self.assertError(answer, 403, "forbidden")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "X")]))

    def test_another_companys_ids_are_not_found(self):
        for path in (
            f"/customers/{self.other_customer.id}",
            f"/customers/{self.other_customer.id}/usage",
            f"/customers/{self.other_customer.id}/overview",
            f"/customers/{self.other_customer.id}/charges",
            f"/customers/{self.other_customer.id}/focus/2026-03",
            f"/accounts/{self.other_account.id}",
            f"/accounts/{self.other_account.id}/usage",
            "/customers/987654321",
            "/accounts/987654321",
        ):
            with self.subTest(path=path):
                payload = self.assertError(self.call("GET", path), 404, "not_found")
                self.assertNotIn("Other", payload["error"]["message"])
        answer = self.post(
            f"/accounts/{self.other_account.id}/suspend", {"reason": "test"}, idempotency_key="s1"
        )
        self.assertError(answer, 404, "not_found")
        self.assertFalse(self.other_account.service_action_ids)
        # Another customer's account under a customer: not found either.
        answer = self.call(
            "GET", f"/customers/{self.contoso.id}/usage?account_id={self.account_fabrikam.id}"
        )
        self.assertError(answer, 404, "not_found")

    def test_unknown_routes_answer_json(self):
        self.assertError(self.call("GET", "/nothing-here"), 404, "not_found")

    def test_customer_and_accounts(self):
        status, customer, _response = self.call("GET", f"/customers/{self.contoso.id}")
        self.assertEqual(status, 200, customer)
        validate(customer, "Customer")
        self.assertEqual(customer["currency"], "USD")
        self.assertEqual([a["vendor_account_id"] for a in customer["accounts"]], ["111111111111"])
        status, page, _response = self.call("GET", f"/customers/{self.contoso.id}/accounts")
        validate(page, "AccountPage")
        self.assertIsNone(page["next_cursor"])

    def test_lists_page_with_a_cursor(self):
        seen, cursor = [], None
        for _page in range(10):
            path = "/customers?limit=2" + (f"&cursor={cursor}" if cursor else "")
            status, page, _response = self.call("GET", path)
            self.assertEqual(status, 200, page)
            validate(page, "CustomerPage")
            self.assertLessEqual(len(page["data"]), 2)
            seen += [customer["id"] for customer in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue({self.contoso.id, self.fabrikam.id, self.northwind.id} <= set(seen))
        self.assertNotIn(self.other_customer.id, seen)
        self.assertError(self.call("GET", "/customers?cursor=garbage"), 400, "invalid_cursor")
        self.assertError(self.call("GET", "/customers?limit=0"), 400, "invalid_limit")

    def test_the_same_operations_over_xmlrpc(self):
        """Every operation is a public method of billbyte.api: XML-RPC with the same
        key answers what the JSON API answers."""
        uid = self.xmlrpc_common.authenticate(
            self.env.cr.dbname, self.api_manager.login, self.key, {}
        )
        self.assertEqual(uid, self.api_manager.id)
        over_rpc = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, self.key, "billbyte.api", "get_customer", [self.contoso.id]
        )
        # The same answer; XML-RPC has no null: false stands for it.
        self.assertEqual(over_rpc, rpc_safe(self.call("GET", f"/customers/{self.contoso.id}")[1]))
        self.assertIs(over_rpc["billing_contact"], False)
        with self.assertRaises(Exception) as refused:
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                uid,
                self.key,
                "billbyte.api",
                "get_customer",
                [self.other_customer.id],
            )
        self.assertIn("not found", str(refused.exception))
