# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendor files that are not FOCUS, uploaded as they are: the legacy AWS Cost and
Usage Report, Azure cost details (EA and MCA), Google Cloud's billing export
flattened to CSV. Each is mapped to FOCUS and imported by the same pipeline."""

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

from odoo.tests import tagged

# The formats register when their modules are imported.
from ..connectors import aws_cur, azure_cost, formats, gcp_billing
from .common import FOCUS_12_HEADER, UsageCommon

CUR_LEGACY_HEADER = [
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/InvoiceId",
    "bill/InvoicingEntity",
    "bill/BillingEntity",
    "bill/BillType",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "lineItem/LineItemDescription",
    "lineItem/TaxType",
    "lineItem/LegalEntity",
    "product/ProductName",
    "product/location",
    "product/region",
    "product/regionCode",
    "product/sku",
    "pricing/publicOnDemandCost",
    "pricing/publicOnDemandRate",
    "pricing/term",
    "pricing/unit",
    "reservation/ReservationARN",
    "savingsPlan/SavingsPlanARN",
    "savingsPlan/SavingsPlanEffectiveCost",
    "resourceTags/user:CostCenter",
    "resourceTags/user:Name",
]


def cur_legacy_row(account, day, product, item_type, cost, amount="24", **columns):
    """A daily legacy CUR line; day is 'YYYY-MM-DD' (in October 2026)."""
    end = f"2026-10-{int(day[8:]) + 1:02d}"
    row = {
        "identity/LineItemId": f"li{abs(hash((account, day, product, cost))) % 10**12}",
        "identity/TimeInterval": f"{day}T00:00:00Z/{end}T00:00:00Z",
        "bill/InvoiceId": "",
        "bill/InvoicingEntity": "Amazon Web Services, Inc.",
        "bill/BillingEntity": "AWS",
        "bill/BillType": "Anniversary",
        "bill/PayerAccountId": "900000000001",
        "bill/BillingPeriodStartDate": "2026-10-01T00:00:00Z",
        "bill/BillingPeriodEndDate": "2026-11-01T00:00:00Z",
        "lineItem/UsageAccountId": account,
        "lineItem/LineItemType": item_type,
        "lineItem/UsageStartDate": f"{day}T00:00:00Z",
        "lineItem/UsageEndDate": f"{end}T00:00:00Z",
        "lineItem/ProductCode": product,
        "lineItem/UsageType": "EU-BoxUsage:m5.large" if product == "AmazonEC2" else "",
        "lineItem/Operation": "RunInstances" if product == "AmazonEC2" else "",
        "lineItem/UsageAmount": amount,
        "lineItem/CurrencyCode": "USD",
        "lineItem/UnblendedCost": cost,
        "lineItem/BlendedCost": cost,
        "lineItem/LineItemDescription": f"{product} {item_type}",
        "lineItem/LegalEntity": "Amazon Web Services EMEA SARL",
        "product/ProductName": {"AmazonEC2": "Amazon Elastic Compute Cloud"}.get(product, product),
        "product/location": "EU (Ireland)",
        "product/regionCode": "eu-west-1",
        "product/sku": "6M2MC5MA6UFEZFJQ" if product == "AmazonEC2" else "",
        "pricing/publicOnDemandCost": cost,
        "pricing/term": "OnDemand",
        "pricing/unit": "Hrs",
    }
    row.update(columns)
    return row


def vendor_csv(header, rows, crlf=False, bom=False, quote_all=False):
    """A vendor's CSV file: its own header, line endings, byte order mark and quoting."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=header,
        extrasaction="raise",
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


def cur_legacy_file(rows, header=None, **options):
    return vendor_csv(header or CUR_LEGACY_HEADER, rows, **options)


