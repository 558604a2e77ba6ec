# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged

from .common import UsageCommon, focus_csv, focus_row

SKU = "M5LARGE000000001"
EARLY, LATE = "2026-10-05", "2026-10-20"


@tagged("post_install", "-at_install")
class TestUsagePricingRules(UsageCommon):
    """Rating by the price rules of each strategy, on the same usage of the same SKU:
    10 hours a day of an EC2 instance the vendor bills 1.00 USD a day, whose list
    price in the catalog is 0.12 USD an hour from 2026-10-01 and 0.15 from
    2026-10-15 (its vendor cost stays 0.10)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m5 = cls.env["product.template"].create(
            {
                "name": "EC2 m5.large",
                "type": "service",
                "billbyte_vendor_id": cls.aws.id,
                "billbyte_offer_type": "metered",
                "billbyte_service_name": "AmazonEC2",
                "billbyte_sku_id": SKU,
            }
        )
        Price = cls.env["billbyte.vendor.price"]
        for start, list_price in (("2026-10-01", 0.12), ("2026-10-15", 0.15)):
            Price.create(
                {
                    "product_tmpl_id": cls.m5.id,
                    "date_start": start,
                    "cost": 0.10,
                    "list_price": list_price,
                    "currency_id": cls.usd.id,
                }
            )
        Pricelist = cls.env["product.pricelist"]

        def strategy(name, **values):
            return Pricelist.create({"name": name, "currency_id": cls.usd.id, **values})

        cls.strategies = {
            "list_10": strategy(
                "List -10", billbyte_strategy="list_discount", billbyte_list_discount=10
            ),
            "plus_50_capped": strategy(
                "Cost-plus 50 capped",
                billbyte_strategy="cost_plus",
                billbyte_markup=50,
                billbyte_cap_at_list=True,
            ),
            "list_25_floored": strategy(
                "List -25 floored",
                billbyte_strategy="list_discount",
                billbyte_list_discount=25,
                billbyte_floor_at_cost=True,
            ),
            "fixed_floored": strategy(
                "Fixed 0.05 floored",
                billbyte_strategy="fixed",
                billbyte_floor_at_cost=True,
                item_ids=[
                    (
                        0,
                        0,
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": cls.m5.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.05,
                        },
                    )
                ],
            ),  # fmt: skip
            "plus_20_rule": strategy(
                "Cost-plus 20, SKU rule from the 15th",
                billbyte_strategy="cost_plus",
                billbyte_markup=20,
                billbyte_rule_ids=[
                    (
                        0,
                        0,
                        {
                            "applies_to": "product",
                            "product_tmpl_id": cls.m5.id,
                            "method": "list_discount",
                            "discount": 5,
                            "date_start": "2026-10-15",
                        },
                    )
                ],
            ),  # fmt: skip
        }
        Account = cls.env["billbyte.cloud.account"]
        cls.accounts = {}
        for number, (key, pricelist) in enumerate(cls.strategies.items(), start=1):
            cls.accounts[key] = Account.create(
                {
                    "name": pricelist.name,
                    "vendor_id": cls.aws.id,
                    "vendor_account_id": f"5{number:011d}",
                    "partner_id": cls.contoso.id,
                    "pricelist_id": pricelist.id,
                }
            )

    def _rows(self, accounts, cost="1.00"):
        rows = []
        for account in accounts:
            for day in (EARLY, LATE):
                row = focus_row(
                    account.vendor_account_id, day, "AmazonEC2", cost, qty="10", sku=SKU
                )
                row["ListCost"] = ""  # the catalog's list price of the day applies
                rows.append(row)
        return rows

    def _prices(self, account):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT charge_date::text, price::text FROM billbyte_usage_record "
            "WHERE cloud_account_id = %s ORDER BY charge_date",
            [account.id],
        )
        return {day: Decimal(price) for day, price in self.env.cr.fetchall()}

    def test_each_rule_on_the_same_usage(self):
        self.import_bytes(focus_csv(self._rows(self.accounts.values())))
        expected = {
            # 10 h x list 0.12 (early) / 0.15 (late) less 10 %.
            "list_10": ("1.08", "1.35"),
            # cost 1.00 + 50 % = 1.50, at most the list amount 1.20 / 1.50.
            "plus_50_capped": ("1.20", "1.50"),
            # list less 25 % = 0.90 / 1.125, at least the cost 1.00.
            "list_25_floored": ("1.00", "1.125"),
            # 10 h x 0.05 = 0.50, at least the cost 1.00.
            "fixed_floored": ("1.00", "1.00"),
            # cost-plus 20 % until the SKU's rule starts on the 15th: list less 5 %.
            "plus_20_rule": ("1.20", "1.425"),
        }
        for key, (early, late) in expected.items():
            prices = self._prices(self.accounts[key])
            self.assertEqual((prices[EARLY], prices[LATE]), (Decimal(early), Decimal(late)), key)

    def test_earlier_usage_is_never_rated_again_by_a_newer_price(self):
        account = self.accounts["list_10"]
        run = self.import_bytes(focus_csv(self._rows([account])))
        before = self._prices(account)
        # A newer list price (announced today) and a re-rating of the month.
        self.env["billbyte.vendor.price"].create(
            {
                "product_tmpl_id": self.m5.id,
                "date_start": "2026-12-01",
                "cost": 0.10,
                "list_price": 0.30,
                "currency_id": self.usd.id,
            }
        )
        records = self.env["billbyte.usage.record"].search([("run_id", "=", run.id)])
        self.env["billbyte.usage.pipeline"]._rerate(records.ids, self.company)
        self.assertEqual(self._prices(account), before)
        self.assertEqual(before, {EARLY: Decimal("1.08"), LATE: Decimal("1.35")})

    def test_promotion_passed_on_or_kept(self):
        self.env["billbyte.vendor.price"].create(
            {
                "product_tmpl_id": self.m5.id,
                "date_start": "2026-10-18",
                "date_end": "2026-10-25",
                "cost": 0.08,
                "currency_id": self.usd.id,
                "promotion": True,
            }
        )
        kept = self.accounts["plus_50_capped"]
        passed = self.accounts["list_10"]
        self.strategies["plus_50_capped"].billbyte_pass_promotions = False
        rows = [
            row
            for row in self._rows([kept, passed], cost="0.80")
            if row["ChargePeriodStart"].startswith(LATE)
        ]
        self.import_bytes(focus_csv(rows))
        # The vendor billed 0.80 (promotion). Kept: cost-plus on the regular 1.00 cost,
        # 1.50 capped at list 1.50; passed on: 1.35 less the 0.20 saving.
        self.assertEqual(self._prices(kept)[LATE], Decimal("1.50"))
        self.assertEqual(self._prices(passed)[LATE], Decimal("1.15"))

    def test_account_strategy_overrides_the_customers(self):
        """The same usage under the customer's strategy (Contoso: cost-plus 20 %) and
        under a cloud account's own strategy (discount off list 10 %)."""
        Account = self.env["billbyte.cloud.account"]
        own = Account.create(
            {
                "name": "Contoso dev",
                "vendor_id": self.aws.id,
                "vendor_account_id": "600000000001",
                "partner_id": self.contoso.id,
            }
        )
        overridden = Account.create(
            {
                "name": "Contoso research",
                "vendor_id": self.aws.id,
                "vendor_account_id": "600000000002",
                "partner_id": self.contoso.id,
                "pricelist_id": self.strategies["list_10"].id,
            }
        )
        self.assertEqual(own.pricelist_id, self.cost_plus_usd)
        self.import_bytes(focus_csv(self._rows([own, overridden])))
        self.assertEqual(self._prices(own), {EARLY: Decimal("1.20"), LATE: Decimal("1.20")})
        self.assertEqual(self._prices(overridden), {EARLY: Decimal("1.08"), LATE: Decimal("1.35")})
        own.invalidate_recordset()
        overridden.invalidate_recordset()
        self.assertEqual((own.unbilled_amount, overridden.unbilled_amount), (2.40, 2.43))
        lines = self.usage_lines(overridden)
        self.assertEqual(lines.mapped("billbyte_price"), [1.08, 1.35])
