# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Google Cloud's Billing Catalog API (cloudbilling.googleapis.com/v1): services and
their SKUs with public prices, through requests. An API key authenticates (Google's
documented way for this API); a service account key works too, signed in with
google-auth.

Google's client library (google-cloud-billing) does not install beside Odoo
18's pinned packages (it needs newer cryptography and requests), so the REST API is
called with our HTTP helper; google-auth 2.29 (pure Python: rsa, pyasn1) does.
"""

import json

from .errors import VendorError
from .http import VendorHttp, vendor_session

GCP_CATALOG_URL = "https://cloudbilling.googleapis.com"
GCP_SCOPES = ["https://www.googleapis.com/auth/cloud-billing.readonly"]
PAGE_SIZE = 5000


class GcpCatalog:
    """Pages of the Billing Catalog API: services.list and services.skus.list."""

    def __init__(self, env, api_key=None, service_account=None, url=None, tries=3):
        self.env = env
        self.api_key = (api_key or "").strip() or None
        self.service_account = (service_account or "").strip() or None
        self.url = (url or GCP_CATALOG_URL).rstrip("/")
        self.session = vendor_session()
        self.http = VendorHttp(env, self.session, "Google Cloud Billing Catalog API", tries=tries)
        self._token = None
        if not self.api_key and not self.service_account:
            raise VendorError(
                env._(
                    "Google Cloud's Billing Catalog API needs an API key or a service account key."
                )
            )

    def _bearer(self):
        """An OAuth token of the service account (google-auth signs the assertion)."""
        if self._token:
            return self._token
        try:
            from google.auth.transport.requests import Request
            from google.oauth2 import service_account
        except ImportError:  # pragma: no cover - google-auth is in requirements.txt
            raise VendorError(
                self.env._("The Python library google-auth is not installed.")
            ) from None
        try:
            info = json.loads(self.service_account)
            credentials = service_account.Credentials.from_service_account_info(
                info, scopes=GCP_SCOPES
            )
            credentials.refresh(Request(self.session))
        except (ValueError, KeyError) as error:
            raise VendorError(
                self.env._("The Google Cloud service account key is not usable: %s", error)
            ) from None
        except Exception as error:  # google.auth.exceptions.GoogleAuthError and transport
            raise VendorError(self.env._("Google Cloud sign-in failed: %s", error)) from None
        self._token = credentials.token
        return self._token

    def _pages(self, path, what, key, params=None):
        """Every item under `key` of every page of a list method."""
        params = dict(params or {}, pageSize=PAGE_SIZE)
        headers = {"Accept": "application/json"}
        if self.api_key:
            params["key"] = self.api_key
        else:
            headers["Authorization"] = f"Bearer {self._bearer()}"
        while True:
            response = self.http.request(
                "GET", f"{self.url}{path}", what, params=params, headers=headers
            )
            try:
                page = response.json()
            except ValueError:
                raise VendorError(
                    self.env._("Google Cloud's answer for %s is not JSON.", what)
                ) from None
            yield from page.get(key) or []
            token = page.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token

    def services(self):
        """Every public service: dicts with name (services/<id>), serviceId, displayName."""
        return list(self._pages("/v1/services", self.env._("the list of services"), "services"))

    def service_named(self, wanted):
        """The service whose id, resource name or display name is `wanted` (any case)."""
        text = wanted.strip().lower()
        for service in self.services():
            names = {
                (service.get("serviceId") or "").lower(),
                (service.get("name") or "").lower(),
                (service.get("displayName") or "").lower(),
            }
            if text in names:
                return service
        raise VendorError(self.env._("Google Cloud has no public service %s.", wanted))

    def skus(self, service_name, currency_code):
        """Every SKU of a service (services/<id>), priced in currency_code."""
        return self._pages(
            f"/v1/{service_name}/skus",
            self.env._("the SKUs of %s", service_name),
            "skus",
            {"currencyCode": currency_code},
        )
