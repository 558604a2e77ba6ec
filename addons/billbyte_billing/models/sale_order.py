# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    billbyte_license_ids = fields.Many2many(
        "billbyte.license", compute="_compute_billbyte_license_ids", string="Licenses"
    )
    billbyte_license_count = fields.Integer(compute="_compute_billbyte_license_ids")

    def _compute_billbyte_license_ids(self):
        for order in self:
            order.billbyte_license_ids = order.order_line.billbyte_license_id
            order.billbyte_license_count = len(order.billbyte_license_ids)

    def _billbyte_license_lines(self):
        return self.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.product_id.billbyte_offer_type == "license"
                and line.product_uom_qty
            )
        )

    def _billbyte_check_license_lines(self):
        """Every license line names a cloud account of the order's customer at the
        SKU's vendor, and a term; whole seats only."""
        for line in self._billbyte_license_lines():
            order = line.order_id
            product = line.product_id
            account = line.billbyte_cloud_account_id
            if not account:
                raise UserError(
                    self.env._(
                        "%(order)s: %(product)s is a license and needs a cloud account of "
                        "%(customer)s at %(vendor)s. Create the cloud account or choose it on "
                        "the line, then confirm again.",
                        order=order.name,
                        product=product.display_name,
                        customer=order.partner_id.commercial_partner_id.display_name,
                        vendor=product.billbyte_vendor_id.display_name or "-",
                    )
                )
            if account.partner_id.commercial_partner_id != order.partner_id.commercial_partner_id:
                raise UserError(
                    self.env._(
                        "%(order)s: the cloud account %(account)s belongs to %(owner)s, not "
                        "to %(customer)s.",
                        order=order.name,
                        account=account.display_name,
                        owner=account.partner_id.display_name,
                        customer=order.partner_id.display_name,
                    )
                )
            if not product.billbyte_term:
                raise UserError(
                    self.env._(
                        "%(product)s is a license without a term (monthly or annual): set "
                        "it on the product.",
                        product=product.display_name,
                    )
                )
            if line.product_uom_qty != int(line.product_uom_qty):
                raise UserError(
                    self.env._(
                        "%(product)s: licenses are sold in whole seats, not %(qty)s.",
                        product=product.display_name,
                        qty=line.product_uom_qty,
                    )
                )

    def action_confirm(self):
        self._billbyte_check_license_lines()
        answers, refused = self._billbyte_order_at_microsoft()
        todo = self - refused
        res = True
        if todo:
            res = super(SaleOrder, todo).action_confirm()
            todo.with_context(billbyte_ms_answers=answers)._billbyte_apply_licenses()
        if refused:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Microsoft refused the order"),
                    "message": "\n".join(
                        f"{order.name}: {order.billbyte_ms_error}" for order in refused
                    ),
                    "type": "danger",
                    "sticky": True,
                },
            }
        return res

    def _billbyte_apply_licenses(self):
        """Licenses of the confirmed orders' license lines: a new license for a SKU the
        cloud account does not have yet, more or fewer seats for one it has."""
        License = self.env["billbyte.license"].sudo()
        today = fields.Date.context_today(self)
        for order in self:
            groups = defaultdict(lambda: self.env["sale.order.line"])
            for line in order._billbyte_license_lines():
                groups[line.billbyte_cloud_account_id, line.product_id] |= line
            for (account, product), lines in groups.items():
                day = lines[0].billbyte_license_date or today
                seats = int(sum(lines.mapped("product_uom_qty")))
                lic = License.search(
                    [
                        ("cloud_account_id", "=", account.id),
                        ("product_id", "=", product.id),
                        ("state", "=", "active"),
                    ],
                    limit=1,
                )
                if lic:
                    if lic.currency_id != order.currency_id:
                        raise UserError(
                            self.env._(
                                "%(license)s is billed in %(currency)s: change its seats with an "
                                "order in %(currency)s.",
                                license=lic.display_name,
                                currency=lic.currency_id.name,
                            )
                        )
                    lic._change_seats(seats, day, lines[:1])
                    lic.message_post(
                        body=self.env._(
                            "%(order)s: %(seats)s seat(s) %(how)s as of %(date)s.",
                            order=order.name,
                            seats=abs(seats),
                            how=self.env._("added")
                            if seats > 0
                            else self.env._("removed from the next term"),
                            date=day,
                        )
                    )
                elif seats < 0:
                    raise UserError(
                        self.env._(
                            "%(order)s: %(account)s has no license of %(product)s to remove "
                            "seats from.",
                            order=order.name,
                            account=account.display_name,
                            product=product.display_name,
                        )
                    )
                else:
                    line = lines[0]
                    step = Decimal(str(order.currency_id.rounding))
                    price = (
                        Decimal(str(line.price_unit))
                        * (Decimal(100) - Decimal(str(line.discount or 0)))
                        / Decimal(100)
                    ).quantize(step, ROUND_HALF_UP)
                    # Kept in step with Partner Center: the license is what Microsoft
                    # answered (its subscription, seats and start).
                    answer = (self.env.context.get("billbyte_ms_answers") or {}).get(
                        f"{order.id}:{account.id}:{product.id}"
                    )
                    if answer:
                        seats = answer["quantity"]
                        day = answer.get("start_date") or day
                    lic = License.create(
                        {
                            "cloud_account_id": account.id,
                            "product_id": product.id,
                            "seats": seats,
                            "next_term_seats": seats,
                            "term": product.billbyte_term,
                            "date_start": day,
                            "price_unit": float(price),
                            "currency_id": order.currency_id.id,
                            "company_id": order.company_id.id,
                            "ms_subscription_id": answer["subscription_id"] if answer else False,
                        }
                    )
                    lic.message_post(body=self.env._("Created by %(order)s.", order=order.name))
                    if answer:
                        connection = account._billbyte_ms_target()[0]
                        self.env["billbyte.ms.subscription"].sudo()._link(connection)
                        self.env["billbyte.license.reconciliation"].sudo()._reconcile(connection)
                lines.write({"billbyte_license_id": lic.id})
        return True

    def action_view_billbyte_licenses(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_billing.action_billbyte_license"
        )
        action["domain"] = [("id", "in", self.billbyte_license_ids.ids)]
        return action
