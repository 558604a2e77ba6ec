# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, tagged

from .common import CatalogCommon
from .standard_groups import open_form, open_list, opens_without_our_views, standard_users

# Fields of Cloud Billing's own records: users outside Cloud Billing (and, for
# bundle parts, sales) never get them in a view or a read.
CLOUD_BILLING_ONLY = {"billbyte_price_history_count", "billbyte_price_history_ids"}
SALES_OR_CLOUD_BILLING = {"billbyte_bundle_line_ids"}


@tagged("post_install", "-at_install")
class TestStandardGroups(CatalogCommon):
    """Every Odoo view the catalog extends opens for each of Odoo's standard groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = standard_users(cls.env, "bb_std")
        cls.users["portal"] = cls._new_user("bb_std_portal", "base.group_portal", cls.alice)
        cls.plain = cls.env["product.template"].create({"name": "Office chair", "list_price": 90})
        cls.bundle = cls.env["product.template"].create(
            {
                "name": "Cloud starter",
                "type": "service",
                "billbyte_is_bundle": True,
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    (0, 0, {"product_id": cls.vm.product_variant_id.id, "quantity": 10}),
                    (0, 0, {"product_id": cls.support.product_variant_id.id, "quantity": 1}),
                ],
            }
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.fabrikam.id,
                "user_id": False,
                "order_line": [
                    (0, 0, {"product_id": cls.support.product_variant_id.id, "product_uom_qty": 2})
                ],
            }
        )

    def _back_office_users(self):
        return {role: user for role, user in self.users.items() if role != "portal"}

    def test_product_forms_open_for_every_group(self):
        for role, user in self._back_office_users().items():
            may_sell = user.has_group("sales_team.group_sale_salesman")
            cloud_user = user.has_group("billbyte_catalog.group_billbyte_user")
            for template in (self.plain, self.bundle, self.vm):
                for record, view in (
                    (template, "product.product_template_form_view"),
                    (template.product_variant_id, "product.product_normal_form_view"),
                ):
                    with self.subTest(role=role, record=record.display_name, model=record._name):
                        form = open_form(record.with_user(user), view)
                        shown = set(form._view["fields"])
                        self.assertEqual(form.name, template.name)
                        self.assertIn("billbyte_vendor_id", shown)
                        self.assertEqual(bool(shown & CLOUD_BILLING_ONLY), cloud_user)
                        self.assertEqual(
                            "billbyte_bundle_line_ids" in shown, may_sell or cloud_user
                        )
                        if template == self.vm:
                            self.assertEqual(form.billbyte_vendor_cost, 0.096)
                        if template == self.bundle:
                            # 10 hours of VM at 0.15 and a support hour at 80, whoever looks.
                            self.assertAlmostEqual(form.billbyte_bundle_list_price, 81.5)
                            if may_sell or cloud_user:
                                self.assertEqual(len(form.billbyte_bundle_line_ids), 2)

    def test_hidden_fields_are_refused_not_crashing(self):
        accountant = self.users["accountant"]
        bundle = self.bundle.with_user(accountant)
        self.assertNotIn("billbyte_bundle_line_ids", bundle.fields_get())
        (values,) = bundle.read()
        self.assertNotIn("billbyte_bundle_line_ids", values)
        self.assertAlmostEqual(values["billbyte_bundle_list_price"], 81.5)
        # Prices still come from the bundle's parts and the vendor's cost.
        self.assertAlmostEqual(
            self.cost_plus_usd.with_user(accountant)._get_product_price(
                bundle.product_variant_id, 1.0
            ),
            10 * (0.096 * 1.2 + 0.5) + 80.0,
        )

    def test_account_manager_creates_and_edits_products(self):
        manager = self.users["account_manager"]
        with Form(self.env["product.template"].with_user(manager)) as form:
            form.name = "Consulting day"
            form.list_price = 800
        self.assertEqual(form.record.billbyte_bundle_list_price, 800)
        with Form(self.vm.with_user(manager)) as form:
            form.list_price = 0.16
        self.assertEqual(self.vm.list_price, 0.16)

    def test_catalog_lists_and_searches_open(self):
        for role, user in self._back_office_users().items():
            with self.subTest(role=role):
                names, values = open_list(self.env["product.template"].with_user(user))
                self.assertIn("name", names)
                self.assertTrue(values)
                names, values = open_list(
                    self.env["product.template"].with_user(user),
                    "kanban",
                    "billbyte_catalog.product_template_kanban_view_billbyte",
                    [("billbyte_is_catalog_item", "=", True)],
                )
                self.assertIn(self.vm.id, [v["id"] for v in values])

    def test_pricelist_views_open(self):
        for role, user in self._back_office_users().items():
            Pricelist = self.env["product.pricelist"].with_user(user)
            if not Pricelist.has_access("read"):
                continue
            with self.subTest(role=role):
                form = open_form(
                    self.cost_plus_usd.with_user(user), "product.product_pricelist_view"
                )
                self.assertEqual(form.billbyte_strategy, "cost_plus")
                names, values = open_list(Pricelist, domain=[("id", "=", self.cost_plus_usd.id)])
                self.assertIn("billbyte_strategy", names)
                self.assertEqual(values[0]["billbyte_markup"], 20.0)

    def test_sale_order_form_opens(self):
        opened = set()
        for role, user in self._back_office_users().items():
            order = self.order.with_user(user)
            if not opens_without_our_views(
                order, "sale.view_order_form", ["billbyte_catalog.view_order_form_billbyte"]
            ):
                continue  # Odoo's own form is not this group's (e.g. invoicing users)
            with self.subTest(role=role):
                form = open_form(order, "sale.view_order_form")
                self.assertEqual(len(form.order_line), 1)
                opened.add(role)
        self.assertTrue({"salesman", "sales_manager"} <= opened, opened)

    def test_portal_user_sees_no_back_office_field(self):
        portal = self.users["portal"]
        readable = set(self.env["product.template"].with_user(portal).fields_get())
        for hidden in (
            "billbyte_vendor_cost",
            "billbyte_vendor_currency_id",
            "billbyte_segment_ids",
            "billbyte_partner_ids",
            "billbyte_bundle_line_ids",
        ):
            self.assertNotIn(hidden, readable)
        self.assertIn("billbyte_offer_type", readable)
