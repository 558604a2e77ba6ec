# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io
import zipfile

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CatalogCommon, csv_bytes

MS_HEADER = [
    "ChangeIndicator", "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher",
    "SkuDescription", "UnitOfMeasure", "TermDuration", "BillingPlan", "Market", "Currency",
    "UnitPrice", "PricingTierRangeMin", "PricingTierRangeMax", "EffectiveStartDate",
    "EffectiveEndDate", "Tags", "ERP Price", "Segment",
]  # fmt: skip


def ms_row(product_id, sku_id, title, term, plan, price, currency="EUR", segment="Commercial"):
    return [
        "Unchanged", title, product_id, sku_id, title, "Microsoft Corporation", title,
        "Licenses", term, plan, "DE", currency, price, "", "", "2026-07-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "License", price, segment,
    ]  # fmt: skip


AZURE_HEADER = [
    "meterId", "meterName", "meterCategory", "meterSubCategory", "meterRegion",
    "unitOfMeasure", "unitPrice", "currency", "tierMinimumUnits", "priceType",
    "effectiveStartDate",
]  # fmt: skip


def azure_row(meter_id, name, category, subcategory, unit, price, currency="USD", tier="0",
              price_type="Consumption"):  # fmt: skip
    return [
        meter_id, name, category, subcategory, "EU West", unit, price, currency, tier,
        price_type, "2026-07-01",
    ]  # fmt: skip


AWS_BULK_HEAD = [
    ["FormatVersion", "v1.0"],
    ["Disclaimer", "This pricing list is for informational purposes only."],
    ["Publication Date", "2026-07-01T00:00:00Z"],
    ["Version", "20260701000000"],
    ["OfferCode", "AmazonEC2"],
    [
        "SKU", "OfferTermCode", "RateCode", "TermType", "PriceDescription", "EffectiveDate",
        "StartingRange", "EndingRange", "Unit", "PricePerUnit", "Currency", "RelatedTo",
        "LeaseContractLength", "PurchaseOption", "OfferingClass", "Product Family",
        "serviceCode", "Location", "Location Type", "Instance Type", "usageType", "operation",
    ],
]  # fmt: skip


def aws_row(sku, usage_type, price, term_type="OnDemand", starting="0", currency="USD"):
    return [
        sku, "JRTCKXETXF", f"{sku}.JRTCKXETXF.6YS6EN2CT7", term_type,
        f"${price} per On Demand Linux Instance Hour", "2026-07-01T00:00:00Z", starting, "Inf",
        "Hrs", price, currency, "", "", "", "", "Compute Instance", "AmazonEC2",
        "US East (N. Virginia)", "AWS Region", usage_type.split(":")[-1], usage_type, "RunInstances",
    ]  # fmt: skip


