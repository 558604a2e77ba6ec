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
import time
from datetime import date, timedelta

from odoo import fields
from odoo.tools.translate import LazyTranslate

from odoo.addons.billbyte_catalog.vendor_api.aws import AwsSession, BotoCoreError, ClientError
from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

from ..focus.schema import FOCUS_HEADER
from ..focus.source import ESTIMATE_COLUMN, FocusSource
from . import formats
from .base import (
    VENDOR_ACTIVE,
    VENDOR_SUSPENDED,
    Connector,
    Fetched,
    register_connector,
    service_timeout,
    vendor_create_timeout,
)

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)


# Service management: the service control policies (SCPs) BillByte attaches to a
# linked account. An SCP denies; AWS's own FullAWSAccess keeps allowing the rest.
SCP_TYPE = "SERVICE_CONTROL_POLICY"
SUSPEND_POLICY = "BillByte-Suspend"
RESTRICT_POLICY_PREFIX = "BillByte-Restrict-"

# A FOCUS ServiceName (the product code of CUR and of AWS's FOCUS export before
# 1.2, or the service's full name) -> the IAM action prefix a per-service SCP denies.
# Only services whose actions all share one prefix of their own: denying it stops
# that service and nothing else.
AWS_SERVICE_ACTIONS = {
    "AmazonEC2": "ec2",
    "Amazon Elastic Compute Cloud": "ec2",
    "AmazonS3": "s3",
    "Amazon Simple Storage Service": "s3",
    "AWSLambda": "lambda",
    "AWS Lambda": "lambda",
    "AmazonRDS": "rds",
    "Amazon Relational Database Service": "rds",
    "AmazonDynamoDB": "dynamodb",
    "Amazon DynamoDB": "dynamodb",
    "AmazonCloudFront": "cloudfront",
    "Amazon CloudFront": "cloudfront",
    "AmazonSageMaker": "sagemaker",
    "Amazon SageMaker": "sagemaker",
    "AmazonEKS": "eks",
    "Amazon Elastic Kubernetes Service": "eks",
    "AmazonECS": "ecs",
    "Amazon Elastic Container Service": "ecs",
    "AmazonECR": "ecr",
    "Amazon Elastic Container Registry": "ecr",
    "AmazonElastiCache": "elasticache",
    "Amazon ElastiCache": "elasticache",
    "AmazonRedshift": "redshift",
    "Amazon Redshift": "redshift",
    "AmazonSNS": "sns",
    "Amazon Simple Notification Service": "sns",
    "AWSQueueService": "sqs",
    "Amazon Simple Queue Service": "sqs",
    "AmazonKinesis": "kinesis",
    "Amazon Kinesis": "kinesis",
    "AmazonRoute53": "route53",
    "Amazon Route 53": "route53",
    "AmazonEFS": "elasticfilesystem",
    "Amazon Elastic File System": "elasticfilesystem",
    "AmazonLightsail": "lightsail",
    "Amazon Lightsail": "lightsail",
    "AmazonES": "es",
    "Amazon OpenSearch Service": "es",
    "AWSGlue": "glue",
    "AWS Glue": "glue",
    "AmazonAthena": "athena",
    "Amazon Athena": "athena",
    "AmazonApiGateway": "apigateway",
    "Amazon API Gateway": "apigateway",
    "AWSSecretsManager": "secretsmanager",
    "AWS Secrets Manager": "secretsmanager",
    "AmazonBedrock": "bedrock",
    "Amazon Bedrock": "bedrock",
    "ElasticMapReduce": "elasticmapreduce",
    "Amazon EMR": "elasticmapreduce",
    "AmazonWorkSpaces": "workspaces",
    "Amazon WorkSpaces": "workspaces",
}


def _service_key(name):
    return "".join((name or "").split()).lower()


_ACTIONS_BY_KEY = {_service_key(name): prefix for name, prefix in AWS_SERVICE_ACTIONS.items()}


def iam_action_prefix(service_name):
    """The IAM action prefix of a FOCUS ServiceName, or None when BillByte does not
    know how to deny that service alone."""
    return _ACTIONS_BY_KEY.get(_service_key(service_name))