# An Enterprise Agreement's cost details (the portal's download: PascalCase, Cost,
# dates as MM/DD/YYYY).
EA_HEADER = [
    "InvoiceSectionName",
    "AccountName",
    "AccountOwnerId",
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroup",
    "ResourceLocation",
    "Date",
    "ProductName",
    "MeterCategory",
    "MeterSubCategory",
    "MeterId",
    "MeterName",
    "MeterRegion",
    "UnitOfMeasure",
    "Quantity",
    "EffectivePrice",
    "Cost",
    "UnitPrice",
    "BillingCurrency",
    "ResourceId",
    "Tags",
    "OfferId",
    "AdditionalInfo",
    "ServiceInfo1",
    "ServiceInfo2",
    "ResourceName",
    "ReservationId",
    "ReservationName",
    "ProductOrderId",
    "ProductOrderName",
    "Term",
    "PublisherType",
    "PublisherName",
    "ChargeType",
    "Frequency",
    "PricingModel",
    "AvailabilityZone",
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "BillingProfileId",
    "BillingProfileName",
    "InvoiceSectionId",
    "IsAzureCreditEligible",
    "PartNumber",
    "PayGPrice",
    "PlanName",
    "ServiceFamily",
    "CostAllocationRuleName",
    "benefitId",
    "benefitName",
]
# A Microsoft Customer Agreement's scheduled export (camelCase mostly,
# costInBillingCurrency, ISO dates).
MCA_HEADER = [
    "invoiceId",
    "previousInvoiceId",
    "billingAccountId",
    "billingAccountName",
    "billingProfileId",
    "billingProfileName",
    "invoiceSectionId",
    "invoiceSectionName",
    "resellerName",
    "resellerMpnId",
    "costCenter",
    "billingPeriodEndDate",
    "billingPeriodStartDate",
    "servicePeriodEndDate",
    "servicePeriodStartDate",
    "date",
    "serviceFamily",
    "productOrderId",
    "productOrderName",
    "consumedService",
    "meterId",
    "meterName",
    "meterCategory",
    "meterSubCategory",
    "meterRegion",
    "ProductId",
    "ProductName",
    "SubscriptionId",
    "subscriptionName",
    "publisherType",
    "publisherId",
    "publisherName",
    "resourceGroupName",
    "ResourceId",
    "resourceLocation",
    "location",
    "effectivePrice",
    "quantity",
    "unitOfMeasure",
    "chargeType",
    "billingCurrency",
    "pricingCurrency",
    "costInBillingCurrency",
    "costInPricingCurrency",
    "costInUsd",
    "paygCostInBillingCurrency",
    "paygCostInUsd",
    "exchangeRatePricingToBilling",
    "exchangeRateDate",
    "isAzureCreditEligible",
    "serviceInfo1",
    "serviceInfo2",
    "additionalInfo",
    "tags",
    "PayGPrice",
    "frequency",
    "term",
    "reservationId",
    "reservationName",
    "pricingModel",
    "unitPrice",
    "costAllocationRuleName",
    "benefitId",
    "benefitName",
    "provider",
]
CONTOSO_SUB = "5f2b7c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
NORTHWIND_SUB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
VM_METER = "d9fa5a4f-cbd3-4a2d-8d11-4ea8e1a7b5a5"
STORAGE_METER = "0c3a2b1d-7e6f-4d5c-9b8a-7f6e5d4c3b2a"


def ea_row(subscription, day, category, meter, quantity, cost, charge_type="Usage", **columns):
    row = dict.fromkeys(EA_HEADER, "")
    row.update(
        {
            "InvoiceSectionName": "Reseller",
            "AccountName": "Reseller EA",
            "SubscriptionId": subscription,
            "SubscriptionName": "Production",
            "ResourceGroup": "PROD-RG",
            "ResourceLocation": "EU West",
            "Date": day,
            "ProductName": f"{category} - EU West",
            "MeterCategory": category,
            "MeterSubCategory": "Dv3/DSv3 Series",
            "MeterId": meter,
            "MeterName": "D2 v3/D2s v3",
            "MeterRegion": "EU West",
            "UnitOfMeasure": "10 Hours",
            "Quantity": quantity,
            "EffectivePrice": "9.6E-02",
            "Cost": cost,
            "UnitPrice": "9.6E-02",
            "BillingCurrency": "USD",
            "ResourceId": f"/subscriptions/{subscription}/resourceGroups/prod-rg/providers/"
            "Microsoft.Compute/virtualMachines/vm1",
            "Tags": '"env": "prod","costcenter": "42"',
            "PublisherType": "Azure",
            "PublisherName": "Microsoft",
            "ChargeType": charge_type,
            "Frequency": "UsageBased",
            "PricingModel": "OnDemand",
            "BillingAccountId": "71234567",
            "BillingAccountName": "Reseller Enrollment",
            "BillingPeriodStartDate": "10/01/2026",
            "BillingPeriodEndDate": "10/31/2026",
        }
    )
    row.update(columns)
    return row


def mca_row(subscription, day, category, meter, quantity, cost, charge_type="Usage", **columns):
    row = dict.fromkeys(MCA_HEADER, "")
    row.update(
        {
            "invoiceId": "",
            "billingAccountId": "a1b2c3d4-0000-4000-8000-000000000001:"
            "e5f6a7b8-0000-4000-8000-000000000002_2019-05-31",
            "billingAccountName": "Reseller MCA",
            "billingProfileId": "ABCD-EFGH-XYZ-PGB",
            "invoiceSectionId": "WXYZ-1234-PJA-PGB",
            "invoiceSectionName": "Customers",
            "billingPeriodStartDate": "2026-10-01",
            "billingPeriodEndDate": "2026-10-31",
            "date": day,
            "serviceFamily": "Compute",
            "consumedService": "Microsoft.Compute",
            "meterId": meter,
            "meterName": "D2 v3/D2s v3",
            "meterCategory": category,
            "meterSubCategory": "Dv3/DSv3 Series",
            "meterRegion": "EU West",
            "ProductName": f"{category} Dv3 Series - D2 v3 - EU West",
            "SubscriptionId": subscription,
            "subscriptionName": "Production",
            "publisherType": "Microsoft",
            "publisherName": "Microsoft",
            "resourceGroupName": "prod-rg",
            "ResourceId": f"/subscriptions/{subscription}/resourceGroups/prod-rg/providers/"
            "Microsoft.Compute/virtualMachines/vm1",
            "resourceLocation": "westeurope",
            "location": "EU West",
            "effectivePrice": "9.6E-02",
            "quantity": quantity,
            "unitOfMeasure": "1 Hour",
            "chargeType": charge_type,
            "billingCurrency": "USD",
            "pricingCurrency": "USD",
            "costInBillingCurrency": cost,
            "costInPricingCurrency": cost,
            "costInUsd": cost,
            "paygCostInBillingCurrency": cost,
            "exchangeRatePricingToBilling": "1",
            "tags": '{"env":"prod"}',
            "frequency": "UsageBased",
            "pricingModel": "OnDemand",
            "unitPrice": "9.6E-02",
            "provider": "Azure",
        }
    )
    row.update(columns)
    return row


