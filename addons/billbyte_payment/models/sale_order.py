# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .res_partner_credit import RISK_MANAGER


class SaleOrder(models.Model):
    _inherit = "sale.order"

    billbyte_credit_blocked = fields.Boolean(
        string="Needs Credit Approval",
        compute="_compute_billbyte_credit_blocked",
        compute_sudo=True,
        help="The customer is over its cloud credit limit: the quotation can only be "
        "confirmed once a credit manager approves it.",
    )
    billbyte_credit_message = fields.Char(
        string="Credit Limit", compute="_compute_billbyte_credit_blocked", compute_sudo=True
    )
    billbyte_credit_approved_by_id = fields.Many2one(
        "res.users",
        string="Over-Limit Approval By",
        readonly=True,
        copy=False,
        tracking=True,
        help="The credit manager who let this quotation be confirmed over the customer's "
        "credit limit.",
    )
    billbyte_credit_approved_on = fields.Datetime(
        string="Over-Limit Approval On", readonly=True, copy=False
    )

    def _billbyte_credit_customer(self):
        self.ensure_one()
        return (self.partner_invoice_id or self.partner_id).commercial_partner_id.sudo()

    def _billbyte_credit_over_message(self):
        """Why this quotation cannot be confirmed without approval, or ''."""
        self.ensure_one()
        customer = self._billbyte_credit_customer().with_company(self.company_id)
        if not customer.billbyte_credit_control or not customer.risk_exception:
            return ""
        status = customer.get_credit_status()[0]
        if status["no_credit"]:
            limit = self.env._("no credit (limit 0)")
        else:
            limit = f"{status['credit_limit']} {status['currency']}"
        return self.env._(
            "%(customer)s is over its credit limit: exposure %(exposure)s %(currency)s, "
            "limit %(limit)s. A credit manager must approve this quotation (Approve Over "
            "Credit Limit) before it can be confirmed.",
            customer=customer.display_name,
            exposure=status["exposure"],
            currency=status["currency"],
            limit=limit,
        )

    @api.depends("partner_id", "partner_invoice_id", "state", "billbyte_credit_approved_by_id")
    def _compute_billbyte_credit_blocked(self):
        for order in self:
            message = ""
            if order.state in ("draft", "sent") and order.partner_id:
                message = order._billbyte_credit_over_message()
            order.billbyte_credit_message = message
            order.billbyte_credit_blocked = bool(
                message and not order.billbyte_credit_approved_by_id
            )

    def action_billbyte_credit_approve(self):
        """A credit manager lets these quotations be confirmed over the limit."""
        if not self.env.user.has_group(RISK_MANAGER):
            raise AccessError(
                self.env._(
                    "Only credit managers (Financial Risk: Manager) may approve a quotation "
                    "over the customer's credit limit."
                )
            )
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            message = order._billbyte_credit_over_message()
            order.write(
                {
                    "billbyte_credit_approved_by_id": self.env.user.id,
                    "billbyte_credit_approved_on": fields.Datetime.now(),
                }
            )
            order.message_post(
                body=self.env._(
                    "Approved over the credit limit by %(user)s. %(why)s",
                    user=self.env.user.name,
                    why=message,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_confirm(self):
        # Before anything else (licenses ordered at Microsoft among them): a customer
        # over its cloud credit limit gets no new order without a manager's approval.
        if self.env.context.get("bypass_risk"):
            return super().action_confirm()
        for order in self:
            message = order._billbyte_credit_over_message()
            if message and not order.billbyte_credit_approved_by_id:
                raise UserError(message)
        approved = self.filtered("billbyte_credit_approved_by_id")
        if approved and approved == self:
            # The manager's approval stands for OCA's over-risk confirmation too.
            return super(SaleOrder, self.with_context(bypass_risk=True)).action_confirm()
        return super().action_confirm()
