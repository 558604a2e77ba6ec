# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from decimal import Decimal
from unittest.mock import ANY, patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_license_partner_center import CUSTOMER, PartnerCenterLicenseCommon

# A 1×1 PNG: the signature drawn in Odoo's signing dialog.
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


class PortalCatalogOrderCommon(PartnerCenterLicenseCommon, HttpCase):
    """Contoso's portal user Tom orders from the cloud catalog: Microsoft 365 E3 at
    Contoso's strategy (cost-plus 20 % on a vendor cost of 25.00 = 30.00 a seat, 10 %
    tax), bought through Odoo's quotation portal, ordered at the Partner Center
    stand-in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.e3.product_tmpl_id.write(
            {"billbyte_vendor_cost": 25.00, "billbyte_vendor_currency_id": cls.usd.id}
        )
        cls.e5.product_tmpl_id.write({"billbyte_min_quantity": 2, "billbyte_max_quantity": 300})
        cls.tom = new_test_user(
            cls.env,
            login="bb_cat_tom",
            password="bb_cat_tom",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create(
                {
                    "name": "Tom Tenant",
                    "parent_id": cls.contoso.id,
                    "email": "tom@contoso.example",
                }
            )
            .id,
        )
        cls.fabrikam_tenant = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Fabrikam tenant",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": "a1b2c3d4-1111-4111-8111-0000000000f2",
                "vendor_customer_id": "0a1b2c3d-0000-4000-8000-00000000fab0",
                "partner_id": cls.fabrikam.id,
                "connection_id": cls.ms_connection.id,
            }
        )
        cls.fabrikam_user = new_test_user(
            cls.env,
            login="bb_cat_fay",
            password="bb_cat_fay",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create(
                {"name": "Fay Fabrikam", "parent_id": cls.fabrikam.id, "email": "fay@f.example"}
            )
            .id,
        )
        Template = cls.env["product.template"]
        license_values = {
            "type": "service",
            "billbyte_vendor_id": cls.microsoft.id,
            "billbyte_offer_type": "license",
            "billbyte_term": "monthly",
            "list_price": 20.0,
        }
        cls.fabrikam_only = Template.create(
            {
                **license_values,
                "name": "Fabrikam Private Seat",
                "billbyte_sku_id": "CFQ7TTC0PRIV:0001",
                "billbyte_published": True,
                "billbyte_visibility": "customers",
                "billbyte_partner_ids": [Command.set(cls.fabrikam.ids)],
            }
        )
        cls.unpublished = Template.create(
            {**license_values, "name": "Draft Seat", "billbyte_sku_id": "CFQ7TTC0DRFT:0001"}
        )
        cls.not_in_catalog = Template.create({"name": "Consulting Day", "type": "service"})
        cls.bundle = Template.create(
            {
                "name": "Modern Workplace",
                "type": "service",
                "billbyte_is_bundle": True,
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    Command.create({"product_id": cls.e3.id, "quantity": 1}),
                ],
            }
        )
        cls.ec2.product_tmpl_id.billbyte_published = True
        cls.env.company.write({"portal_confirmation_sign": True, "portal_confirmation_pay": True})

    def setUp(self):
        super().setUp()
        self.authenticate("bb_cat_tom", "bb_cat_tom")

    # Helpers: what the browser does.

    def item_form(self, template):
        page = self.url_open(f"/my/cloud-catalog/{template.id}")
        self.assertEqual(page.status_code, 200)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.assertTrue(match, "the order form carries a CSRF token")
        return page, match.group(1)

    def ask(self, template, quantity, csrf=True, **extra):
        token = self.item_form(template)[1] if csrf is True else csrf
        data = {"quantity": quantity, **extra}
        if token:
            data["csrf_token"] = token
        return self.url_open(
            f"/my/cloud-catalog/{template.id}/order", data=data, allow_redirects=False
        )

    def orders(self):
        return self.env["sale.order"].search(
            [("partner_id", "child_of", (self.contoso | self.fabrikam).ids)]
        )

    def ordered(self, response):
        self.assertEqual(response.status_code, 303, response.text[:2000])
        order_id = int(re.search(r"/my/orders/(\d+)", response.headers["Location"]).group(1))
        return self.env["sale.order"].browse(order_id)

    def sign(self, order):
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"name": "Tom Tenant", "signature": SIGNATURE},
        )

    def pay(self, order):
        """Pay in the portal with the test provider: the payment form's transaction
        call, the provider confirming the payment, then the customer's browser polling
        /payment/status (which post-processes: confirmation, payment)."""
        order._portal_ensure_token()
        processing = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/transaction",
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "token_id": None,
                "amount": order.amount_total,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": order.get_portal_url(),
                "access_token": order.access_token,
            },
        )
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search([("reference", "=", processing["reference"])])
        )
        tx._set_done()
        self.make_jsonrpc_request("/payment/status/poll", {})
        return tx

    @classmethod
    def make_provider(cls):
        """A test payment provider with its accounting set up (as Odoo's own
        AccountPaymentCommon does)."""
        method = cls.env.ref("payment.payment_method_unknown")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(method.ids)],
                "available_currency_ids": [Command.set(cls.usd.ids)],
            }
        )
        method.active = True
        Method = cls.env["account.payment.method"]
        information = Method._get_payment_method_information

        def with_test_provider(*args, **kwargs):
            return {**information(), "none": {"mode": "electronic", "type": ("bank",)}}

        with patch.object(
            cls.env.registry["account.payment.method"],
            "_get_payment_method_information",
            with_test_provider,
        ):
            Method.sudo().create({"name": "Test method", "code": "none", "payment_type": "inbound"})
            cls.provider.journal_id = cls.env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", cls.env.company.id)], limit=1
            )


@tagged("post_install", "-at_install")
class TestPortalCatalogOrder(PortalCatalogOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_provider()

    def test_choose_sign_pay_then_the_license_is_ordered_and_visible(self):
        page, _token = self.item_form(self.e3.product_tmpl_id)
        self.assertIn("Contoso tenant", page.text, "the seats' cloud account is offered")
        self.assertIn("30.00", page.text, "the customer's price")

        order = self.ordered(self.ask(self.e3.product_tmpl_id, "5"))

        self.assertEqual(order.partner_id, self.tom.partner_id)
        self.assertEqual(order.pricelist_id, self.cost_plus_usd, "the customer's strategy")
        line = order.order_line
        self.assertEqual(line.product_id, self.e3)
        self.assertEqual(line.product_uom_qty, 5)
        self.assertEqual(line.billbyte_cloud_account_id, self.tenant)
        self.assertEqual(self.dec(line.price_unit), Decimal("30.00"))
        self.assertEqual(self.dec(order.amount_untaxed), Decimal("150.00"))
        self.assertEqual(self.dec(order.amount_total), Decimal("165.00"))
        self.assertTrue(order.require_signature and order.require_payment)
        self.assertEqual(order.state, "draft")
        self.assertFalse(self.partner_center.applied, "nothing ordered before it is accepted")
        self.assertEqual(self.url_open(order.get_portal_url()).status_code, 200)

        answer = self.sign(order)
        self.assertIn("allow_payment=yes", answer["redirect_url"])
        self.assertEqual(order.state, "draft", "signed, not paid yet")
        self.assertFalse(self.partner_center.applied)

        tx = self.pay(order)

        self.assertEqual(order.state, "sale", order.billbyte_ms_error)
        self.assertEqual(self.dec(tx.amount), Decimal("165.00"))
        self.assertTrue(tx.payment_id, "the payment is booked")
        self.assertEqual(self.applied("order"), [(CUSTOMER, ANY, "order", 5)])
        lic = order.billbyte_license_ids
        self.assertEqual(len(lic), 1)
        self.assertEqual((lic.seats, lic.cloud_account_id), (5, self.tenant))
        self.assertEqual(self.dec(lic.price_unit), Decimal("30.00"))
        self.assertTrue(lic.ms_subscription_id)
        window = self.today + timedelta(days=7)
        self.assertEqual(lic.ms_cancellation_until, window)
        cloud = self.url_open("/my/cloud")
        self.assertIn("Microsoft 365 E3", cloud.text)
        self.assertIn(window.strftime("%m/%d/%Y"), cloud.text)

    def test_microsoft_refusal_after_payment_says_why_and_asks_for_a_refund(self):
        self.partner_center.no_agreement.add(CUSTOMER)
        order = self.ordered(self.ask(self.e3.product_tmpl_id, "5"))
        self.sign(order)

        tx = self.pay(order)

        self.assertEqual(tx.state, "done")
        self.assertEqual(order.state, "draft")
        self.assertIn("has not accepted the Microsoft Customer Agreement", order.billbyte_ms_error)
        self.assertFalse(order.billbyte_license_ids)
        self.assertFalse(self.License.search([("cloud_account_id", "=", self.tenant.id)]))
        self.assertFalse(self.applied("order"))
        activity = order.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("Refund $\xa0165.00", activity.summary)
        self.assertIn("Microsoft Customer Agreement", activity.note)
        self.assertTrue(activity.user_id.has_group("account.group_account_manager"))
        page = self.url_open(order.get_portal_url())
        self.assertIn("Microsoft refused this order", page.text)
        self.assertIn("has not accepted the Microsoft Customer Agreement", page.text)
        self.assertIn("Your payment will be refunded", page.text)
        # Another post-processing of the same payment leaves one activity.
        order.action_confirm()
        self.assertEqual(len(order.activity_ids), 1)

    def test_bundle_brings_its_license_for_the_customers_account(self):
        order = self.ordered(self.ask(self.bundle, "3"))
        bundle_line = order.order_line.filtered(
            lambda line: line.product_id == self.bundle.product_variant_id
        )
        part = order.order_line - bundle_line
        self.assertEqual(part.product_id, self.e3)
        self.assertEqual(part.product_uom_qty, 3)
        self.assertEqual(part.billbyte_cloud_account_id, self.tenant)
        self.assertEqual(self.dec(order.amount_untaxed), Decimal("90.00"))


@tagged("post_install", "-at_install")
class TestPortalCatalogOrderRefused(PortalCatalogOrderCommon):
    def assertRefused(self, response, status, text=None):
        self.assertEqual(response.status_code, status, response.text[:500])
        if text:
            self.assertIn(text, response.text)
        self.assertFalse(self.orders(), "nothing is created")

    def test_items_the_customer_may_not_see_cannot_be_ordered(self):
        _page, token = self.item_form(self.e3.product_tmpl_id)
        for hidden in (self.fabrikam_only, self.unpublished, self.not_in_catalog):
            response = self.ask(hidden, "1", csrf=token)
            self.assertRefused(response, 404)
            self.assertNotIn(hidden.name, response.text)
        # A metered service is billed by use: visible, not ordered.
        self.assertNotIn(
            "o_billbyte_catalog_order",
            self.url_open(f"/my/cloud-catalog/{self.ec2.product_tmpl_id.id}").text,
        )
        self.assertRefused(
            self.ask(self.ec2.product_tmpl_id, "1", csrf=token), 400, "billed by what you use"
        )
        # A product id slipped into the form of a visible item changes nothing.
        order = self.ordered(
            self.ask(
                self.e3.product_tmpl_id,
                "1",
                product_id=self.fabrikam_only.product_variant_id.id,
                product_tmpl_id=self.fabrikam_only.id,
            )
        )
        self.assertEqual(order.order_line.product_id, self.e3)

    def test_one_customer_cannot_order_for_another(self):
        # Fabrikam's cloud account: refused, nothing created.
        self.assertRefused(
            self.ask(self.e3.product_tmpl_id, "2", cloud_account_id=self.fabrikam_tenant.id),
            400,
            "Choose one of your own cloud accounts.",
        )
        # A customer named in the form is ignored: the order is the signed-in customer's.
        order = self.ordered(self.ask(self.e3.product_tmpl_id, "2", partner_id=self.fabrikam.id))
        self.assertEqual(order.partner_id, self.tom.partner_id)
        self.assertEqual(order.order_line.billbyte_cloud_account_id, self.tenant)
        # Fabrikam's user can neither open nor sign Contoso's quotation.
        self.authenticate("bb_cat_fay", "bb_cat_fay")
        page = self.url_open(f"/my/orders/{order.id}", allow_redirects=False)
        self.assertNotEqual(page.status_code, 200)
        self.assertEqual(
            self.make_jsonrpc_request(
                f"/my/orders/{order.id}/accept", {"name": "Fay", "signature": SIGNATURE}
            ),
            {"error": "Invalid order."},
        )
        self.assertFalse(order.signed_by)

    def test_without_csrf_token_nothing_is_created(self):
        with mute_logger("odoo.http"):
            self.assertRefused(self.ask(self.e3.product_tmpl_id, "2", csrf=None), 400)
            self.assertRefused(self.ask(self.e3.product_tmpl_id, "2", csrf="forged"), 400)

    def test_quantity_is_a_positive_whole_number_within_the_skus_limits(self):
        e3 = self.e3.product_tmpl_id
        for quantity in ("0", "-3", "2.5", "abc", "", "1e3"):
            self.assertRefused(self.ask(e3, quantity), 400, "Enter a whole number of at least 1")
        e5 = self.e5.product_tmpl_id
        page = self.item_form(e5)[0]
        self.assertIn('min="2"', page.text)
        self.assertIn('max="300"', page.text)
        self.assertRefused(self.ask(e5, "1"), 400, "is sold from 2 onwards")
        self.assertRefused(self.ask(e5, "301"), 400, "is sold up to 300 per order")
        self.assertEqual(self.ordered(self.ask(e5, "300")).order_line.product_uom_qty, 300)

    def test_customer_without_an_account_at_the_vendor_is_told(self):
        self.tenant.state = "suspended"
        page = self.item_form(self.e3.product_tmpl_id)[0]
        self.assertIn("o_billbyte_order_no_account", page.text)
        self.assertNotIn("billbyte_order_cloud_account", page.text)
        self.assertRefused(
            self.ask(self.e3.product_tmpl_id, "2"), 400, "no active cloud account at Microsoft"
        )


@tagged("post_install", "-at_install")
class TestPortalCatalogOrderTour(PortalCatalogOrderCommon):
    def test_tour_choose_quotation_sign_order_license(self):
        self.env.company.portal_confirmation_pay = False
        self.start_tour(
            "/my/cloud-catalog", "billbyte_portal_catalog_order_tour", login="bb_cat_tom"
        )
        order = self.orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale", order.billbyte_ms_error)
        self.assertTrue(order.signed_by)
        self.assertEqual([change[3] for change in self.applied("order")], [4])
        lic = order.billbyte_license_ids
        self.assertEqual(lic.seats, 4)
        self.assertEqual(lic.ms_cancellation_until, self.today + timedelta(days=7))
