# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import CatalogCommon, csv_bytes
from .test_price_import_files import MS_HEADER

BASIC = ("CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic")
STANDARD = ("CFQ7TTC0LDPB", "0001", "Microsoft 365 Business Standard")
EXCHANGE = ("CFQ7TTC0LH16", "0001", "Exchange Online (Plan 1)")


def dated_row(product, price, start="", end="", currency="USD", erp=""):
    """A Partner Center license price line (monthly term) valid from `start` to `end`."""
    product_id, sku_id, title = product
    return [
        "Unchanged", title, product_id, sku_id, title, "Microsoft Corporation", title,
        "Licenses", "P1M", "Monthly", "US", currency, price, "", "", start, end, "License",
        erp, "Commercial",
    ]  # fmt: skip


def us_date(day):
    """Partner Center's way of writing a day: 3/1/2018 12:00:00 AM."""
    return f"{day.month}/{day.day}/{day.year} 12:00:00 AM"


@tagged("post_install", "-at_install")
class TestPriceDates(CatalogCommon):
    """Prices with effective dates (a price announced for next month waits for its day)
    and SKUs a vendor's sheet no longer lists (retired, never deleted)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["product.template"])
        cls.next_month = cls.today + timedelta(days=30)
        cls.later = cls.today + timedelta(days=60)

    def _import(self, rows, **run_values):
        return self.env["billbyte.price.import"]._billbyte_import_file(
            self.microsoft,
            "ms_license",
            csv_bytes([MS_HEADER, *rows]),
            file_name="sheet.csv",
            run_values=run_values,
        )

    def _product(self, product):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search(
                [
                    ("billbyte_vendor_id", "=", self.microsoft.id),
                    ("billbyte_sku_id", "=", f"{product[0]}:{product[1]}"),
                ]
            )
        )

    def _quoted_price(self, template, day):
        template.action_billbyte_publish()
        order = self._quotation(self.contoso, [(template, 1)], date_order=f"{day} 10:00:00")
        return order.order_line.price_unit

    # ------------------------------------------------------------------
    # Effective dates
    # ------------------------------------------------------------------

    def test_price_announced_for_next_month_waits_for_its_day(self):
        self._import([dated_row(BASIC, "6.00", erp="7.20")])
        basic = self._product(BASIC)
        run = self._import(
            [
                dated_row(BASIC, "6.00", erp="7.20"),
                dated_row(BASIC, "6.60", start=us_date(self.next_month), erp="7.92"),
            ]
        )
        self.assertEqual((run.updated_count, run.scheduled_count, run.unchanged_count), (0, 1, 1))
        self.assertIn(f"Announced (1): {BASIC[0]}:{BASIC[1]} ({self.next_month})", run.summary)
        # Today's price stays; the product shows the next one and its day.
        self.assertEqual(basic.billbyte_vendor_cost, 6.0)
        self.assertEqual(basic.billbyte_vendor_list_price, 7.2)
        self.assertEqual(
            (basic.billbyte_next_vendor_cost, basic.billbyte_next_price_date),
            (6.6, self.next_month),
        )
        self.assertEqual(
            basic.billbyte_vendor_price_ids.sorted("date_start").mapped("date_start"),
            [self.today, self.next_month],
        )
        # The history keeps both: the first price and the announced one with its day.
        history = basic.billbyte_price_history_ids.sorted("id")
        self.assertEqual(
            [(h.kind, h.date_effective, h.old_cost, h.new_cost) for h in history],
            [("added", self.today, 0.0, 6.0), ("scheduled", self.next_month, 6.0, 6.6)],
        )
        # Quotations are priced by the vendor price of their order date (cost-plus 20 %
        # + 0.50 for Contoso).
        self.assertAlmostEqual(self._quoted_price(basic, self.today), 7.70, places=6)
        self.assertAlmostEqual(self._quoted_price(basic, self.next_month), 8.42, places=6)
        # On its day, the daily action makes it the product's price.
        with freeze_time(self.next_month):
            self.env["product.template"]._cron_billbyte_apply_dated_prices()
        self.assertEqual(basic.billbyte_vendor_cost, 6.6)
        self.assertEqual(basic.billbyte_vendor_list_price, 7.92)
        # The same announcement again changes nothing.
        with freeze_time(self.next_month):
            again = self._import(
                [dated_row(BASIC, "6.60", start=us_date(self.next_month), erp="7.92")]
            )
        self.assertEqual((again.updated_count, again.scheduled_count), (0, 0))
        self.assertEqual(again.unchanged_count, 1)

    def test_earlier_announcement_than_a_stored_later_price_keeps_both(self):
        self._import([dated_row(BASIC, "6.00")])
        basic = self._product(BASIC)
        self._import([dated_row(BASIC, "7.00", start=self.later.isoformat())])
        # Announced after, but valid before the price stored for later.
        run = self._import([dated_row(BASIC, "6.50", start=self.next_month.isoformat())])
        self.assertEqual(run.scheduled_count, 1)
        prices = basic.billbyte_vendor_price_ids.sorted("date_start")
        self.assertEqual(
            [(p.date_start, p.cost) for p in prices],
            [(self.today, 6.0), (self.next_month, 6.5), (self.later, 7.0)],
        )
        for day, cost in (
            (self.today, "6"),
            (self.next_month - timedelta(days=1), "6"),
            (self.next_month, "6.5"),
            (self.later - timedelta(days=1), "6.5"),
            (self.later, "7"),
            (self.later + timedelta(days=365), "7"),
        ):
            self.assertEqual(basic._billbyte_vendor_price_at(day)[0], Decimal(cost), day)

    def test_price_dated_in_the_past_takes_effect_today(self):
        basic_price = self._import([dated_row(BASIC, "6.00", start="2026-01-01T00:00:00Z")])
        self.assertEqual(basic_price.created_count, 1)
        basic = self._product(BASIC)
        self.assertEqual(basic.billbyte_vendor_price_ids.date_start, self.today)
        # A vendor price stated as valid since a past day never prices what is already
        # dated: an order of last month keeps the price of its own day.
        self.env["billbyte.vendor.price"].create(
            {
                "product_tmpl_id": basic.id,
                "date_start": self.today - timedelta(days=60),
                "cost": 5.0,
                "currency_id": self.usd.id,
            }
        )
        self._import([dated_row(BASIC, "6.30", start="2026-01-01T00:00:00Z")])
        self.assertAlmostEqual(
            self._quoted_price(basic, self.today - timedelta(days=30)), 6.50, places=6
        )
        self.assertAlmostEqual(self._quoted_price(basic, self.today), 8.06, places=6)

    def test_promotion_lowers_the_cost_for_its_interval_only(self):
        self._import([dated_row(BASIC, "6.00")])
        basic = self._product(BASIC)
        self.env["billbyte.vendor.price"].create(
            {
                "product_tmpl_id": basic.id,
                "date_start": self.today,
                "date_end": self.next_month,
                "cost": 4.8,
                "currency_id": self.usd.id,
                "promotion": True,
            }
        )
        self.assertEqual(basic.billbyte_vendor_cost, 4.8)
        self.assertEqual(basic._billbyte_vendor_price_at(self.next_month)[0], Decimal("4.8"))
        after = self.next_month + timedelta(days=1)
        self.assertEqual(basic._billbyte_vendor_price_at(after)[0], Decimal("6"))
        with freeze_time(after):
            self.env["product.template"]._cron_billbyte_apply_dated_prices()
        self.assertEqual(basic.billbyte_vendor_cost, 6.0)

    def test_a_cost_set_by_hand_is_the_price_from_today(self):
        self.vm.billbyte_vendor_cost = 0.1
        price = self.vm.billbyte_vendor_price_ids.filtered(lambda p: p.date_start == self.today)
        self.assertEqual((price.cost, price.source), (0.1, "manual"))
        self.assertEqual(self.vm.billbyte_price_history_ids[0].date_effective, self.today)

    def test_bad_dates_are_rejected_with_their_line(self):
        run = self._import(
            [
                dated_row(BASIC, "6.00", start="next tuesday"),
                dated_row(STANDARD, "12.00", start="2027-02-01", end="2027-01-01"),
                dated_row(EXCHANGE, "4.00"),
            ]
        )
        reasons = {r.line_number: r.reason for r in run.rejection_ids}
        self.assertEqual(run.created_count, 1)
        self.assertIn("start date 'next tuesday' is not a date", reasons[2])
        self.assertIn("ends (2027-01-01) before it starts (2027-02-01)", reasons[3])

    # ------------------------------------------------------------------
    # Complete sheets: retired SKUs
    # ------------------------------------------------------------------

    def _sheet(self, *rows):
        return self._import(list(rows), sheet_key="microsoft:updatedlicensebased:US")

    def test_sku_leaving_the_sheet_is_retired_not_deleted(self):
        self._sheet(dated_row(BASIC, "6.00"), dated_row(STANDARD, "12.50"))
        standard = self._product(STANDARD)
        standard.action_billbyte_publish()
        order = self._quotation(self.contoso, [(standard, 5)])
        run = self._sheet(dated_row(BASIC, "6.00"), dated_row(EXCHANGE, "4.00"))
        self.assertEqual((run.created_count, run.retired_count, run.unchanged_count), (1, 1, 1))
        self.assertIn("Added (1): CFQ7TTC0LH16:0001", run.summary)
        self.assertIn("Retired (1): CFQ7TTC0LDPB:0001", run.summary)
        self.assertTrue(standard.exists(), "never deleted")
        self.assertFalse(standard.active)
        self.assertFalse(standard.with_context(active_test=False).product_variant_ids.active)
        self.assertEqual(standard.billbyte_retired_date, self.today)
        self.assertEqual(standard.billbyte_price_history_ids[0].kind, "retired")
        # No longer offered: not in the customer's catalog, refused on a new quotation.
        Template = self.env["product.template"]
        self.assertNotIn(standard, Template.search(Template._billbyte_visible_domain(self.contoso)))
        with self.assertRaisesRegex(ValidationError, "the vendor retired it"):
            self._quotation(self.contoso, [(standard, 1)])
        # What already uses it keeps its price: the quotation and the strategy's price.
        self.assertAlmostEqual(order.order_line.price_unit, 15.50, places=6)
        self.assertAlmostEqual(
            self.cost_plus_usd._get_product_price(
                standard.with_context(active_test=False).product_variant_ids, 1.0
            ),
            15.50,
        )
        # Listed again: active again.
        back = self._sheet(dated_row(BASIC, "6.00"), dated_row(STANDARD, "12.50"))
        self.assertEqual((back.restored_count, back.retired_count), (1, 1))
        self.assertTrue(standard.active)
        self.assertFalse(standard.billbyte_retired_date)

    def test_a_file_that_is_not_a_complete_sheet_retires_nothing(self):
        self._sheet(dated_row(BASIC, "6.00"), dated_row(STANDARD, "12.50"))
        run = self._import([dated_row(BASIC, "6.10")])
        self.assertEqual(run.retired_count, 0)
        self.assertTrue(self._product(STANDARD).active)

    def test_unchanged_sheet_writes_nothing(self):
        self._sheet(dated_row(BASIC, "6.00"), dated_row(STANDARD, "12.50"))
        products = self._product(BASIC) | self._product(STANDARD)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, write_date FROM product_template WHERE id = ANY(%s) ORDER BY id",
            [products.ids],
        )
        written = self.env.cr.fetchall()
        counts = [
            self.env[model].search_count([])
            for model in ("billbyte.price.history", "billbyte.vendor.price")
        ]
        run = self._sheet(dated_row(BASIC, "6.00"), dated_row(STANDARD, "12.50"))
        self.assertEqual(
            (run.created_count, run.updated_count, run.retired_count, run.unchanged_count),
            (0, 0, 0, 2),
        )
        self.assertEqual(run.summary, "No change.")
        self.env.cr.execute(
            "SELECT id, write_date FROM product_template WHERE id = ANY(%s) ORDER BY id",
            [products.ids],
        )
        self.assertEqual(self.env.cr.fetchall(), written)
        self.assertEqual(
            [
                self.env[model].search_count([])
                for model in ("billbyte.price.history", "billbyte.vendor.price")
            ],
            counts,
        )

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_empty_sheet_is_refused_and_retires_nothing(self):
        self._sheet(dated_row(BASIC, "6.00"))
        runs = self.env["billbyte.price.import"].search_count([])
        with self.assertRaisesRegex(UserError, "holds no prices: nothing was changed"):
            self._sheet()
        self.assertTrue(self._product(BASIC).active)
        self.assertEqual(self.env["billbyte.price.import"].search_count([]), runs)

    def test_truncated_or_corrupt_zip_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "sheet.csv",
                csv_bytes([MS_HEADER] + [dated_row(BASIC, f"{n}.00") for n in range(2000)]),
            )
        whole = buffer.getvalue()
        catalog = self.env["product.template"].search_count([])
        for broken in (whole[: len(whole) // 2], whole[:200] + b"\0" * 300 + whole[500:]):
            with self.assertRaisesRegex(UserError, "ZIP archive"):
                self.env["billbyte.price.import"]._billbyte_import_file(
                    self.microsoft, "ms_license", broken
                )
        self.assertEqual(self.env["product.template"].search_count([]), catalog)

    def test_currency_not_active_is_rejected_the_rest_imported(self):
        chf = self.env.ref("base.CHF")
        chf.active = False
        run = self._import([dated_row(BASIC, "6.00", currency="CHF"), dated_row(STANDARD, "12.50")])
        self.assertEqual((run.created_count, run.rejected_count), (1, 1))
        self.assertEqual(
            run.rejection_ids.reason,
            "currency CHF is not active in Odoo: activate it and give it rates",
        )

    def test_names_with_tabs_backslashes_and_line_breaks_land_as_written(self):
        odd = ("CFQ7TTC0ODD1", "0001", 'Plan "A"\tbeta \\ x\nline two')
        odder = ("CFQ7TTC0ODD2", "0001", "Plan\\B\r\n\\N")
        run = self._import([dated_row(odd, "1.00"), dated_row(odder, "2.00")])
        self.assertEqual(run.created_count, 2)
        # The first product is made through the ORM, the second copied in SQL.
        self.assertEqual(self._product(odd).name, odd[2])
        self.assertEqual(self._product(odder).name, odder[2])
