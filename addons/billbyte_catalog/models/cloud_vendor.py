# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCloudVendor(models.Model):
    """A cloud vendor (CPV) the provider resells: AWS, Microsoft, Google Cloud."""

    _name = "billbyte.cloud.vendor"
    _description = "Cloud Vendor"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical code used by connectors and imports, e.g. aws, microsoft, gcp.",
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
        "files that belong to this vendor, e.g. 'AWS, Amazon Web Services'.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this vendor between companies.",
    )
    product_count = fields.Integer(compute="_compute_product_count")

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The vendor code must be unique."),
    ]

    def _compute_product_count(self):
        groups = self.env["product.template"]._read_group(
            [("billbyte_vendor_id", "in", self.ids)], ["billbyte_vendor_id"], ["__count"]
        )
        counts = {vendor.id: count for vendor, count in groups}
        for vendor in self:
            vendor.product_count = counts.get(vendor.id, 0)

    def action_view_products(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_catalog_products"
        )
        action["domain"] = [("billbyte_vendor_id", "=", self.id)]
        action["context"] = {"default_billbyte_vendor_id": self.id}
        return action
