# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import FOCUS_12_HEADER, UsageCommon, focus_csv, focus_row

# What a customer must never read, whatever the allow-lists say: vendor costs,
# list and contracted prices, discounts, margins, extra vendor columns,
# connection and payer data, the pricing strategy.
NEVER_FOR_CUSTOMERS = {
    "billbyte.usage.record": {
        "extra_data",
        "billed_cost",
        "effective_cost",
        "list_cost",
        "contracted_cost",
        "cost_company",
        "charge_description",
        "billing_account_id",
        "billing_currency",
        "billing_currency_id",
        "invoice_id",
        "sku_price_id",
        "connection_id",
        "run_id",
        "pricelist_id",
        "dedup_key",
    },
    "billbyte.cloud.account": {"pricelist_id", "analytic_account_id"},
    "billbyte.cloud.vendor": {
        "currency_id",
        "aws_pricing_service_codes",
        "aws_pricing_endpoint_url",
        "azure_retail_prices_filter",
        "price_import_ids",
    },
    "billbyte.connection": {"name", "kind", "vendor_id", "import_run_ids", "last_import_date"},
    "billbyte.usage.import": {"source", "source_billed_cost", "imported_billed_cost"},
    "product.template": {
        "billbyte_vendor_cost",
        "billbyte_vendor_currency_id",
        "billbyte_segment_ids",
        "billbyte_partner_ids",
        "billbyte_price_history_ids",
        "billbyte_bundle_line_ids",
    },
    "product.product": {"billbyte_vendor_cost", "billbyte_vendor_currency_id"},
    "product.pricelist": {
        "billbyte_strategy",
        "billbyte_markup",
        "billbyte_surcharge",
        "billbyte_min_margin",
        "billbyte_rounding",
    },
    "account.analytic.line": {"billbyte_cloud_account_id", "billbyte_price"},
    "res.partner": {"billbyte_cloud_account_ids"},
}

VENDOR_COLUMNS = [*FOCUS_12_HEADER, "x_ListUnitPrice", "x_ContractedUnitPrice", "x_Discounts"]


def our_fields(model):
    """BillByte's fields of a model: all of a billbyte.* model, our billbyte_* fields
    on Odoo's models."""
    return {
        name
        for name in model._fields
        if (model._name.startswith("billbyte.") or name.startswith("billbyte_"))
        and name not in ("id", "display_name")
    }


