# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    billbyte_is_license = fields.Boolean(
        compute="_compute_billbyte_is_license", string="License SKU"
    )
    billbyte_cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        string="Cloud Account",
        compute="_compute_billbyte_cloud_account_id",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        index="btree_not_null",
        domain="[('partner_id', 'child_of', billbyte_commercial_partner_id), "
        "('vendor_id', '=', billbyte_vendor_id)]",
        help="License SKUs: the customer's cloud account the seats are for (their only "
        "account at the SKU's vendor by default).",
    )
    billbyte_vendor_id = fields.Many2one(related="product_id.billbyte_vendor_id")
    billbyte_commercial_partner_id = fields.Many2one(
        related="order_id.partner_id.commercial_partner_id", string="Customer Company"
    )
    billbyte_license_date = fields.Date(
        string="Seats From",
        copy=False,
        help="License SKUs: the day the license starts or the seats change; the day "
        "the order is confirmed when empty.",
    )
    billbyte_license_id = fields.Many2one(
        "billbyte.license",
        string="License",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    @api.depends("product_id")
    def _compute_billbyte_is_license(self):
        for line in self:
            line.billbyte_is_license = line.product_id.billbyte_offer_type == "license"

    @api.depends("product_id", "order_id.partner_id")
    def _compute_billbyte_cloud_account_id(self):
        lines = self.filtered(
            lambda line: (
                line.product_id.billbyte_offer_type == "license" and line.order_id.partner_id
            )
        )
        (self - lines).billbyte_cloud_account_id = False
        if not lines:
            return
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", lines.order_id.partner_id.commercial_partner_id.ids),
                    ("vendor_id", "in", lines.product_id.billbyte_vendor_id.ids),
                ]
            )
        )
        for line in lines:
            current = line.billbyte_cloud_account_id
            commercial = line.order_id.partner_id.commercial_partner_id
            candidates = accounts.filtered(
                lambda a, c=commercial, v=line.product_id.billbyte_vendor_id: (
                    a.partner_id.commercial_partner_id == c and a.vendor_id == v
                )
            )
            if current in candidates:
                continue
            line.billbyte_cloud_account_id = candidates if len(candidates) == 1 else False

    @api.depends("billbyte_license_id")
    def _compute_qty_to_invoice(self):
        # License seats are billed per term by the billing runs, never from the order.
        res = super()._compute_qty_to_invoice()
        for line in self:
            if line.product_id.billbyte_offer_type == "license" and line.billbyte_license_id:
                line.qty_to_invoice = 0.0
        return res
