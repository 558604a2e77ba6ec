# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from decimal import Decimal

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import UsageCommon
from .vendor_servers import PartnerCenterStandIn, gzip_json_lines

CUSTOMER = "0a1b2c3d-0000-4000-8000-00000000c0de"
AZURE_PLAN = "a1b2c3d4-1111-4111-8111-0000000000a1"
M365 = "b1b2c3d4-2222-4222-8222-0000000000b2"


def azure_usage(day, total, pricing_total, **overrides):
    """One row of unbilled daily rated usage (billing reconciliation v2, attributeSet full)."""
    row = {
        "PartnerId": "2b5cbc57-a4b0-4a5b-bbb3-3cb1b2a4fe57",
        "PartnerName": "BillByte CSP",
        "CustomerId": CUSTOMER,
        "CustomerName": "Contoso Ltd",
        "CustomerDomainName": "contoso.onmicrosoft.com",
        "CustomerCountry": "US",
        "MpnId": "1234567",
        "Tier2MpnId": "",
        "InvoiceNumber": "",
        "ProductId": "DZH318Z0BCVM",
        "SkuId": "0001",
        "AvailabilityId": "DZH318Z0BCVM",
        "SkuName": "Azure plan",
        "ProductName": "Azure plan",
        "PublisherName": "Microsoft",
        "PublisherId": "",
        "SubscriptionDescription": "Azure plan",
        "SubscriptionId": AZURE_PLAN,
        "ChargeStartDate": "2026-10-01T00:00:00",
        "ChargeEndDate": "2026-10-31T00:00:00",
        "UsageDate": f"{day}T00:00:00",
        "MeterType": "1 Compute Hour",
        "MeterCategory": "Virtual Machines",
        "MeterId": "d9fa5a4f-cbd3-4a2d-8d11-4ea8e1a7b5a5",
        "MeterSubCategory": "Dv3/DSv3 Series",
        "MeterName": "D2 v3/D2s v3",
        "MeterRegion": "EU West",
        "Unit": "1 Hour",
        "ResourceLocation": "westeurope",
        "ConsumedService": "Microsoft.Compute",
        "ResourceGroup": "prod-rg",
        "ResourceURI": "/subscriptions/5f2b/resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachines/vm1",
        "ChargeType": "new",
        "UnitPrice": 0.096,
        "Quantity": 24,
        "UnitType": "1 Hour",
        "BillingPreTaxTotal": total,
        "BillingCurrency": "USD",
        "PricingPreTaxTotal": pricing_total,
        "PricingCurrency": "USD",
        "EntitlementId": "5f2b0000-0000-4000-8000-000000005f2b",
        "EntitlementDescription": "Contoso production",
        "PCToBCExchangeRate": 1,
        "PCToBCExchangeRateDate": "2026-09-30T00:00:00",
        "EffectiveUnitPrice": 0.0816,
        "RateOfPartnerEarnedCredit": 0.15,
        "PartnerEarnedCreditPercentage": 15,
        "CreditPercentage": 0,
        "CreditType": "Partner Earned Credit Applied",
        "BenefitOrderId": "",
        "BenefitId": "",
        "BenefitType": "",
    }
    row.update(overrides)
    return row


def license_charge(total, **overrides):
    """A Microsoft 365 new-commerce license charge (billed reconciliation v2)."""
    row = {
        "PartnerId": "2b5cbc57-a4b0-4a5b-bbb3-3cb1b2a4fe57",
        "CustomerId": CUSTOMER,
        "CustomerName": "Contoso Ltd",
        "CustomerDomainName": "contoso.onmicrosoft.com",
        "InvoiceNumber": "G012345678",
        "OrderId": "5a5c8fd5d0b8",
        "OrderDate": "2026-10-01T10:00:00",
        "ProductId": "CFQ7TTC0LH18",
        "SkuId": "0001",
        "AvailabilityId": "CFQ7TTC0J2FB",
        "SkuName": "Microsoft 365 Business Basic",
        "ProductName": "Microsoft 365 Business Basic",
        "ChargeType": "new",
        "UnitPrice": 6.0,
        "Quantity": 10,
        "BillableQuantity": 10,
        "UnitType": "Licenses",
        "BillingPreTaxTotal": total,
        "BillingCurrency": "USD",
        "PricingPreTaxTotal": 60.0,
        "PricingCurrency": "USD",
        "PCToBCExchangeRate": 1,
        "PCToBCExchangeRateDate": "2026-09-30T00:00:00",
        "SubscriptionId": M365,
        "SubscriptionDescription": "Microsoft 365 Business Basic",
        "ChargeStartDate": "2026-10-01T00:00:00",
        "ChargeEndDate": "2026-10-31T00:00:00",
        "TermAndBillingCycle": "1 Month Subscription",
        "EffectiveUnitPrice": 6.0,
        "PublisherName": "Microsoft Corporation",
        "PartnerEarnedCreditPercentage": 0,
    }
    row.update(overrides)
    return row


