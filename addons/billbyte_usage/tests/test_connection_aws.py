# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import json
from datetime import datetime
from decimal import Decimal

import boto3
import pyarrow as pa
import pyarrow.parquet as pq

from odoo.tests import freeze_time, tagged

from .common import UsageCommon, focus_csv, focus_row
from .vendor_servers import MotoServer

BUCKET = "payer-billing-exports"
PREFIX = "exports"
EXPORT = "focus-daily"


@tagged("post_install", "-at_install")
class TestAwsConnection(UsageCommon):
    """boto3 against moto's server: Data Exports in S3, Cost Explorer, Organizations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto = MotoServer()
        cls.addClassCleanup(cls.moto.stop)
        cls.aws_connection = cls.env["billbyte.connection"].create(
            {
                "name": "AWS payer 900000000001",
                "vendor_id": cls.aws.id,
                "kind": "aws_s3",
                "aws_access_key_id": "AKIAEXAMPLEBILLBYTE",
                "aws_secret_access_key": "aws-secret-never-logged",
                "aws_role_arn": "arn:aws:iam::900000000001:role/BillByteRead",
                "aws_external_id": "billbyte-ext",
                "aws_endpoint_url": cls.moto.url,
                "aws_s3_bucket": BUCKET,
                "aws_s3_prefix": PREFIX,
                "aws_export_name": EXPORT,
            }
        )

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.s3 = self.boto("s3")
        self.s3.create_bucket(Bucket=BUCKET)

    def boto(self, service, as_payer=False):
        if as_payer:
            # What the connection sees: the payer account its role belongs to.
            credentials = self.boto("sts").assume_role(
                RoleArn="arn:aws:iam::900000000001:role/BillByteRead", RoleSessionName="test"
            )["Credentials"]
            return boto3.client(
                service,
                endpoint_url=self.moto.url,
                region_name="us-east-1",
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        return boto3.client(
            service,
            endpoint_url=self.moto.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def put_export(self, period, files, listed=None):
        """Data files and their manifest, laid out as Data Exports writes them."""
        keys = []
        for name, data in files.items():
            key = f"{PREFIX}/{EXPORT}/data/BILLING_PERIOD={period}/{name}"
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
            keys.append(key)
        for name in listed or []:
            keys.append(f"{PREFIX}/{EXPORT}/data/BILLING_PERIOD={period}/{name}")
        manifest = {
            "version": "1.0",
            "exportArn": "arn:aws:bcm-data-exports:us-east-1:900000000001:export/focus-daily",
            "exportName": EXPORT,
            "billingPeriod": {"start": f"{period}-01T00:00:00.000Z"},
            "bucket": BUCKET,
            "dataFiles": [f"s3://{BUCKET}/{key}" for key in keys],
        }
        self.s3.put_object(
            Bucket=BUCKET,
            Key=f"{PREFIX}/{EXPORT}/metadata/BILLING_PERIOD={period}/{EXPORT}-Manifest.json",
            Body=json.dumps(manifest).encode(),
        )

    def aws_records(self, **domain):
        return self.env["billbyte.usage.record"].search(
            [("connection_id", "=", self.aws_connection.id)]
            + [(k, "=", v) for k, v in domain.items()]
        )

    def test_focus_export_csv_gzip_found_by_manifest(self):
        self.put_export(
            "2026-10",
            {
                "focus-daily-00001.csv.gz": focus_csv(
                    [
                        focus_row(
                            "111111111111",
                            "2026-10-01",
                            "AmazonEC2",
                            "1.10",
                            "10",
                            "BoxUsage:m5.large",
                        )
                    ],
                    compress=True,
                ),
                "focus-daily-00002.csv": focus_csv(
                    [
                        focus_row(
                            "333333333333",
                            "2026-10-01",
                            "AmazonEC2",
                            "2.25",
                            "5",
                            "BoxUsage:m5.large",
                        )
                    ]
                ),
            },
        )
        runs = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs.state, "done", runs.message)
        self.assertEqual((runs.rows_read, runs.rows_imported), (2, 2))
        self.assertIn("BILLING_PERIOD=2026-10", runs.source)
        self.assertEqual(self.db_run_sums(runs), (Decimal("3.35"), Decimal("3.35")))
        self.assertEqual(self.aws_connection.state, "ok")
        self.assertTrue(self.aws_connection.last_pull_date)
        self.assertEqual(self.usage_lines(self.account_contoso).amount, -1.10)
        # The same export again: nothing new, no second run.
        self.assertFalse(self.aws_connection._pull(["s3:2026-10"]))
        self.assertEqual(len(self.aws_records()), 2)

    def test_cur2_parquet_export_is_mapped_to_focus(self):
        table = pa.table(
            {
                "bill_payer_account_id": ["900000000001", "900000000001"],
                "line_item_usage_account_id": ["111111111111", "222222222222"],
                "line_item_line_item_type": ["Usage", "Tax"],
                "line_item_usage_start_date": pa.array(
                    [datetime(2026, 10, 1)] * 2, pa.timestamp("ms")
                ),
                "line_item_usage_end_date": pa.array(
                    [datetime(2026, 10, 2)] * 2, pa.timestamp("ms")
                ),
                "line_item_product_code": ["AmazonEC2", "AmazonEC2"],
                "line_item_usage_type": ["EU-BoxUsage:m5.large", "Tax"],
                "line_item_operation": ["RunInstances", ""],
                "line_item_usage_amount": [24.0, 0.0],
                "pricing_unit": ["Hrs", ""],
                "line_item_currency_code": ["USD", "USD"],
                "line_item_unblended_cost": [2.304, 0.5],
                "pricing_public_on_demand_cost": [2.304, 0.0],
                "product_region_code": ["eu-west-1", ""],
                "line_item_resource_id": ["i-0abc", ""],
            }
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        self.put_export("2026-10", {"cur2-00001.snappy.parquet": buffer.getvalue()})
        run = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 2)
        usage = self.aws_records(sub_account_id="111111111111")
        self.assertEqual(
            (usage.service_name, usage.charge_category, usage.billed_cost, usage.pricing_quantity),
            ("AmazonEC2", "Usage", 2.304, 24.0),
        )
        self.assertEqual(str(usage.charge_date), "2026-10-01")
        self.assertEqual(usage.extra_data.get("x_UsageType"), "EU-BoxUsage:m5.large")
        self.assertEqual(self.aws_records(sub_account_id="222222222222").charge_category, "Tax")

    def test_manifest_listing_a_missing_object_names_the_key(self):
        self.put_export(
            "2026-10",
            {"part-1.csv": focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1")])},
            listed=["part-2.csv"],
        )
        run = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(run.state, "failed")
        self.assertIn(
            f"s3://{BUCKET}/{PREFIX}/{EXPORT}/data/BILLING_PERIOD=2026-10/part-2.csv", run.message
        )
        self.assertFalse(self.aws_records())
        self.assertEqual(self.aws_connection.state, "error")
        self.assertIn("part-2.csv", self.aws_connection.last_error)

    def test_no_export_yet_is_not_an_error(self):
        self.assertFalse(self.aws_connection._pull(["s3:2026-09"]))
        self.assertEqual(self.aws_connection.state, "ok")

    @freeze_time("2026-10-03 12:00:00")
    def test_cost_explorer_estimate_replaced_by_the_export(self):
        self.aws_connection.aws_ce_estimate = True

        def ce_day(
            day, amount, account="111111111111", service="Amazon Elastic Compute Cloud - Compute"
        ):
            return {
                "TimePeriod": {"Start": f"2026-10-0{day}", "End": f"2026-10-0{day + 1}"},
                "Total": {},
                "Groups": [
                    {
                        "Keys": [account, service],
                        "Metrics": {
                            "UnblendedCost": {"Amount": amount, "Unit": "USD"},
                            "UsageQuantity": {"Amount": "24", "Unit": "N/A"},
                        },
                    }
                ],
                "Estimated": True,
            }

        self.moto.set_cost_explorer_results(
            [
                {"ResultsByTime": [ce_day(1, "1.0"), ce_day(2, "2.0"), ce_day(3, "3.0")]},
                {"ResultsByTime": [ce_day(3, "3.5")]},
            ],
            account_id="900000000001",
        )
        estimate = self.aws_connection._pull(["ce"])
        self.assertEqual(estimate.state, "done", estimate.message)
        self.assertEqual(estimate.rows_imported, 3)
        self.assertIn("2026-10-01 to 2026-10-03", estimate.source)
        self.assertEqual(
            self.usage_lines(self.account_contoso).mapped("amount"), [-1.0, -2.0, -3.0]
        )

        # The export for October 1st and 2nd arrives: it replaces those estimates.
        self.put_export(
            "2026-10",
            {
                "part-1.csv": focus_csv(
                    [
                        focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.20", "24"),
                        focus_row("111111111111", "2026-10-02", "AmazonEC2", "2.10", "24"),
                    ]
                )
            },
        )
        export = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(export.state, "done", export.message)
        self.assertEqual(len(self.aws_records(charge_date="2026-10-01")), 1)
        lines = {str(line.date): line.amount for line in self.usage_lines(self.account_contoso)}
        self.assertEqual(lines, {"2026-10-01": -1.2, "2026-10-02": -2.1, "2026-10-03": -3.0})

        # The next estimate covers only the days no export covers yet.
        again = self.aws_connection._pull(["ce"])
        self.assertIn("2026-10-03 to 2026-10-03", again.source)
        self.assertEqual((again.rows_imported, again.rows_replaced), (1, 1))
        lines = {str(line.date): line.amount for line in self.usage_lines(self.account_contoso)}
        self.assertEqual(lines, {"2026-10-01": -1.2, "2026-10-02": -2.1, "2026-10-03": -3.5})

    def test_malformed_cost_explorer_answer_rejects_rows_with_reasons(self):
        self.aws_connection.write({"kind": "aws_ce", "aws_role_arn": False})
        with freeze_time("2026-10-02 08:00:00"):
            self.moto.set_cost_explorer_results(
                [
                    {
                        "ResultsByTime": [
                            {
                                "TimePeriod": {"Start": "2026-10-01", "End": "2026-10-02"},
                                "Groups": [
                                    {
                                        "Keys": ["111111111111", "AmazonEC2"],
                                        "Metrics": {
                                            "UnblendedCost": {"Amount": "4.5", "Unit": "USD"}
                                        },
                                    },
                                    {
                                        "Keys": ["111111111111", "AmazonS3"],
                                        "Metrics": {
                                            "UnblendedCost": {"Amount": "n/a", "Unit": "USD"}
                                        },
                                    },
                                    {"Keys": [], "Metrics": {}},
                                ],
                            }
                        ]
                    }
                ]
            )
            run = self.aws_connection._pull()
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_read, run.rows_imported, run.rows_rejected), (3, 1, 2))
        reasons = " | ".join(run.rejection_ids.mapped("reason"))
        self.assertIn("'n/a' is not a number", reasons)
        self.assertIn("ServiceName is empty", reasons)

    def test_linked_accounts_offered_as_cloud_accounts(self):
        org = self.boto("organizations", as_payer=True)
        org.create_organization(FeatureSet="ALL")
        org.create_account(AccountName="Tailspin prod", Email="aws@tailspin.example")
        org.create_account(AccountName="Tailspin dev", Email="aws-dev@tailspin.example")
        action = self.aws_connection.action_list_vendor_accounts()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        names = set(wizard.line_ids.mapped("name"))
        self.assertTrue({"Tailspin prod", "Tailspin dev"} <= names, names)
        tailspin = self.env["res.partner"].create({"name": "Tailspin"})
        wizard.partner_id = tailspin
        wizard.line_ids.filtered(lambda line: not line.name.startswith("Tailspin")).selected = False
        result = wizard.action_create_accounts()
        accounts = self.env["billbyte.cloud.account"].search(result["domain"])
        self.assertEqual(set(accounts.mapped("name")), {"Tailspin prod", "Tailspin dev"})
        self.assertEqual(accounts.partner_id, tailspin)
        self.assertTrue(all(len(a.vendor_account_id) == 12 for a in accounts))
        # Offered again, they are marked as existing.
        again = self.env["billbyte.connection.account.wizard"].create(
            {"connection_id": self.aws_connection.id}
        )
        again._load_vendor_accounts()
        self.assertTrue(
            all(line.exists for line in again.line_ids if line.name.startswith("Tailspin"))
        )

    def test_test_connection_reports_in_plain_words(self):
        result = self.aws_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertIn("Connected to AWS as", result["params"]["message"])
        self.assertIn(f"Bucket {BUCKET} is readable", result["params"]["message"])
        self.aws_connection.aws_s3_bucket = "no-such-bucket"
        result = self.aws_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("no-such-bucket", result["params"]["message"])
        self.assertEqual(self.aws_connection.state, "error")

    def test_legacy_cur_gzip_csv_found_by_manifest(self):
        """A legacy Cost and Usage Report ("lineItem/UnblendedCost" columns, gzip CSV)
        listed by a manifest in the legacy form (reportKeys): mapped to FOCUS."""
        import gzip

        from .test_vendor_formats import CUR_LEGACY_HEADER, cur_legacy_file, cur_legacy_row

        rows = [
            cur_legacy_row(
                "111111111111",
                "2026-10-01",
                "AmazonEC2",
                "Usage",
                "1.1520000001",
                "12",
                **{"lineItem/ResourceId": "i-0abc", "resourceTags/user:Team": "web"},
            ),
            cur_legacy_row("222222222222", "2026-10-01", "AmazonEC2", "Usage", "2.304"),
            cur_legacy_row("111111111111", "2026-10-01", "AmazonEC2", "Tax", "9.5E-02", "1"),
        ]
        # Reports delivered before product/regionCode existed: only product/region.
        for row in rows:
            row["product/region"] = row.pop("product/regionCode")
        header = [name for name in CUR_LEGACY_HEADER if name != "product/regionCode"]
        header.append("resourceTags/user:Team")
        data = gzip.compress(cur_legacy_file(rows, header=header))
        base = f"{PREFIX}/{EXPORT}"
        data_key = f"{base}/20261001-20261101/6f1a2b3c/{EXPORT}-00001.csv.gz"
        self.s3.put_object(Bucket=BUCKET, Key=data_key, Body=data)
        manifest = {
            "assemblyId": "6f1a2b3c",
            "account": "900000000001",
            "columns": [
                {"category": name.split("/")[0], "name": name.split("/")[1]} for name in header
            ],
            "charset": "UTF-8",
            "compression": "GZIP",
            "contentType": "text/csv",
            "reportId": "cur-legacy",
            "reportName": EXPORT,
            "billingPeriod": {"start": "20261001T000000.000Z", "end": "20261101T000000.000Z"},
            "bucket": BUCKET,
            "reportKeys": [data_key],
            "additionalArtifactKeys": [],
        }
        self.s3.put_object(
            Bucket=BUCKET,
            # Where AWS writes a legacy CUR's manifest: the billing period's folder.
            Key=f"{base}/20261001-20261101/{EXPORT}-Manifest.json",
            Body=json.dumps(manifest).encode(),
        )
        run = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual((run.rows_read, run.rows_imported, run.rows_rejected), (3, 3, 0))
        total = Decimal("1.1520000001") + Decimal("2.304") + Decimal("0.095")
        self.assertEqual(self.db_run_sums(run), (total, total))
        usage = self.aws_records(resource_id="i-0abc")
        self.assertEqual(usage.cloud_account_id, self.account_contoso)
        self.assertEqual(usage.product_id, self.ec2)
        self.assertEqual((usage.charge_category, usage.region_id), ("Usage", "eu-west-1"))
        self.assertEqual(usage.pricing_quantity, 12.0)
        self.assertEqual(usage.extra_data["x_LineItemType"], "Usage")
        self.assertEqual(usage.extra_data["x_UsageType"], "EU-BoxUsage:m5.large")
        self.assertEqual(json.loads(usage.extra_data["x_ResourceTags"]), {"user:Team": "web"})
        tax = self.aws_records(charge_category="Tax")
        self.assertEqual(tax.cloud_account_id, self.account_contoso)
        self.assertEqual(
            self.aws_records(sub_account_id="222222222222").cloud_account_id,
            self.account_fabrikam,
        )
        # The same report again: nothing new, no second run.
        self.assertFalse(self.aws_connection._pull(["s3:2026-10"]))
        self.assertEqual(len(self.aws_records()), 3)


@tagged("post_install", "-at_install")
class TestAwsWrongCredentials(UsageCommon):
    """moto's server checking signatures (after the first three calls, which make
    the IAM user the tests sign with)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.moto = MotoServer({"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
        cls.addClassCleanup(cls.moto.stop)
        iam = boto3.client(
            "iam",
            endpoint_url=cls.moto.url,
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="billbyte")
        iam.put_user_policy(
            UserName="billbyte",
            PolicyName="read-exports",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        cls.key = iam.create_access_key(UserName="billbyte")["AccessKey"]
        s3 = boto3.client(
            "s3",
            endpoint_url=cls.moto.url,
            region_name="us-east-1",
            aws_access_key_id=cls.key["AccessKeyId"],
            aws_secret_access_key=cls.key["SecretAccessKey"],
        )
        s3.create_bucket(Bucket=BUCKET)
        base = f"{PREFIX}/{EXPORT}"
        data_key = f"{base}/data/BILLING_PERIOD=2026-10/part-1.csv"
        s3.put_object(
            Bucket=BUCKET,
            Key=data_key,
            Body=focus_csv([focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.5")]),
        )
        s3.put_object(
            Bucket=BUCKET,
            Key=f"{base}/metadata/BILLING_PERIOD=2026-10/{EXPORT}-Manifest.json",
            Body=json.dumps({"dataFiles": [f"s3://{BUCKET}/{data_key}"]}).encode(),
        )
        cls.aws_connection = cls.env["billbyte.connection"].create(
            {
                "name": "AWS payer",
                "vendor_id": cls.aws.id,
                "kind": "aws_s3",
                "aws_access_key_id": cls.key["AccessKeyId"],
                "aws_secret_access_key": "an-expired-secret",
                "aws_endpoint_url": cls.moto.url,
                "aws_s3_bucket": BUCKET,
                "aws_s3_prefix": PREFIX,
                "aws_export_name": EXPORT,
            }
        )

    def test_wrong_secret_fails_with_aws_words_and_next_pull_retries(self):
        run = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(run.state, "failed")
        self.assertIn("signature we calculated does not match", run.message)
        self.assertEqual(self.aws_connection.state, "error")
        self.assertIn("signature we calculated does not match", self.aws_connection.last_error)
        self.assertFalse(
            self.env["billbyte.usage.record"].search(
                [("connection_id", "=", self.aws_connection.id)]
            )
        )
        result = self.aws_connection.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        # The administrator types the current secret; the next pull imports.
        self.aws_connection.new_aws_secret_access_key = self.key["SecretAccessKey"]
        run = self.aws_connection._pull(["s3:2026-10"])
        self.assertEqual(run.state, "done", run.message)
        self.assertEqual(run.rows_imported, 1)
        self.assertEqual(self.aws_connection.state, "ok")
