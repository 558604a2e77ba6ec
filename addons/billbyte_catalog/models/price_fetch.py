# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.exceptions import UserError

from ..vendor_api.aws import AwsSession, BotoCoreError, ClientError
from ..vendor_api.errors import VendorError
from ..vendor_api.gcp import GcpCatalog
from ..vendor_api.http import VendorHttp, vendor_session
from . import price_list_formats

_logger = logging.getLogger(__name__)

AZURE_RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices"


def vendor_user_error(message, error):
    """A UserError for a vendor's failure, keeping how long the vendor asked us to wait."""
    user_error = UserError(message)
    user_error.retry_after = getattr(error, "retry_after", None)
    return user_error


class BillbytePriceFetch(models.AbstractModel):
    """Where a price import's offers come from besides a file: the vendors' price
    APIs (AWS Price List Query API, Azure Retail Prices API, Google Cloud's Billing
    Catalog API), read into the same offers as a price file (inherited by
    billbyte.price.import)."""

    _name = "billbyte.price.fetch"
    _description = "Vendor price APIs"

    @api.model
    def _billbyte_import_aws_api(
        self, vendor, service_code, source="aws_api", raise_on_error=False
    ):
        """Pull one service's prices through the AWS Price List Query API (GetProducts)."""
        return self._billbyte_import_api(vendor, "aws_api", service_code, source, raise_on_error)

    @api.model
    def _billbyte_import_azure_api(
        self, vendor, odata_filter=None, source="azure_api", raise_on_error=False
    ):
        """Pull the prices a filter (by default the vendor's) selects from the Azure
        Retail Prices API."""
        if odata_filter is None:
            odata_filter = vendor.azure_retail_prices_filter or ""
        return self._billbyte_import_api(vendor, "azure_api", odata_filter, source, raise_on_error)

    @api.model
    def _billbyte_fetch_azure_offers(self, vendor, odata_filter):
        url = vendor.azure_retail_prices_url or AZURE_RETAIL_PRICES_URL
        params = {"currencyCode": vendor.azure_retail_prices_currency or "USD"}
        if odata_filter:
            params["$filter"] = odata_filter
        offers, skipped, line = [], 0, 0
        http = VendorHttp(self.env, vendor_session(), "Azure Retail Prices API", tries=3)
        while url:
            try:
                page = http.request(
                    "GET", url, self.env._("the retail prices"), params=params
                ).json()
            except (VendorError, ValueError) as error:
                raise vendor_user_error(
                    self.env._(
                        "The Azure Retail Prices API refused or failed the request: %(error)s",
                        error=error,
                    ),
                    error,
                ) from error
            for item in page.get("Items") or []:
                line += 1
                offer = price_list_formats.azure_api_offer(self.env, line, item)
                if offer is None:
                    skipped += 1
                else:
                    offers.append(offer)
            # NextPageLink carries the query (filter, currency, $skip) itself.
            url, params = page.get("NextPageLink"), None
        return offers, skipped

    @api.model
    def _billbyte_aws_pricing_client(self, vendor):
        credentials = vendor.sudo()
        try:
            aws = AwsSession(
                self.env,
                credentials.aws_access_key_id,
                credentials.aws_secret_access_key,
                region=vendor.aws_pricing_api_region,
                endpoint_url=vendor.aws_pricing_endpoint_url,
                max_tries=3,
                read_timeout=60,
            )
        except VendorError as error:
            raise UserError(str(error)) from None
        return aws.client("pricing")

    @api.model
    def _billbyte_fetch_aws_offers(self, vendor, service_code):
        client = self._billbyte_aws_pricing_client(vendor)
        params = {"ServiceCode": service_code, "FormatVersion": "aws_v1"}
        if vendor.aws_pricing_region_code:
            params["Filters"] = [
                {
                    "Type": "TERM_MATCH",
                    "Field": "regionCode",
                    "Value": vendor.aws_pricing_region_code,
                }
            ]
        currency_code = vendor.currency_id.name or "USD"
        offers, skipped, line = [], 0, 0
        try:
            pages = client.get_paginator("get_products").paginate(
                **params, PaginationConfig={"PageSize": 100}
            )
            for page in pages:
                for item in page.get("PriceList") or []:
                    line += 1
                    offer = price_list_formats.aws_api_offer(self.env, line, item, currency_code)
                    if offer is None:
                        skipped += 1
                    else:
                        offers.append(offer)
        except (BotoCoreError, ClientError) as error:
            raise UserError(
                self.env._(
                    "The AWS Price List API refused or failed the request for %(service)s: %(error)s",
                    service=service_code,
                    error=error,
                )
            ) from error
        return offers, skipped

    @api.model
    def _billbyte_fetch_gcp_offers(self, vendor, service):
        """Every SKU of one Google Cloud service (its id or display name), paged, in the
        vendor's catalog currency: all pages are read before anything is written."""
        credentials = vendor.sudo()
        offers, skipped, line = [], 0, 0
        try:
            catalog = GcpCatalog(
                self.env,
                api_key=credentials.gcp_catalog_api_key,
                service_account=credentials.gcp_catalog_service_account,
                url=vendor.gcp_catalog_url,
            )
            resource = catalog.service_named(service)
            for sku in catalog.skus(resource["name"], vendor.gcp_catalog_currency or "USD"):
                line += 1
                offer = price_list_formats.gcp_api_offer(self.env, line, sku)
                if offer is None:
                    skipped += 1
                else:
                    offers.append(offer)
        except VendorError as error:
            raise vendor_user_error(
                self.env._(
                    "Google Cloud's Billing Catalog API refused or failed the request for "
                    "%(service)s: %(error)s",
                    service=service,
                    error=error,
                ),
                error,
            ) from error
        return offers, skipped

    # ------------------------------------------------------------------
    # Applying offers to the catalog
    # ------------------------------------------------------------------