@tagged("post_install", "-at_install")
class TestMicrosoftConnection(UsageCommon):
    """msal and requests against a Partner Center stand-in over HTTPS (test CA)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.retry_base_delay", "0.01")
        stand_in = cls.partner_center
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
        Account = cls.env["billbyte.cloud.account"]
        cls.azure_plan = Account.create(
            {
                "name": "Contoso Azure plan",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": AZURE_PLAN,
                "vendor_customer_id": CUSTOMER,
                "partner_id": cls.contoso.id,
            }
        )
        cls.m365 = Account.create(
            {
                "name": "Contoso M365",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": M365,
                "vendor_customer_id": CUSTOMER,
                "partner_id": cls.contoso.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.partner_center.reset()
        self.partner_center.blobs = {
            "part-00000-azure.json.gz": gzip_json_lines(
                [
                    azure_usage("2026-10-01", 2.304, 2.7648),
                    azure_usage("2026-10-02", 1.152, 1.3824),
                ]
            ),
            "part-00001-licenses.json.gz": gzip_json_lines([license_charge(51.0)]),
        }

    def ms_records(self, **domain):
        return self.env["billbyte.usage.record"].search(
            [("connection_id", "=", self.ms_connection.id)]
            + [(k, "=", v) for k, v in domain.items()]
        )

    def test_unbilled_export_every_blob_mapped_to_focus(self):
        runs = self.ms_connection._pull()
        self.assertEqual(runs.state, "done", runs.message)
        self.assertEqual((runs.rows_read, runs.rows_imported, runs.rows_unmatched), (3, 3, 0))
        self.assertEqual(self.db_run_sums(runs), (Decimal("54.456"), Decimal("54.456")))
        # The export asked for, the operation polled until it succeeded, both blobs read.
        path, body = self.partner_center.export_bodies[0]
        self.assertEqual(path, "/v1.0/reports/partners/billing/usage/unbilled/export")
        self.assertEqual(
            body, {"currencyCode": "USD", "billingPeriod": "current", "attributeSet": "full"}
        )
        polls = [p for m, p in self.partner_center.requests if "/operations/" in p]
        self.assertEqual(len(polls), 2)
        azure = self.ms_records(sub_account_id=AZURE_PLAN, charge_date="2026-10-01")
        self.assertEqual(azure.cloud_account_id, self.azure_plan)
        self.assertEqual(
            (azure.service_name, azure.billed_cost, azure.list_cost, azure.billing_currency),
            ("Virtual Machines", 2.304, 2.7648, "USD"),
        )
        self.assertEqual(azure.extra_data["x_PartnerEarnedCreditPercentage"], "15")
        self.assertEqual(azure.extra_data["x_PCToBCExchangeRate"], "1")
        self.assertEqual(azure.extra_data["x_CustomerId"], CUSTOMER)
        license_record = self.ms_records(sub_account_id=M365)
        self.assertEqual(license_record.cloud_account_id, self.m365)
        self.assertEqual(
            (
                license_record.service_name,
                license_record.charge_category,
                license_record.billed_cost,
            ),
            ("Microsoft 365 Business Basic", "Purchase", 51.0),
        )
        self.assertEqual(self.ms_connection.state, "ok")
        self.assertTrue(self.usage_lines(self.m365))

    def test_429_and_5xx_are_retried_honouring_retry_after(self):
        self.partner_center.faults = {
            "/v1.0/reports/partners/billing/usage/unbilled/export": [(429, 0), (503, 0)],
            "/blobs/": [(500, None)],
        }
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 3)
        exports = [p for m, p in self.partner_center.requests if p.endswith("/export")]
        self.assertEqual(len(exports), 3)

    def test_retries_exhausted_fail_the_run_which_can_be_rerun_without_duplicates(self):
        self.ms_connection.max_tries = 2
        self.partner_center.always_fail = {"/blobs/"}
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "failed")
        self.assertIn("after 2 tries", run.message)
        self.assertFalse(self.ms_records())
        self.assertEqual(self.ms_connection.state, "error")
        # The vendor is back: the failed run is re-run as it was.
        self.partner_center.always_fail = set()
        run.action_process()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 3)
        self.assertEqual(self.ms_connection.state, "ok")
        # A pull that brings the same usage again adds nothing.
        again = self.ms_connection._pull()
        self.assertEqual((again.rows_imported, again.rows_duplicate), (0, 3))
        self.assertEqual(len(self.ms_records()), 3)

    def test_one_failing_blob_lands_nothing(self):
        self.ms_connection.max_tries = 2
        self.partner_center.blob_failures = {"part-00001-licenses.json.gz"}
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "failed")
        self.assertIn("part-00001-licenses.json.gz", run.message)
        # The first blob downloaded fine; none of its rows landed either.
        self.assertFalse(self.ms_records())
        self.assertFalse(self.usage_lines(self.azure_plan))

    def test_failed_export_operation_lands_nothing(self):
        self.partner_center.statuses = ["running", "failed"]
        self.partner_center.operation_error = {
            "code": "ExportFailed",
            "message": "The billing period is not available for export.",
        }
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "failed")
        self.assertIn("The billing period is not available for export.", run.message)
        self.assertFalse(self.ms_records())

    def test_malformed_rows_are_rejected_with_reasons_the_rest_imports(self):
        self.partner_center.blobs = {
            "part-00000.json.gz": gzip_json_lines(
                [
                    azure_usage("2026-10-01", 2.304, 2.7648),
                    azure_usage("2026-10-02", "abc", 1.0),
                    {"CustomerId": CUSTOMER, "BillingPreTaxTotal": 5},
                    "{not json",
                    "[1, 2]",
                ]
            )
        }
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_read, run.rows_imported, run.rows_rejected), (5, 1, 4))
        reasons = " | ".join(run.rejection_ids.mapped("reason"))
        self.assertIn("BilledCost 'abc' is not a number", reasons)
        self.assertIn("is empty", reasons)
        self.assertIn("line 4 is not JSON", reasons)
        self.assertIn("line 5 is not a JSON object", reasons)
        self.assertEqual(len(self.ms_records()), 1)

    def test_wrong_secret_fails_with_microsofts_words_and_next_pull_retries(self):
        self.partner_center.client_secret = "the-rotated-secret"
        run = self.ms_connection._pull()
        self.assertEqual(run.state, "failed")
        self.assertIn("AADSTS7000215: Invalid client secret provided", run.message)
        self.assertEqual(self.ms_connection.state, "error")
        self.assertIn("AADSTS7000215", self.ms_connection.last_error)
        self.assertFalse(self.ms_records())
        result = self.ms_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("AADSTS7000215", result["params"]["message"])
        # The administrator types the new secret; the next pull works.
        self.ms_connection.new_ms_client_secret = "the-rotated-secret"
        self.ms_connection.invalidate_recordset()
        self.assertFalse(self.ms_connection.new_ms_client_secret)
        runs = self.ms_connection._pull()
        self.assertEqual(runs.state, "done", runs.message)
        self.assertEqual(self.ms_connection.state, "ok")
        self.assertFalse(self.ms_connection.last_error)

    def test_customers_and_subscriptions_offered_as_cloud_accounts(self):
        self.partner_center.customers = {
            CUSTOMER: {
                "name": "Contoso Ltd",
                "domain": "contoso.onmicrosoft.com",
                "subscriptions": [
                    {
                        "id": AZURE_PLAN,
                        "offerName": "Azure plan",
                        "friendlyName": "Azure plan",
                        "status": "active",
                    },
                    {
                        "id": "c3c3c3c3-3333-4333-8333-0000000000c3",
                        "offerName": "Microsoft 365 E3",
                        "friendlyName": "Microsoft 365 E3",
                        "quantity": 25,
                        "status": "active",
                    },
                ],
            }
        }
        action = self.ms_connection.action_list_vendor_accounts()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        by_id = {line.vendor_account_id: line for line in wizard.line_ids}
        self.assertTrue(by_id[AZURE_PLAN].exists)
        new = by_id["c3c3c3c3-3333-4333-8333-0000000000c3"]
        self.assertEqual(
            (new.exists, new.selected, new.customer_name), (False, True, "Contoso Ltd")
        )
        new.partner_id = self.contoso
        result = wizard.action_create_accounts()
        account = self.env["billbyte.cloud.account"].search(result["domain"])
        self.assertEqual(
            (account.name, account.vendor_customer_id, account.partner_id),
            ("Microsoft 365 E3", CUSTOMER, self.contoso),
        )

    def test_secrets_are_for_system_administrators_only_and_never_logged(self):
        manager = new_test_user(
            self.env, "billing.manager", groups="billbyte_catalog.group_billbyte_manager"
        )
        connection = self.ms_connection.with_user(manager)
        with self.assertRaises(AccessError):
            connection.read(["ms_client_secret"])
        self.assertTrue(connection.ms_client_secret_set)
        # Shown back to an administrator? Only as "stored", never the value.
        form_values = self.ms_connection.read(["new_ms_client_secret", "ms_client_secret_set"])[0]
        self.assertEqual(
            (form_values["new_ms_client_secret"], form_values["ms_client_secret_set"]),
            (False, True),
        )
        # What a server logging at INFO writes (Odoo's own SQL debug log shows every
        # written value, passwords included, and is off in production).
        with self.assertLogs(level=logging.INFO) as logs:
            logging.getLogger("odoo.addons.billbyte_usage").info("pull starts")
            self.partner_center.client_secret = "not-this-one"
            self.ms_connection._pull()
            self.ms_connection.new_ms_client_secret = "not-this-one"
            self.ms_connection._pull()
        output = "\n".join(logs.output)
        self.assertNotIn(self.partner_center.CLIENT_SECRET, output)
        self.assertNotIn("not-this-one", output)

    def test_certificate_sign_in_sends_a_signed_client_assertion(self):
        """App-only sign-in with a certificate: msal signs a client assertion with the
        private key; the token endpoint sees a JWT it can verify with the certificate."""
        import base64
        import datetime

        import jwt
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "billbyte-partner-center")])
        now = datetime.datetime.utcnow()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        thumbprint = certificate.fingerprint(hashes.SHA1()).hex()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.ms_connection.write(
            {
                "ms_auth_method": "certificate",
                "ms_certificate_key": pem,
                "ms_certificate_thumbprint": thumbprint,
                "ms_client_secret": False,
            }
        )
        self.partner_center.last_assertion = None
        result = self.ms_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        assertion = self.partner_center.last_assertion
        self.assertTrue(assertion, "no client assertion reached the token endpoint")
        header = jwt.get_unverified_header(assertion)
        self.assertEqual(header["alg"], "RS256")
        # x5t: the certificate's SHA-1 thumbprint, base64url (msal keeps the padding)
        self.assertEqual(
            header["x5t"].rstrip("="),
            base64.urlsafe_b64encode(bytes.fromhex(thumbprint)).decode().rstrip("="),
        )
        claims = jwt.decode(
            assertion, key.public_key(), algorithms=["RS256"], options={"verify_aud": False}
        )
        self.assertEqual(claims["iss"], self.partner_center.CLIENT_ID)
        self.assertEqual(claims["sub"], self.partner_center.CLIENT_ID)
        self.assertTrue(claims["aud"].endswith("/oauth2/v2.0/token"))
        # A key that does not match the certificate the app knows is refused.
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(
                assertion,
                other_key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False},
            )

    def test_billed_invoice_pulled_from_the_connection_form(self):
        wizard = self.env["billbyte.vendor.invoice.pull.wizard"].create(
            {
                "connection_id": self.ms_connection.id,
                "invoice_id": " G000123456 ",
                "export": "billed",
            }
        )
        action = wizard.action_pull()
        run = self.env["billbyte.usage.import"].search(action["domain"])
        self.assertEqual((run.state, run.pull_scope), ("done", "billed:G000123456"), run.message)
        self.assertEqual(run.rows_imported, 3)
        path, body = self.partner_center.export_bodies[-1]
        self.assertEqual(path, "/v1.0/reports/partners/billing/usage/billed/export")
        self.assertEqual(body, {"invoiceId": "G000123456", "attributeSet": "full"})
        wizard.invoice_id = "G0001 23"
        with self.assertRaises(UserError):
            wizard.action_pull()
