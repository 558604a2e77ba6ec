# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from decimal import Decimal, InvalidOperation

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from ..vendor_api.aws import AwsSession, BotoCoreError, ClientError
from ..vendor_api.errors import VendorError
from ..vendor_api.http import VendorHttp, vendor_session
from . import price_list_formats
from .price_history import PRICE_SOURCES

_logger = logging.getLogger(__name__)


def _decimal(text):
    """The price exactly as written, or None if it is not a number."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


AZURE_RETAIL_PRICES_URL = "https://prices.azure.com/api/retail/prices"
UOM_XMLIDS = {
    "hour": "uom.product_uom_hour",
    "day": "uom.product_uom_day",
    "unit": "uom.product_uom_unit",
}


class BillbytePriceImport(models.Model):
    """One import of vendor prices into the catalog (a file or an API pull) and its outcome."""

    _name = "billbyte.price.import"
    _description = "Cloud Vendor Price Import"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", required=True, index=True)
    source = fields.Selection(PRICE_SOURCES, required=True, help="Where the prices came from.")
    file_format = fields.Selection(
        [
            *price_list_formats.FILE_FORMATS,
            ("aws_api", "AWS Price List Query API"),
            ("azure_api", "Azure Retail Prices API"),
        ],
        string="Format",
        required=True,
    )
    file_name = fields.Char(string="File / Service")
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed")], required=True, default="done", readonly=True
    )
    message = fields.Text(readonly=True, help="Why the import failed.")
    line_count = fields.Integer(string="Lines Read", readonly=True)
    created_count = fields.Integer(string="Products Created", readonly=True)
    updated_count = fields.Integer(string="Prices Changed", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    skipped_count = fields.Integer(
        string="Skipped",
        readonly=True,
        help="Lines the catalog does not sell: other terms, segments, markets, price "
        "types, higher tiers, reserved terms.",
    )
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    rejection_ids = fields.One2many(
        "billbyte.price.import.rejection", "import_id", string="Rejected Lines", readonly=True
    )
    history_ids = fields.One2many(
        "billbyte.price.history", "import_id", string="Price Changes", readonly=True
    )

    @api.depends("vendor_id", "file_name", "date")
    def _compute_name(self):
        for run in self:
            run.name = " – ".join(
                part
                for part in (
                    run.vendor_id.display_name,
                    run.file_name,
                    run.date and fields.Datetime.to_string(run.date),
                )
                if part
            )

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _billbyte_import_file(self, vendor, file_format, content, file_name=None, **options):
        """Import a price-list file. A file that cannot be read raises one UserError
        and nothing lands; otherwise valid lines update the catalog and the rest are
        kept as rejected lines of the returned run."""
        reader = price_list_formats.READERS.get(file_format)
        if not reader:
            raise UserError(self.env._("Unknown price file format %s.", file_format))
        if not content:
            raise UserError(self.env._("The price file is empty."))
        offers, skipped = reader(self.env, content, **options)
        run = self.create(
            {
                "vendor_id": vendor.id,
                "source": "file",
                "file_format": file_format,
                "file_name": file_name,
            }
        )
        run._billbyte_apply_offers(offers, skipped)
        return run

    @api.model
    def _billbyte_import_api(self, vendor, api_code, subject, source=None, raise_on_error=False):
        """Pull prices from a vendor's price API (api_code aws_api or azure_api; subject
        the AWS service code or the Azure filter).

        All pages are read before anything is written: a failed pull leaves the
        catalog as it was, raising (raise_on_error) or recording a failed run."""
        fetch = {
            "aws_api": self._billbyte_fetch_aws_offers,
            "azure_api": self._billbyte_fetch_azure_offers,
        }[api_code]
        run_vals = {
            "vendor_id": vendor.id,
            "source": source or api_code,
            "file_format": api_code,
            "file_name": subject,
        }
        try:
            offers, skipped = fetch(vendor, subject)
        except UserError as error:
            if raise_on_error:
                raise
            _logger.warning("Price pull %s of %s failed: %s", api_code, subject, error)
            return self.create(dict(run_vals, state="failed", message=str(error)))
        run = self.create(run_vals)
        run._billbyte_apply_offers(offers, skipped)
        return run

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
                raise UserError(
                    self.env._(
                        "The Azure Retail Prices API refused or failed the request: %(error)s",
                        error=error,
                    )
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

    # ------------------------------------------------------------------
    # Applying offers to the catalog
    # ------------------------------------------------------------------

    def _billbyte_check_offers(self, offers):
        """Split offers into valid ones by catalog key and rejections (line, sku, reason)."""
        currencies = {
            currency.name.upper(): currency
            # Active currencies only: an inactive one has no rates, and Odoo would
            # convert it 1:1.
            for currency in self.env["res.currency"].search([])
        }
        valid, rejections, first_line = {}, [], {}
        for offer in offers:
            key = (offer.get("sku"), offer.get("term") or False)
            reason = offer.get("error")
            if not reason and offer.get("missing"):
                reason = self.env._("missing %(columns)s", columns=", ".join(offer["missing"]))
            if not reason:
                price = _decimal(offer["price"])
                if price is None or not price.is_finite():
                    reason = self.env._("price %(price)r is not a number", price=offer["price"])
                elif price < 0:
                    reason = self.env._("negative price %(price)s", price=offer["price"])
                elif offer["currency"].upper() not in currencies:
                    reason = self.env._("unknown currency %(currency)r", currency=offer["currency"])
                elif key in first_line:
                    reason = self.env._(
                        "duplicate SKU %(sku)s: already on line %(line)s",
                        sku=offer["sku"],
                        line=first_line[key],
                    )
            if reason:
                rejections.append(
                    {
                        "import_id": self.id,
                        "line_number": offer["line"],
                        "sku": offer.get("sku") or False,
                        "reason": reason,
                    }
                )
                continue
            first_line[key] = offer["line"]
            valid[key] = dict(
                offer, cost=price, currency_id=currencies[offer["currency"].upper()].id
            )
        return valid, rejections

    def _billbyte_apply_offers(self, offers, skipped=0):
        """Create or update catalog products by (vendor, SKU, term): one batched
        create for new products, one UPDATE for the products whose vendor price
        (or unit) changed, one batched create of their price history."""
        self.ensure_one()
        vendor = self.vendor_id
        valid, rejections = self._billbyte_check_offers(offers)
        Template = self.env["product.template"].with_context(
            active_test=False,
            billbyte_price_source=self.source,
            billbyte_price_import_id=self.id,
            tracking_disable=True,
        )
        existing = Template.search(
            [
                ("billbyte_vendor_id", "=", vendor.id),
                ("billbyte_sku_id", "in", list({sku for sku, _term in valid})),
                ("company_id", "in", [False, self.company_id.id]),
            ]
        )
        by_key = {}
        for template in existing:
            # A company's own product wins over a shared one with the same SKU.
            key = (template.billbyte_sku_id, template.billbyte_term or False)
            if key not in by_key or template.company_id:
                by_key[key] = template
        digits = self.env["decimal.precision"].precision_get("Cloud Vendor Price")
        to_create, updates, before, unchanged = [], [], {}, 0
        for key, offer in valid.items():
            template = by_key.get(key)
            if not template:
                to_create.append(self._billbyte_new_product_vals(offer))
                continue
            cost = float_round(float(offer["cost"]), precision_digits=digits)
            cost_changed = bool(
                float_compare(template.billbyte_vendor_cost, cost, precision_digits=digits)
                or template.billbyte_vendor_currency_id.id != offer["currency_id"]
            )
            unit = offer["vendor_unit"] or template.billbyte_vendor_unit or None
            service = template.billbyte_service_name or offer["service_name"] or None
            if cost_changed:
                before[template.id] = (
                    template.billbyte_vendor_cost,
                    template.billbyte_vendor_currency_id.id,
                )
            else:
                unchanged += 1
            if (
                cost_changed
                or unit != (template.billbyte_vendor_unit or None)
                or service != (template.billbyte_service_name or None)
            ):
                updates.append(
                    (
                        template.id,
                        cost if cost_changed else template.billbyte_vendor_cost,
                        offer["currency_id"]
                        if cost_changed
                        else template.billbyte_vendor_currency_id.id or None,
                        unit,
                        service,
                        self.env.uid,
                    )
                )
        if updates:
            self._billbyte_update_products(Template, updates)
            Template.browse(list(before))._billbyte_log_price_changes(before)
        if to_create:
            Template.create(to_create)
        if rejections:
            self.env["billbyte.price.import.rejection"].create(rejections)
        self.write(
            {
                "line_count": len(offers) + skipped,
                "created_count": len(to_create),
                "updated_count": len(before),
                "unchanged_count": unchanged,
                "skipped_count": skipped,
                "rejected_count": len(rejections),
            }
        )

    def _billbyte_update_products(self, Template, updates):
        """One UPDATE for every changed product: (id, cost, currency, unit, service, uid)."""
        fields_written = [
            "billbyte_vendor_cost",
            "billbyte_vendor_currency_id",
            "billbyte_vendor_unit",
            "billbyte_service_name",
        ]
        Template.flush_model(fields_written)
        execute_values(
            self.env.cr._obj,
            """
            UPDATE product_template t
               SET billbyte_vendor_cost = v.cost,
                   billbyte_vendor_currency_id = v.currency_id,
                   billbyte_vendor_unit = v.unit,
                   billbyte_service_name = v.service,
                   write_uid = v.uid,
                   write_date = now() AT TIME ZONE 'UTC'
              FROM (VALUES %s) AS v(id, cost, currency_id, unit, service, uid)
             WHERE t.id = v.id
            """,
            updates,
            template="(%s, %s::numeric, %s::int, %s::varchar, %s::varchar, %s::int)",
            page_size=1000,
        )
        Template.invalidate_model([*fields_written, "write_uid", "write_date"])

    def _billbyte_new_product_vals(self, offer):
        uom = self.env.ref(UOM_XMLIDS[offer["uom_kind"]])
        return {
            "name": offer["name"] or offer["sku"],
            "type": "service",
            "sale_ok": True,
            "purchase_ok": False,
            "list_price": 0.0,
            "uom_id": uom.id,
            "uom_po_id": uom.id,
            "company_id": self.vendor_id.company_id.id,
            "billbyte_vendor_id": self.vendor_id.id,
            "billbyte_offer_type": offer["offer_type"],
            "billbyte_service_name": offer["service_name"],
            "billbyte_sku_id": offer["sku"],
            "billbyte_term": offer["term"] or False,
            "billbyte_vendor_unit": offer["vendor_unit"],
            "billbyte_vendor_cost": float(offer["cost"]),
            "billbyte_vendor_currency_id": offer["currency_id"],
        }

    def action_view_products(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_catalog_products"
        )
        action["domain"] = [("billbyte_price_history_ids.import_id", "=", self.id)]
        return action
