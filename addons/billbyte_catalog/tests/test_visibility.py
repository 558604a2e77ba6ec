# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CatalogCommon


@tagged("post_install", "-at_install")
class TestVisibility(CatalogCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = cls.env["product.template"].create(
            {
                "name": "Office bundle",
                "type": "service",
                "billbyte_is_bundle": True,
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    (0, 0, {"product_id": cls.m365.product_variant_id.id, "quantity": 5}),
                    (0, 0, {"product_id": cls.vm.product_variant_id.id, "quantity": 100}),
                ],
            }
        )
        cls.catalog = cls.vm | cls.m365 | cls.support | cls.office

    def _visible(self, partner):
        return self.env["product.template"].search(
            [
                ("id", "in", self.catalog.ids),
                *self.env["product.template"]._billbyte_visible_domain(partner),
            ]
        )

    def test_everyone_segments_named_customers(self):
        self.assertEqual(self._visible(self.contoso), self.vm | self.m365 | self.office)
        self.assertEqual(
            self._visible(self.alice),
            self.vm | self.m365 | self.office,
            "a contact sees what their company sees",
        )
        self.assertEqual(self._visible(self.fabrikam), self.vm | self.support)
        self.assertEqual(self._visible(self.northwind), self.vm)
        self.assertEqual(
            self.catalog._billbyte_filter_visible(self.fabrikam), self.vm | self.support
        )

    def test_sub_segment_sees_segment_items(self):
        large = self.env["res.partner.category"].create(
            {"name": "Large", "parent_id": self.enterprise.id}
        )
        self.northwind.category_id = large
        self.assertIn(self.m365, self._visible(self.northwind))

    def test_unpublished_is_invisible(self):
        self.vm.billbyte_published = False
        self.assertNotIn(self.vm, self._visible(self.northwind))
        with self.assertRaisesRegex(
            ValidationError,
            "Virtual Machines D2s v5 is not available to customer Northwind: it is not published",
        ):
            self._quotation(self.northwind, [(self.vm, 10)])

    def test_quotation_refuses_an_item_the_customer_may_not_see(self):
        orders = self.env["sale.order"].search_count([])
        with self.assertRaises(ValidationError) as refused:
            self._quotation(self.fabrikam, [(self.vm, 10), (self.m365, 5)])
        self.assertEqual(
            str(refused.exception),
            "Microsoft 365 E3 is not available to customer Fabrikam: it is offered to the "
            "customer segments Enterprise only.",
        )
        self.assertEqual(self.env["sale.order"].search_count([]), orders)
        order = self._quotation(self.fabrikam, [(self.vm, 10), (self.support, 2)])
        with self.assertRaisesRegex(ValidationError, "not available to customer Fabrikam"):
            order.order_line = [(0, 0, {"product_id": self.m365.product_variant_id.id})]
        with self.assertRaisesRegex(ValidationError, "offered to named customers only"):
            order.partner_id = self.contoso

    def test_non_catalog_products_are_not_restricted(self):
        plain = self.env["product.product"].create({"name": "Printed manual", "list_price": 10.0})
        order = self.env["sale.order"].create(
            {"partner_id": self.northwind.id, "order_line": [(0, 0, {"product_id": plain.id})]}
        )
        self.assertEqual(order.order_line.product_id, plain)

    def test_bundle_with_an_invisible_part_is_invisible(self):
        # Fabrikam may see the VM but not the Enterprise-only licences: not the bundle.
        self.assertNotIn(self.office, self._visible(self.fabrikam))
        self.assertIn(
            "its part Microsoft 365 E3 is not offered to this customer",
            self.office._billbyte_hidden_reason(self.fabrikam),
        )
        with self.assertRaisesRegex(
            ValidationError,
            "Office bundle is not available to customer Fabrikam: its part Microsoft 365 E3",
        ):
            self._quotation(self.fabrikam, [(self.office, 1)])
        # Once the licences are for everyone, the bundle is too.
        self.m365.billbyte_visibility = "everyone"
        self.assertIn(self.office, self._visible(self.fabrikam))
        order = self._quotation(self.fabrikam, [(self.office, 1)])
        self.assertEqual(len(order.order_line), 3)

    def test_sales_staff_publish_and_unpublish(self):
        salesman = self._new_user("bb_salesman", "sales_team.group_sale_salesman")
        as_salesman = self.vm.with_user(salesman)
        with self.assertRaises(AccessError):
            as_salesman.write({"list_price": 1.0})
        as_salesman.action_billbyte_unpublish()
        self.assertFalse(self.vm.billbyte_published)
        as_salesman.action_billbyte_publish()
        self.assertTrue(self.vm.billbyte_published)

        portal = self._new_user("bb_portal_publisher", "base.group_portal")
        with self.assertRaises(AccessError):
            self.vm.with_user(portal).action_billbyte_unpublish()
        self.assertTrue(self.vm.billbyte_published)
