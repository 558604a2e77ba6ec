# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billbyte_usage.tests.vendor_servers import PartnerCenterStandIn

from .common import BillingCommon

CUSTOMER = "0a1b2c3d-0000-4000-8000-00000000c0de"
OTHER = "0a1b2c3d-0000-4000-8000-00000000beef"
AZURE_PLAN = "a1b2c3d4-1111-4111-8111-0000000000a1"
SUB_E3 = "c1c2c3c4-3333-4333-8333-0000000000e3"
SUB_E5 = "c1c2c3c4-3333-4333-8333-0000000000e5"
E3_OFFER = "CFQ7TTC0LFLX:0001"
E5_OFFER = "CFQ7TTC0LFLZ:0002"


class PartnerCenterLicenseCommon(BillingCommon):
    """A Microsoft connection to the Partner Center stand-in, Contoso's tenant as its
    cloud account, and two license SKUs (E3 monthly, E5 annual)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("billbyte.retry_base_delay", "0.01")
        params.set_param("billbyte.ms_requests_per_minute", "60000")
        stand_in = cls.partner_center
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
        cls.contoso.country_id = cls.env.ref("base.us")
        cls.tenant = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso tenant",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": AZURE_PLAN,
                "vendor_customer_id": CUSTOMER,
                "partner_id": cls.contoso.id,
                "connection_id": cls.ms_connection.id,
            }
        )
        Template = cls.env["product.template"]
        cls.e3 = Template.create(
            {
                "name": "Microsoft 365 E3",
                "type": "service",
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "license",
                "billbyte_sku_id": E3_OFFER,
                "billbyte_term": "monthly",
                "billbyte_published": True,
                "list_price": 36.00,
                "taxes_id": [(6, 0, cls.tax.ids)],
            }
        ).product_variant_id
        cls.e5 = Template.create(
            {
                "name": "Microsoft 365 E5",
                "type": "service",
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "license",
                "billbyte_sku_id": E5_OFFER,
                "billbyte_term": "annual",
                "billbyte_published": True,
                "list_price": 684.00,
                "taxes_id": [(6, 0, cls.tax.ids)],
            }
        ).product_variant_id
        cls.License = cls.env["billbyte.license"]
        cls.Rec = cls.env["billbyte.license.reconciliation"]

    def setUp(self):
        super().setUp()
        self.partner_center.reset()
        self.partner_center.customers[CUSTOMER] = {
            "name": "Contoso Ltd",
            "domain": "contoso.onmicrosoft.com",
            "subscriptions": [],
        }
        self.today = fields.Date.context_today(self.env.user)

    def ms_subscription(self, sub_id, offer=E3_OFFER, name="Microsoft 365 E3", **values):
        values.setdefault("termDuration", "P1M" if offer == E3_OFFER else "P1Y")
        return self.partner_center.add_subscription(
            CUSTOMER,
            sub_id,
            offerId=offer,
            offerName=name,
            friendlyName=name,
            **values,
        )

    def license(self, product, seats, sub_id=None, start=None, **values):
        return self.License.create(
            {
                "cloud_account_id": self.tenant.id,
                "product_id": product.id,
                "seats": seats,
                "date_start": start or self.today,
                "price_unit": product.lst_price,
                "ms_subscription_id": sub_id,
                **values,
            }
        )

    def sync(self):
        return self.ms_connection._sync_licenses()

    def open_differences(self):
        return self.Rec.search(
            [("connection_id", "=", self.ms_connection.id), ("state", "=", "open")]
        )

    def seats_wizard(self, lic, seats):
        return self.env["billbyte.license.seats.wizard"].create(
            {"license_id": lic.id, "seats": seats}
        )

    def calls(self, **domain):
        return self.env["billbyte.partner.center.call"].search(
            [(key, "=", value) for key, value in domain.items()], order="id"
        )

    def applied(self, what):
        return [change for change in self.partner_center.applied if change[2] == what]

    def window(self, days):
        return (self.today + timedelta(days=days)).strftime("%Y-%m-%dT00:00:00Z")

    @staticmethod
    def dec(value):
        return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@tagged("post_install", "-at_install")
class TestLicenseSync(PartnerCenterLicenseCommon):
    def test_sync_reads_pages_lists_every_difference_and_changes_no_license(self):
        self.partner_center.page_size = 2
        self.ms_subscription(SUB_E3, quantity=7, termDuration="P1M", billingCycle="monthly")
        self.ms_subscription(
            SUB_E5,
            offer=E5_OFFER,
            name="Microsoft 365 E5",
            quantity=3,
            cancellationAllowedUntilDate=self.window(4),
        )
        self.ms_subscription("c1c2c3c4-3333-4333-8333-00000000005a", quantity=1, status="deleted")
        linked = self.license(self.e3, 5, SUB_E3)
        odoo_only = self.license(self.e3, 2, "c1c2c3c4-3333-4333-8333-0000000000ff")

        stats = self.sync()

        self.assertEqual(stats["subscriptions"], 3)
        pages = [r for r in self.partner_center.requests if r[1].endswith("/subscriptions")]
        self.assertEqual(len(pages), 2, "3 subscriptions, 2 per page")
        differences = {
            (d.kind, d.license_id, d.odoo_value, d.microsoft_value) for d in self.open_differences()
        }
        e5 = self.env["billbyte.ms.subscription"].search([("subscription_id", "=", SUB_E5)])
        self.assertEqual(e5.cancellation_until, self.today + timedelta(days=4))
        self.assertEqual(e5.product_id, self.e5)
        self.assertEqual(e5.cloud_account_id, self.tenant)
        self.assertEqual(
            differences,
            {
                ("seats", linked, "5", "7"),
                ("only_odoo", odoo_only, "2", False),
                ("only_microsoft", self.License, False, f"Microsoft 365 E5 ({E5_OFFER}): 3"),
            },
        )
        # Nothing changed silently.
        self.assertEqual((linked.seats, odoo_only.seats), (5, 2))
        self.assertEqual(linked.ms_quantity, 7)

        again = self.sync()
        self.assertEqual(again["written"], 0, "a sync with no change writes nothing")
        self.assertEqual(len(self.open_differences()), 3)

    def test_429_with_retry_after_waits_and_completes(self):
        self.ms_subscription(SUB_E3, quantity=7)
        self.partner_center.faults[f"/v1/customers/{CUSTOMER}/subscriptions"] = [(429, 1)]
        started = time.monotonic()
        stats = self.sync()
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        self.assertEqual(stats["subscriptions"], 1)
        self.assertEqual(self.open_differences().kind, "only_microsoft")

    def test_failing_sync_applies_nothing(self):
        self.ms_subscription(SUB_E3, quantity=7)
        self.partner_center.customers[OTHER] = {
            "name": "Fabrikam",
            "domain": "f.example",
            "subscriptions": [],
        }
        self.partner_center.always_fail.add(f"/v1/customers/{OTHER}/subscriptions")
        with self.assertRaises(UserError):
            self.ms_connection.action_sync_licenses()
        self.assertFalse(
            self.env["billbyte.ms.subscription"].search(
                [("connection_id", "=", self.ms_connection.id)]
            )
        )

    def test_subscription_unknown_to_odoo_is_linked_never_billed_twice(self):
        self.ms_subscription(SUB_E3, quantity=4)
        billed = self.license(self.e3, 4)
        self.sync()
        self.assertEqual(
            set(self.open_differences().mapped("kind")), {"only_microsoft", "only_odoo"}
        )
        self.open_differences().filtered(
            lambda d: d.kind == "only_microsoft"
        ).action_adopt_microsoft()
        licenses = self.License.search([("cloud_account_id", "=", self.tenant.id)])
        self.assertEqual(licenses, billed, "linked, not a second license")
        self.assertEqual(billed.ms_subscription_id, SUB_E3)
        self.assertFalse(self.open_differences())

    def test_adopt_microsoft_creates_license_from_subscription(self):
        self.ms_subscription(
            SUB_E3, quantity=4, effectiveStartDate="2026-11-03T00:00:00Z", termDuration="P1M"
        )
        self.sync()
        self.open_differences().action_adopt_microsoft()
        lic = self.License.search([("ms_subscription_id", "=", SUB_E3)])
        self.assertEqual((lic.seats, lic.term, lic.product_id), (4, "monthly", self.e3))
        self.assertEqual(str(lic.date_start), "2026-11-03")
        self.assertFalse(self.open_differences())

    def test_adopt_either_side_of_a_seat_difference(self):
        self.ms_subscription(SUB_E3, quantity=7, cancellationAllowedUntilDate=self.window(3))
        self.ms_subscription(
            SUB_E5, offer=E5_OFFER, name="Microsoft 365 E5", quantity=2, termDuration="P1Y"
        )
        e3 = self.license(self.e3, 5, SUB_E3)
        e5 = self.license(self.e5, 6, SUB_E5)
        self.sync()
        seats = self.open_differences()
        self.assertEqual(len(seats), 2)
        seats.filtered(lambda d: d.license_id == e3).action_adopt_microsoft()
        self.assertEqual(e3.seats, 7)
        self.assertEqual(e3.change_ids.filtered(lambda c: c.kind == "increase").quantity, 2)
        seats.filtered(lambda d: d.license_id == e5).action_adopt_odoo()
        self.assertEqual(self.partner_center.subscription(SUB_E5)["quantity"], 6)
        self.assertEqual(len(self.calls(license_id=e5.id, state="done")), 1)
        self.assertFalse(self.open_differences())


@tagged("post_install", "-at_install")
class TestLicenseOrders(PartnerCenterLicenseCommon):
    def quote(self, product, seats):
        return self.env["sale.order"].create(
            {
                "partner_id": self.contoso.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": seats,
                            "price_unit": product.lst_price,
                            "billbyte_cloud_account_id": self.tenant.id,
                        },
                    )
                ],
            }
        )

    def test_confirmed_quotation_orders_at_microsoft_then_makes_the_license(self):
        order = self.quote(self.e3, 5)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        lic = order.billbyte_license_ids
        self.assertEqual(len(lic), 1)
        sub = self.partner_center.subscription(lic.ms_subscription_id)
        self.assertEqual((sub["quantity"], sub["termDuration"]), (5, "P1M"))
        self.assertEqual(lic.seats, 5)
        self.assertEqual(lic.ms_cancellation_until, self.today + timedelta(days=7))
        calls = self.calls(sale_order_id=order.id)
        self.assertEqual(calls.mapped("state"), ["done", "done"])
        self.assertTrue(all(c.request_id and c.correlation_id for c in calls))
        self.assertIn("/carts", calls[0].url)
        self.assertIn("/checkout", calls[1].url)
        # More seats of the linked license: a quantity change at Microsoft.
        self.quote(self.e3, 2).action_confirm()
        self.assertEqual(lic.seats, 7)
        self.assertEqual(self.partner_center.subscription(lic.ms_subscription_id)["quantity"], 7)

    def test_sku_not_sold_in_the_market_leaves_the_quotation_with_the_reason(self):
        self.partner_center.unavailable["US"] = {E3_OFFER}
        order = self.quote(self.e3, 5)
        order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertIn("does not sell", order.billbyte_ms_error)
        self.assertIn("(US)", order.billbyte_ms_error)
        self.assertFalse(self.License.search([("cloud_account_id", "=", self.tenant.id)]))
        self.assertFalse(self.applied("order"))

    def test_customer_without_agreement_leaves_the_quotation_with_the_reason(self):
        self.partner_center.no_agreement.add(CUSTOMER)
        order = self.quote(self.e3, 5)
        order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertIn("has not accepted the Microsoft Customer Agreement", order.billbyte_ms_error)
        self.assertFalse(self.License.search([("cloud_account_id", "=", self.tenant.id)]))
        self.assertFalse(self.partner_center.customers[CUSTOMER]["subscriptions"])
        # Accepted later: confirmed again, ordered once.
        self.partner_center.no_agreement.clear()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.billbyte_ms_error)
        self.assertEqual(len(self.applied("order")), 1)

    def test_existing_subscription_is_linked_not_ordered_again(self):
        self.ms_subscription(SUB_E3, quantity=5)
        self.sync()
        order = self.quote(self.e3, 5)
        order.action_confirm()
        self.assertEqual(order.state, "sale", order.billbyte_ms_error)
        self.assertEqual(
            order.billbyte_license_ids.ms_subscription_id,
            SUB_E3,
            f"{order.billbyte_license_ids.read(['ms_subscription_id', 'seats'])} "
            f"{order.message_ids.mapped('body')}",
        )
        self.assertFalse(self.applied("order"))
        self.assertFalse(self.open_differences())


@tagged("post_install", "-at_install")
class TestCancellationWindow(PartnerCenterLicenseCommon):
    def test_seat_increase_timeout_then_retry_changes_microsoft_once(self):
        self.ms_subscription(SUB_E3, quantity=5)
        lic = self.license(self.e3, 5, SUB_E3)
        self.sync()
        self.env["ir.config_parameter"].sudo().set_param("billbyte.service_timeout", "0.5")
        # Odoo's tests raise every HTTP timeout to 10 s: Microsoft answers after 11.
        self.partner_center.late_answers = [11]
        wizard = self.seats_wizard(lic, 8)
        wizard.action_apply()
        self.assertIn("did not answer", wizard.message)
        self.assertEqual(lic.seats, 5, "nothing changed in Odoo")
        # Microsoft applied it; its answer was lost. The retry sends the same request id.
        wizard.action_apply()
        self.assertEqual(lic.seats, 8)
        self.assertEqual(len(self.applied("quantity")), 1, "one change at Microsoft")
        self.assertEqual(self.partner_center.subscription(SUB_E3)["quantity"], 8)
        calls = self.calls(license_id=lic.id)
        self.assertEqual(calls.mapped("state"), ["timeout", "done"], "one audit line per attempt")
        self.assertEqual(len(set(calls.mapped("request_id"))), 1, "the retry reuses the request id")
        self.assertEqual(len(lic.change_ids.filtered(lambda c: c.kind == "increase")), 1)

    def test_decrease_inside_window_credits_removed_seats_by_day(self):
        start = self.today - timedelta(days=10)
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(2))
        lic = self.license(self.e3, 10, SUB_E3, start=start)
        self.sync()
        self.bill(self.today)
        last = start + relativedelta(months=1) - timedelta(days=1)
        self.assertEqual(lic.billed_until, last)
        wizard = self.seats_wizard(lic, 7)
        wizard.action_apply()
        self.assertEqual((lic.seats, lic.next_term_seats), (7, 7))
        self.assertEqual(self.partner_center.subscription(SUB_E3)["quantity"], 7)
        credit = lic.invoice_line_ids.move_id.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(len(credit), 1)
        days = (last - self.today).days + 1
        term_days = (last - start).days + 1
        expected = self.dec(Decimal(3) * Decimal("36.00") * days / term_days)
        self.assertEqual(self.dec(credit.amount_untaxed), expected)
        self.assertIn(f"{days} of {term_days} days", credit.invoice_line_ids.name)
        self.assertIn("Credit note", wizard.message)

    def test_cancellation_inside_window_cancels_at_microsoft(self):
        self.ms_subscription(SUB_E3, quantity=4, cancellationAllowedUntilDate=self.window(5))
        lic = self.license(self.e3, 4, SUB_E3)
        self.sync()
        self.seats_wizard(lic, 0).action_apply()
        self.assertEqual(lic.state, "cancelled")
        self.assertEqual(self.partner_center.subscription(SUB_E3)["status"], "deleted")

    def test_decrease_after_window_refused_in_plain_words_then_offered_at_renewal(self):
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(3))
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        # Microsoft's window closed since the last sync.
        self.partner_center.subscription(SUB_E3)["cancellationAllowedUntilDate"] = self.window(-1)
        wizard = self.seats_wizard(lic, 7)
        wizard.action_apply()
        self.assertIn("can only be cancelled or have its quantity reduced", wizard.message)
        self.assertIn("Nothing changed in Odoo", wizard.message)
        self.assertTrue(wizard.offer_renewal)
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 10))
        self.assertFalse(self.applied("quantity"))
        self.assertFalse(
            self.env["account.move"].search([("invoice_origin", "=", lic.display_name)])
        )
        self.assertEqual(self.calls(license_id=lic.id).mapped("state"), ["refused"])
        wizard.action_schedule_renewal()
        renewal = lic._ms_renewal_date()
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 7))
        self.assertEqual(lic.pending_decrease_date, renewal)
        self.assertIn(f"takes effect on {renewal}", wizard.message)
        instruction = self.partner_center.subscription(SUB_E3)["scheduledNextTermInstructions"]
        self.assertEqual(instruction["quantity"], 7)
        self.assertEqual(self.partner_center.subscription(SUB_E3)["quantity"], 10)

    def test_decrease_outside_window_is_scheduled_for_renewal(self):
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(-2))
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        self.assertFalse(lic.ms_in_window)
        wizard = self.seats_wizard(lic, 0)
        wizard.action_apply()
        self.assertEqual((lic.seats, lic.next_term_seats, lic.state), (10, 0, "active"))
        self.assertFalse(self.partner_center.subscription(SUB_E3)["autoRenewEnabled"])
        self.assertIn("takes effect on", wizard.message)

    def test_auto_renew_off_then_on_from_odoo(self):
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(-2))
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        self.assertTrue(lic.ms_auto_renew)
        lic.action_ms_auto_renew_off()
        self.assertFalse(self.partner_center.subscription(SUB_E3)["autoRenewEnabled"])
        self.assertFalse(lic.ms_auto_renew)
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 0))
        self.assertEqual(lic.pending_decrease_date, lic._ms_renewal_date())
        lic.action_ms_auto_renew_on()
        self.assertTrue(self.partner_center.subscription(SUB_E3)["autoRenewEnabled"])
        self.assertEqual((lic.seats, lic.next_term_seats), (10, 10))
        self.assertFalse(lic.pending_decrease_date)
        self.assertEqual(self.calls(license_id=lic.id).mapped("state"), ["done", "done"])

    def test_decrease_below_assigned_licenses_is_warned_before_sending(self):
        self.ms_subscription(SUB_E3, quantity=10, cancellationAllowedUntilDate=self.window(3))
        self.partner_center.subscribed_skus[CUSTOMER] = [
            {
                "activeUnits": 10,
                "consumedUnits": 9,
                "productSku": {
                    "id": "05e9a617-0261-4cee-bb44-138d3ef5d965",
                    "name": "Microsoft 365 E3",
                },
                "capabilityStatus": "Enabled",
            }
        ]
        lic = self.license(self.e3, 10, SUB_E3)
        self.sync()
        wizard = self.seats_wizard(lic, 6)
        wizard.action_apply()
        self.assertIn("assigned 9 license(s)", wizard.warning)
        self.assertFalse(self.partner_center.patches, "nothing sent")
        self.assertEqual(lic.seats, 10)
        wizard.confirm_below_assigned = True
        wizard.action_apply()
        self.assertEqual(lic.seats, 6)
        self.assertEqual(self.partner_center.subscription(SUB_E3)["quantity"], 6)


@tagged("post_install", "-at_install")
class TestLicensePortalWindow(PartnerCenterLicenseCommon, HttpCase):
    def test_portal_shows_the_cancellation_window(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Carla Contoso",
                "parent_id": self.contoso.id,
                "email": "carla@contoso.example",
            }
        )
        new_test_user(
            self.env,
            login="bb_ms_carla",
            password="bb_ms_carla",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        self.ms_subscription(
            SUB_E3, quantity=3, cancellationAllowedUntilDate="2031-01-17T00:00:00Z"
        )
        self.license(self.e3, 3, SUB_E3)
        self.sync()
        self.authenticate("bb_ms_carla", "bb_ms_carla")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_billbyte_cloud_license", page.text)
        self.assertIn("Cancellation window ends", page.text)
        self.assertIn("01/17/2031", page.text)
