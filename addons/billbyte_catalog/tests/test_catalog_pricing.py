# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import CatalogCommon


@tagged("post_install", "-at_install")
class TestCatalogPricing(CatalogCommon):
    def test_strategy_price_of_a_catalog_product(self):
        product = self.m365.product_variant_id
        # Fixed: the product's price (or the pricelist's rule).
        self.assertEqual(self.fixed_usd._get_product_price(product, 1.0), 40.0)
        # Cost-plus in USD: 22 * 1.2 + 0.5.
        self.assertAlmostEqual(self.cost_plus_usd._get_product_price(product, 1.0), 26.9)
        # Cost-plus in EUR: the vendor cost converted at the date, then 10 %.
        in_march = self.cost_plus_eur._get_product_price(product, 1.0, date="2026-03-15")
        in_july = self.cost_plus_eur._get_product_price(product, 1.0, date="2026-07-15")
        self.assertAlmostEqual(in_march, 22 * 0.9 * 1.1)
        self.assertAlmostEqual(in_july, 22 * 0.8 * 1.1)
        # A product without a vendor cost keeps its fixed price under cost-plus.
        self.assertEqual(
            self.cost_plus_usd._get_product_price(self.support.product_variant_id, 1.0), 80.0
        )

    def test_sub_cent_unit_prices_and_rounding(self):
        vm = self.vm.product_variant_id
        self.assertAlmostEqual(
            self.cost_plus_usd._billbyte_catalog_unit_price(self.vm), 0.096 * 1.2 + 0.5
        )
        self.cost_plus_usd.billbyte_surcharge = 0.0
        self.assertAlmostEqual(self.cost_plus_usd._get_product_price(vm, 1.0), 0.1152)
        self.cost_plus_usd.billbyte_rounding = 0.01
        self.assertAlmostEqual(self.cost_plus_usd._get_product_price(vm, 1.0), 0.12)

    def test_quotation_uses_the_strategy(self):
        usd_order = self._quotation(self.contoso, [(self.m365, 10)])
        self.assertAlmostEqual(usd_order.order_line.price_unit, 26.9)
        eur_order = self._quotation(
            self.northwind, [(self.vm, 100)], date_order="2026-07-01 10:00:00"
        )
        self.assertEqual(eur_order.currency_id, self.eur)
        self.assertAlmostEqual(eur_order.order_line.price_unit, round(0.096 * 0.8 * 1.1, 2))
        fixed_order = self._quotation(self.fabrikam, [(self.vm, 100)])
        self.assertAlmostEqual(fixed_order.order_line.price_unit, 0.15)

    def test_cost_change_reprices_new_quotations_only(self):
        self.skip_if_licenses_billed_by_runs()
        old_quotation = self._quotation(self.contoso, [(self.m365, 10)])
        invoiced = self._quotation(self.contoso, [(self.m365, 10)])
        invoiced.action_confirm()
        invoice = invoiced._create_invoices()
        invoice.action_post()
        self.assertAlmostEqual(invoice.amount_untaxed, 269.0)

        self.m365.billbyte_vendor_cost = 24.0

        new_quotation = self._quotation(self.contoso, [(self.m365, 10)])
        self.assertAlmostEqual(new_quotation.order_line.price_unit, 24 * 1.2 + 0.5)
        self.assertAlmostEqual(old_quotation.order_line.price_unit, 26.9, msg="a sent price stays")
        self.assertAlmostEqual(invoice.amount_untaxed, 269.0, msg="an invoice never changes")
        self.assertAlmostEqual(invoice.invoice_line_ids.price_unit, 26.9)
        # Updating the old quotation's prices is the salesperson's choice.
        old_quotation.action_update_prices()
        self.assertAlmostEqual(old_quotation.order_line.price_unit, 29.3)

        change = self.m365.billbyte_price_history_ids[0]
        self.assertEqual((change.old_cost, change.new_cost, change.source), (22.0, 24.0, "manual"))
        self.assertEqual(change.currency_id, self.usd)
        self.assertAlmostEqual(change.change_percent, 9.09, places=2)
        self.assertEqual(self.m365.billbyte_price_history_count, 2, "first price and the change")

    def test_same_cost_written_again_is_no_change(self):
        history = self.m365.billbyte_price_history_count
        self.m365.billbyte_vendor_cost = 22.0
        self.m365.invalidate_recordset(["billbyte_price_history_count"])
        self.assertEqual(self.m365.billbyte_price_history_count, history)

    def test_price_simulator(self):
        simulator = self.env["billbyte.price.simulator"].create(
            {"product_tmpl_id": self.m365.id, "partner_id": self.contoso.id, "date": "2026-07-15"}
        )
        lines = {line.pricelist_id: line for line in simulator.line_ids}
        self.assertTrue({self.fixed_usd, self.cost_plus_usd, self.cost_plus_eur} <= set(lines))
        self.assertEqual(
            simulator.line_ids[0].pricelist_id,
            self.cost_plus_usd,
            "the customer's own strategy first",
        )
        self.assertTrue(simulator.line_ids[0].is_customer_pricelist)
        self.assertEqual(lines[self.fixed_usd].price, 40.0)
        self.assertAlmostEqual(lines[self.cost_plus_usd].price, 26.9)
        self.assertAlmostEqual(lines[self.cost_plus_usd].cost, 22.0)
        self.assertAlmostEqual(
            lines[self.cost_plus_usd].margin_percent, (26.9 - 22) / 22 * 100, places=2
        )
        self.assertAlmostEqual(lines[self.cost_plus_eur].cost, 22 * 0.8)
        self.assertAlmostEqual(lines[self.cost_plus_eur].price, 22 * 0.8 * 1.1)
        self.assertEqual(simulator.visibility_note, "Available to this customer.")
        simulator.partner_id = self.northwind
        self.assertIn("offered to the customer segments Enterprise only", simulator.visibility_note)
        action = self.m365.action_billbyte_price_simulator()
        self.assertEqual(action["res_model"], "billbyte.price.simulator")

    def test_strategy_search(self):
        Template = self.env["product.template"]
        cost_plus = Template.search(
            [("billbyte_strategy_pricelist_id", "=", self.cost_plus_usd.id)]
        )
        self.assertIn(self.m365, cost_plus)
        self.assertNotIn(self.support, cost_plus)
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.fixed_usd.id,
                "applied_on": "1_product",
                "product_tmpl_id": self.support.id,
                "compute_price": "fixed",
                "fixed_price": 75.0,
            }
        )
        fixed = Template.search([("billbyte_strategy_pricelist_id", "=", self.fixed_usd.id)])
        self.assertIn(self.support, fixed)
        self.assertNotIn(self.m365, fixed)
        self.assertEqual(
            Template.search([("billbyte_strategy_pricelist_id", "ilike", "Fixed USD")]), fixed
        )