@tagged("post_install", "-at_install")
class TestPriceImportFiles(CatalogCommon):
    def _catalog(self, vendor):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search([("billbyte_vendor_id", "=", vendor.id)])
        )

    def _import(self, vendor, file_format, content, **options):
        return self.env["billbyte.price.import"]._billbyte_import_file(
            vendor, file_format, content, file_name="prices.csv", **options
        )

    def _reasons(self, run):
        return {r.line_number: r.reason for r in run.rejection_ids}

    # ------------------------------------------------------------------
    # Microsoft license price list
    # ------------------------------------------------------------------

    def _ms_file(self):
        return csv_bytes(
            [
                MS_HEADER,
                ms_row(
                    "CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", "P1M", "Monthly", "5.60"
                ),
                ms_row(
                    "CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", "P1Y", "Annual", "56.00"
                ),
                # Annual term paid monthly, a three-year term, another segment: not sold.
                ms_row(
                    "CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", "P1Y", "Monthly", "4.67"
                ),
                ms_row(
                    "CFQ7TTC0LH18",
                    "0001",
                    "Microsoft 365 Business Basic",
                    "P3Y",
                    "Triennial",
                    "150",
                ),
                ms_row(
                    "CFQ7TTC0LH18",
                    "0001",
                    "Microsoft 365 Business Basic",
                    "P1M",
                    "Monthly",
                    "2.00",
                    segment="Education",
                ),  # fmt: skip
                # Bad lines: unknown currency, duplicate SKU, negative price, missing columns.
                ms_row(
                    "CFQ7TTC0LCHC",
                    "0002",
                    "Microsoft 365 Business Premium",
                    "P1M",
                    "Monthly",
                    "20.60",
                    currency="XYZ",
                ),  # fmt: skip
                ms_row(
                    "CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", "P1M", "Monthly", "5.90"
                ),
                ms_row(
                    "CFQ7TTC0LH16",
                    "0001",
                    "Microsoft 365 Business Standard",
                    "P1M",
                    "Monthly",
                    "-11.70",
                ),
                ["Unchanged", "Exchange Online (Plan 1)", "CFQ7TTC0LH16", "0003"],
                ms_row("CFQ7TTC0LH1G", "0001", "Exchange Online (Plan 1)", "P1M", "Monthly", ""),
                # Valid after the bad ones.
                ms_row(
                    "CFQ7TTC0LCHC",
                    "0002",
                    "Microsoft 365 Business Premium",
                    "P1M",
                    "Monthly",
                    "20.60",
                ),
            ]
        )

    def test_ms_license_price_list(self):
        before = self._catalog(self.microsoft)
        run = self._import(self.microsoft, "ms_license", self._ms_file())
        self.assertEqual(run.state, "done")
        self.assertEqual(
            (
                run.line_count,
                run.created_count,
                run.updated_count,
                run.skipped_count,
                run.rejected_count,
            ),
            (11, 2, 1, 3, 5),
        )
        reasons = self._reasons(run)
        self.assertEqual(sorted(reasons), [7, 8, 9, 10, 11])
        self.assertIn("unknown currency 'XYZ'", reasons[7])
        self.assertIn("duplicate SKU CFQ7TTC0LH18:0001: already on line 2", reasons[8])
        self.assertIn("negative price -11.70", reasons[9])
        self.assertIn("missing", reasons[10])
        self.assertIn("UnitPrice", reasons[10])
        self.assertIn("missing UnitPrice", reasons[11])
        self.assertEqual(
            run.rejection_ids.filtered(lambda r: r.line_number == 9).sku, "CFQ7TTC0LH16:0001"
        )

        created = self._catalog(self.microsoft) - before
        self.assertEqual(len(created), 2)
        monthly = created.filtered(lambda t: t.billbyte_term == "monthly")
        annual = created.filtered(lambda t: t.billbyte_term == "annual")
        self.assertEqual(monthly.billbyte_sku_id, "CFQ7TTC0LH18:0001")
        self.assertEqual(monthly.name, "Microsoft 365 Business Basic")
        self.assertEqual(annual.name, "Microsoft 365 Business Basic (Annual)")
        self.assertEqual(monthly.billbyte_offer_type, "license")
        # The vendor cost stays in the currency the vendor states: EUR here.
        self.assertEqual(monthly.billbyte_vendor_cost, 5.60)
        self.assertEqual(monthly.billbyte_vendor_currency_id, self.eur)
        self.assertEqual(annual.billbyte_vendor_cost, 56.0)
        self.assertFalse(
            monthly.billbyte_published, "imported items wait for sales staff to publish them"
        )

        # The demo product with the same SKU and term was updated, not duplicated.
        premium = self.env.ref("billbyte_catalog.product_m365_bp_demo")
        self.assertEqual(premium.billbyte_vendor_cost, 20.60)
        self.assertEqual(premium.billbyte_vendor_currency_id, self.eur)
        self.assertEqual(premium.name, "Microsoft 365 Business Premium", "an import keeps names")
        change = premium.billbyte_price_history_ids.filtered(lambda h: h.import_id == run)
        self.assertEqual((change.old_cost, change.new_cost, change.source), (22.0, 20.6, "file"))
        self.assertEqual((change.old_currency_id, change.currency_id), (self.usd, self.eur))
        # The run lists the products it priced; the vendor lists its runs.
        priced = self.env["product.template"].search(run.action_view_products()["domain"])
        self.assertEqual(priced, created | premium)
        self.assertIn(
            run,
            self.env["billbyte.price.import"].search(
                self.microsoft.action_view_price_imports()["domain"]
            ),
        )
        self.assertEqual(self.microsoft.price_import_count, 1)

    def test_ms_license_import_twice_changes_nothing(self):
        self._import(self.microsoft, "ms_license", self._ms_file())
        catalog = self._catalog(self.microsoft)
        history = self.env["billbyte.price.history"].search_count([])
        again = self._import(self.microsoft, "ms_license", self._ms_file())
        self.assertEqual(self._catalog(self.microsoft), catalog)
        self.assertEqual(
            (again.created_count, again.updated_count, again.unchanged_count), (0, 0, 3)
        )
        self.assertEqual(self.env["billbyte.price.history"].search_count([]), history)

    def test_ms_license_new_price_updates_and_is_kept_in_history(self):
        self._import(self.microsoft, "ms_license", self._ms_file())
        basic = self._catalog(self.microsoft).filtered(
            lambda t: t.billbyte_sku_id == "CFQ7TTC0LH18:0001" and t.billbyte_term == "monthly"
        )
        content = csv_bytes(
            [
                MS_HEADER,
                ms_row(
                    "CFQ7TTC0LH18", "0001", "Microsoft 365 Business Basic", "P1M", "Monthly", "6.10"
                ),
            ]
        )
        run = self._import(self.microsoft, "ms_license", content)
        self.assertEqual((run.created_count, run.updated_count), (0, 1))
        self.assertEqual(basic.billbyte_vendor_cost, 6.10)
        history = basic.billbyte_price_history_ids.sorted("id")
        self.assertEqual(history.mapped("new_cost"), [5.60, 6.10])
        self.assertTrue(history[0].initial)
        self.assertEqual(
            (history[1].old_cost, history[1].source, history[1].import_id), (5.60, "file", run)
        )
        self.assertAlmostEqual(history[1].change_percent, 8.93, places=2)

    def test_segment_and_market_options(self):
        content = csv_bytes(
            [
                MS_HEADER,
                ms_row(
                    "CFQ7TTC0LH18",
                    "0001",
                    "Microsoft 365 Business Basic",
                    "P1M",
                    "Monthly",
                    "2.00",
                    segment="Education",
                ),  # fmt: skip
            ]
        )
        run = self._import(self.microsoft, "ms_license", content, segment="Education")
        self.assertEqual((run.created_count, run.skipped_count), (1, 0))
        other_market = self._import(self.microsoft, "ms_license", content, segment="", market="US")
        self.assertEqual((other_market.created_count, other_market.skipped_count), (0, 1))

    def test_file_missing_a_column_is_refused_whole(self):
        header = [column for column in MS_HEADER if column != "UnitPrice"]
        content = csv_bytes([header, ["Unchanged"] * len(header)])
        runs = self.env["billbyte.price.import"].search_count([])
        catalog = self._catalog(self.microsoft)
        with self.assertRaises(UserError) as refused:
            self._import(self.microsoft, "ms_license", content)
        self.assertEqual(
            str(refused.exception),
            "This is not a Microsoft license price list: it has no column UnitPrice.",
        )
        self.assertEqual(self.env["billbyte.price.import"].search_count([]), runs)
        self.assertEqual(self._catalog(self.microsoft), catalog)

    def test_unreadable_files(self):
        with self.assertRaisesRegex(UserError, "empty"):
            self._import(self.microsoft, "ms_license", b"")
        with self.assertRaisesRegex(UserError, "not a readable ZIP archive"):
            self._import(self.microsoft, "ms_license", b"PK\x03\x04garbage")
        with self.assertRaisesRegex(UserError, "no header line starting with SKU"):
            self._import(self.aws, "aws_bulk", csv_bytes([["FormatVersion", "v1.0"]]))

    def test_zipped_price_list(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("pricelist.csv", self._ms_file())
        run = self._import(self.microsoft, "ms_license", buffer.getvalue())
        self.assertEqual((run.created_count, run.rejected_count), (2, 5))

    # ------------------------------------------------------------------
    # Azure meter price sheet
    # ------------------------------------------------------------------

    def test_azure_meter_price_sheet(self):
        vm, blob = (
            ("m-d2sv5", "D2s v5", "Virtual Machines", "Dsv5 Series"),
            (
                "m-blob",
                "Hot LRS Data Stored",
                "Storage",
                "Blob Storage",
            ),
        )
        content = csv_bytes(
            [
                AZURE_HEADER,
                azure_row(*vm, "1 Hour", "0.0960"),
                azure_row(*blob, "1 GB/Month", "0.0208"),
                # Higher tier, reservation: skipped.
                azure_row(*blob, "1 GB/Month", "0.0200", tier="51200"),
                azure_row(*vm, "1 Hour", "500", price_type="Reservation"),
                # Bad: unknown currency, duplicate meter, negative price, missing column.
                azure_row("m-bad", "X", "Virtual Machines", "", "1 Hour", "0.1", currency="ABC"),
                azure_row(*vm, "1 Hour", "0.0970"),
                azure_row("m-neg", "Y", "Virtual Machines", "", "1 Hour", "-0.1"),
                ["m-short", "Z", "Virtual Machines"],
                # Not a number.
                azure_row("m-nan", "W", "Virtual Machines", "", "1 Hour", "abc"),
            ]
        )
        run = self._import(self.microsoft, "azure_meter", content)
        self.assertEqual((run.created_count, run.skipped_count, run.rejected_count), (2, 2, 5))
        reasons = self._reasons(run)
        self.assertIn("unknown currency 'ABC'", reasons[6])
        self.assertIn("duplicate SKU m-d2sv5: already on line 2", reasons[7])
        self.assertIn("negative price -0.1", reasons[8])
        self.assertIn("missing UnitOfMeasure, Currency, UnitPrice", reasons[9])
        self.assertIn("is not a number", reasons[10])
        vm = self._catalog(self.microsoft).filtered(lambda t: t.billbyte_sku_id == "m-d2sv5")
        self.assertEqual(vm.name, "Virtual Machines Dsv5 Series D2s v5 (EU West)")
        self.assertEqual((vm.billbyte_vendor_cost, vm.billbyte_vendor_unit), (0.096, "1 Hour"))
        self.assertEqual(vm.uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(vm.billbyte_service_name, "Virtual Machines")
        blob = self._catalog(self.microsoft).filtered(lambda t: t.billbyte_sku_id == "m-blob")
        self.assertEqual(blob.uom_id, self.env.ref("uom.product_uom_unit"))
        self.assertEqual(blob.billbyte_vendor_cost, 0.0208)

    # ------------------------------------------------------------------
    # AWS Price List bulk CSV
    # ------------------------------------------------------------------

    def test_aws_bulk_csv(self):
        content = csv_bytes(
            [
                *AWS_BULK_HEAD,
                aws_row("2223B6PCG6QAUYY6", "BoxUsage:m5.large", "0.0960000000"),
                aws_row(
                    "2223B6PCG6QAUYY6", "BoxUsage:m5.large", "0.0620000000", term_type="Reserved"
                ),
                aws_row("33FXTD5S2WJ8ZYXP", "BoxUsage:t3.micro", "0.0104000000"),
                aws_row(
                    "9QH3VAGP4QA7NNTH", "DataTransfer-Out-Bytes", "0.0850000000", starting="10240"
                ),
                aws_row("33FXTD5S2WJ8ZYXP", "BoxUsage:t3.micro", "0.0110000000"),
                aws_row("BADCURRENCY00001", "BoxUsage:m5.xlarge", "0.192", currency="QQQ"),
                aws_row("NEGATIVE00000001", "BoxUsage:m5.2xlarge", "-0.384"),
                ["SHORTLINE0000001", "JRTCKXETXF"],
            ]
        )
        run = self._import(self.aws, "aws_bulk", content)
        self.assertEqual((run.created_count, run.skipped_count, run.rejected_count), (2, 2, 4))
        reasons = self._reasons(run)
        self.assertIn("duplicate SKU 33FXTD5S2WJ8ZYXP: already on line 9", reasons[11])
        self.assertIn("unknown currency 'QQQ'", reasons[12])
        self.assertIn("negative price -0.384", reasons[13])
        self.assertIn("missing TermType, Unit, PricePerUnit, Currency", reasons[14])
        m5 = self._catalog(self.aws).filtered(lambda t: t.billbyte_sku_id == "2223B6PCG6QAUYY6")
        self.assertEqual(m5.name, "AmazonEC2 BoxUsage:m5.large (RunInstances)")
        self.assertEqual(
            (m5.billbyte_vendor_cost, m5.billbyte_vendor_currency_id), (0.096, self.usd)
        )
        self.assertEqual((m5.billbyte_service_name, m5.billbyte_vendor_unit), ("AmazonEC2", "Hrs"))
        self.assertEqual(m5.uom_id, self.env.ref("uom.product_uom_hour"))

    def test_vendor_cost_keeps_sub_cent_precision(self):
        content = csv_bytes(
            [*AWS_BULK_HEAD, aws_row("LAMBDAGBSECOND01", "Lambda-GB-Second", "0.0000166667")]
        )
        self._import(self.aws, "aws_bulk", content)
        lambda_gb_second = self._catalog(self.aws).filtered(
            lambda t: t.billbyte_sku_id == "LAMBDAGBSECOND01"
        )
        self.assertEqual(lambda_gb_second.billbyte_vendor_cost, 0.0000166667)

    def test_same_sku_twice_by_hand_is_refused(self):
        with self.assertRaisesRegex(
            ValidationError, "Vendor SKU meter-d2sv5 of .* is already in the catalog"
        ):
            self.vm.copy({"name": "Another D2s v5", "billbyte_sku_id": "meter-d2sv5"})
        self.assertFalse(
            self.vm.copy().billbyte_sku_id, "a duplicated product waits for its own SKU"
        )
        # The same SKU with another term is another offer.
        annual = self.m365.copy(
            {"billbyte_term": "annual", "billbyte_sku_id": self.m365.billbyte_sku_id}
        )
        self.assertEqual(annual.billbyte_sku_id, self.m365.billbyte_sku_id)

    # ------------------------------------------------------------------
    # The wizard
    # ------------------------------------------------------------------

    def test_wizard_imports_a_file(self):
        wizard = self.env["billbyte.price.import.wizard"].create(
            {
                "file_format": "ms_license",
                "file": base64.b64encode(self._ms_file()),
                "file_name": "pricelist_DE.csv",
            }
        )
        self.assertEqual(wizard.vendor_id, self.microsoft, "the format names its vendor")
        action = wizard.action_import()
        run = self.env["billbyte.price.import"].browse(action["res_id"])
        self.assertEqual(
            (run.file_name, run.created_count, run.rejected_count), ("pricelist_DE.csv", 2, 5)
        )
        self.assertEqual(run.vendor_id, self.microsoft)
