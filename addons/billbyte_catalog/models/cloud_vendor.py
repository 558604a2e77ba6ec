# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class BillbyteCloudVendor(models.Model):
    """A cloud vendor (CPV) the provider resells: AWS, Microsoft, Google Cloud."""

    _name = "billbyte.cloud.vendor"
    _description = "Cloud Vendor"
    _order = "sequence, name"
    # What a customer may read of a vendor (see models/base.py): never its price
    # sync set-up or billing currency.
    _billbyte_portal_fields = frozenset({"name", "code", "sequence", "image_128"})

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical code: a vendor connection of a kind (AWS Data Exports, Partner "
        "Center, ...) gets the vendor of its connector's code (aws, microsoft, gcp).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    image_128 = fields.Image("Logo", max_width=128, max_height=128)
    currency_id = fields.Many2one(
        "res.currency",
        string="Billing Currency",
        help="Currency in which this vendor bills the provider.",
    )
    focus_provider_names = fields.Char(
        string="FOCUS Provider Names",
        help="Comma-separated ProviderName / ServiceProviderName values of FOCUS "
        "files that belong to this vendor, e.g. 'AWS, Amazon Web Services' (any case). A "
        "usage row is filed under the vendor its provider names, whatever connection "
        "brought it.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this vendor between companies.",
    )
    product_count = fields.Integer(compute="_compute_product_count")

    # Vendor price sync (the scheduled action "sync vendor prices").
    price_sync_enabled = fields.Boolean(
        string="Sync Prices Automatically",
        help="The scheduled action 'Cloud Billing: sync vendor prices' pulls this "
        "vendor's prices and updates the vendor cost of its catalog products.",
    )
    price_sync_interval = fields.Integer(
        string="Sync Every",
        default=1,
        help="How often the vendor's prices are synced (hourly to daily).",
    )
    price_sync_interval_unit = fields.Selection(
        [("hours", "Hours"), ("days", "Days")],
        string="Sync Interval Unit",
        default="days",
        required=True,
    )
    price_sync_next = fields.Datetime(
        string="Next Price Sync",
        copy=False,
        help="When the scheduled action syncs this vendor's prices next (empty: at its next "
        "round). After a failure, when the vendor said we may ask again.",
    )
    price_sync_state = fields.Selection(
        [("ok", "Synced"), ("failed", "Failed")],
        string="Price Sync Status",
        readonly=True,
        copy=False,
    )
    price_sync_message = fields.Text(
        string="Price Sync Error", readonly=True, copy=False, help="The vendor's words."
    )
    price_sync_failures = fields.Integer(
        readonly=True, copy=False, help="Failed syncs in a row (retries wait longer each time)."
    )
    aws_pricing_service_codes = fields.Char(
        string="AWS Service Codes",
        help="Comma-separated service codes whose prices the AWS Price List Query API "
        "returns, e.g. 'AmazonEC2, AmazonS3'.",
    )
    aws_pricing_region_code = fields.Char(
        string="AWS Region",
        help="Only prices of this region (the regionCode attribute), e.g. 'eu-central-1'. "
        "Empty: every region.",
    )
    aws_pricing_api_region = fields.Char(
        string="Price List API Region",
        default="us-east-1",
        help="Region of the Price List Query API endpoint: us-east-1, eu-central-1 or ap-south-1.",
    )
    aws_pricing_endpoint_url = fields.Char(
        string="Price List API Endpoint",
        help="Leave empty for AWS's own endpoint; set to reach the API through a proxy.",
    )
    aws_access_key_id = fields.Char(
        string="AWS Access Key ID",
        groups="base.group_system",
        help="Credentials allowed to call pricing:GetProducts. Empty: the server's "
        "own AWS credentials (environment, instance role).",
    )
    aws_secret_access_key = fields.Char(
        string="AWS Secret Access Key",
        groups="base.group_system",
    )
    azure_retail_prices_filter = fields.Char(
        help="OData filter of the Azure Retail Prices API selecting the meters to sync, "
        "e.g. serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope'.",
    )
    azure_retail_prices_currency = fields.Char(
        string="Azure Prices Currency",
        default="USD",
        help="Currency code the Azure Retail Prices API quotes in (currencyCode).",
    )
    azure_retail_prices_url = fields.Char(
        string="Azure Retail Prices URL",
        default="https://prices.azure.com/api/retail/prices",
    )
    gcp_catalog_services = fields.Char(
        string="Google Cloud Services",
        help="Comma-separated services whose SKUs Google Cloud's Billing Catalog API syncs: "
        "service ids (6F81-5844-456A) or display names (Compute Engine, Cloud Storage).",
    )
    gcp_catalog_currency = fields.Char(
        string="Catalog Currency",
        default="USD",
        help="Currency code the Billing Catalog API prices in (currencyCode).",
    )
    gcp_catalog_api_key = fields.Char(
        string="Google Cloud API Key",
        groups="base.group_system",
        help="An API key of a project with the Cloud Billing API enabled.",
    )
    gcp_catalog_service_account = fields.Text(
        string="Service Account Key (JSON)",
        groups="base.group_system",
        help="Instead of an API key: the JSON key of a service account (signed in with "
        "google-auth, scope cloud-billing.readonly).",
    )
    gcp_catalog_url = fields.Char(
        string="Billing Catalog API URL", default="https://cloudbilling.googleapis.com"
    )
    price_import_ids = fields.One2many("billbyte.price.import", "vendor_id", string="Price Imports")
    price_import_count = fields.Integer(compute="_compute_price_import_count")
    last_price_sync = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The vendor code must be unique."),
    ]

    @api.constrains("price_sync_interval", "price_sync_interval_unit")
    def _check_price_sync_interval(self):
        for vendor in self:
            hours = vendor.price_sync_interval * (
                24 if vendor.price_sync_interval_unit == "days" else 1
            )
            if not 1 <= hours <= 24:
                raise ValidationError(
                    self.env._(
                        "%s: prices sync hourly to daily (every 1 to 24 hours).",
                        vendor.display_name,
                    )
                )

    def _focus_provider_names(self):
        """The FOCUS ProviderName values (lower case) that name this vendor."""
        self.ensure_one()
        names = {name.strip().lower() for name in (self.focus_provider_names or "").split(",")}
        return sorted(name for name in names if name)

    def _compute_product_count(self):
        groups = self.env["product.template"]._read_group(
            [("billbyte_vendor_id", "in", self.ids)], ["billbyte_vendor_id"], ["__count"]
        )
        counts = {vendor.id: count for vendor, count in groups}
        for vendor in self:
            vendor.product_count = counts.get(vendor.id, 0)

    def _compute_price_import_count(self):
        groups = self.env["billbyte.price.import"]._read_group(
            [("vendor_id", "in", self.ids)], ["vendor_id"], ["__count"]
        )
        counts = {vendor.id: count for vendor, count in groups}
        for vendor in self:
            vendor.price_import_count = counts.get(vendor.id, 0)

    def action_view_products(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_catalog_products"
        )
        action["domain"] = [("billbyte_vendor_id", "=", self.id)]
        action["context"] = {"default_billbyte_vendor_id": self.id}
        return action

    def action_view_price_imports(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_price_import"
        )
        action["domain"] = [("vendor_id", "=", self.id)]
        return action

    def action_sync_prices(self):
        """Button: pull this vendor's prices now; a failure is shown, nothing lands."""
        self.ensure_one()
        runs = self._billbyte_sync_prices(raise_on_error=True)
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_price_import"
        )
        action["domain"] = [("id", "in", runs.ids)]
        return action

    def _billbyte_aws_service_codes(self):
        self.ensure_one()
        return [
            code.strip()
            for code in (self.aws_pricing_service_codes or "").split(",")
            if code.strip()
        ]

    def _billbyte_has_price_source(self):
        """Whether the vendor has a price API or price sheet to sync from."""
        self.ensure_one()
        return bool(
            self._billbyte_aws_service_codes()
            or self.azure_retail_prices_filter
            or self._billbyte_gcp_services()
        )

    def _billbyte_no_price_source_message(self):
        return self.env._(
            "Vendor %(vendor)s has no price API to sync from: set AWS service codes, an Azure "
            "Retail Prices filter, Google Cloud services, or a Partner Center connection that "
            "syncs price sheets.",
            vendor=self.display_name,
        )

    def _billbyte_sync_prices(self, source=None, raise_on_error=False):
        """Pull the prices of each vendor in self from its price sources (see
        _billbyte_sync_vendor_prices): one import run per API subject or price sheet.

        One sync of a vendor at a time: a sync that finds another one of the same
        vendor running (the scheduled one and a user's button) does not start, and
        says so (raising with raise_on_error, else in the log). A pull that fails is
        recorded as a failed run, leaves no partial prices, and the next sync is
        scheduled when the vendor said we may ask again."""
        Import = self.env["billbyte.price.import"]
        runs = Import
        for vendor in self:
            if not vendor._billbyte_has_price_source():
                if raise_on_error:
                    raise UserError(vendor._billbyte_no_price_source_message())
                continue
            if not Import._billbyte_lock_vendor(vendor, wait=False):
                message = self.env._(
                    "A price sync of %s is already running: this one did not start.",
                    vendor.display_name,
                )
                if raise_on_error:
                    raise UserError(message)
                _logger.info(message)
                continue
            vendor_runs = vendor._billbyte_sync_vendor_prices(source, raise_on_error)
            vendor._billbyte_after_price_sync(vendor_runs)
            runs |= vendor_runs
        return runs

    def _billbyte_sync_vendor_prices(self, source, raise_on_error):
        """The vendor's price APIs: the AWS Price List Query API for each service code,
        the Azure Retail Prices API for the filter, Google Cloud's Billing Catalog API
        for each service. Modules add their own sources (billbyte_usage: Partner
        Center price sheets of the vendor's connections)."""
        self.ensure_one()
        Import = self.env["billbyte.price.import"]
        runs = Import
        for service_code in self._billbyte_aws_service_codes():
            runs |= Import._billbyte_import_aws_api(
                self, service_code, source=source or "aws_api", raise_on_error=raise_on_error
            )
        if self.azure_retail_prices_filter:
            runs |= Import._billbyte_import_azure_api(
                self, source=source or "azure_api", raise_on_error=raise_on_error
            )
        for service in self._billbyte_gcp_services():
            runs |= Import._billbyte_import_api(
                self, "gcp_api", service, source=source or "gcp_api", raise_on_error=raise_on_error
            )
        return runs

    def _billbyte_gcp_services(self):
        """Google Cloud services whose SKUs the Billing Catalog API syncs."""
        self.ensure_one()
        return [
            service.strip()
            for service in (self.gcp_catalog_services or "").split(",")
            if service.strip()
        ]

    def _billbyte_after_price_sync(self, runs):
        """Record the outcome; schedule the next sync (after a failure: when the vendor
        said we may ask again, else after a backoff that doubles up to the interval)."""
        self.ensure_one()
        now = fields.Datetime.now()
        interval = relativedelta(
            **{self.price_sync_interval_unit or "days": max(self.price_sync_interval, 1)}
        )
        failed = runs.filtered(lambda run: run.state == "failed")
        if failed:
            failures = self.price_sync_failures + 1
            backoff = timedelta(minutes=15 * 2 ** min(failures - 1, 8))
            asked = max(failed.mapped("retry_after") or [0])
            wait = timedelta(seconds=asked) if asked else min(backoff, (now + interval) - now)
            self.write(
                {
                    "price_sync_state": "failed",
                    "price_sync_message": "\n".join(failed.mapped("message")),
                    "price_sync_failures": failures,
                    "price_sync_next": now + wait,
                }
            )
        else:
            self.write(
                {
                    "price_sync_state": "ok",
                    "price_sync_message": False,
                    "price_sync_failures": 0,
                    "price_sync_next": now + interval,
                    "last_price_sync": now,
                }
            )

    def _billbyte_due_for_price_sync(self):
        now = fields.Datetime.now()
        return self.filtered(
            lambda vendor: (
                vendor.price_sync_enabled
                and (not vendor.price_sync_next or vendor.price_sync_next <= now)
            )
        )

    @api.model
    def _cron_sync_prices(self):
        """Sync the prices of every vendor that is due (its own interval)."""
        vendors = self.search([("price_sync_enabled", "=", True)])._billbyte_due_for_price_sync()
        return vendors._billbyte_run_price_syncs()

    def _billbyte_run_price_syncs(self):
        """Sync now, in this transaction (billbyte_usage runs one background job per vendor)."""
        runs = self._billbyte_sync_prices(source="sync")
        _logger.info(
            "Vendor price sync: %s runs, %s failed",
            len(runs),
            len(runs.filtered(lambda run: run.state == "failed")),
        )
        return runs
