# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

import boto3

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests.vendor_servers import MotoServer, PartnerCenterStandIn

from .common import ApiCommon, validate

PAYER_ROLE = "arn:aws:iam::900000000001:role/BillByteRead"


@tagged("post_install", "-at_install")
class TestApiCustomers(ApiCommon):
    """A customer in one call: partner, billing contact, pricing, accounts (at the
    vendor too), portal invitation; bad input creates nothing; one customer per
    Idempotency-Key."""

    def body(self, **values):
        body = {
            "name": "Tailspin Toys",
            "email": "it@tailspin.example",
            "country": "DE",
            "lang": "en_US",
            "currency": "EUR",
            "pricing_strategy_id": self.cost_plus_eur.id,
            "billing_cycle": "monthly",
            "invoice_day": 5,
            "billing_contact": {"name": "Tina Tailspin", "email": "billing@tailspin.example"},
            "portal_access": True,
            "accounts": [
                {"vendor": "aws", "name": "Tailspin prod", "vendor_account_id": "444444444444"},
                {
                    "vendor": "aws",
                    "name": "Tailspin dev",
                    "vendor_account_id": "555555555555",
                    "billing_cycle": "quarterly",
                },
            ],
        }
        body.update(values)
        return body

    def tailspins(self):
        return self.env["res.partner"].search([("name", "=", "Tailspin Toys")])

    def test_create_a_customer_in_one_call(self):
        sent = []

        def send_email(mail_server, message, *args, **kwargs):
            sent.append(message)
            return message["Message-Id"]

        with patch.object(self.registry["ir.mail_server"], "send_email", send_email):
            status, customer, response = self.post("/customers", self.body())
        self.assertEqual(status, 201, customer)
        validate(customer, "Customer")
        partner = self.tailspins()
        self.assertEqual(customer["id"], partner.id)
        self.assertEqual(partner.company_id, self.company)
        self.assertEqual(partner.property_product_pricelist, self.cost_plus_eur)
        self.assertEqual(partner.billbyte_invoice_day, 5)
        self.assertEqual(partner.lang, "en_US")
        self.assertEqual(partner.country_id.code, "DE")
        contact = partner.child_ids
        self.assertEqual((contact.type, contact.email), ("invoice", "billing@tailspin.example"))
        accounts = self.env["billbyte.cloud.account"].search([("partner_id", "=", partner.id)])
        self.assertEqual(
            sorted(accounts.mapped("vendor_account_id")), ["444444444444", "555555555555"]
        )
        self.assertEqual(set(accounts.mapped("currency_id.name")), {"EUR"})
        self.assertEqual(
            {a["vendor_account_id"]: a["billing_cycle"] for a in customer["accounts"]},
            {"444444444444": "monthly", "555555555555": "quarterly"},
        )
        self.assertTrue(all(a.analytic_account_id for a in accounts))
        # Portal access for the billing contact, with Odoo's invitation email.
        user = self.env["res.users"].search([("partner_id", "=", contact.id)])
        self.assertTrue(user._is_portal())
        self.assertEqual(customer["portal"]["login"], "billing@tailspin.example")
        self.assertTrue(
            any("billing@tailspin.example" in (message["To"] or "") for message in sent), sent
        )
        self.assertEqual(response.headers.get("Content-Type"), "application/json")

    def test_same_idempotency_key_one_customer(self):
        first = self.post("/customers", self.body(), idempotency_key="tailspin-1")
        second = self.post("/customers", self.body(), idempotency_key="tailspin-1")
        self.assertEqual((first[0], second[0]), (201, 201))
        self.assertEqual(first[1], second[1])
        self.assertEqual(second[2].headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(len(self.tailspins()), 1)
        # Another body with the same key: 409, nothing created.
        answer = self.post("/customers", self.body(name="Other Toys"), idempotency_key="tailspin-1")
        self.assertError(answer, 409, "idempotency_key_reused", "Idempotency-Key")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Other Toys")]))
        # The key is the caller's: another user's same key is another call.
        self.assertError(
            self.post("/customers", self.body(), idempotency_key=None),
            400,
            "missing_idempotency_key",
            "Idempotency-Key",
        )

    def test_bad_input_creates_nothing(self):
        partners = self.env["res.partner"].search_count([])
        accounts = self.env["billbyte.cloud.account"].search_count([])
        cases = [
            (
                self.post("/customers", raw="{not json", idempotency_key="b1"),
                400,
                "invalid_json",
                None,
            ),
            (
                self.post("/customers", raw="[1, 2]", idempotency_key="b2"),
                400,
                "invalid_body",
                None,
            ),
            (
                self.post("/customers", self.body(name=None), idempotency_key="b3"),
                422,
                "missing_field",
                "name",
            ),
            (
                self.post(
                    "/customers",
                    self.body(accounts=[{"vendor": "oracle", "vendor_account_id": "1"}]),
                    idempotency_key="b4",
                ),
                422,
                "unknown_vendor",
                "accounts[0].vendor",
            ),
            (
                self.post(
                    "/customers",
                    self.body(accounts=[{"vendor": "aws"}]),
                    idempotency_key="b5",
                ),
                422,
                "missing_field",
                "accounts[0].vendor_account_id",
            ),
            (
                # Already the cloud account of Contoso.
                self.post(
                    "/customers",
                    self.body(
                        accounts=[
                            {"vendor": "aws", "vendor_account_id": "444444444444"},
                            {"vendor": "aws", "vendor_account_id": "111111111111"},
                        ]
                    ),
                    idempotency_key="b6",
                ),
                422,
                "duplicate",
                "accounts[1].vendor_account_id",
            ),
            (
                # Twice in the request.
                self.post(
                    "/customers",
                    self.body(
                        accounts=[
                            {"vendor": "aws", "vendor_account_id": "666666666666"},
                            {"vendor": "aws", "vendor_account_id": " 666666666666"},
                        ]
                    ),
                    idempotency_key="b7",
                ),
                422,
                "duplicate",
                "accounts[1].vendor_account_id",
            ),
            (
                self.post("/customers", self.body(currency="XYZ"), idempotency_key="b8"),
                422,
                "invalid",
                "currency",
            ),
            (
                self.post("/customers", self.body(lang="xx_XX"), idempotency_key="b9"),
                422,
                "invalid",
                "lang",
            ),
            (
                self.post("/customers", self.body(invoice_day=31), idempotency_key="b10"),
                422,
                "invalid",
                "invoice_day",
            ),
            (
                self.post("/customers", self.body(colour="red"), idempotency_key="b11"),
                422,
                "unknown_field",
                "colour",
            ),
            (
                self.post("/customers", self.body(billing_cycle="weekly"), idempotency_key="b12"),
                422,
                "invalid",
                "billing_cycle",
            ),
        ]
        for answer, status, code, field in cases:
            with self.subTest(code=code, field=field):
                self.assertError(answer, status, code, field)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(self.env["billbyte.cloud.account"].search_count([]), accounts)
        # A failed call keeps no key: the same key works once the body is right.
        status, _customer, _response = self.post("/customers", self.body(), idempotency_key="b3")
        self.assertEqual(status, 201)


@tagged("post_install", "-at_install")
class TestApiCustomersAtVendor(ApiCommon):
    """create_at_vendor: the accounts are made at AWS Organizations (moto's server)
    and Partner Center (the stand-in), and the answer carries the vendor's ids."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto = MotoServer()
        cls.addClassCleanup(cls.moto.stop)
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        stand_in = cls.partner_center
        cls.aws_connection = cls.env["billbyte.connection"].create(
            {
                "name": "AWS payer 900000000001",
                "vendor_id": cls.aws.id,
                "kind": "aws_s3",
                "aws_access_key_id": "AKIAEXAMPLEBILLBYTE",
                "aws_secret_access_key": "aws-secret-never-logged",
                "aws_role_arn": PAYER_ROLE,
                "aws_endpoint_url": cls.moto.url,
                "aws_s3_bucket": "payer-billing-exports",
            }
        )
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.ms_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Partner Center",
                "vendor_id": cls.microsoft.id,
                "kind": "microsoft",
                "ms_tenant_id": stand_in.TENANT,
                "ms_client_id": stand_in.CLIENT_ID,
                "ms_client_secret": stand_in.CLIENT_SECRET,
                "ms_authority_url": stand_in.url,
                "ms_graph_url": stand_in.url,
                "ms_partner_center_url": stand_in.url,
                "tls_ca_bundle": stand_in.ca_path,
            }
        )

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.partner_center.reset()
        sts = boto3.client(
            "sts",
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        credentials = sts.assume_role(RoleArn=PAYER_ROLE, RoleSessionName="test")["Credentials"]
        self.org = boto3.client(
            "organizations",
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        self.org.create_organization(FeatureSet="ALL")

    def test_accounts_created_at_the_vendors(self):
        body = {
            "name": "Wingtip Toys",
            "email": "it@wingtip.example",
            "country": "US",
            "city": "Redmond",
            "currency": "USD",
            "billing_contact": {"name": "Wendy Wingtip", "email": "billing@wingtip.example"},
            "create_at_vendor": True,
            "accounts": [
                {
                    "vendor": "aws",
                    "name": "Wingtip prod",
                    "email": "aws-prod@wingtip.example",
                    "connection_id": self.aws_connection.id,
                },
                {
                    "vendor": "microsoft",
                    "name": "Wingtip Azure",
                    "domain": "wingtiptoys",
                    "connection_id": self.ms_connection.id,
                },
            ],
        }
        status, customer, _response = self.post("/customers", body, idempotency_key="wingtip")
        self.assertEqual(status, 201, customer)
        validate(customer, "Customer")
        aws_answer, ms_answer = sorted(customer["accounts"], key=lambda a: a["vendor"])
        # AWS: the account exists in the organization under the id we stored.
        listed = {a["Id"]: a for a in self.org.list_accounts()["Accounts"]}
        self.assertIn(aws_answer["vendor_account_id"], listed)
        self.assertEqual(
            listed[aws_answer["vendor_account_id"]]["Email"], "aws-prod@wingtip.example"
        )
        self.assertTrue(aws_answer["created_at_vendor"])
        self.assertEqual(
            aws_answer["vendor_portal_url"],
            f"https://{aws_answer['vendor_account_id']}.signin.aws.amazon.com/console",
        )
        # Partner Center: the customer (documented body) and its Azure plan order.
        (created,) = self.partner_center.customer_bodies
        self.assertEqual(created["CompanyProfile"]["Domain"], "wingtiptoys.onmicrosoft.com")
        self.assertEqual(created["BillingProfile"]["Email"], "billing@wingtip.example")
        self.assertEqual(created["BillingProfile"]["DefaultAddress"]["Country"], "US")
        tenant = ms_answer["vendor_customer_id"]
        self.assertIn(tenant, self.partner_center.customers)
        subscription = self.partner_center.customers[tenant]["subscriptions"][0]
        self.assertEqual(ms_answer["vendor_account_id"], subscription["id"])
        self.assertEqual(subscription["offerId"], "DZH318Z0BPS6:0001")
        self.assertIn(tenant, ms_answer["vendor_portal_url"])
        accounts = self.env["billbyte.cloud.account"].search([("partner_id", "=", customer["id"])])
        self.assertEqual(
            sorted(accounts.mapped("vendor_account_id")),
            sorted([aws_answer["vendor_account_id"], ms_answer["vendor_account_id"]]),
        )

    def test_a_vendor_refusal_creates_nothing_in_odoo(self):
        body = {
            "name": "Refused Ltd",
            "create_at_vendor": True,
            "accounts": [
                {
                    "vendor": "microsoft",
                    "name": "Refused Azure",
                    "domain": "refused",
                    "connection_id": self.ms_connection.id,
                }
            ],
        }
        # No country: Partner Center refuses the customer.
        answer = self.post("/customers", body, idempotency_key="refused")
        self.assertError(answer, 502, "vendor_refused", "accounts[0]")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Refused Ltd")]))

    def test_a_connection_that_cannot_create(self):
        body = {
            "name": "File Ltd",
            "create_at_vendor": True,
            "accounts": [{"vendor": "aws", "connection_id": self.connection.id}],
        }
        answer = self.post("/customers", body, idempotency_key="file")
        self.assertError(answer, 422, "cannot_create_at_vendor", "accounts[0].connection_id")
