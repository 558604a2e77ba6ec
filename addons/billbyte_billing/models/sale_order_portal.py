# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang


class SaleOrder(models.Model):
    """Quotations customers ask for in the portal catalog, for licenses: the seats go
    to one of the customer's own cloud accounts; a Microsoft refusal after the
    customer paid leaves the accountant a refund to make."""

    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _billbyte_portal_cloud_accounts(self, partner, template):
        """The customer's active cloud accounts at the vendors of the license SKUs the
        catalog item brings (itself, or a bundle's parts)."""
        vendors = template.sudo()._billbyte_license_products().billbyte_vendor_id
        if not vendors:
            return self.env["billbyte.cloud.account"]
        return (
            self.env["billbyte.cloud.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("vendor_id", "in", vendors.ids),
                    ("state", "=", "active"),
                ],
                order="name, id",
            )
        )

    @api.model
    def _billbyte_portal_request(self, partner, template, quantity, options=None):
        options = options or {}
        accounts = self._billbyte_portal_cloud_accounts(partner, template)
        chosen = self.env["billbyte.cloud.account"]
        if options.get("cloud_account_id"):
            chosen = accounts.filtered(lambda a: a.id == options["cloud_account_id"])
            if not chosen:
                # Another customer's account, or one not at this item's vendor.
                raise ValidationError(self.env._("Choose one of your own cloud accounts."))
        for vendor in template.sudo()._billbyte_license_products().billbyte_vendor_id:
            if not accounts.filtered(lambda a, v=vendor: a.vendor_id == v):
                raise ValidationError(
                    self.env._(
                        "You have no active cloud account at %(vendor)s with us yet: ask us "
                        "to set one up, then order the licenses.",
                        vendor=vendor.name,
                    )
                )
        order = super()._billbyte_portal_request(partner, template, quantity, options)
        lines = order._billbyte_license_lines()
        if chosen:
            lines.filtered(
                lambda line: line.product_id.billbyte_vendor_id == chosen.vendor_id
            ).billbyte_cloud_account_id = chosen
        if lines.filtered(lambda line: not line.billbyte_cloud_account_id):
            raise ValidationError(self.env._("Choose the cloud account the licenses are for."))
        return order

    def action_confirm(self):
        res = super().action_confirm()
        self.filtered(
            lambda order: order.billbyte_ms_error and order.state in ("draft", "sent")
        )._billbyte_refund_after_refusal()
        return res

    def _billbyte_accountant(self):
        """Who refunds a customer: the first accounting administrator of the order's
        company, else its salesperson, else the administrator."""
        self.ensure_one()
        accountants = (
            self.env.ref("account.group_account_manager")
            .sudo()
            .users.filtered(
                lambda user: user.active and not user.share and self.company_id in user.company_ids
            )
        )
        return accountants.sorted("id")[:1] or self.user_id or self.env.ref("base.user_admin")

    def _billbyte_refund_after_refusal(self):
        """Microsoft refused an order the customer already paid (online payment
        confirms it): an activity for the accountant to refund the payment, once."""
        for order in self.sudo():
            paid = order.transaction_ids.filtered(lambda tx: tx.state in ("authorized", "done"))
            if not paid:
                continue
            amount = formatLang(
                self.env, sum(paid.mapped("amount")), currency_obj=paid[:1].currency_id
            )
            summary = self.env._("Refund %(amount)s: Microsoft refused the order", amount=amount)
            if order.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=order._billbyte_accountant().id,
                summary=summary,
                note=self.env._(
                    "%(customer)s paid %(amount)s online (%(references)s) for %(order)s, "
                    "then Microsoft refused it: %(reason)s No license was made. Refund the "
                    "payment, or confirm the quotation again once Microsoft accepts it.",
                    customer=order.partner_id.display_name,
                    amount=amount,
                    references=", ".join(paid.mapped("reference")),
                    order=order.name,
                    reason=order.billbyte_ms_error,
                ),
            )
