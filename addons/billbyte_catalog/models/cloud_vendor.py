# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

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
    price_import_ids = fields.One2many("billbyte.price.import", "vendor_id", string="Price Imports")
    price_import_count = fields.Integer(compute="_compute_price_import_count")
    last_price_sync = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The vendor code must be unique."),
    ]

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

    def _billbyte_sync_prices(self, source=None, raise_on_error=False):
        """Pull the prices of each vendor in self from its price APIs: the AWS Price
        List Query API for each service code, the Azure Retail Prices API for the filter.

        One import run per vendor and service (source: the API's, or e.g. "sync"); a
        pull that fails is recorded as a failed run and leaves no partial prices."""
        Import = self.env["billbyte.price.import"]
        runs = Import
        for vendor in self:
            codes = vendor._billbyte_aws_service_codes()
            if not codes and not vendor.azure_retail_prices_filter:
                if raise_on_error:
                    raise UserError(
                        self.env._(
                            "Vendor %(vendor)s has no price API to sync from: set AWS service "
                            "codes or an Azure Retail Prices filter.",
                            vendor=vendor.display_name,
                        )
                    )
                continue
            for service_code in codes:
                runs |= Import._billbyte_import_aws_api(
                    vendor, service_code, source=source or "aws_api", raise_on_error=raise_on_error
                )
            if vendor.azure_retail_prices_filter:
                runs |= Import._billbyte_import_azure_api(
                    vendor, source=source or "azure_api", raise_on_error=raise_on_error
                )
            vendor.last_price_sync = fields.Datetime.now()
        return runs

    @api.model
    def _cron_sync_prices(self):
        vendors = self.search([("price_sync_enabled", "=", True)])
        runs = vendors._billbyte_sync_prices(source="sync")
        _logger.info(
            "Vendor price sync: %s runs, %s failed",
            len(runs),
            len(runs.filtered(lambda run: run.state == "failed")),
        )
        return runs
