# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    billbyte_vendor_id = fields.Many2one(
        "billbyte.cloud.vendor",
        string="Cloud Vendor",
        index="btree_not_null",
        help="Set on products that resell a cloud vendor's offer.",
    )
    billbyte_offer_type = fields.Selection(
        [
            ("metered", "Metered Service"),
            ("license", "License SKU"),
            ("service", "Provider Service"),
        ],
        string="Cloud Offer Type",
    )
    billbyte_service_name = fields.Char(
        string="Vendor Service",
        help="The vendor's service name as in FOCUS ServiceName, e.g. AmazonEC2.",
    )
    billbyte_sku_id = fields.Char(
        string="Vendor SKU / Meter",
        index="btree_not_null",
        help="The vendor's SKU or meter id (FOCUS SkuId); empty for a product "
        "that covers the whole service.",
    )
    billbyte_vendor_cost = fields.Float(
        string="Vendor Cost",
        digits="Product Price",
        help="The vendor's price per unit, in the vendor's currency.",
    )
    billbyte_vendor_currency_id = fields.Many2one(
        "res.currency",
        string="Vendor Currency",
    )
    billbyte_term = fields.Selection(
        [("monthly", "Monthly"), ("annual", "Annual")],
        string="License Term",
    )
