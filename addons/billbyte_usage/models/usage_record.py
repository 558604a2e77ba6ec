# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..fields import FactMany2one, UuidKey


class BillbyteUsageRecord(models.Model):
    """One vendor usage line, FOCUS-shaped, deduplicated and rated.

    Rows are written by the import pipeline in set-based SQL
    (billbyte.usage.pipeline); costs are stored exactly as the source states
    them (numeric columns, no float round trip).
    """

    _name = "billbyte.usage.record"
    _description = "Cloud Usage Record"
    _order = "charge_period_start desc, id desc"
    _rec_name = "service_name"
    _check_company_auto = True
    # Written only by the pipeline; the import run says who and when.
    _log_access = False
    # What a customer may read of their own usage (see billbyte_catalog's
    # models/base.py): what they used, when and where, and what they pay for it.
    # Never the vendor's costs, prices or discounts (BilledCost, EffectiveCost,
    # ListCost, ContractedCost, the extra columns, ChargeDescription, which
    # states unit prices), the payer account, the vendor's invoice, the
    # connection or import run, or the pricing strategy.
    _billbyte_portal_fields = frozenset(
        {
            "cloud_account_id",
            "partner_id",
            "product_id",
            "vendor_id",
            "company_id",
            "sub_account_id",
            "sub_account_name",
            "provider_name",
            "publisher_name",
            "charge_period_start",
            "charge_period_end",
            "billing_period_start",
            "billing_period_end",
            "charge_category",
            "charge_class",
            "charge_frequency",
            "service_name",
            "service_category",
            "sku_id",
            "consumed_quantity",
            "consumed_unit",
            "pricing_quantity",
            "pricing_unit",
            "resource_id",
            "resource_name",
            "region_id",
            "region_name",
            "charge_date",
            "usage_date",
            "corrected_period",
            "currency_id",
            "price",
        }
    )

    # Indexed by a BRIN index (see _auto_init): records are appended run after run.
    run_id = FactMany2one("billbyte.usage.import", readonly=True)
    connection_id = FactMany2one("billbyte.connection", required=True, readonly=True)
    vendor_id = FactMany2one(
        "billbyte.cloud.vendor",
        readonly=True,
        help="The vendor the row's ProviderName names (else the connection's vendor); "
        "empty for a provider that is none of our vendors, until the row is assigned.",
    )
    company_id = FactMany2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    cloud_account_id = FactMany2one("billbyte.cloud.account", readonly=True, check_company=True)
    partner_id = FactMany2one(
        "res.partner", related="cloud_account_id.partner_id", store=True, string="Customer"
    )
    product_id = FactMany2one("product.product", readonly=True, string="Catalog Product")
    state = fields.Selection(
        [("unmatched", "Unmatched"), ("rated", "Rated")], required=True, readonly=True
    )
    unmatched_reason = fields.Char(
        readonly=True, help="Why an unmatched record found no cloud account."
    )
    line_number = fields.Integer(readonly=True)
    dedup_key = UuidKey(required=True, readonly=True)

    # FOCUS columns
    billing_account_id = fields.Char(string="BillingAccountId", readonly=True)
    sub_account_id = fields.Char(string="SubAccountId", required=True, readonly=True)
    sub_account_name = fields.Char(string="SubAccountName", readonly=True)
    provider_name = fields.Char(string="ProviderName", readonly=True)
    publisher_name = fields.Char(string="PublisherName", readonly=True)
    charge_period_start = fields.Datetime(string="ChargePeriodStart", required=True, readonly=True)
    charge_period_end = fields.Datetime(string="ChargePeriodEnd", required=True, readonly=True)
    billing_period_start = fields.Datetime(string="BillingPeriodStart", readonly=True)
    billing_period_end = fields.Datetime(string="BillingPeriodEnd", readonly=True)
    charge_category = fields.Char(string="ChargeCategory", required=True, readonly=True)
    charge_class = fields.Char(string="ChargeClass", readonly=True)
    charge_description = fields.Char(string="ChargeDescription", readonly=True)
    charge_frequency = fields.Char(string="ChargeFrequency", readonly=True)
    service_name = fields.Char(string="ServiceName", required=True, readonly=True)
    service_category = fields.Char(string="ServiceCategory", readonly=True)
    sku_id = fields.Char(string="SkuId", readonly=True)
    sku_price_id = fields.Char(string="SkuPriceId", readonly=True)
    consumed_quantity = fields.Float(string="ConsumedQuantity", digits=(16, 6), readonly=True)
    consumed_unit = fields.Char(string="ConsumedUnit", readonly=True)
    pricing_quantity = fields.Float(string="PricingQuantity", digits=(16, 6), readonly=True)
    pricing_unit = fields.Char(string="PricingUnit", readonly=True)
    billing_currency = fields.Char(string="BillingCurrency", required=True, readonly=True)
    billing_currency_id = FactMany2one("res.currency", required=True, readonly=True)
    billed_cost = fields.Monetary(
        string="BilledCost",
        currency_field="billing_currency_id",
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
    )
    effective_cost = fields.Monetary(
        string="EffectiveCost",
        currency_field="billing_currency_id",
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
    )
    list_cost = fields.Monetary(
        string="ListCost",
        currency_field="billing_currency_id",
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
    )
    contracted_cost = fields.Monetary(
        string="ContractedCost",
        currency_field="billing_currency_id",
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
    )
    invoice_id = fields.Char(string="InvoiceId", readonly=True, help="The vendor's invoice id.")
    resource_id = fields.Char(string="ResourceId", readonly=True)
    resource_name = fields.Char(string="ResourceName", readonly=True)
    region_id = fields.Char(string="RegionId", readonly=True)
    region_name = fields.Char(string="RegionName", readonly=True)
    extra_data = fields.Json(
        string="Extra Columns",
        readonly=True,
        help="Vendor extension (x_) columns and other columns of the source, as given.",
    )

    # Rating
    charge_date = fields.Date(required=True, readonly=True)
    usage_date = fields.Date(
        required=True,
        readonly=True,
        help="Day the usage is billed under: the charge date, or for late rows and "
        "corrections of an invoiced period the first day of the next open period.",
    )
    corrected_period = fields.Char(
        readonly=True, help="For corrections and late rows: the month (YYYY-MM) they correct."
    )
    pricelist_id = FactMany2one("product.pricelist", string="Pricing Strategy", readonly=True)
    cost_company = fields.Monetary(
        string="Cost",
        currency_field="company_currency_id",
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
        help="BilledCost converted to the company currency at the charge date.",
    )
    currency_id = FactMany2one("res.currency", string="Customer Currency", readonly=True)
    price = fields.Monetary(
        string="Customer Amount",
        currency_field="currency_id",
        readonly=True,
        help="What the customer pays for this record, before rounding per day.",
    )

    _sql_constraints = [
        ("dedup_key_uniq", "unique(dedup_key)", "This usage line was already imported."),
    ]

    def _auto_init(self):
        res = super()._auto_init()
        # The aggregation and restatement steps look records up by these keys.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS billbyte_usage_record_account_day_idx
                ON billbyte_usage_record (cloud_account_id, usage_date, product_id);
            DROP INDEX IF EXISTS billbyte_usage_record_scope_idx;
            DROP INDEX IF EXISTS billbyte_usage_record__run_id_index;
            CREATE INDEX IF NOT EXISTS billbyte_usage_record_run_brin
                ON billbyte_usage_record USING brin (run_id);
            CREATE INDEX IF NOT EXISTS billbyte_usage_record_unmatched_idx
                ON billbyte_usage_record (company_id, vendor_id, sub_account_id)
                WHERE state = 'unmatched';
            """
        )
        return res

    def unlink(self):
        # The delivered blocks of these records' accounts and days no longer say what is
        # stored: their next delivery is imported, whatever its digest.
        self.flush_recordset()
        self.env.cr.execute(
            """
            DELETE FROM billbyte_usage_block b USING billbyte_usage_record u
             WHERE u.id = ANY(%s) AND b.cloud_account_id = u.cloud_account_id
               AND b.charge_date = u.charge_date
            """,
            [self.ids],
        )
        return super().unlink()

    def get_usage_records(self):
        """Public (RPC) read of these usage records for the OSS/BSS API and the portal,
        with the caller's rights: amounts and quantities as decimal strings exactly as
        stored (XML-RPC and JSON-RPC would turn numbers into binary floats), beside
        their currency. The provider's costs only for Cloud Billing users."""
        self.check_access("read")
        costs = self.env.user.has_group("billbyte_catalog.group_billbyte_user")
        self.flush_recordset()
        self.env.cr.execute(
            """
            SELECT u.id, u.charge_date, u.usage_date, u.service_name, u.sku_id,
                   u.sub_account_id, u.charge_category, u.billing_currency,
                   u.billed_cost::text, u.effective_cost::text, u.list_cost::text,
                   u.pricing_quantity::text, u.pricing_unit, u.price::text, c.name
              FROM billbyte_usage_record u
              LEFT JOIN res_currency c ON c.id = u.currency_id
             WHERE u.id = ANY(%s)
             ORDER BY u.charge_date, u.id
            """,
            [self.ids],
        )
        result = []
        for row in self.env.cr.fetchall():
            record = {
                "id": row[0],
                "charge_date": fields.Date.to_string(row[1]),
                "usage_date": fields.Date.to_string(row[2]),
                "service_name": row[3],
                "sku_id": row[4],
                "sub_account_id": row[5],
                "charge_category": row[6],
                "pricing_quantity": row[11],
                "pricing_unit": row[12],
                "price": row[13],
                "currency": row[14],
            }
            if costs:
                record.update(
                    billing_currency=row[7],
                    billed_cost=row[8],
                    effective_cost=row[9],
                    list_cost=row[10],
                )
            result.append(record)
        return result

    def action_assign_cloud_account(self, cloud_account):
        """Assign unmatched records to a cloud account, then rate and aggregate them."""
        unmatched = self.filtered(lambda r: r.state == "unmatched")
        wrong = unmatched.filtered(
            lambda r: (
                (r.vendor_id and r.vendor_id != cloud_account.vendor_id)
                or r.company_id != cloud_account.company_id
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Cloud account %(account)s is at %(vendor)s: it cannot take usage of "
                    "another vendor or company.",
                    account=cloud_account.display_name,
                    vendor=cloud_account.vendor_id.name,
                )
            )
        if unmatched:
            self.env["billbyte.usage.pipeline"]._assign_and_rate(unmatched.ids, cloud_account)
        return True