@tagged("post_install", "-at_install")
class TestPortalFields(UsageCommon):
    """A customer in the portal reads only the allow-listed fields of BillByte's models."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env, login="contoso-fields", groups="base.group_portal", partner_id=cls.contoso.id
        )
        cls.internal = new_test_user(cls.env, login="contoso-clerk", groups="base.group_user")

    def _usage_with_vendor_prices(self):
        row = focus_row("111111111111", "2026-10-01", "AmazonEC2", "1.00", "10", sku="ec2-sku")
        row.update(
            {"x_ListUnitPrice": "0.125", "x_ContractedUnitPrice": "0.1", "x_Discounts": "0.025"}
        )
        other = focus_row("222222222222", "2026-10-01", "AmazonEC2", "2.00", "24")
        self.import_bytes(focus_csv([row, other], header=VENDOR_COLUMNS))
        return self.env["billbyte.usage.record"].search(
            [("cloud_account_id", "=", self.account_contoso.id)]
        )

    def test_every_portal_readable_field_is_allow_listed(self):
        portal_env = self.env(user=self.portal)
        models = [
            name
            for name, model in self.env.registry.items()
            if not model._abstract and our_fields(self.env[name])
        ]
        self.assertIn("billbyte.usage.record", models)
        for name in models:
            model = portal_env[name]
            ours = our_fields(model)
            with self.subTest(model=name):
                readable = {f for f in ours if model._fields[f].is_accessible(portal_env)}
                self.assertEqual(readable, ours & model._billbyte_portal_allowlist())
                self.assertFalse(readable & NEVER_FOR_CUSTOMERS.get(name, set()))
                self.assertEqual(set(model.fields_get()) & ours, readable)
        # Internal users keep every field they had.
        clerk_env = self.env(user=self.internal)
        record_fields = clerk_env["billbyte.usage.record"]._fields
        self.assertTrue(record_fields["extra_data"].is_accessible(clerk_env))
        self.assertFalse(record_fields["billed_cost"].is_accessible(clerk_env))

    def test_our_fields_on_odoo_models_are_prefixed(self):
        """The allow-list rule finds our fields on Odoo's models by their prefix."""
        checked = 0
        for name, model in self.env.registry.items():
            if name.startswith("billbyte."):
                continue
            for field in model._fields.values():
                modules = set(field._modules or ())
                if modules and all(module.startswith("billbyte_") for module in modules):
                    checked += 1
                    with self.subTest(model=name, field=field.name):
                        self.assertTrue(field.name.startswith("billbyte_"))
        self.assertGreater(checked, 10)

    def test_portal_reads_own_usage_but_no_vendor_data(self):
        records = self._usage_with_vendor_prices()
        self.assertEqual(records.extra_data["x_ListUnitPrice"], "0.125")
        Record = self.env["billbyte.usage.record"].with_user(self.portal)
        mine = Record.search([])
        self.assertEqual(mine, records)
        (values,) = mine.read()
        allowed = Record._billbyte_portal_allowlist() & set(Record._fields)
        self.assertEqual(set(values), allowed)
        self.assertEqual(values["service_name"], "AmazonEC2")
        self.assertEqual(values["price"], 1.2)
        self.assertEqual(values["cloud_account_id"][0], self.account_contoso.id)
        for secret in sorted(NEVER_FOR_CUSTOMERS["billbyte.usage.record"]):
            with self.subTest(field=secret):
                with self.assertRaises(AccessError):
                    mine.read([secret])
                with self.assertRaises(AccessError):
                    Record.search([(secret, "!=", False)])
        with self.assertRaises(AccessError):
            Record.read_group([], ["billed_cost:sum"], ["service_name"])
        # The summary the portal and the API show: the customer's amounts only.
        (summary,) = self.account_contoso.with_user(self.portal).get_unbilled_usage()
        self.assertEqual((summary["total"], "cost" in summary), ("1.20", False))

    def test_portal_reads_own_cloud_account_without_its_strategy(self):
        account = self.account_contoso.with_user(self.portal)
        (values,) = account.read()
        self.assertEqual(values["vendor_account_id"], "111111111111")
        self.assertNotIn("pricelist_id", values)
        with self.assertRaises(AccessError):
            account.read(["pricelist_id"])
        with self.assertRaises(AccessError):
            self.account_fabrikam.with_user(self.portal).read(["name"])
        vendor = self.aws.with_user(self.portal)
        self.assertEqual(vendor.read(["name"])[0]["name"], self.aws.name)
        with self.assertRaises(AccessError):
            vendor.read(["aws_pricing_service_codes"])


@tagged("post_install", "-at_install")
class TestPortalFieldsNewField(TransactionCase):
    def test_a_new_field_is_hidden_until_allow_listed(self):
        self.env["ir.model.fields"].create(
            {
                "model_id": self.env["ir.model"]._get_id("billbyte.usage.record"),
                "name": "x_vendor_margin",
                "field_description": "Vendor margin",
                "ttype": "float",
            }
        )
        portal = new_test_user(self.env, login="new-field-portal", groups="base.group_portal")
        internal = new_test_user(self.env, login="new-field-clerk", groups="base.group_user")
        field = self.env["billbyte.usage.record"]._fields["x_vendor_margin"]
        self.assertFalse(field.is_accessible(self.env(user=portal)))
        self.assertTrue(field.is_accessible(self.env(user=internal)))
        self.assertNotIn(
            "x_vendor_margin", self.env["billbyte.usage.record"].with_user(portal).fields_get()
        )
