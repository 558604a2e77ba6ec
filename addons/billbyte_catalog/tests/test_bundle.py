# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CatalogCommon


@tagged("post_install", "-at_install")
class TestBundle(CatalogCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backup = cls.env["product.template"].create(
            {
                "name": "Azure Backup",
                "type": "service",
                "list_price": 6.5,
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "metered",
                "billbyte_sku_id": "meter-backup",
                "billbyte_vendor_cost": 5.0,
                "billbyte_vendor_currency_id": cls.usd.id,
                "billbyte_published": True,
            }
        )
        cls.everyone_support = cls.env["product.template"].create(
            {
                "name": "Support hour (bundle)",
                "type": "service",
                "list_price": 80.0,
                "billbyte_offer_type": "service",
                "billbyte_published": True,
            }
        )
        cls.small_office = cls.env["product.template"].create(
            {
                "name": "Small office",
                "type": "service",
                "list_price": 150.0,
                "billbyte_is_bundle": True,
                "billbyte_bundle_pricing": "sum",
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    (0, 0, {"product_id": cls.m365.product_variant_id.id, "quantity": 5}),
                    (0, 0, {"product_id": cls.backup.product_variant_id.id, "quantity": 1}),
                    (
                        0,
                        0,
                        {"product_id": cls.everyone_support.product_variant_id.id, "quantity": 2},
                    ),
                ],
            }
        )

    def test_bundle_price_is_the_sum_of_its_parts(self):
        # Without a pricelist: the parts' sales prices.
        self.assertEqual(self.small_office.billbyte_bundle_list_price, 5 * 40.0 + 6.5 + 2 * 80.0)
        # On a fixed pricelist: the parts' prices there.
        price = self.fixed_usd._get_product_price(self.small_office.product_variant_id, 1.0)
        self.assertAlmostEqual(price, 366.5)
        # On cost-plus: licences and backup from their vendor cost, support at its fixed price.
        price = self.cost_plus_usd._get_product_price(self.small_office.product_variant_id, 1.0)
        self.assertAlmostEqual(price, 5 * (22 * 1.2 + 0.5) + (5 * 1.2 + 0.5) + 2 * 80.0)

    def test_bundle_at_its_own_price(self):
        self.small_office.billbyte_bundle_pricing = "own"
        self.assertEqual(self.small_office.billbyte_bundle_list_price, 150.0)
        price = self.cost_plus_usd._get_product_price(self.small_office.product_variant_id, 1.0)
        self.assertEqual(price, 150.0)

    def test_quotation_gets_the_parts(self):
        order = self._quotation(self.contoso, [(self.small_office, 2)])
        bundle_line = order.order_line.filtered(
            lambda line: line.product_id == self.small_office.product_variant_id
        )
        parts = bundle_line.billbyte_bundle_part_ids
        self.assertEqual(
            {(p.product_id.product_tmpl_id, p.product_uom_qty) for p in parts},
            {(self.m365, 10.0), (self.backup, 2.0), (self.everyone_support, 4.0)},
        )
        self.assertEqual(len(order.order_line), 4)
        # The bundle line carries the bundle's price; the parts are listed at zero.
        self.assertAlmostEqual(bundle_line.price_unit, 5 * 26.9 + 6.5 + 160.0)
        self.assertEqual(set(parts.mapped("price_unit")), {0.0})
        self.assertAlmostEqual(order.amount_untaxed, 2 * (5 * 26.9 + 6.5 + 160.0))
        self.assertIn("Part of bundle Small office", parts[0].name)

        # More bundles: more parts. No bundle: no parts.
        bundle_line.product_uom_qty = 3
        self.assertEqual(sorted(parts.mapped("product_uom_qty")), [3.0, 6.0, 15.0])
        bundle_line.unlink()
        self.assertFalse(order.order_line)

    def test_quotation_form_as_sales_staff(self):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.contoso
            with form.order_line.new() as line:
                line.product_id = self.small_office.product_variant_id
                line.product_uom_qty = 1
        order = form.record
        self.assertEqual(len(order.order_line), 4)
        self.assertEqual(order.pricelist_id, self.cost_plus_usd)

    def test_copied_quotation_does_not_double_the_parts(self):
        order = self._quotation(self.contoso, [(self.small_office, 1)])
        copy = order.copy()
        self.assertEqual(len(copy.order_line), 4)
        self.assertEqual(len(copy.order_line.billbyte_bundle_part_ids), 3)
        self.assertAlmostEqual(copy.amount_untaxed, order.amount_untaxed)

    def test_confirmed_and_invoiced_bundle(self):
        self.skip_if_licenses_billed_by_runs()
        order = self._quotation(self.contoso, [(self.small_office, 1)])
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertAlmostEqual(invoice.amount_untaxed, order.amount_untaxed)

    def test_no_bundle_in_a_bundle(self):
        with self.assertRaisesRegex(ValidationError, "Bundle Small office cannot contain itself"):
            self.env["billbyte.bundle.line"].create(
                {
                    "bundle_tmpl_id": self.small_office.id,
                    "product_id": self.small_office.product_variant_id.id,
                }
            )
        other = self.env["product.template"].create(
            {"name": "Big office", "billbyte_is_bundle": True, "type": "service"}
        )
        with self.assertRaisesRegex(ValidationError, "cannot contain another bundle"):
            other.billbyte_bundle_line_ids = [
                (0, 0, {"product_id": self.small_office.product_variant_id.id})
            ]
        with self.assertRaisesRegex(
            ValidationError, "part of bundle Small office and cannot become a bundle"
        ):
            self.backup.billbyte_is_bundle = True
        with self.assertRaisesRegex(ValidationError, "has bundle parts but is not a bundle"):
            self.small_office.billbyte_is_bundle = False
