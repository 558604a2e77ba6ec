# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io

from odoo.tests import TransactionCase, new_test_user


def csv_bytes(rows):
    """CSV text of rows (lists of cells), as a vendor's download would be."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


class CatalogCommon(TransactionCase):
    """A provider billing in USD that resells AWS and Microsoft, with:

    - EUR at 0.9 per USD from 2026-01-01 and 0.8 from 2026-06-01;
    - a fixed USD pricelist, a cost-plus USD pricelist (20 % + 0.50, minimum
      margin 10 %) and a cost-plus EUR pricelist (10 %);
    - customer segments Enterprise and Individual; customers Contoso
      (Enterprise, with a contact Alice), Fabrikam (Individual) and Northwind;
    - catalog products: an Azure VM meter (USD 0.096 / hour, everyone), a
      Microsoft 365 licence (USD 22 / month, Enterprise only), a support hour
      (USD 80, named customer Fabrikam), all published.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.usd = cls.env.ref("base.USD")
        cls.assertTrue(cls, cls.company.currency_id == cls.usd)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].search([("currency_id", "=", cls.eur.id)]).unlink()
        cls.env["res.currency.rate"].create(
            [
                {
                    "name": "2026-01-01",
                    "rate": 0.9,
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                },
                {
                    "name": "2026-06-01",
                    "rate": 0.8,
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.aws = cls.env.ref("billbyte_catalog.vendor_aws")
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        Pricelist = cls.env["product.pricelist"]
        cls.fixed_usd = Pricelist.create(
            {"name": "Fixed USD", "currency_id": cls.usd.id, "billbyte_strategy": "fixed"}
        )
        cls.cost_plus_usd = Pricelist.create(
            {
                "name": "Cost-plus USD 20%",
                "currency_id": cls.usd.id,
                "billbyte_strategy": "cost_plus",
                "billbyte_markup": 20.0,
                "billbyte_surcharge": 0.5,
                "billbyte_min_margin": 10.0,
            }
        )
        cls.cost_plus_eur = Pricelist.create(
            {
                "name": "Cost-plus EUR 10%",
                "currency_id": cls.eur.id,
                "billbyte_strategy": "cost_plus",
                "billbyte_markup": 10.0,
            }
        )
        Segment = cls.env["res.partner.category"]
        cls.enterprise = Segment.create({"name": "Enterprise"})
        cls.individual = Segment.create({"name": "Individual"})
        Partner = cls.env["res.partner"]
        cls.contoso = Partner.create(
            {
                "name": "Contoso",
                "is_company": True,
                "category_id": [(6, 0, cls.enterprise.ids)],
                "property_product_pricelist": cls.cost_plus_usd.id,
            }
        )
        cls.alice = Partner.create(
            {"name": "Alice", "parent_id": cls.contoso.id, "email": "alice@contoso.example"}
        )
        cls.fabrikam = Partner.create(
            {
                "name": "Fabrikam",
                "is_company": True,
                "category_id": [(6, 0, cls.individual.ids)],
                "property_product_pricelist": cls.fixed_usd.id,
            }
        )
        cls.northwind = Partner.create(
            {
                "name": "Northwind",
                "is_company": True,
                "property_product_pricelist": cls.cost_plus_eur.id,
            }
        )
        Template = cls.env["product.template"]
        hour = cls.env.ref("uom.product_uom_hour")
        cls.vm = Template.create(
            {
                "name": "Virtual Machines D2s v5",
                "type": "service",
                "uom_id": hour.id,
                "uom_po_id": hour.id,
                "list_price": 0.15,
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "metered",
                "billbyte_service_name": "Virtual Machines",
                "billbyte_sku_id": "meter-d2sv5",
                "billbyte_vendor_cost": 0.096,
                "billbyte_vendor_currency_id": cls.usd.id,
                "billbyte_published": True,
            }
        )
        cls.m365 = Template.create(
            {
                "name": "Microsoft 365 E3",
                "type": "service",
                "list_price": 40.0,
                "billbyte_vendor_id": cls.microsoft.id,
                "billbyte_offer_type": "license",
                "billbyte_term": "monthly",
                "billbyte_sku_id": "CFQ7TTC0LF8Q:0001",
                "billbyte_vendor_cost": 22.0,
                "billbyte_vendor_currency_id": cls.usd.id,
                "billbyte_published": True,
                "billbyte_visibility": "segments",
                "billbyte_segment_ids": [(6, 0, cls.enterprise.ids)],
            }
        )
        cls.support = Template.create(
            {
                "name": "Support hour",
                "type": "service",
                "list_price": 80.0,
                "billbyte_offer_type": "service",
                "billbyte_published": True,
                "billbyte_visibility": "customers",
                "billbyte_partner_ids": [(6, 0, cls.fabrikam.ids)],
            }
        )

    @classmethod
    def _new_user(cls, login, groups, partner=None):
        extra = {"partner_id": partner.id} if partner else {}
        return new_test_user(cls.env, login=login, groups=groups, **extra)

    def skip_if_licenses_billed_by_runs(self):
        """With billbyte_billing installed, license SKUs are licenses of a cloud account
        billed per term by billing runs (tested there), not invoiced from the order."""
        if "billbyte.license" in self.env:
            self.skipTest("billbyte_billing bills license SKUs; tested in that module")

    def _quotation(self, partner, lines, pricelist=None, date_order="2026-07-01 10:00:00"):
        """A quotation for partner; lines is a list of (product template, quantity)."""
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "pricelist_id": (pricelist or partner.property_product_pricelist).id,
                "date_order": date_order,
                "order_line": [
                    (0, 0, {"product_id": template.product_variant_id.id, "product_uom_qty": qty})
                    for template, qty in lines
                ],
            }
        )
