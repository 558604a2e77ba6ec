# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One way to reach AWS through boto3, for price sync and usage pulls alike."""

from .errors import VendorError, VendorUnavailable

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - boto3 is an external dependency of the modules
    boto3 = Config = None
    BotoCoreError = ClientError = Exception


class AwsSession:
    """A boto3 session with our settings: the given access key (empty: the server's
    own AWS credentials), an optional role assumed through STS (with its external
    id), an optional endpoint (VPC endpoints, S3-compatible stand-ins, tests), and
    boto3's standard retry mode with `max_tries` attempts."""

    def __init__(
        self,
        env,
        access_key_id=None,
        secret_access_key=None,
        region=None,
        role_arn=None,
        external_id=None,
        endpoint_url=None,
        max_tries=4,
        read_timeout=120,
        connect_timeout=10,
    ):
        if boto3 is None:
            raise VendorError(env._("The Python library boto3 is not installed."))
        self.env = env
        self.access_key_id = access_key_id or None
        self.secret_access_key = secret_access_key or None
        self.region = region or "us-east-1"
        self.role_arn = role_arn
        self.external_id = external_id
        self.endpoint_url = endpoint_url or None
        self.config = Config(
            retries={"max_attempts": max(int(max_tries or 1), 1), "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._session = None

    def session(self):
        if self._session:
            return self._session
        session = boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name=self.region,
        )
        if self.role_arn:
            sts = session.client("sts", endpoint_url=self.endpoint_url, config=self.config)
            params = {"RoleArn": self.role_arn, "RoleSessionName": "billbyte-odoo"}
            if self.external_id:
                params["ExternalId"] = self.external_id
            credentials = self.call("assume the role", sts.assume_role, **params)["Credentials"]
            session = boto3.session.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=self.region,
            )
        self._session = session
        return session

    def client(self, service):
        return self.session().client(service, endpoint_url=self.endpoint_url, config=self.config)

    def call(self, what, method, **params):
        """Call boto3; turn its errors into the vendor's words (VendorError)."""
        try:
            return method(**params)
        except ClientError as error:
            raise self.refusal(what, error) from None
        except BotoCoreError as error:
            raise VendorUnavailable(
                self.env._("AWS could not %(what)s: %(error)s", what=what, error=error)
            ) from None

    # Answers that say AWS could not serve the call now, not that it refuses it.
    UNAVAILABLE_CODES = frozenset(
        {
            "Throttling",
            "ThrottlingException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "ServiceException",
            "ServiceUnavailable",
            "InternalError",
            "InternalFailure",
            "ConcurrentModificationException",
        }
    )

    def refusal(self, what, error):
        """The VendorError of a ClientError: VendorUnavailable for throttling and
        5xx (asking again later may work), VendorError for a refusal."""
        info = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        unavailable = status >= 500 or info.get("Code") in self.UNAVAILABLE_CODES
        return (VendorUnavailable if unavailable else VendorError)(
            self.env._(
                "AWS refused to %(what)s: %(code)s: %(message)s",
                what=what,
                code=info.get("Code", "?"),
                message=info.get("Message") or error,
            )
        )