GCP_HEADER = [
    "billing_account_id",
    "service.id",
    "service.description",
    "sku.id",
    "sku.description",
    "usage_start_time",
    "usage_end_time",
    "project.id",
    "project.number",
    "project.name",
    "labels",
    "system_labels",
    "location.location",
    "location.country",
    "location.region",
    "location.zone",
    "resource.name",
    "resource.global_name",
    "export_time",
    "cost",
    "currency",
    "currency_conversion_rate",
    "usage.amount",
    "usage.unit",
    "usage.amount_in_pricing_units",
    "usage.pricing_unit",
    "credits",
    "invoice.month",
    "cost_type",
    "adjustment_info.id",
    "adjustment_info.description",
    "adjustment_info.mode",
    "adjustment_info.type",
    "cost_at_list",
    "transaction_type",
    "seller_name",
]
COMPUTE = ("6F81-5844-456A", "Compute Engine")
STORAGE = ("95FF-2EF5-5EA1", "Cloud Storage")
BIGQUERY = ("24E6-581D-38E5", "BigQuery")


def gcp_credit(name, amount, kind, credit_id=""):
    """A credit as BigQuery's TO_JSON_STRING writes it (amount a JSON number, written
    into the JSON text as it is)."""
    return (
        f'{{"name":{json.dumps(name)},"amount":{amount},"full_name":null,'
        f'"id":{json.dumps(credit_id)},"type":{json.dumps(kind)}}}'
    )


def gcp_row(project, hour, service, sku, cost, credits="[]", cost_type="regular", **columns):
    """An hourly row of October 1st 2026; hour is 0-22."""
    row = dict.fromkeys(GCP_HEADER, "")
    row.update(
        {
            "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
            "service.id": service[0],
            "service.description": service[1],
            "sku.id": sku,
            "sku.description": f"{service[1]} {sku}",
            "usage_start_time": f"2026-10-01 {hour:02d}:00:00 UTC",
            "usage_end_time": f"2026-10-01 {hour + 1:02d}:00:00 UTC",
            "project.id": project,
            "project.number": "123456789012",
            "project.name": project.title(),
            "labels": '[{"key":"env","value":"prod"}]',
            "system_labels": "[]",
            "location.location": "europe-west1",
            "location.country": "BE",
            "location.region": "europe-west1",
            "location.zone": "europe-west1-b",
            "export_time": "2026-10-01 12:34:56.789 UTC",
            "cost": cost,
            "currency": "USD",
            "currency_conversion_rate": "1.0",
            "usage.amount": "3600",
            "usage.unit": "seconds",
            "usage.amount_in_pricing_units": "1",
            "usage.pricing_unit": "hour",
            "credits": credits,
            "invoice.month": "202610",
            "cost_type": cost_type,
            "cost_at_list": cost,
            "transaction_type": "GOOGLE",
        }
    )
    row.update(columns)
    return row


