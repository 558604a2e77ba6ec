# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid
from collections import defaultdict

from odoo import fields, models

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

from .billbyte_license_microsoft import MS_TERMS


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    billbyte_ms_error = fields.Text(
        string="Refused by Microsoft",
        readonly=True,
        copy=False,
        help="Why Microsoft refused the licenses of this quotation: nothing was ordered "
        "and no license made.",
    )
    billbyte_ms_request_id = fields.Char(readonly=True, copy=False)
    billbyte_ms_call_ids = fields.One2many(
        "billbyte.partner.center.call",
        "sale_order_id",
        string="Partner Center Calls",
        groups="billbyte_catalog.group_billbyte_user",
    )

    def _billbyte_order_at_microsoft(self):
        """Order at Partner Center the license lines of cloud accounts kept in step
        with it, before anything is confirmed: a new SKU is ordered (or linked to the
        customer's subscription of that SKU that Odoo does not bill yet), more seats of
        a linked license are a quantity change. Returns ({order:account:product:
        Microsoft's subscription values}, the orders Microsoft refused)."""
        answers = {}
        refused = self.browse()
        for order in self:
            try:
                order._billbyte_order_lines_at_microsoft(answers)
            except (VendorError, VendorUnavailable) as error:
                # A refusal is final: the next try is a new request. No answer: the
                # next try sends the same request ids, so Microsoft orders once.
                if not isinstance(error, VendorUnavailable):
                    order.billbyte_ms_request_id = False
                order.billbyte_ms_error = str(error)
                order.message_post(body=self.env._("Not confirmed: %s No license was made.", error))
                refused |= order
            else:
                order.billbyte_ms_error = False
        return answers, refused

    def _billbyte_order_lines_at_microsoft(self, answers):
        self.ensure_one()
        groups = defaultdict(lambda: self.env["sale.order.line"])
        for line in self._billbyte_license_lines():
            connection, tenant = line.billbyte_cloud_account_id._billbyte_ms_target()
            if connection:
                groups[line.billbyte_cloud_account_id, line.product_id] |= line
        if not groups:
            return
        country = (
            self.partner_id.commercial_partner_id.country_id.code
            or self.company_id.country_id.code
            or "US"
        )
        if not self.billbyte_ms_request_id:
            self.billbyte_ms_request_id = str(uuid.uuid4())
        License = self.env["billbyte.license"].sudo()
        Subscription = self.env["billbyte.ms.subscription"].sudo()
        for number, ((account, product), lines) in enumerate(groups.items()):
            connection, tenant = account._billbyte_ms_target()
            seats = int(sum(lines.mapped("product_uom_qty")))
            audit = self.env["billbyte.partner.center.call"]._recorder(
                connection, self.env._("Order %s", self.name), order=self
            )
            lic = License.search(
                [
                    ("cloud_account_id", "=", account.id),
                    ("product_id", "=", product.id),
                    ("state", "=", "active"),
                ],
                limit=1,
            )
            key = f"{self.id}:{account.id}:{product.id}"
            if lic:
                if not lic.ms_subscription_id:
                    continue
                if seats < 0:
                    raise VendorError(
                        self.env._(
                            "Seats of %s are removed with 'Change Seats' on the license: "
                            "Microsoft's cancellation window decides when.",
                            lic.display_name,
                        )
                    )
                lic._ms_change({"quantity": lic.seats + seats}, self.env._("Order %s", self.name))
                continue
            existing = Subscription.search(
                [
                    ("connection_id", "=", connection.id),
                    ("customer_tenant", "=", tenant),
                    ("product_id", "=", product.id),
                    ("license_id", "=", False),
                    ("present", "=", True),
                    ("status", "=", "active"),
                ],
                limit=1,
            )
            connector = connection._connector()
            if existing:
                values = {
                    "subscription_id": existing.subscription_id,
                    "quantity": existing.quantity,
                    "start_date": existing.start_date,
                }
                if existing.quantity != seats:
                    values = connector.change_subscription(
                        tenant,
                        existing.subscription_id,
                        {"quantity": seats},
                        f"{self.billbyte_ms_request_id}-{number}",
                        audit,
                    )
                    Subscription._keep(connection, tenant, values)
                self.message_post(
                    body=self.env._(
                        "%(product)s: linked to the customer's Partner Center subscription "
                        "%(subscription)s.",
                        product=product.display_name,
                        subscription=existing.subscription_id,
                    )
                )
                answers[key] = values
                continue
            term, cycle = MS_TERMS[product.billbyte_term]
            created = connector.place_order(
                tenant,
                [
                    {
                        "offer": product.billbyte_sku_id,
                        "country": country,
                        "quantity": seats,
                        "term_duration": term,
                        "billing_cycle": cycle,
                        "name": product.name,
                    }
                ],
                f"{self.billbyte_ms_request_id}-{number}",
                audit,
            )
            values = created[0]
            Subscription._keep(connection, tenant, values)
            self.message_post(
                body=self.env._(
                    "%(product)s: ordered at Microsoft, subscription %(subscription)s "
                    "(%(seats)s seat(s), cancellation window until %(until)s).",
                    product=product.display_name,
                    subscription=values["subscription_id"],
                    seats=values["quantity"],
                    until=values.get("cancellation_until") or "-",
                )
            )
            answers[key] = values
