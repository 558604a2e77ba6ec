# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""AWS through boto3: Data Exports in S3 (FOCUS or CUR 2.0; CSV, gzip, Parquet),
Cost Explorer daily estimates, and the linked accounts of the payer's Organization."""

import csv
import gzip
import io
import json
import logging
import tempfile
from datetime import date, timedelta

from odoo import fields
from odoo.tools.translate import LazyTranslate

from odoo.addons.billbyte_catalog.vendor_api.aws import AwsSession, BotoCoreError, ClientError
from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

from ..focus.schema import FOCUS_HEADER
from ..focus.source import ESTIMATE_COLUMN, FocusSource
from . import formats
from .base import Connector, Fetched, register_connector

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)


def _json_text(value):
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return value


class AwsConnector(Connector):
    """What both AWS connection kinds share: the session (an access key, optionally a
    role in the payer account), the test and the linked accounts."""

    vendor_code = "aws"

    def __init__(self, connection):
        super().__init__(connection)
        conn = self.connection
        self.aws = AwsSession(
            self.env,
            conn.aws_access_key_id,
            conn.aws_secret_access_key,
            region=conn.aws_region,
            role_arn=conn.aws_role_arn,
            external_id=conn.aws_external_id,
            endpoint_url=conn.aws_endpoint_url,
            max_tries=conn.max_tries,
        )

    def client(self, service):
        return self.aws.client(service)

    def _call(self, what, method, **params):
        return self.aws.call(what, method, **params)

    # -- test and accounts -------------------------------------------------
    def test(self):
        sts = self.client("sts")
        identity = self._call("tell who we are", sts.get_caller_identity)
        message = self.env._(
            "Connected to AWS as %(arn)s (account %(account)s).",
            arn=identity.get("Arn"),
            account=identity.get("Account"),
        )
        bucket = self.connection.aws_s3_bucket
        if bucket:
            s3 = self.client("s3")
            self._call(self.env._("open bucket %s", bucket), s3.head_bucket, Bucket=bucket)
            message += " " + self.env._("Bucket %s is readable.", bucket)
        return message

    def vendor_accounts(self):
        """The accounts of the payer's AWS Organization."""
        org = self.client("organizations")
        accounts, token = [], None
        while True:
            params = {"NextToken": token} if token else {}
            page = self._call(
                self.env._("list the accounts of the organization"), org.list_accounts, **params
            )
            for account in page.get("Accounts", []):
                accounts.append(
                    {
                        "vendor_account_id": account.get("Id"),
                        "name": account.get("Name") or account.get("Id"),
                        "email": account.get("Email"),
                        "status": account.get("Status"),
                    }
                )
            token = page.get("NextToken")
            if not token:
                return accounts

    # -- Data Exports in S3 ------------------------------------------------
    def manifest_keys(self, period):
        """Where the manifest of a billing period (YYYY-MM) is: a Data Export's, then a
        legacy Cost and Usage Report's (<prefix>/<report>/<yyyymmdd-yyyymmdd>/)."""
        conn = self.connection
        name = (conn.aws_export_name or "").strip("/")
        base = "/".join(p.strip("/") for p in (conn.aws_s3_prefix or "", name) if p.strip("/"))
        first = date.fromisoformat(f"{period}-01")
        following = (first + timedelta(days=32)).replace(day=1)
        legacy = f"{first:%Y%m%d}-{following:%Y%m%d}"
        return [
            f"{base}/metadata/BILLING_PERIOD={period}/{name}-Manifest.json",
            f"{base}/{legacy}/{name}-Manifest.json",
        ]

    @staticmethod
    def _s3_missing(error):
        return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")

    def _s3_refused(self, error, key):
        """The VendorError for an S3 object AWS would not give."""
        return VendorError(
            self.env._(
                "AWS refused to read s3://%(bucket)s/%(key)s: %(message)s",
                bucket=self.connection.aws_s3_bucket,
                key=key,
                message=error.response.get("Error", {}).get("Message") or error,
            )
        )

    def read_manifest(self, period):
        """(manifest key, ETag, data file keys), or None when AWS has no export yet."""
        conn = self.connection
        s3 = self.client("s3")
        for key in self.manifest_keys(period):
            try:
                answer = s3.get_object(Bucket=conn.aws_s3_bucket, Key=key)
                body = answer["Body"].read()
                break
            except ClientError as error:
                if self._s3_missing(error):
                    continue
                raise self._s3_refused(error, key) from None
            except BotoCoreError as error:
                raise VendorError(self.env._("AWS could not be reached: %s", error)) from None
        else:
            return None
        try:
            manifest = json.loads(body)
        except ValueError:
            raise VendorError(
                self.env._(
                    "The export manifest s3://%(bucket)s/%(key)s is not JSON.",
                    bucket=conn.aws_s3_bucket,
                    key=key,
                )
            ) from None
        files = manifest.get("dataFiles") or manifest.get("reportKeys") or []
        keys = []
        for item in files if isinstance(files, list) else []:
            text = str(item)
            if text.startswith("s3://"):
                text = text[5:].split("/", 1)[1] if "/" in text[5:] else ""
            if text:
                keys.append(text)
        if not keys:
            raise VendorError(
                self.env._(
                    "The export manifest s3://%(bucket)s/%(key)s lists no data files.",
                    bucket=conn.aws_s3_bucket,
                    key=key,
                )
            )
        return key, answer.get("ETag", ""), keys

    def fetch_export(self, keys):
        """Every data file of the manifest as one FOCUS source; any missing or unreadable
        file fails the whole period (nothing of it lands)."""
        conn = self.connection
        s3 = self.client("s3")
        downloads = []
        try:
            for key in keys:
                spool = tempfile.TemporaryFile()
                downloads.append((key, spool))
                try:
                    s3.download_fileobj(conn.aws_s3_bucket, key, spool)
                except ClientError as error:
                    if self._s3_missing(error):
                        raise VendorError(
                            self.env._(
                                "The export manifest lists s3://%(bucket)s/%(key)s, "
                                "which is not in the bucket.",
                                bucket=conn.aws_s3_bucket,
                                key=key,
                            )
                        ) from None
                    raise self._s3_refused(error, key) from None
                except BotoCoreError as error:
                    raise VendorError(self.env._("AWS could not be reached: %s", error)) from None
                spool.seek(0)
            source = None
            for key, spool in downloads:
                for row in self._read_data_file(key, spool):
                    if source is None:
                        source = FocusSource(self._extra_columns(row))
                    source.add(row)
            return source or FocusSource()
        finally:
            for _key, spool in downloads:
                spool.close()

    def _extra_columns(self, row):
        return [name for name in row if name not in FOCUS_HEADER]

    def _read_data_file(self, key, spool):
        """Rows of one data file as FOCUS dicts (CUR 2.0 columns mapped)."""
        magic = spool.read(4)
        spool.seek(0)
        if magic == b"PAR1":
            rows = self._parquet_rows(key, spool)
        else:
            stream = gzip.GzipFile(fileobj=spool, mode="rb") if magic[:2] == b"\x1f\x8b" else spool
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            rows = csv.DictReader(text)
        vendor_format = False
        try:
            for row in rows:
                if vendor_format is False:
                    # FOCUS as it is; CUR 2.0 or a legacy CUR mapped to FOCUS.
                    vendor_format = formats.detect(list(row))
                if vendor_format:
                    yield from vendor_format.to_focus(row)
                else:
                    yield row
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
            raise VendorError(
                self.env._(
                    "The export file %(key)s cannot be read: %(error)s", key=key, error=error
                )
            ) from None

    def _parquet_rows(self, key, spool):
        import pyarrow.parquet as pq  # imported here: only Parquet exports need it

        try:
            parquet = pq.ParquetFile(spool)
            for batch in parquet.iter_batches(batch_size=20000):
                for row in batch.to_pylist():
                    yield {name: _json_text(value) for name, value in row.items()}
        except Exception as error:  # pyarrow raises its own error classes
            raise VendorError(
                self.env._(
                    "The Parquet file %(key)s cannot be read: %(error)s", key=key, error=error
                )
            ) from None

    # -- Cost Explorer ----------------------------------------------------
    def fetch_cost_explorer(self, start, end):
        """Daily cost per linked account and service from start to end (exclusive),
        as estimate rows."""
        ce = self.client("ce")
        source = FocusSource([ESTIMATE_COLUMN])
        token = None
        while True:
            params = {
                "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                "Granularity": "DAILY",
                "Metrics": ["UnblendedCost", "UsageQuantity"],
                "GroupBy": [
                    {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
                    {"Type": "DIMENSION", "Key": "SERVICE"},
                ],
            }
            if token:
                params["NextPageToken"] = token
            page = self._call(
                self.env._("give the Cost Explorer figures"), ce.get_cost_and_usage, **params
            )
            for result in page.get("ResultsByTime") or []:
                period = result.get("TimePeriod") or {}
                for group in result.get("Groups") or []:
                    keys = list(group.get("Keys") or []) + ["", ""]
                    metrics = group.get("Metrics") or {}
                    cost = metrics.get("UnblendedCost") or {}
                    usage = metrics.get("UsageQuantity") or {}
                    day_start = period.get("Start") or ""
                    day_end = period.get("End") or ""
                    source.add(
                        {
                            "BillingCurrency": cost.get("Unit"),
                            "BilledCost": cost.get("Amount"),
                            "EffectiveCost": cost.get("Amount"),
                            "ChargePeriodStart": f"{day_start}T00:00:00Z" if day_start else "",
                            "ChargePeriodEnd": f"{day_end}T00:00:00Z" if day_end else "",
                            "ChargeCategory": "Usage",
                            "ChargeDescription": keys[1],
                            "ProviderName": "AWS",
                            "ServiceName": keys[1],
                            "SubAccountId": keys[0],
                            "ConsumedQuantity": usage.get("Amount"),
                            "PricingQuantity": usage.get("Amount"),
                            ESTIMATE_COLUMN: "Cost Explorer",
                        }
                    )
            token = page.get("NextPageToken")
            if not token:
                return source


def month_periods(today):
    """The billing periods a pull looks at: last month and the open one."""
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return [previous.strftime("%Y-%m"), first.strftime("%Y-%m")]


@register_connector
class AwsS3Connector(AwsConnector):
    """AWS Data Exports (FOCUS, CUR 2.0 or the legacy CUR) in S3, and Cost Explorer
    estimates between two exports when the connection asks for them."""

    kind = "aws_s3"
    label = _lt("AWS Data Exports in S3")
    sequence = 10

    def scopes(self):
        today = fields.Date.context_today(self.connection)
        scopes = [f"s3:{period}" for period in month_periods(today)]
        return scopes + (["ce"] if self.connection.aws_ce_estimate else [])

    def scope_label(self, scope):
        kind, _sep, argument = scope.partition(":")
        if kind == "ce":
            return self.env._("AWS Cost Explorer estimate")
        return self.env._("AWS Data Export %s", argument)

    def fetch(self, scope):
        kind, _sep, argument = scope.partition(":")
        if kind == "ce":
            return AwsCostExplorerConnector(self.connection).fetch(scope)
        if kind != "s3":
            return super().fetch(scope)
        manifest = self.read_manifest(argument)
        if not manifest:
            return Fetched(None)
        key, etag, keys = manifest
        label = f"s3://{self.connection.aws_s3_bucket}/{key} {etag}".strip()
        return Fetched(lambda: self.fetch_export(keys), label, label)

    def after_import(self, run):
        # The export replaces the Cost Explorer estimates of the days it covers.
        if (run.pull_scope or "").startswith("s3:") and run.period_start:
            self.env["billbyte.usage.pipeline"]._remove_estimates(
                self.connection, run.period_start, run.period_end
            )


@register_connector
class AwsCostExplorerConnector(AwsConnector):
    """Cost Explorer's daily cost per linked account and service: estimates only."""

    kind = "aws_ce"
    label = _lt("AWS Cost Explorer (estimates)")
    sequence = 11

    def scopes(self):
        return ["ce"]

    def scope_label(self, scope):
        return self.env._("AWS Cost Explorer estimate")

    def fetch(self, scope):
        if scope != "ce":
            return super().fetch(scope)
        start, end = self.estimate_days()
        if start >= end:
            return Fetched(None)
        label = self.env._(
            "AWS Cost Explorer estimate %(start)s to %(end)s",
            start=start,
            end=end - timedelta(days=1),
        )
        return Fetched(lambda: self.fetch_cost_explorer(start, end), label)

    def estimate_days(self):
        """The open month's days no export of the connection covers yet: [start, end)."""
        today = fields.Date.context_today(self.connection)
        start = today.replace(day=1)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT max(charge_date) FROM billbyte_usage_record WHERE connection_id = %s "
            "AND charge_date >= %s AND NOT (COALESCE(extra_data, '{}'::jsonb) ? %s)",
            [self.connection.id, start, ESTIMATE_COLUMN],
        )
        exported_until = self.env.cr.fetchone()[0]
        if exported_until:
            start = max(start, exported_until + timedelta(days=1))
        return start, today + timedelta(days=1)
