# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Microsoft Partner Center billing through msal (app-only) and requests: the billing
reconciliation API v2 on Microsoft Graph, and the partner's customers and
subscriptions on the Partner Center API."""

import csv
import gzip
import io
import json
import logging
import tempfile
import time
import uuid
import warnings
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import msal
import requests

from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from odoo.addons.billbyte_catalog.models.price_list_formats import _decode as decode_price_file
from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable
from odoo.addons.billbyte_catalog.vendor_api.http import (
    VendorHttp,
    retry_after_seconds,
    vendor_message,
    vendor_session,
)

from ..focus.source import FocusSource
from .base import (
    VENDOR_ACTIVE,
    VENDOR_SUSPENDED,
    Connector,
    Fetched,
    register_connector,
    service_timeout,
)

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

# Extra data kept on every record (FOCUS has no column for them).
MICROSOFT_EXTRAS = [
    "x_CustomerId",
    "x_CustomerName",
    "x_CustomerDomainName",
    "x_EntitlementId",
    "x_ChargeType",
    "x_UnitPrice",
    "x_EffectiveUnitPrice",
    "x_PricingCurrency",
    "x_PartnerEarnedCreditPercentage",
    "x_PCToBCExchangeRate",
    "x_PCToBCExchangeRateDate",
    "x_MeterSubCategory",
    "x_MeterName",
    "x_ProductId",
    "x_SkuName",
]
EXPORT_PATHS = {
    "unbilled": "/v1.0/reports/partners/billing/usage/unbilled/export",
    "billed": "/v1.0/reports/partners/billing/usage/billed/export",
    "reconciliation": "/v1.0/reports/partners/billing/reconciliation/billed/export",
}


def _day(value):
    """The date of a Partner Center date-time text, or None."""
    text = value if isinstance(value, str) else ""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def partner_center_to_focus(item):
    """One Partner Center reconciliation row (Azure plan daily rated usage or a
    Microsoft 365 new-commerce license charge) as FOCUS columns. Values travel as
    the vendor gave them: the pipeline rejects the ones it cannot read."""
    lower = {str(key).lower(): value for key, value in item.items()}

    def get(*names):
        for name in names:
            value = lower.get(name.lower())
            if value not in (None, ""):
                return value
        return None

    usage_date = get("usageDate")
    if usage_date is not None:
        start = _day(usage_date)
        period = (start, start + timedelta(days=1)) if start else (usage_date, usage_date)
        service = get("meterCategory", "productName")
        sku = get("meterId", "skuId")
        category = "Usage"
    else:
        start, end = get("chargeStartDate"), get("chargeEndDate")
        period = (_day(start) or start, _day(end) or end)
        service = get("productName", "meterCategory")
        product, sku_id = get("productId"), get("skuId")
        sku = f"{product}:{sku_id}" if product and sku_id else product or sku_id
        billed = get("billingPreTaxTotal", "subtotal")
        negative = isinstance(billed, Decimal | int | float) and billed < 0
        category = "Credit" if negative else "Purchase"
    billed_cost = get("billingPreTaxTotal", "subtotal")
    quantity = get("quantity", "billableQuantity")
    return {
        "BillingAccountId": get("partnerId"),
        "BillingCurrency": get("billingCurrency", "currency"),
        "BilledCost": billed_cost,
        "EffectiveCost": billed_cost,
        "ListCost": get("pricingPreTaxTotal"),
        "ChargePeriodStart": period[0],
        "ChargePeriodEnd": period[1],
        "ChargeCategory": category,
        "ChargeDescription": get("meterName", "skuName", "productName"),
        "ProviderName": "Microsoft",
        "PublisherName": get("publisherName"),
        "ServiceName": service,
        "SkuId": sku,
        "SubAccountId": get("subscriptionId"),
        "SubAccountName": get("subscriptionDescription", "customerName"),
        "ConsumedQuantity": quantity,
        "ConsumedUnit": get("unit", "unitType"),
        "PricingQuantity": get("billableQuantity", "quantity"),
        "PricingUnit": get("unitType", "unit"),
        "InvoiceId": get("invoiceNumber", "invoiceId"),
        "ResourceId": get("resourceUri"),
        "RegionId": get("meterRegion", "resourceLocation"),
        "x_CustomerId": get("customerId"),
        "x_CustomerName": get("customerName"),
        "x_CustomerDomainName": get("customerDomainName"),
        "x_EntitlementId": get("entitlementId"),
        "x_ChargeType": get("chargeType"),
        "x_UnitPrice": get("unitPrice"),
        "x_EffectiveUnitPrice": get("effectiveUnitPrice"),
        "x_PricingCurrency": get("pricingCurrency"),
        "x_PartnerEarnedCreditPercentage": get("partnerEarnedCreditPercentage"),
        "x_PCToBCExchangeRate": get("pcToBCExchangeRate"),
        "x_PCToBCExchangeRateDate": get("pcToBCExchangeRateDate"),
        "x_MeterSubCategory": get("meterSubCategory"),
        "x_MeterName": get("meterName"),
        "x_ProductId": get("productId"),
        "x_SkuName": get("skuName"),
    }


# Partner Center's term durations (ISO 8601) and what a license's term is in Odoo.
TERM_DURATIONS = {"P1M": "monthly", "P1Y": "annual"}


def subscription_values(subscription):
    """The license facts of a Partner Center subscription resource, as plain values
    (dates as date, quantity as int), or None for a usage-billed one (Azure plan)."""
    if (subscription.get("billingType") or "").lower() == "usage":
        return None
    try:
        quantity = int(subscription.get("quantity") or 0)
    except (TypeError, ValueError):
        quantity = 0
    return {
        "subscription_id": (subscription.get("id") or "").strip().lower(),
        "offer_id": subscription.get("offerId") or "",
        "offer_name": subscription.get("offerName") or subscription.get("friendlyName") or "",
        "quantity": quantity,
        "term_duration": subscription.get("termDuration") or "",
        "billing_cycle": (subscription.get("billingCycle") or "").lower(),
        "commitment_end_date": _day(subscription.get("commitmentEndDate")),
        "cancellation_until": _day(subscription.get("cancellationAllowedUntilDate")),
        "auto_renew": bool(subscription.get("autoRenewEnabled")),
        "status": (subscription.get("status") or "").lower(),
        "start_date": _day(
            subscription.get("effectiveStartDate") or subscription.get("creationDate")
        ),
    }


@register_connector
class MicrosoftConnector(Connector):
    kind = "microsoft"
    label = _lt("Microsoft Partner Center")
    vendor_code = "microsoft"
    sequence = 20
    enforces = True
    creates_accounts = True
    VENDOR = "Microsoft"

    def __init__(self, connection):
        super().__init__(connection)
        conn = self.connection
        self.session = vendor_session(conn.tls_ca_bundle)
        self.http = VendorHttp(self.env, self.session, self.VENDOR, conn.max_tries)
        self.base_delay = self.http.base_delay
        self.graph_url = (conn.ms_graph_url or "https://graph.microsoft.com").rstrip("/")
        self.partner_center_url = (
            conn.ms_partner_center_url or "https://api.partnercenter.microsoft.com"
        ).rstrip("/")
        self.partner_api_url = (
            conn.ms_partner_api_url or "https://api.partner.microsoft.com"
        ).rstrip("/")
        # Requests sent by the license sync, and the earliest moment of the next one.
        self.request_count = 0
        self._next_slot = 0.0

    # -- sign-in -----------------------------------------------------------
    def token(self, resource):
        conn = self.connection
        if conn.ms_auth_method == "certificate":
            credential = {
                "private_key": conn.ms_certificate_key or "",
                "thumbprint": conn.ms_certificate_thumbprint or "",
            }
        else:
            credential = conn.ms_client_secret or ""
        authority = (conn.ms_authority_url or "https://login.microsoftonline.com").rstrip("/")
        try:
            app = msal.ConfidentialClientApplication(
                conn.ms_client_id,
                authority=f"{authority}/{conn.ms_tenant_id}",
                client_credential=credential,
                instance_discovery=False,
                http_client=self.session,
            )
            result = app.acquire_token_for_client(scopes=[f"{resource}/.default"])
        except requests.RequestException as error:
            raise VendorUnavailable(self.env._("Microsoft sign-in failed: %s", error)) from None
        except ValueError as error:
            raise VendorError(self.env._("Microsoft sign-in failed: %s", error)) from None
        if "access_token" not in result:
            raise VendorError(
                self.env._(
                    "Microsoft sign-in failed: %s",
                    result.get("error_description") or result.get("error") or result,
                )
            )
        return result["access_token"]

    # -- sign-in as app + user (price sheets, exchange rates) ---------------------
    def _app(self):
        conn = self.connection
        if conn.ms_auth_method == "certificate":
            credential = {
                "private_key": conn.ms_certificate_key or "",
                "thumbprint": conn.ms_certificate_thumbprint or "",
            }
        else:
            credential = conn.ms_client_secret or ""
        authority = (conn.ms_authority_url or "https://login.microsoftonline.com").rstrip("/")
        return msal.ConfidentialClientApplication(
            conn.ms_client_id,
            authority=f"{authority}/{conn.ms_tenant_id}",
            client_credential=credential,
            instance_discovery=False,
            http_client=self.session,
        )

    def _user_scopes(self):
        return [f"{self.partner_api_url}/user_impersonation"]

    def user_token(self):
        """An access token of the Partner API as the app and the user who consented
        (Partner Center's price sheets accept no app-only token): msal redeems the
        consent's refresh token, and the new refresh token it gets is kept."""
        conn = self.connection
        if not conn.ms_refresh_token:
            raise VendorError(
                self.env._(
                    "Price sheets need a Partner Center user's consent (app + user): use "
                    "'Grant Consent' on connection %s.",
                    conn.name,
                )
            )
        try:
            result = self._app().acquire_token_by_refresh_token(
                conn.ms_refresh_token, scopes=self._user_scopes()
            )
        except requests.RequestException as error:
            raise VendorUnavailable(self.env._("Microsoft sign-in failed: %s", error)) from None
        except ValueError as error:
            raise VendorError(self.env._("Microsoft sign-in failed: %s", error)) from None
        if "access_token" not in result:
            raise VendorError(
                self.env._(
                    "Microsoft sign-in (app + user) failed: %s",
                    result.get("error_description") or result.get("error") or result,
                )
            )
        if result.get("refresh_token") and result["refresh_token"] != conn.ms_refresh_token:
            conn.ms_refresh_token = result["refresh_token"]
        return result["access_token"]

    def consent_flow(self, redirect_uri):
        """The authorization code flow (msal) a consent starts: its auth_uri is where the
        user signs in."""
        with warnings.catch_warnings():
            # msal advises form_post; the callback needs the user's Odoo session, which
            # a cross-site form post does not carry (SameSite cookies). The flow's state
            # and PKCE verifier protect the code either way.
            warnings.simplefilter("ignore", UserWarning)
            return self._app().initiate_auth_code_flow(
                self._user_scopes(), redirect_uri=redirect_uri
            )

    def finish_consent(self, flow, params):
        """The refresh token of the consent the callback answers (code and state)."""
        try:
            result = self._app().acquire_token_by_auth_code_flow(flow, dict(params))
        except ValueError as error:
            raise UserError(self.env._("Microsoft's answer does not fit: %s", error)) from None
        if "refresh_token" not in result:
            raise UserError(
                self.env._(
                    "Microsoft gave no consent: %s",
                    result.get("error_description") or result.get("error") or result,
                )
            )
        return result["refresh_token"]

    def _partner_api_get(self, path, what, **kwargs):
        """One try: a sync that fails is retried later, when the vendor says so."""
        http = VendorHttp(self.env, self.session, self.VENDOR, tries=1)
        headers = {
            "Authorization": f"Bearer {self.user_token()}",
            # Partner Center zips price sheets and rates when asked with deflate.
            "Accept-Encoding": "deflate",
            **kwargs.pop("headers", {}),
        }
        return http.request(
            "GET", f"{self.partner_api_url}{path}", what, headers=headers, timeout=300, **kwargs
        )

    def price_sheet(self, market, view, timeline="current"):
        """The price sheet of a market and view, as Partner Center serves it: CSV, or a
        ZIP of the CSV (the catalog's readers take both)."""
        params = {} if timeline == "current" else {"timeline": timeline}
        response = self._partner_api_get(
            f"/v1.0/sales/pricesheets(Market='{market}',PricesheetView='{view}')/$value",
            self.env._("the %(view)s price sheet of market %(market)s", view=view, market=market),
            params=params,
        )
        return response.content

    def fx_rates(self, day):
        """{currency code: USD per unit (Decimal)} of Partner Center's foreign exchange
        rates of the month of `day`."""
        month = day.strftime("%Y%m")
        response = self._partner_api_get(
            f"/v1.0/sales/fxrates(Month='{month}')/$value",
            self.env._("the exchange rates of %s", month),
        )
        try:
            text = decode_price_file(self.env, response.content)
        except UserError as error:
            raise VendorError(str(error)) from None
        rates = {}
        for row in csv.DictReader(io.StringIO(text)):
            row = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
            try:
                rate = Decimal(row.get("usdperunit", ""))
            except InvalidOperation:
                continue
            if row.get("currencycode") and rate > 0:
                rates[row["currencycode"].upper()] = rate
        if not rates:
            raise VendorError(
                self.env._("Partner Center's exchange rates of %s hold no rate.", month)
            )
        return rates

    def test(self):
        self.token(self.graph_url)
        return self.env._(
            "Signed in to Microsoft as application %(client)s of tenant %(tenant)s.",
            client=self.connection.ms_client_id,
            tenant=self.connection.ms_tenant_id,
        )

    # -- customers and subscriptions ------------------------------------------
    def requests_per_minute(self):
        """Partner Center throttles per partner tenant: the license sync keeps under
        system parameter billbyte.ms_requests_per_minute (500 by default)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("billbyte.ms_requests_per_minute", "500")
        )
        try:
            return max(float(value), 1.0)
        except ValueError:
            return 500.0

    def _pace(self):
        """Wait for the next request slot (a steady rate, no bursts)."""
        if not self._next_slot:
            self._interval = 60.0 / self.requests_per_minute()
        now = time.monotonic()
        if self._next_slot > now:
            time.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + self._interval
        self.request_count += 1

    def _get_all(self, token, url, what, paced=False):
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        items = []
        while url:
            if paced:
                self._pace()
            body = self.http.request("GET", url, what, headers=headers).json()
            items.extend(body.get("items") or [])
            following = (body.get("links") or {}).get("next") or {}
            url = following.get("uri")
            if url and not url.startswith("http"):
                url = f"{self.partner_center_url}/v1/{url.lstrip('/')}"
            for header in following.get("headers") or []:
                headers[header.get("key")] = header.get("value")
        return items

    def vendor_accounts(self):
        """The partner's customers and their subscriptions."""
        token = self.token(self.partner_center_url)
        accounts = []
        customers = self._get_all(
            token, f"{self.partner_center_url}/v1/customers", self.env._("the customer list")
        )
        for customer in customers:
            profile = customer.get("companyProfile") or {}
            customer_id = customer.get("id")
            subscriptions = self._get_all(
                token,
                f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions",
                self.env._("the subscriptions of %s", profile.get("companyName") or customer_id),
            )
            for subscription in subscriptions:
                accounts.append(
                    {
                        "vendor_account_id": subscription.get("id"),
                        "vendor_customer_id": customer_id,
                        "name": subscription.get("friendlyName")
                        or subscription.get("offerName")
                        or subscription.get("id"),
                        "customer_name": profile.get("companyName") or profile.get("domain"),
                        "status": subscription.get("status"),
                    }
                )
        return accounts

    # -- new-commerce licenses ------------------------------------------------------
    def license_subscriptions(self, customer_ids=None):
        """{customer tenant id: (customer name, [subscription_values])}: every customer's
        license subscriptions, page by page, under the request rate. Everything is read
        before anything is returned: a sync that fails half-way applies nothing."""
        token = self.token(self.partner_center_url)
        if customer_ids is None:
            customers = self._get_all(
                token,
                f"{self.partner_center_url}/v1/customers?size=500",
                self.env._("the customer list"),
                paced=True,
            )
        else:
            customers = [{"id": cid, "companyProfile": {}} for cid in customer_ids]
        result = {}
        for customer in customers:
            profile = customer.get("companyProfile") or {}
            customer_id = (customer.get("id") or "").lower()
            items = self._get_all(
                token,
                f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions",
                self.env._("the subscriptions of %s", profile.get("companyName") or customer_id),
                paced=True,
            )
            values = [subscription_values(item) for item in items]
            result[customer_id] = (
                profile.get("companyName") or profile.get("domain") or customer_id,
                [value for value in values if value and value["subscription_id"]],
            )
        return result

    def _audited(self, method, url, what, audit, request_id, body=None, extra_headers=None):
        """One write to Partner Center, one try, sent with MS-RequestId (a request sent
        again with the same id is applied once) and MS-CorrelationId; `audit(values)`
        records the attempt, whatever came of it. Microsoft's refusal is raised in its
        own words (VendorError); no answer in time is VendorUnavailable."""
        token = self.token(self.partner_center_url)
        correlation = str(uuid.uuid4())
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "MS-RequestId": request_id,
            "MS-CorrelationId": correlation,
            **(extra_headers or {}),
        }
        call = {
            "method": method,
            "url": url,
            "request": json.dumps(body, indent=1, default=str) if body is not None else "",
            "request_id": request_id,
            "correlation_id": correlation,
        }
        try:
            response = self.session.request(
                method, url, headers=headers, json=body, timeout=service_timeout(self.env)
            )
        except requests.Timeout as error:
            audit(dict(call, state="timeout", answer=str(error)))
            raise VendorUnavailable(
                self.env._(
                    "Microsoft did not answer %(what)s in time: it may have applied it. "
                    "Nothing changed in Odoo; try again: the same request id is sent, so "
                    "Microsoft applies it once.",
                    what=what,
                )
            ) from None
        except requests.RequestException as error:
            audit(dict(call, state="error", answer=str(error)))
            raise VendorUnavailable(
                self.env._(
                    "Microsoft could not be reached for %(what)s: %(error)s", what=what, error=error
                )
            ) from None
        call.update(
            status_code=response.status_code,
            answer=response.text[:20000],
            correlation_id=response.headers.get("MS-CorrelationId") or correlation,
        )
        if response.status_code >= 400:
            audit(dict(call, state="refused"))
            error_class = (
                VendorUnavailable
                if response.status_code in (429, 500, 502, 503, 504)
                else VendorError
            )
            raise error_class(
                self.env._(
                    "Microsoft refused %(what)s: %(message)s",
                    what=what,
                    message=vendor_message(response),
                )
            )
        audit(dict(call, state="done"))
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise VendorError(self.env._("Microsoft's answer for %s is not JSON.", what)) from None

    def customer_subscription(self, customer_id, subscription_id):
        """A subscription resource (GET, one try)."""
        token = self.token(self.partner_center_url)
        return self._service_request(
            "GET",
            f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions/{subscription_id}",
            self.env._("the subscription %s", subscription_id),
            token,
        )

    def change_subscription(self, customer_id, subscription_id, changes, request_id, audit):
        """Partner Center's documented change: GET the subscription, set `changes`
        (quantity, status, autoRenewEnabled, scheduledNextTermInstructions), PATCH it
        back. Returns the subscription's values after the change."""
        resource = self.customer_subscription(customer_id, subscription_id)
        resource.update(changes)
        etag = (resource.get("attributes") or {}).get("etag")
        what = self.env._("the change of subscription %s", subscription_id)
        url = (
            f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions/{subscription_id}"
        )
        answer = self._audited(
            "PATCH",
            url,
            what,
            audit,
            request_id,
            resource,
            extra_headers={"If-Match": etag} if etag else None,
        )
        return subscription_values(answer) or {}

    # -- renewals and upgrades ----------------------------------------------------
    def subscription_upgrades(self, customer_id, subscription_id):
        """The offers the subscription can be upgraded to (GET
        /v1/customers/{id}/subscriptions/{id}/upgrades): dicts of offer_id, name,
        eligible, errors (Microsoft's reasons when not eligible)."""
        token = self.token(self.partner_center_url)
        answer = self._service_request(
            "GET",
            f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions/"
            f"{subscription_id}/upgrades",
            self.env._("the upgrades of subscription %s", subscription_id),
            token,
        )
        targets = []
        for item in answer.get("items") or []:
            offer = item.get("targetOffer") or {}
            targets.append(
                {
                    "offer_id": offer.get("id") or "",
                    "name": offer.get("name") or offer.get("id") or "",
                    "eligible": bool(item.get("isEligible")),
                    "errors": [
                        str(error.get("description") or error.get("code"))
                        for error in item.get("upgradeErrors") or []
                    ],
                }
            )
        return targets

    def upgrade_subscription(self, customer_id, subscription_id, target_offer, request_id, audit):
        """Upgrade (convert) the subscription to `target_offer` (POST .../upgrades with
        the target offer, upgradeType upgrade_only), audited. Returns the values of the
        subscription Microsoft bills from now on."""
        base = f"{self.partner_center_url}/v1/customers/{customer_id}/subscriptions"
        what = self.env._("the upgrade of subscription %s", subscription_id)
        result = self._audited(
            "POST",
            f"{base}/{subscription_id}/upgrades",
            what,
            audit,
            request_id,
            {"targetOffer": {"id": target_offer}, "upgradeType": "upgrade_only"},
        )
        errors = (result.get("upgradeErrors") or []) + (result.get("licenseErrors") or [])
        if errors:
            raise VendorError(
                self.env._(
                    "Microsoft refused %(what)s: %(message)s",
                    what=what,
                    message="; ".join(
                        str(error.get("description") or error.get("code")) for error in errors
                    ),
                )
            )
        target = (result.get("targetSubscriptionId") or subscription_id).lower()
        return subscription_values(self.customer_subscription(customer_id, target)) or {}

    def catalog_item(self, offer, country):
        """The catalog item id (product:sku:availability) of a product:sku in a market,
        or a VendorError saying it is not sold there."""
        parts = [part for part in (offer or "").split(":") if part]
        if len(parts) >= 3:
            return ":".join(parts[:3])
        if len(parts) != 2:
            raise VendorError(
                self.env._("%s is not a Partner Center product:SKU id.", offer or "-")
            )
        token = self.token(self.partner_center_url)
        answer = self._service_request(
            "GET",
            f"{self.partner_center_url}/v1/products/{parts[0]}/skus/{parts[1]}/availabilities",
            self.env._("the availabilities of %s", offer),
            token,
            params={"country": country, "targetSegment": "commercial"},
        )
        items = answer.get("items") or []
        if not items or not items[0].get("catalogItemId"):
            raise VendorError(
                self.env._(
                    "Microsoft does not sell %(offer)s in the customer's market (%(country)s).",
                    offer=offer,
                    country=country,
                )
            )
        return items[0]["catalogItemId"]

    def place_order(self, customer_id, lines, request_id, audit):
        """Order licenses as Partner Center documents it for new commerce: create a cart
        (POST /v1/customers/{id}/carts) then check it out. `lines`: dicts of offer,
        country, quantity, term_duration, billing_cycle, name. Returns the
        subscription values of what Microsoft created, in line order."""
        items = [
            {
                "id": number,
                "catalogItemId": self.catalog_item(line["offer"], line["country"]),
                "quantity": line["quantity"],
                "billingCycle": line["billing_cycle"],
                "termDuration": line["term_duration"],
                "friendlyName": line.get("name") or "",
            }
            for number, line in enumerate(lines)
        ]
        base = f"{self.partner_center_url}/v1/customers/{customer_id}"
        cart = self._audited(
            "POST", f"{base}/carts", self.env._("the cart"), audit, request_id, {"lineItems": items}
        )
        result = self._audited(
            "POST",
            f"{base}/carts/{cart.get('id')}/checkout",
            self.env._("the order"),
            audit,
            f"{request_id}-checkout",
            {},
        )
        errors = result.get("orderErrors") or []
        if errors:
            raise VendorError(
                self.env._(
                    "Microsoft refused the order: %s",
                    "; ".join(str(e.get("description") or e.get("code")) for e in errors),
                )
            )
        created = []
        for order in result.get("orders") or []:
            for item in sorted(
                order.get("lineItems") or [], key=lambda i: i.get("lineItemNumber") or 0
            ):
                if not item.get("subscriptionId"):
                    raise VendorUnavailable(
                        self.env._(
                            "Microsoft took order %s but has not created its subscription yet.",
                            order.get("id") or "-",
                        )
                    )
                values = subscription_values(
                    self.customer_subscription(customer_id, item["subscriptionId"])
                )
                created.append(dict(values or {}, order_id=order.get("id")))
        return created

    def assigned_seats(self, customer_id):
        """{SKU name (lower case): licenses assigned in the tenant (consumedUnits)} from
        the customer's subscribed SKUs."""
        token = self.token(self.partner_center_url)
        answer = self._service_request(
            "GET",
            f"{self.partner_center_url}/v1/customers/{customer_id}/subscribedskus",
            self.env._("the subscribed SKUs of %s", customer_id),
            token,
        )
        seats = {}
        for item in answer.get("items") or []:
            sku = item.get("productSku") or {}
            name = (sku.get("name") or "").strip().lower()
            if name:
                seats[name] = seats.get(name, 0) + int(item.get("consumedUnits") or 0)
        return seats

    # -- new customers -----------------------------------------------------------
    # The Azure plan, as a new customer's first subscription is ordered (Partner
    # Center's product DZH318Z0BPS6, SKU 0001).
    AZURE_PLAN_OFFER = "DZH318Z0BPS6:0001"

    def portal_url(self, vendor_account_id, vendor_customer_id=None):
        """The customer's subscriptions in Partner Center, where orders are placed."""
        if not vendor_customer_id:
            return None
        return f"https://partner.microsoft.com/dashboard/v2/customers/{vendor_customer_id}/subscriptions"

    def create_vendor_account(self, values):
        """Create the customer in Partner Center (POST /v1/customers, its company and
        billing profiles as documented) and order its first subscription, an Azure
        plan unless values["offer_id"] names another offer (POST
        /v1/customers/{tenant}/orders). `values`: name, domain (the new tenant's
        <domain>.onmicrosoft.com prefix), email, country (ISO code), city, street, zip,
        state, phone, first_name, last_name, language (Odoo code, e.g. en_US).
        Returns vendor_account_id (the subscription), vendor_customer_id (the
        tenant), portal_url and answer."""
        name = (values.get("name") or "").strip()
        domain = (values.get("domain") or "").strip().lower()
        if domain and "." not in domain:
            domain = f"{domain}.onmicrosoft.com"
        lang = (values.get("language") or "en_US").replace("-", "_")
        culture = lang.replace("_", "-").upper() if "_" in lang else "EN-US"
        body = {
            "CompanyProfile": {"Domain": domain},
            "BillingProfile": {
                "Culture": culture,
                "Email": values.get("email") or "",
                "Language": lang.split("_")[0],
                "CompanyName": name,
                "DefaultAddress": {
                    "FirstName": values.get("first_name") or "",
                    "LastName": values.get("last_name") or "",
                    "AddressLine1": values.get("street") or "",
                    "City": values.get("city") or "",
                    "State": values.get("state") or "",
                    "PostalCode": values.get("zip") or "",
                    "Country": (values.get("country") or "").upper(),
                    "PhoneNumber": values.get("phone") or "",
                },
            },
        }
        token = self.token(self.partner_center_url)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        # One try: a creation sent again after a lost answer would make a second customer.
        http = VendorHttp(self.env, self.session, self.VENDOR, tries=1)
        customer = http.request(
            "POST",
            f"{self.partner_center_url}/v1/customers",
            self.env._("the creation of customer %s", name),
            headers=headers,
            json=body,
        ).json()
        tenant = customer.get("id") or (customer.get("companyProfile") or {}).get("tenantId")
        if not tenant:
            raise VendorError(self.env._("Partner Center created no customer id for %s.", name))
        offer = values.get("offer_id") or self.AZURE_PLAN_OFFER
        order = http.request(
            "POST",
            f"{self.partner_center_url}/v1/customers/{tenant}/orders",
            self.env._("the first order of customer %s", name),
            headers=headers,
            json={
                "ReferenceCustomerId": tenant,
                "BillingCycle": "monthly",
                "LineItems": [
                    {
                        "LineItemNumber": 0,
                        "OfferId": offer,
                        "Quantity": 1,
                        "FriendlyName": values.get("account_name") or name,
                    }
                ],
            },
        ).json()
        line_items = order.get("lineItems") or []
        subscription = (line_items[0] if line_items else {}).get("subscriptionId")
        if not subscription:
            raise VendorUnavailable(
                self.env._(
                    "Partner Center created customer %(tenant)s but its order %(order)s has "
                    "no subscription yet (status %(status)s).",
                    tenant=tenant,
                    order=order.get("id") or "-",
                    status=order.get("status") or "-",
                )
            )
        return {
            "vendor_account_id": subscription,
            "vendor_customer_id": tenant,
            "portal_url": self.portal_url(subscription, tenant),
            "answer": self.env._(
                "Partner Center created customer %(name)s (tenant %(tenant)s) and its "
                "subscription %(subscription)s (order %(order)s).",
                name=name,
                tenant=tenant,
                subscription=subscription,
                order=order.get("id") or "-",
            ),
        }

    # -- service management: the subscription's status -------------------------
    def _subscription_url(self, account):
        """The Partner Center URL of the account's subscription (customer tenant id:
        the account's Vendor Customer ID, or the tenant of a tenant/subscription id)."""
        parts = [part for part in (account.vendor_account_id or "").strip().split("/") if part]
        customer = (account.vendor_customer_id or "").strip() or (
            parts[0] if len(parts) == 2 else ""
        )
        subscription = account.vendor_account_key or ""
        if not customer or not subscription:
            raise VendorError(
                self.env._(
                    "Partner Center needs the customer's tenant id (Vendor Customer ID) and "
                    "the subscription id of %s.",
                    account.display_name,
                )
            )
        return f"{self.partner_center_url}/v1/customers/{customer}/subscriptions/{subscription}"

    def _service_request(self, method, url, what, token, **kwargs):
        """One try, a short timeout: the job asks again later, with backoff."""
        http = VendorHttp(self.env, self.session, self.VENDOR, tries=1)
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        response = http.request(
            method, url, what, headers=headers, timeout=service_timeout(self.env), **kwargs
        )
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise VendorError(self.env._("Microsoft's answer for %s is not JSON.", what)) from None

    def subscription(self, account, token=None):
        """The account's Partner Center subscription resource, as Microsoft gives it."""
        token = token or self.token(self.partner_center_url)
        return self._service_request(
            "GET",
            self._subscription_url(account),
            self.env._("the subscription %s", account.vendor_account_id),
            token,
        )

    def _set_status(self, account, status):
        """Partner Center's documented way: GET the subscription, change its status,
        PATCH the whole resource back (If-Match its ETag)."""
        token = self.token(self.partner_center_url)
        subscription = self.subscription(account, token)
        subscription["status"] = status
        etag = (subscription.get("attributes") or {}).get("etag")
        answer = self._service_request(
            "PATCH",
            self._subscription_url(account),
            self.env._("the status change of subscription %s", account.vendor_account_id),
            token,
            json=subscription,
            headers={"If-Match": etag} if etag else {},
        )
        text = self.env._(
            "Partner Center took the change of subscription %(subscription)s to %(asked)s; "
            "it reports it %(status)s.",
            subscription=subscription.get("id") or account.vendor_account_id,
            asked=status,
            status=answer.get("status") or "?",
        )
        if status == "suspended":
            billing = (subscription.get("billingType") or "").lower()
            if billing == "license":
                text += " " + self.env._(
                    "It is a license subscription: Microsoft keeps billing the provider "
                    "for its seats while it is suspended."
                )
            elif billing == "usage":
                text += " " + self.env._(
                    "It is a usage-billed subscription (Azure plan): its resources stop "
                    "and no new consumption is billed while it is suspended."
                )
        return text

    def suspend(self, account):
        return self._set_status(account, "suspended")

    def resume(self, account):
        return self._set_status(account, "active")

    def purge(self, account):
        # Cancelling is setting the status to "deleted" (new commerce: only within the
        # cancellation window; Microsoft refuses it later, in its own words).
        return self._set_status(account, "deleted")

    def account_status(self, account):
        status = (self.subscription(account).get("status") or "").lower()
        return VENDOR_ACTIVE if status == "active" else VENDOR_SUSPENDED

    # -- pulls -----------------------------------------------------------------
    def scopes(self):
        return [f"unbilled:{self.connection.ms_billing_period or 'current'}"]

    def scope_label(self, scope):
        kind, _sep, argument = scope.partition(":")
        labels = {
            "unbilled": self.env._("Partner Center unbilled usage (%s period)", argument),
            "billed": self.env._("Partner Center billed usage, invoice %s", argument),
            "reconciliation": self.env._(
                "Partner Center billed reconciliation, invoice %s", argument
            ),
        }
        return labels.get(kind, scope)

    def fetch(self, scope):
        if scope.partition(":")[0] not in EXPORT_PATHS:
            return super().fetch(scope)
        return Fetched(lambda: self.fetch_export(scope))

    # -- billing reconciliation export -----------------------------------------
    def export_request(self, scope):
        """(url, body) of the export request for a scope: 'unbilled:current',
        'unbilled:last', 'billed:<invoice id>' or 'reconciliation:<invoice id>'."""
        kind, _sep, argument = scope.partition(":")
        if kind == "unbilled":
            body = {
                "currencyCode": self.connection.ms_currency_code or "USD",
                "billingPeriod": argument or "current",
                "attributeSet": "full",
            }
        elif kind in ("billed", "reconciliation"):
            body = {"invoiceId": argument, "attributeSet": "full"}
        else:
            raise VendorError(self.env._("Unknown Partner Center export %s", scope))
        return f"{self.graph_url}{EXPORT_PATHS[kind]}", body

    def fetch_export(self, scope):
        token = self.token(self.graph_url)
        headers = {"Authorization": f"Bearer {token}"}
        url, body = self.export_request(scope)
        answer = self.http.request(
            "POST", url, self.env._("the export request"), json=body, headers=headers
        )
        location = answer.headers.get("Location")
        if answer.status_code != 202 or not location:
            raise VendorError(
                self.env._(
                    "Microsoft did not accept the export request (answer %s, no operation to "
                    "follow).",
                    answer.status_code,
                )
            )
        deadline = time.monotonic() + max(self.connection.ms_export_timeout, 1)
        wait = retry_after_seconds(answer, self.base_delay)
        while True:
            time.sleep(wait)
            response = self.http.request(
                "GET", location, self.env._("the export operation"), headers=headers
            )
            operation = response.json()
            status = operation.get("status")
            if status == "succeeded":
                break
            if status == "failed":
                error = operation.get("error") or {}
                raise VendorError(
                    self.env._(
                        "Microsoft's export operation failed: %s",
                        error.get("message") or error.get("code") or self.env._("no reason given"),
                    )
                )
            if time.monotonic() > deadline:
                raise VendorError(
                    self.env._("Microsoft's export was still %s when we stopped waiting.", status)
                )
            wait = retry_after_seconds(response, self.base_delay)
        return self._download(operation.get("resourceLocation") or {})

    def _download(self, manifest):
        """Every blob of the manifest, then their rows: one failing blob lands nothing."""
        root = (manifest.get("rootDirectory") or "").rstrip("/")
        sas = (manifest.get("sasToken") or "").lstrip("?")
        blobs = manifest.get("blobs") or []
        if not root or not blobs:
            raise VendorError(self.env._("Microsoft's export manifest lists no blobs."))
        spools = []
        try:
            for blob in blobs:
                name = blob.get("name") or ""
                spool = tempfile.TemporaryFile()
                spools.append((name, spool))
                response = self.http.request(
                    "GET",
                    f"{root}/{name}?{sas}" if sas else f"{root}/{name}",
                    self.env._("blob %s of the export", name),
                    stream=True,
                )
                for chunk in response.iter_content(1 << 20):
                    spool.write(chunk)
                spool.seek(0)
            source = FocusSource(MICROSOFT_EXTRAS)
            line_base = 0
            for name, spool in spools:
                line_base = self._read_blob(name, spool, source, line_base)
            return source
        finally:
            for _name, spool in spools:
                spool.close()

    def _read_blob(self, name, spool, source, line_base):
        magic = spool.read(2)
        spool.seek(0)
        stream = gzip.GzipFile(fileobj=spool, mode="rb") if magic == b"\x1f\x8b" else spool
        number = 0
        try:
            for number, line in enumerate(stream, start=1):
                text = line.strip()
                if not text:
                    continue
                try:
                    item = json.loads(text, parse_float=Decimal)
                except ValueError as error:
                    source.reject(
                        line_base + number,
                        self.env._(
                            "%(blob)s line %(line)s is not JSON: %(error)s",
                            blob=name,
                            line=number,
                            error=error,
                        ),
                        text.decode("utf-8", "replace"),
                    )
                    continue
                if not isinstance(item, dict):
                    source.reject(
                        line_base + number,
                        self.env._(
                            "%(blob)s line %(line)s is not a JSON object", blob=name, line=number
                        ),
                        text.decode("utf-8", "replace"),
                    )
                    continue
                source.add(partner_center_to_focus(item))
        except (OSError, EOFError) as error:
            raise VendorError(
                self.env._("Blob %(blob)s cannot be read: %(error)s", blob=name, error=error)
            ) from None
        return line_base + number
