# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CatalogCommon


@tagged("post_install", "-at_install")
class TestPricingRules(CatalogCommon):
    """Each rule on the same SKU: the Azure VM meter, vendor cost 0.096 USD an hour,
    vendor list price 0.12."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.vm)
        cls.vm.billbyte_vendor_list_price = 0.12
        Pricelist = cls.env["product.pricelist"]

        def strategy(name, **values):
            return Pricelist.create({"name": name, "currency_id": cls.usd.id, **values})

        cls.cost_plus = strategy("Cost-plus 20", billbyte_strategy="cost_plus", billbyte_markup=20)
        cls.list_discount = strategy(
            "List -10", billbyte_strategy="list_discount", billbyte_list_discount=10
        )
        cls.capped = strategy(
            "Cost-plus 50 capped",
            billbyte_strategy="cost_plus",
            billbyte_markup=50,
            billbyte_cap_at_list=True,
        )
        cls.floored = strategy(
            "List -25 floored",
            billbyte_strategy="list_discount",
            billbyte_list_discount=25,
            billbyte_floor_at_cost=True,
        )
        product = cls.vm.product_variant_id
        cls.fixed_capped = strategy(
            "Fixed 0.20 capped",
            billbyte_strategy="fixed",
            billbyte_cap_at_list=True,
            item_ids=[
                (0, 0, {"applied_on": "0_product_variant", "product_id": product.id,
                        "compute_price": "fixed", "fixed_price": 0.20})
            ],
        )  # fmt: skip
        cls.fixed_floored = strategy(
            "Fixed 0.05 floored",
            billbyte_strategy="fixed",
            billbyte_floor_at_cost=True,
            item_ids=[
                (0, 0, {"applied_on": "0_product_variant", "product_id": product.id,
                        "compute_price": "fixed", "fixed_price": 0.05})
            ],
        )  # fmt: skip

    def _price(self, pricelist, day=None):
        return pricelist._get_product_price(
            self.vm.product_variant_id, 1.0, currency=self.usd, date=day or self.today
        )

    def test_each_rule_on_the_same_sku(self):
        expected = {
            self.cost_plus: 0.1152,
            self.list_discount: 0.108,
            self.capped: 0.12,  # 0.144, capped at list
            self.floored: 0.096,  # 0.09, floored at cost
            self.fixed_capped: 0.12,  # 0.20, capped at list
            self.fixed_floored: 0.096,  # 0.05, floored at cost
        }
        for pricelist, price in expected.items():
            self.assertAlmostEqual(self._price(pricelist), price, places=8, msg=pricelist.name)
        # The price simulator shows each rule and price on the same SKU.
        simulator = self.env["billbyte.price.simulator"].create({"product_tmpl_id": self.vm.id})
        lines = {line.pricelist_id: line for line in simulator.line_ids}
        for pricelist, price in expected.items():
            self.assertAlmostEqual(lines[pricelist].price, price, places=6, msg=pricelist.name)
            self.assertAlmostEqual(lines[pricelist].cost, 0.096, places=6)
            self.assertAlmostEqual(lines[pricelist].list_price, 0.12, places=6)
        self.assertEqual(lines[self.capped].rule, "Cost-plus (never over list)")
        self.assertEqual(lines[self.floored].rule, "Discount off List (never below cost)")
        # And a quotation line alike.
        order = self._quotation(self.contoso, [(self.vm, 10)], pricelist=self.capped)
        self.assertAlmostEqual(order.order_line.price_unit, 0.12, places=6)

    def test_rules_by_category_and_sku_from_their_day(self):
        category = self.env["product.category"].create({"name": "Azure Compute"})
        self.vm.categ_id = category
        next_month = self.today + timedelta(days=30)
        self.cost_plus.billbyte_rule_ids = [
            (0, 0, {"applies_to": "category", "categ_id": category.id, "method": "cost_plus",
                    "markup": 30}),
            (0, 0, {"applies_to": "product", "product_tmpl_id": self.vm.id,
                    "method": "list_discount", "discount": 5, "date_start": next_month}),
        ]  # fmt: skip
        # The category's rule until the SKU's rule starts; the strategy's own terms
        # for the other products.
        self.assertAlmostEqual(self._price(self.cost_plus), 0.1248, places=8)
        self.assertAlmostEqual(
            self._price(self.cost_plus, next_month - timedelta(days=1)), 0.1248, places=8
        )
        self.assertAlmostEqual(self._price(self.cost_plus, next_month), 0.114, places=8)
        self.assertAlmostEqual(
            self.cost_plus._get_product_price(self.m365.product_variant_id, 1.0), 26.4, places=6
        )
        # A change scheduled by a later rule of the same scope applies on its day.
        later = next_month + timedelta(days=30)
        self.cost_plus.billbyte_rule_ids = [
            (0, 0, {"applies_to": "product", "product_tmpl_id": self.vm.id,
                    "method": "cost_plus", "markup": 10, "date_start": later,
                    "cap_at_list": True}),
        ]  # fmt: skip
        self.assertAlmostEqual(self._price(self.cost_plus, next_month), 0.114, places=8)
        self.assertAlmostEqual(self._price(self.cost_plus, later), 0.1056, places=8)

    def test_vendor_promotion_passes_on_when_the_strategy_says_so(self):
        self.env["billbyte.vendor.price"].create(
            {
                "product_tmpl_id": self.vm.id,
                "date_start": self.today,
                "date_end": self.today + timedelta(days=10),
                "cost": 0.08,
                "currency_id": self.usd.id,
                "promotion": True,
            }
        )
        # Kept by the provider: priced as without the promotion.
        (self.cost_plus | self.list_discount).billbyte_pass_promotions = False
        self.assertAlmostEqual(self._price(self.cost_plus), 0.1152, places=8)
        self.assertAlmostEqual(self._price(self.list_discount), 0.108, places=8)
        # Passed on: cost-plus on the promotional cost, the saving off the list price.
        (self.cost_plus | self.list_discount).billbyte_pass_promotions = True
        self.assertAlmostEqual(self._price(self.cost_plus), 0.096, places=8)
        self.assertAlmostEqual(self._price(self.list_discount), 0.092, places=8)
        # After the promotion, the regular price again.
        after = self.today + timedelta(days=11)
        self.assertAlmostEqual(self._price(self.cost_plus, after), 0.1152, places=8)