@tagged("post_install", "-at_install")
class TestVendorFormats(UsageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.gcp = cls.env.ref("billbyte_catalog.vendor_gcp")
        Connection = cls.env["billbyte.connection"]
        cls.azure_connection = Connection.create(
            {"name": "Azure exports", "vendor_id": cls.microsoft.id, "kind": "file"}
        )
        cls.gcp_connection = Connection.create(
            {"name": "Google Cloud exports", "vendor_id": cls.gcp.id, "kind": "file"}
        )
        Account = cls.env["billbyte.cloud.account"]
        cls.azure_contoso = Account.create(
            {
                "name": "Contoso Azure",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": CONTOSO_SUB,
                "partner_id": cls.contoso.id,
            }
        )
        cls.azure_northwind = Account.create(
            {
                "name": "Northwind Azure",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": NORTHWIND_SUB,
                "partner_id": cls.northwind.id,
            }
        )
        cls.gcp_contoso = Account.create(
            {
                "name": "Contoso GCP",
                "vendor_id": cls.gcp.id,
                "vendor_account_id": "contoso-prod",
                "partner_id": cls.contoso.id,
            }
        )
        cls.gcp_northwind = Account.create(
            {
                "name": "Northwind GCP",
                "vendor_id": cls.gcp.id,
                "vendor_account_id": "northwind-analytics",
                "partner_id": cls.northwind.id,
            }
        )

    def run_records(self, run, **domain):
        return self.env["billbyte.usage.record"].search(
            [("run_id", "=", run.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def reasons(self, run):
        return " | ".join(run.rejection_ids.mapped("reason"))

    def assertReimportAddsNothing(self, data, connection, filename, expected_sum):
        again = self.import_bytes(data, filename=filename, connection=connection)
        self.assertEqual(again.state, "done", again.message)
        self.assertEqual((again.rows_imported, again.rows_replaced), (0, 0), again.message)
        self.assertEqual(again.rows_duplicate, again.rows_read - again.rows_rejected, again.message)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT sum(billed_cost)::text, count(*) FROM billbyte_usage_record "
            "WHERE connection_id = %s",
            [connection.id],
        )
        total, count = self.env.cr.fetchone()
        self.assertEqual(Decimal(total), expected_sum)
        self.assertEqual(count, again.rows_duplicate)

    # -- AWS legacy Cost and Usage Report -----------------------------------
    def test_aws_legacy_cur_upload(self):
        rows = [
            cur_legacy_row(
                "111111111111",
                "2026-10-01",
                "AmazonEC2",
                "Usage",
                "2.3040000001",
                **{
                    "lineItem/ResourceId": "i-0abc",
                    "lineItem/AvailabilityZone": "eu-west-1a",
                    "resourceTags/user:CostCenter": "42",
                    "resourceTags/user:Name": "web, front",
                },
            ),
            cur_legacy_row(
                "111111111111",
                "2026-10-01",
                "AmazonEC2",
                "SavingsPlanCoveredUsage",
                "1.23E-05",
                "0.001",
                **{"savingsPlan/SavingsPlanARN": "arn:aws:savingsplans::900000000001:sp/1"},
            ),
            cur_legacy_row("111111111111", "2026-10-01", "AmazonEC2", "Tax", "0.46", "1"),
            cur_legacy_row("111111111111", "2026-10-02", "AmazonEC2", "Credit", "-0.50", "0"),
            cur_legacy_row("333333333333", "2026-10-01", "AmazonS3", "Usage", "0.0230", "1"),
            # A linked account no cloud account has yet: kept, unmatched.
            cur_legacy_row("444444444444", "2026-10-01", "AmazonS3", "Usage", "0.10", "1"),
            # Rejected with their reasons.
            cur_legacy_row("111111111111", "2026-10-02", "AmazonEC2", "Usage", "n/a"),
            cur_legacy_row(
                "111111111111",
                "2026-10-02",
                "AmazonEC2",
                "Usage",
                "1.00",
                **{"lineItem/UsageStartDate": "2026-13-01T00:00:00Z"},
            ),
        ]
        data = cur_legacy_file(rows)
        run = self.import_bytes(data, filename="cur-legacy-00001.csv")
        self.assertEqual(run.state, "done", run.message)
        self.assertIn("AWS Cost and Usage Report (legacy)", run.message)
        self.assertEqual(
            (run.rows_read, run.rows_imported, run.rows_rejected, run.rows_unmatched),
            (8, 6, 2, 1),
            run.message,
        )
        expected = Decimal("2.3040000001") + Decimal("0.0000123") + Decimal("0.46")
        expected += Decimal("-0.50") + Decimal("0.0230") + Decimal("0.10")
        self.assertEqual(self.db_sum_billed_cost(run), expected)
        reasons = self.reasons(run)
        self.assertIn("BilledCost 'n/a' is not a number", reasons)
        self.assertIn("ChargePeriodStart '2026-13-01T00:00:00Z' is not a date", reasons)
        self.assertEqual(sorted(run.rejection_ids.mapped("line_number")), [8, 9])

        usage = self.records(charge_category="Usage", resource_id="i-0abc")
        self.assertEqual(usage.cloud_account_id, self.account_contoso)
        self.assertEqual(usage.product_id, self.ec2)
        self.assertEqual(
            (usage.provider_name, usage.service_name, usage.sku_id, usage.billing_account_id),
            ("AWS", "AmazonEC2", "6M2MC5MA6UFEZFJQ", "900000000001"),
        )
        self.assertEqual((usage.region_id, usage.region_name), ("eu-west-1", "EU (Ireland)"))
        self.assertEqual((usage.pricing_quantity, usage.pricing_unit), (24.0, "Hrs"))
        self.assertEqual(usage.charge_period_start, datetime(2026, 10, 1))
        self.assertEqual(usage.charge_period_end, datetime(2026, 10, 2))
        self.assertEqual(usage.billing_period_start, datetime(2026, 10, 1))
        self.assertEqual(usage.publisher_name, "Amazon Web Services EMEA SARL")
        extra = usage.extra_data
        self.assertEqual(extra["x_UsageType"], "EU-BoxUsage:m5.large")
        self.assertEqual(extra["x_Operation"], "RunInstances")
        self.assertEqual(extra["x_LineItemType"], "Usage")
        self.assertEqual(extra["x_AvailabilityZone"], "eu-west-1a")
        self.assertEqual(extra["x_ProductName"], "Amazon Elastic Compute Cloud")
        self.assertEqual(
            json.loads(extra["x_ResourceTags"]),
            {"user:CostCenter": "42", "user:Name": "web, front"},
        )
        covered = self.records(charge_category="Usage", sku_id="6M2MC5MA6UFEZFJQ") - usage
        self.assertEqual(covered.extra_data["x_LineItemType"], "SavingsPlanCoveredUsage")
        self.assertNotIn("x_ResourceTags", covered.extra_data)
        self.assertEqual(
            covered.extra_data["x_SavingsPlanArn"], "arn:aws:savingsplans::900000000001:sp/1"
        )
        categories = sorted(
            self.records(cloud_account_id=self.account_contoso.id).mapped("charge_category")
        )
        self.assertEqual(categories, ["Credit", "Tax", "Usage", "Usage"])
        self.assertEqual(
            self.records(sub_account_id="444444444444").unmatched_reason,
            "no cloud account has SubAccountId '444444444444'",
        )
        self.assertEqual(
            self.records(sub_account_id="333333333333").cloud_account_id, self.account_northwind
        )
        # Contoso's lines, to the cent: cost +20 %.
        lines = self.usage_lines(self.account_contoso)
        self.assertEqual(round(sum(lines.mapped("amount")), 2), -2.26)
        self.assertReimportAddsNothing(data, self.connection, "cur-legacy-00001.csv", expected)

    # -- Azure cost details ----------------------------------------------
    def test_azure_ea_cost_details_upload(self):
        rows = [
            ea_row(
                CONTOSO_SUB.upper(),
                "10/01/2026",
                "Virtual Machines",
                VM_METER,
                "2.4E+01",
                "2.30400000000001E+00",
            ),
            ea_row(
                CONTOSO_SUB,
                "10/01/2026",
                "Storage",
                STORAGE_METER,
                "1.5E-03",
                "4.5E-05",
                MeterSubCategory="Standard Page Blob",
                UnitOfMeasure="1 GB/Month",
            ),
            ea_row(CONTOSO_SUB, "10/02/2026", "Virtual Machines", VM_METER, "24", "2.304"),
            ea_row(
                CONTOSO_SUB,
                "10/02/2026",
                "Virtual Machines",
                VM_METER,
                "0",
                "-0.20",
                charge_type="Refund",
            ),
            ea_row(
                CONTOSO_SUB,
                "10/02/2026",
                "Virtual Machines",
                VM_METER,
                "1",
                "1.2E+01",
                charge_type="Purchase",
                Frequency="OneTime",
                ReservationName="RI D2v3 1y",
                benefitName="RI D2v3 1y",
            ),
            ea_row(NORTHWIND_SUB, "10/01/2026", "Virtual Machines", VM_METER, "10", "0.96"),
            # Rejected with its reason: a date no calendar has stays as written.
            ea_row(CONTOSO_SUB, "13/45/2026", "Virtual Machines", VM_METER, "1", "0.096"),
        ]
        data = vendor_csv(EA_HEADER, rows, crlf=True, bom=True, quote_all=True)
        self.assertTrue(data.startswith(b'\xef\xbb\xbf"InvoiceSectionName",'))
        self.assertIn(b'"\r\n"', data)
        run = self.import_bytes(
            data,
            filename="Detail_Enrollment_71234567_202610_en.csv",
            connection=self.azure_connection,
        )
        self.assertEqual(run.state, "done", run.message)
        self.assertIn("Azure cost details", run.message)
        self.assertEqual(
            (run.rows_read, run.rows_imported, run.rows_rejected, run.rows_unmatched),
            (7, 6, 1, 0),
            run.message,
        )
        expected = (
            Decimal("2.30400000000001")
            + Decimal("0.000045")
            + Decimal("2.304")
            + Decimal("-0.20")
            + Decimal("12")
            + Decimal("0.96")
        )
        self.assertEqual(self.db_sum_billed_cost(run), expected)
        self.assertEqual(self.db_run_sums(run), (expected + Decimal("0.096"), expected))
        self.assertIn("ChargePeriodStart '13/45/2026' is not a date", self.reasons(run))
        self.assertEqual(run.rejection_ids.line_number, 8)

        vm = self.run_records(
            run, charge_date="2026-10-01", sku_id=VM_METER, cloud_account_id=self.azure_contoso.id
        )
        self.assertEqual(len(vm), 1)
        self.assertEqual(
            (vm.provider_name, vm.service_name, vm.charge_category, vm.billing_currency),
            ("Microsoft", "Virtual Machines", "Usage", "USD"),
        )
        self.assertEqual(
            (vm.charge_period_start, vm.charge_period_end),
            (datetime(2026, 10, 1), datetime(2026, 10, 2)),
        )
        self.assertEqual(
            (vm.billing_period_start, vm.billing_period_end),
            (datetime(2026, 10, 1), datetime(2026, 11, 1)),
        )
        self.assertEqual(
            (vm.consumed_quantity, vm.pricing_quantity, vm.pricing_unit), (24.0, 24.0, "10 Hours")
        )
        self.assertEqual(vm.sub_account_id, CONTOSO_SUB.upper())
        self.assertEqual(vm.billing_account_id, "71234567")
        self.assertEqual(vm.extra_data["x_MeterName"], "D2 v3/D2s v3")
        self.assertEqual(vm.extra_data["x_MeterSubCategory"], "Dv3/DSv3 Series")
        self.assertEqual(vm.extra_data["x_ResourceLocation"], "EU West")
        self.assertEqual(vm.extra_data["x_EffectivePrice"], "9.6E-02")
        self.assertEqual(vm.extra_data["x_UnitPrice"], "9.6E-02")
        self.assertEqual(vm.extra_data["x_Tags"], '"env": "prod","costcenter": "42"')
        self.env.cr.execute(
            "SELECT billed_cost::text, consumed_quantity::text FROM billbyte_usage_record "
            "WHERE id = %s",
            [vm.id],
        )
        self.assertEqual(self.env.cr.fetchone(), ("2.30400000000001", "24"))
        by_type = {
            record.extra_data["x_ChargeType"]: record.charge_category
            for record in self.run_records(run)
        }
        self.assertEqual(by_type, {"Usage": "Usage", "Refund": "Credit", "Purchase": "Purchase"})
        northwind = self.run_records(run, cloud_account_id=self.azure_northwind.id)
        self.assertEqual(len(northwind), 1)
        self.assertReimportAddsNothing(
            data, self.azure_connection, "Detail_Enrollment_71234567_202610_en.csv", expected
        )

    def test_azure_mca_cost_details_upload(self):
        rows = [
            mca_row(
                CONTOSO_SUB,
                "2026-10-01",
                "Virtual Machines",
                VM_METER,
                "2.4E+01",
                "2.304000000000000E+00",
            ),
            mca_row(
                CONTOSO_SUB,
                "2026-10-01",
                "Storage",
                STORAGE_METER,
                "3.2E-02",
                "6.4000000000000002E-07",
            ),
            mca_row(
                CONTOSO_SUB,
                "2026-10-01",
                "Virtual Machines",
                VM_METER,
                "0",
                "0.19",
                charge_type="Tax",
            ),
            mca_row(
                CONTOSO_SUB,
                "2026-10-01",
                "Virtual Machines",
                VM_METER,
                "1",
                "0.5",
                charge_type="UnusedReservation",
            ),
            mca_row(
                NORTHWIND_SUB,
                "2026-10-02",
                "Virtual Machines",
                VM_METER,
                "24",
                "2.0736",
                billingCurrency="EUR",
                pricingCurrency="USD",
            ),
            # Rejected with their reasons.
            mca_row(CONTOSO_SUB, "2026-10-02", "Virtual Machines", VM_METER, "24", "NULL"),
            mca_row(CONTOSO_SUB, "2026-10-02", "Virtual Machines", VM_METER, "24", "1,5"),
        ]
        data = vendor_csv(MCA_HEADER, rows, crlf=True, bom=True)
        run = self.import_bytes(data, filename="part_0_0001.csv", connection=self.azure_connection)
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(
            (run.rows_read, run.rows_imported, run.rows_rejected, run.rows_unmatched),
            (7, 5, 2, 0),
            run.message,
        )
        expected = (
            Decimal("2.304")
            + Decimal("0.00000064000000000000002")
            + Decimal("0.19")
            + Decimal("0.5")
            + Decimal("2.0736")
        )
        self.assertEqual(self.db_sum_billed_cost(run), expected)
        reasons = self.reasons(run)
        self.assertIn("BilledCost is empty", reasons)
        self.assertIn("BilledCost '1,5' is not a number", reasons)

        vm = self.run_records(
            run,
            charge_category="Usage",
            cloud_account_id=self.azure_contoso.id,
            service_name="Virtual Machines",
        )
        self.assertEqual(len(vm), 1)
        self.assertEqual(
            (vm.charge_period_start, vm.charge_period_end),
            (datetime(2026, 10, 1), datetime(2026, 10, 2)),
        )
        self.assertEqual(vm.billing_period_end, datetime(2026, 11, 1))
        self.assertEqual(vm.region_name, "westeurope")
        self.assertEqual(vm.list_cost, 2.304)
        self.assertEqual(vm.extra_data["x_ConsumedService"], "Microsoft.Compute")
        categories = sorted(
            self.run_records(run, cloud_account_id=self.azure_contoso.id).mapped("charge_category")
        )
        self.assertEqual(categories, ["Adjustment", "Tax", "Usage", "Usage"])
        northwind = self.run_records(run, cloud_account_id=self.azure_northwind.id)
        self.assertEqual(northwind.billing_currency, "EUR")
        self.assertEqual(northwind.charge_date.isoformat(), "2026-10-02")
        # Northwind's line in EUR, cost +10 %; Contoso's in USD, cost +20 %.
        self.assertEqual(self.usage_lines(self.azure_northwind).mapped("billbyte_price"), [2.28])
        self.assertReimportAddsNothing(data, self.azure_connection, "part_0_0001.csv", expected)

    # -- Google Cloud billing export ------------------------------------------
    def test_gcp_billing_export_upload_credits_are_records(self):
        sud = gcp_credit(
            "Sustained usage discount",
            "-0.1632",
            "SUSTAINED_USAGE_DISCOUNT",
            "SustainedUsageDiscount",
        )
        trial = gcp_credit("Free trial credit", "-1.0E-4", "FREE_TRIAL", "FreeTrial:01A2B3")
        rows = [
            gcp_row(
                "contoso-prod",
                7,
                COMPUTE,
                "2D6D-6C6B-A6E9",
                "0.8160000001",
                credits=f"[{sud},{trial}]",
            ),
            gcp_row("contoso-prod", 7, STORAGE, "E5F0-6A5D-7BAD", "1.23E-05"),
            gcp_row("northwind-analytics", 8, BIGQUERY, "3362-E469-6BEF", "5.0", credits=""),
            gcp_row(
                "contoso-prod",
                0,
                ("", "Invoice"),
                "Tax",
                "0.19",
                cost_type="tax",
                **{
                    "usage.amount": "",
                    "usage.amount_in_pricing_units": "",
                    "usage.unit": "",
                    "usage.pricing_unit": "",
                },
            ),
            # Credits that are not JSON: the cost is imported, a record for the
            # credits is rejected with why.
            gcp_row(
                "contoso-prod",
                9,
                COMPUTE,
                "2D6D-6C6B-A6E9",
                "0.816",
                credits='[{"name":"Committed use discount","amount":-0.3',
            ),
        ]
        data = vendor_csv(GCP_HEADER, rows)
        run = self.import_bytes(
            data, filename="gcp_billing_export_v1_01A2B3.csv", connection=self.gcp_connection
        )
        self.assertEqual(run.state, "done", run.message)
        self.assertIn("Google Cloud billing export", run.message)
        # 5 rows read as 5 cost records, 2 credits and 1 record for the bad credits.
        self.assertEqual(
            (run.rows_read, run.rows_imported, run.rows_rejected, run.rows_unmatched),
            (8, 7, 1, 0),
            run.message,
        )
        costs = Decimal("0.8160000001") + Decimal("0.0000123") + Decimal("5.0")
        costs += Decimal("0.19") + Decimal("0.816")
        credits = Decimal("-0.1632") + Decimal("-0.0001")
        self.assertEqual(self.db_sum_billed_cost(run), costs + credits)
        reasons = self.reasons(run)
        self.assertIn("credits of this row are not valid JSON", reasons)
        self.assertIn("is not a number", reasons)
        self.assertIn("Committed use discount", run.rejection_ids.raw_values)

        usage = self.run_records(
            run, charge_category="Usage", sku_id="2D6D-6C6B-A6E9", charge_date="2026-10-01"
        )
        self.assertEqual(len(usage), 2)
        usage = usage.filtered(lambda r: r.charge_period_start == datetime(2026, 10, 1, 7))
        self.assertEqual(usage.cloud_account_id, self.gcp_contoso)
        self.assertEqual(
            (usage.provider_name, usage.service_name, usage.sub_account_name, usage.region_id),
            ("Google Cloud", "Compute Engine", "Contoso-Prod", "europe-west1"),
        )
        self.assertEqual(usage.charge_period_end, datetime(2026, 10, 1, 8))
        self.assertEqual(usage.billing_period_start, datetime(2026, 10, 1))
        self.assertEqual(usage.billing_period_end, datetime(2026, 11, 1))
        self.assertEqual((usage.pricing_quantity, usage.pricing_unit), (1.0, "hour"))
        self.assertEqual((usage.consumed_quantity, usage.consumed_unit), (3600.0, "seconds"))
        self.assertEqual(usage.extra_data["x_ServiceId"], "6F81-5844-456A")
        self.assertEqual(usage.extra_data["x_Labels"], '[{"key":"env","value":"prod"}]')

        credits_records = self.run_records(run, charge_category="Credit")
        self.assertEqual(len(credits_records), 2)
        by_type = {r.extra_data["x_CreditType"]: r for r in credits_records}
        discount = by_type["SUSTAINED_USAGE_DISCOUNT"]
        self.assertEqual(
            (discount.service_name, discount.sku_id, discount.cloud_account_id),
            ("Compute Engine", "2D6D-6C6B-A6E9", self.gcp_contoso),
        )
        self.assertEqual(discount.charge_description, "Sustained usage discount")
        self.assertEqual(discount.extra_data["x_CreditName"], "Sustained usage discount")
        self.assertEqual(discount.extra_data["x_CreditId"], "SustainedUsageDiscount")
        self.assertEqual(discount.charge_period_start, datetime(2026, 10, 1, 7))
        self.assertFalse(discount.pricing_quantity)
        self.env.cr.execute(
            "SELECT billed_cost::text FROM billbyte_usage_record WHERE id = %s",
            [by_type["FREE_TRIAL"].id],
        )
        self.assertEqual(Decimal(self.env.cr.fetchone()[0]), Decimal("-0.0001"))
        tax = self.run_records(run, charge_category="Tax")
        self.assertEqual((tax.service_name, tax.sku_id), ("Invoice", "Tax"))
        # Contoso's Compute Engine line on October 1st: (0.8160000001 + 0.816 - 0.1633),
        # +20 %.
        compute = self.usage_lines(self.gcp_contoso).filtered(
            lambda line: line.product_id == usage.product_id
        )
        self.assertEqual(round(sum(compute.mapped("billbyte_price")), 2), 1.76)
        self.assertReimportAddsNothing(
            data, self.gcp_connection, "gcp_billing_export_v1_01A2B3.csv", costs + credits
        )

    # -- Detection and mapping, without the pipeline ----------------------------
    def test_headers_detected_and_values_kept_as_text(self):
        detect = formats.detect
        self.assertIs(detect(CUR_LEGACY_HEADER), aws_cur.CurLegacyFormat)
        self.assertIs(detect(EA_HEADER), azure_cost.AzureCostDetailsFormat)
        self.assertIs(detect(["\ufeffDate", *MCA_HEADER[1:]]), azure_cost.AzureCostDetailsFormat)
        self.assertIs(detect(GCP_HEADER), gcp_billing.GcpBillingExportFormat)
        # Flattened with "_" rather than ".".
        flat = [name.replace(".", "_") for name in GCP_HEADER]
        self.assertIs(detect(flat), gcp_billing.GcpBillingExportFormat)
        # FOCUS stays FOCUS, even carrying a vendor's own columns.
        self.assertIsNone(detect(FOCUS_12_HEADER))
        for extra in (["lineItem/UnblendedCost"], ["MeterCategory", "Cost", "Date"], flat):
            self.assertIsNone(detect(FOCUS_12_HEADER + ["SubscriptionId", *extra]))

        # Azure dates: US and ISO forms; what no calendar has stays as written.
        (row,) = azure_cost.AzureCostDetailsFormat.to_focus(
            ea_row(CONTOSO_SUB, "12/31/2026", "Storage", STORAGE_METER, "1", "1E-7")
        )
        self.assertEqual(
            (row["ChargePeriodStart"], row["ChargePeriodEnd"], row["BilledCost"]),
            ("2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z", "1E-7"),
        )
        for day in ("2026-02-30", "31/12/2026", "yesterday"):
            (row,) = azure_cost.AzureCostDetailsFormat.to_focus(
                mca_row(CONTOSO_SUB, day, "Storage", STORAGE_METER, "1", "1")
            )
            self.assertEqual((row["ChargePeriodStart"], row["ChargePeriodEnd"]), (day, day))
        # EA's older files: SubscriptionGuid is the subscription, no ChargeType is usage.
        (row,) = azure_cost.AzureCostDetailsFormat.to_focus(
            {"SubscriptionId": "12345", "SubscriptionGuid": CONTOSO_SUB, "Date": "10/01/2026"}
        )
        self.assertEqual((row["SubAccountId"], row["ChargeCategory"]), (CONTOSO_SUB, "Usage"))

        # Google Cloud credits: amounts as written, whatever JSON type holds them.
        to_focus = gcp_billing.GcpBillingExportFormat.to_focus
        credits = (
            '[{"name":"A","amount":"-0.10","type":"PROMOTION"},'
            '{"name":"B","amount":-12345678901234567890.123456789012345678,"type":"DISCOUNT"}]'
        )
        rows = to_focus(gcp_row("contoso-prod", 1, COMPUTE, "S", "1", credits=credits))
        self.assertEqual(
            [row["BilledCost"] for row in rows],
            ["1", "-0.10", "-12345678901234567890.123456789012345678"],
        )
        self.assertEqual([row["ChargeCategory"] for row in rows], ["Usage", "Credit", "Credit"])
        self.assertEqual(rows[1]["ChargePeriodStart"], "2026-10-01T01:00:00Z")
        for empty in ("", "NULL", "[]"):
            self.assertEqual(len(to_focus(gcp_row("p", 1, COMPUTE, "S", "1", credits=empty))), 1)
        # A credit that is not an object, an amount missing: records the pipeline rejects.
        rows = to_focus(gcp_row("p", 1, COMPUTE, "S", "1", credits='[-0.5, {"name": "C"}]'))
        self.assertEqual(rows[1]["BilledCost"], "a credit of this row is not a JSON object: -0.5")
        self.assertIsNone(rows[2]["BilledCost"])
        # BigQuery's timestamps, fractions of a second too; others stay as written.
        self.assertEqual(
            gcp_billing.gcp_timestamp("2026-10-01 07:00:00.250 UTC"), "2026-10-01T07:00:00.250Z"
        )
        self.assertEqual(gcp_billing.gcp_timestamp("01/10/2026 07:00"), "01/10/2026 07:00")
        self.assertEqual(
            gcp_billing.gcp_invoice_period("202612"),
            ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        )
