# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer deposits: an advance kept on its own account (the company's Customer
Deposits liability), applied to the next usage invoices until used up, and the
condition some cloud accounts need before they are activated."""

from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

GROUPS = "billbyte_catalog.group_billbyte_user,account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"

    billbyte_deposit_amount = fields.Monetary(
        string="Deposit Asked",
        currency_field="billbyte_wallet_currency_id",
        groups=GROUPS,
        help="The deposit this customer pays. Empty: the company's rule (months of "
        "average monthly usage).",
    )
    billbyte_deposit_required = fields.Monetary(
        string="Deposit Required",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups=GROUPS,
    )
    billbyte_deposit_received = fields.Monetary(
        string="Deposit Received",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups=GROUPS,
        help="Deposit payments received, less deposits refunded.",
    )
    billbyte_deposit_available = fields.Monetary(
        string="Deposit Left",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups=GROUPS,
        help="What is left of the deposits on the Customer Deposits account, for the "
        "next usage invoices.",
    )

    @api.depends_context("company")
    def _compute_billbyte_deposit(self):
        figures = self._billbyte_deposit_figures()
        for partner in self:
            required, received, available = figures.get(
                partner.commercial_partner_id.id, (Decimal(0), Decimal(0), Decimal(0))
            )
            partner.billbyte_deposit_required = float(required)
            partner.billbyte_deposit_received = float(received)
            partner.billbyte_deposit_available = float(available)

    def _billbyte_deposit_figures(self):
        """{commercial partner id: (required, received net of refunds, left on the
        deposits account)} as Decimal, in a fixed number of queries."""
        commercial = self.commercial_partner_id.sudo()
        company = self.env.company
        account = company.billbyte_deposit_account_id
        if not commercial.ids:
            return {}
        self.env.flush_all()
        received = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT p.commercial_partner_id,
                           sum(CASE WHEN pay.payment_type = 'inbound' THEN pay.amount
                                    ELSE -pay.amount END)::text
                      FROM account_payment pay
                      JOIN res_partner p ON p.id = pay.partner_id
                     WHERE pay.billbyte_is_deposit AND pay.state IN ('in_process', 'paid')
                       AND pay.company_id = %(company)s
                       AND p.commercial_partner_id = ANY(%(ids)s)
                     GROUP BY p.commercial_partner_id
                    """,
                    company=company.id,
                    ids=commercial.ids,
                )
            )
        )
        available = {}
        if account:
            available = dict(
                self.env.execute_query(
                    SQL(
                        """
                        SELECT p.commercial_partner_id, (-sum(aml.amount_residual_currency))::text
                          FROM account_move_line aml
                          JOIN res_partner p ON p.id = aml.partner_id
                         WHERE aml.account_id = %(account)s AND aml.parent_state = 'posted'
                           AND NOT aml.reconciled AND p.commercial_partner_id = ANY(%(ids)s)
                         GROUP BY p.commercial_partner_id
                        """,
                        account=account.id,
                        ids=commercial.ids,
                    )
                )
            )
        # The company's rule: months of the average monthly usage of the last three.
        today = fields.Date.context_today(self)
        since = today - relativedelta(months=3)
        usage = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT p.commercial_partner_id,
                           sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text
                      FROM account_analytic_line l
                      JOIN billbyte_cloud_account ca ON ca.id = l.billbyte_cloud_account_id
                      JOIN res_partner p ON p.id = ca.partner_id
                     WHERE l.date > %(since)s AND p.commercial_partner_id = ANY(%(ids)s)
                     GROUP BY p.commercial_partner_id
                    """,
                    since=since,
                    ids=commercial.ids,
                )
            )
        )
        months = Decimal(str(company.billbyte_deposit_months or 0))
        result = {}
        for partner in commercial:
            step = Decimal(10) ** -partner.billbyte_wallet_currency_id.decimal_places
            if partner.billbyte_deposit_amount:
                required = Decimal(str(partner.billbyte_deposit_amount))
            else:
                required = Decimal(usage.get(partner.id) or 0) / 3 * months
            result[partner.id] = (
                required.quantize(step, ROUND_HALF_UP),
                Decimal(received.get(partner.id) or 0).quantize(step, ROUND_HALF_UP),
                Decimal(available.get(partner.id) or 0).quantize(step, ROUND_HALF_UP),
            )
        return result

    def _billbyte_deposit_paid(self):
        """Whether this customer's deposit is paid (what cloud accounts needing one
        wait for)."""
        self.ensure_one()
        required, received, _available = self._billbyte_deposit_figures()[
            self.commercial_partner_id.id
        ]
        return received > 0 and received >= required

    def _billbyte_deposit_changed(self):
        """Cloud accounts that need a deposit follow it: suspended while it is not
        paid, resumed once it is."""
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.commercial_partner_id.ids),
                    ("billbyte_requires_deposit", "=", True),
                    ("state", "!=", "purged"),
                ]
            )
        )
        accounts._billbyte_deposit_gate()

    def action_billbyte_refund_deposit(self):
        """Refund what is left of this customer's deposits: an outbound payment on the
        deposits account, to post once the money is sent."""
        self.ensure_one()
        partner = self.commercial_partner_id
        available = Decimal(str(partner.billbyte_deposit_available))
        if available <= 0:
            raise UserError(self.env._("%s has no deposit left to refund.", partner.name))
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.env.company.id)], limit=1
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": float(available),
                "currency_id": partner.billbyte_wallet_currency_id.id,
                "journal_id": journal.id,
                "billbyte_is_deposit": True,
                "memo": self.env._("Deposit refund"),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.payment",
            "res_id": payment.id,
            "view_mode": "form",
        }

    def get_deposit_status(self):
        """Deposit figures of these customers for the portal, the API and XML-RPC
        (decimal strings with the currency)."""
        self.check_access("read")
        figures = self.sudo()._billbyte_deposit_figures()
        result = []
        for partner in self:
            commercial = partner.sudo().commercial_partner_id
            required, received, available = figures[commercial.id]
            result.append(
                {
                    "customer_id": commercial.id,
                    "currency": commercial.billbyte_wallet_currency_id.name,
                    "required": str(required),
                    "received": str(received),
                    "available": str(available),
                    "paid": bool(received > 0 and received >= required),
                }
            )
        return result