def deny_policy(sid, actions):
    """The text of an SCP denying these actions on every resource."""
    statement = {"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _json_text(value):
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return value


class AwsConnector(Connector):
    """What both AWS connection kinds share: the session (an access key, optionally a
    role in the payer account), the test and the linked accounts."""

    vendor_code = "aws"
    enforces = True
    creates_accounts = True

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

    @property
    def service_aws(self):
        """The session of service management: one try per call and a short timeout
        (a job asks again later, with backoff, instead of waiting here)."""
        if not getattr(self, "_service_aws", None):
            conn = self.connection
            timeout = service_timeout(self.env)
            self._service_aws = AwsSession(
                self.env,
                conn.aws_access_key_id,
                conn.aws_secret_access_key,
                region=conn.aws_region,
                role_arn=conn.aws_role_arn,
                external_id=conn.aws_external_id,
                endpoint_url=conn.aws_endpoint_url,
                max_tries=1,
                read_timeout=timeout,
                connect_timeout=timeout,
            )
        return self._service_aws

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

    # -- new accounts ----------------------------------------------------------
    def portal_url(self, vendor_account_id, vendor_customer_id=None):
        """Where the account is used and ordered from: its AWS console sign-in."""
        return f"https://{vendor_account_id}.signin.aws.amazon.com/console"

    def create_vendor_account(self, values):
        """Create a linked account in the payer's Organization (CreateAccount) and
        wait for AWS to finish it (DescribeCreateAccountStatus, polled for at most
        `billbyte.vendor_create_timeout` seconds, 60 by default). `values`: name and
        email (the new account's root user). Returns vendor_account_id,
        vendor_customer_id (None), portal_url and AWS's answer in plain words."""
        name = (values.get("name") or "").strip()
        email = (values.get("email") or "").strip()
        if not name or not email:
            raise VendorError(
                self.env._("AWS needs a name and an email address to create an account.")
            )
        org = self.client("organizations")
        started = self._call(
            self.env._("create the account %s", name),
            org.create_account,
            AccountName=name,
            Email=email,
        )["CreateAccountStatus"]
        limit = vendor_create_timeout(self.env)
        deadline = time.monotonic() + limit
        status = started
        while status.get("State") == "IN_PROGRESS":
            if time.monotonic() > deadline:
                raise VendorUnavailable(
                    self.env._(
                        "AWS is still creating the account %(name)s after %(seconds)s s "
                        "(request %(request)s): look it up in the Organization later.",
                        name=name,
                        seconds=int(limit),
                        request=started.get("Id"),
                    )
                )
            time.sleep(1)
            status = self._call(
                self.env._("tell how the creation of %s goes", name),
                org.describe_create_account_status,
                CreateAccountRequestId=started["Id"],
            )["CreateAccountStatus"]
        if status.get("State") != "SUCCEEDED" or not status.get("AccountId"):
            raise VendorError(
                self.env._(
                    "AWS could not create the account %(name)s: %(reason)s",
                    name=name,
                    reason=status.get("FailureReason") or status.get("State") or "-",
                )
            )
        account_id = status["AccountId"]
        return {
            "vendor_account_id": account_id,
            "vendor_customer_id": None,
            "portal_url": self.portal_url(account_id),
            "answer": self.env._(
                "AWS created the account %(name)s (%(id)s) in the organization.",
                name=name,
                id=account_id,
            ),
        }

    # -- service management: service control policies -----------------------
    def _org_call(self, what, method, tolerate=(), **params):
        """An Organizations call of service management; the AWS error codes in
        `tolerate` mean the change is already made (None is returned)."""
        try:
            return method(**params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in tolerate:
                return None
            raise self.service_aws.refusal(what, error) from None
        except BotoCoreError as error:
            raise VendorUnavailable(
                self.env._("AWS could not %(what)s: %(error)s", what=what, error=error)
            ) from None

    def _linked_account(self, account):
        account_id = (account.vendor_account_id or "").strip()
        if not account_id.isdigit() or len(account_id) != 12:
            raise VendorError(
                self.env._(
                    "%s is not an AWS account id (12 digits): AWS cannot act on it.",
                    account_id or "-",
                )
            )
        return account_id

    def _find_policy(self, org, name):
        """The id of the organization's SCP of this name, or None."""
        token = None
        while True:
            params = {"Filter": SCP_TYPE, **({"NextToken": token} if token else {})}
            page = self._org_call(
                self.env._("list the service control policies"), org.list_policies, **params
            )
            for policy in page.get("Policies") or []:
                if policy.get("Name") == name:
                    return policy.get("Id")
            token = page.get("NextToken")
            if not token:
                return None

    def _enable_policies(self, org):
        """Service control policies work once their type is enabled on the root."""
        roots = self._org_call(self.env._("list the roots of the organization"), org.list_roots)
        for root in roots.get("Roots") or []:
            enabled = any(
                kind.get("Type") == SCP_TYPE and kind.get("Status") == "ENABLED"
                for kind in root.get("PolicyTypes") or []
            )
            if not enabled:
                self._org_call(
                    self.env._("enable service control policies"),
                    org.enable_policy_type,
                    tolerate=("PolicyTypeAlreadyEnabledException",),
                    RootId=root["Id"],
                    PolicyType=SCP_TYPE,
                )

    def _policy(self, org, name, description, actions):
        """The id of our SCP of this name, created (once) when missing."""
        policy_id = self._find_policy(org, name)
        if policy_id:
            return policy_id
        created = self._org_call(
            self.env._("create the service control policy %s", name),
            org.create_policy,
            tolerate=("DuplicatePolicyException",),
            Name=name,
            Description=description,
            Type=SCP_TYPE,
            Content=deny_policy(name.replace("-", ""), actions),
        )
        if created is None:  # created meanwhile by another job
            return self._find_policy(org, name)
        return created["Policy"]["PolicySummary"]["Id"]

    def _attach(self, account, name, description, actions):
        org = self.service_aws.client("organizations")
        account_id = self._linked_account(account)
        self._enable_policies(org)
        policy_id = self._policy(org, name, description, actions)
        self._org_call(
            self.env._(
                "attach the policy %(policy)s to account %(account)s",
                policy=name,
                account=account_id,
            ),
            org.attach_policy,
            tolerate=("DuplicatePolicyAttachmentException",),
            PolicyId=policy_id,
            TargetId=account_id,
        )
        return self.env._(
            "AWS attached the service control policy %(policy)s (%(id)s) to account %(account)s.",
            policy=name,
            id=policy_id,
            account=account_id,
        )

    def _detach(self, account, name):
        org = self.service_aws.client("organizations")
        account_id = self._linked_account(account)
        policy_id = self._find_policy(org, name)
        if policy_id:
            self._org_call(
                self.env._(
                    "detach the policy %(policy)s from account %(account)s",
                    policy=name,
                    account=account_id,
                ),
                org.detach_policy,
                tolerate=("PolicyNotAttachedException",),
                PolicyId=policy_id,
                TargetId=account_id,
            )
        return self.env._(
            "AWS detached the service control policy %(policy)s from account %(account)s.",
            policy=name,
            account=account_id,
        )

    def attached_policies(self, account):
        """Names of the SCPs attached to the linked account itself."""
        org = self.service_aws.client("organizations")
        account_id = self._linked_account(account)
        names, token = [], None
        while True:
            params = {"TargetId": account_id, "Filter": SCP_TYPE}
            if token:
                params["NextToken"] = token
            page = self._org_call(
                self.env._("list the policies of account %s", account_id),
                org.list_policies_for_target,
                **params,
            )
            names += [policy.get("Name") for policy in page.get("Policies") or []]
            token = page.get("NextToken")
            if not token:
                return names

    def suspend(self, account):
        return self._attach(
            account, SUSPEND_POLICY, "BillByte: account suspended (denies every action)", ["*"]
        )

    def resume(self, account):
        return self._detach(account, SUSPEND_POLICY)

    def account_status(self, account):
        suspended = SUSPEND_POLICY in self.attached_policies(account)
        return VENDOR_SUSPENDED if suspended else VENDOR_ACTIVE

    def _restrict_policy(self, service_name):
        prefix = iam_action_prefix(service_name)
        if not prefix:
            raise VendorError(
                self.env._("BillByte cannot restrict the AWS service %s alone.", service_name)
            )
        return f"{RESTRICT_POLICY_PREFIX}{prefix}", prefix

    def can_restrict(self, service_name):
        return bool(iam_action_prefix(service_name))

    def restrict_service(self, account, service_name):
        name, prefix = self._restrict_policy(service_name)
        return self._attach(
            account,
            name,
            f"BillByte: {service_name} restricted (denies {prefix}:*)",
            [f"{prefix}:*"],
        )

    def release_service(self, account, service_name):
        name, _prefix = self._restrict_policy(service_name)
        return self._detach(account, name)

    def purge(self, account):
        org = self.service_aws.client("organizations")
        account_id = self._linked_account(account)
        self._org_call(
            self.env._("close account %s", account_id),
            org.close_account,
            tolerate=("AccountAlreadyClosedException",),
            AccountId=account_id,
        )
        return self.env._(
            "AWS accepted closing account %s (CloseAccount): it is suspended now and closed "
            "for good after 90 days.",
            account_id,
        )

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
