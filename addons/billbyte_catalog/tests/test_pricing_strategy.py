# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..models.product_pricelist import COST_PLUS_SQL, cost_plus


@tagged("post_install", "-at_install")
class TestPricingStrategy(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Cost-plus 20%",
                "currency_id": cls.env.ref("base.USD").id,
                "billbyte_strategy": "cost_plus",
                "billbyte_markup": 20.0,
                "billbyte_surcharge": 0.5,
                "billbyte_min_margin": 10.0,
            }
        )

    def test_vendors_exist(self):
        codes = set(self.env["billbyte.cloud.vendor"].search([]).mapped("code"))
        self.assertLessEqual({"aws", "microsoft", "gcp"}, codes)

    def test_cost_plus_amount_to_the_cent(self):
        self.assertEqual(self.pricelist._billbyte_cost_plus_amount(100.0), 120.5)
        # A credit stays a credit: markup and surcharge apply with its sign.
        self.assertEqual(self.pricelist._billbyte_cost_plus_amount(-10.0), -12.5)
        self.assertEqual(self.pricelist._billbyte_cost_plus_amount(0.0), 0.0)

    def test_cost_plus_rounding(self):
        self.pricelist.billbyte_rounding = 0.05
        self.assertAlmostEqual(self.pricelist._billbyte_cost_plus_amount(1.234), 2.0, 2)

    def test_markup_below_minimum_margin_refused(self):
        with self.assertRaises(ValidationError) as refused:
            self.pricelist.billbyte_markup = 5.0
        self.assertIn("below the minimum margin of 10", str(refused.exception))
        self.pricelist.invalidate_recordset()
        self.assertEqual(self.pricelist.billbyte_markup, 20.0)

    def test_min_margin_is_a_margin_not_a_markup(self):
        # 11 % markup leaves a 9.91 % margin: below 10 %.
        with self.assertRaises(ValidationError) as refused:
            self.pricelist.billbyte_markup = 11.0
        self.assertIn("leaves a margin of 9.91%", str(refused.exception))
        # 11.12 % markup leaves 10.007 %: enough.
        self.pricelist.billbyte_markup = 11.12
        self.assertEqual(self.pricelist.billbyte_markup, 11.12)

    def test_cost_plus_sql_and_python_give_the_same_amounts(self):
        """The import rates with COST_PLUS_SQL, quotations with cost_plus(): one rule."""
        cases = [
            ("100", "20", "0.5"),
            ("-10", "20", "0.5"),
            ("0", "20", "0.5"),
            ("0.000028", "12.3456", "0"),
            ("12.345678901234567890123457", "-15", "0.01"),
            ("-0.0000001", "0", "2"),
        ]
        for cost, markup, surcharge in cases:
            self.env.cr.execute(
                "SELECT ("
                + COST_PLUS_SQL.format(
                    cost="%(c)s::numeric", markup="%(m)s::numeric", surcharge="%(s)s::numeric"
                )
                + ")::text",
                {"c": cost, "m": markup, "s": surcharge},
            )
            in_sql = Decimal(self.env.cr.fetchone()[0])
            in_python = cost_plus(cost, markup, surcharge)
            self.assertEqual(
                in_sql.quantize(Decimal("1e-20")), in_python.quantize(Decimal("1e-20")), cost
            )
        self.assertEqual(cost_plus("100", "20", "0.5"), Decimal("120.5"))
        self.assertEqual(self.pricelist._billbyte_cost_plus_amount(100.0), 120.5)
