# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The prepaid wallet and customer deposits.

The prepaid wallet: a customer's balance in their currency.

The balance is never a stored counter. It is read from the books and the usage
each time: what the customer paid beyond their invoices (credit left on their
receivable) minus their rated usage not invoiced yet. A top-up posted while usage
is being imported can therefore never be lost: both are rows, summed when read.
"""

from datetime import timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

PACE_DAYS = 30

# Customer deposits: an advance kept on its own account (the company's Customer
# Deposits liability), applied to the next usage invoices until used up, and the
# condition some cloud accounts need before they are activated.


class ResPartner(models.Model):
    _inherit = "res.partner"

    billbyte_prepaid = fields.Boolean(
        string="Prepaid Cloud Usage",
        tracking=True,
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="The customer runs on a prepaid balance: payments top it up, rated usage "
        "draws it down as it is imported, and invoices are paid from it when posted.",
    )
    billbyte_wallet_floor = fields.Monetary(
        string="Balance Floor",
        currency_field="billbyte_wallet_currency_id",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="At or below this balance the wallet action runs (0: when it runs out).",
    )
    billbyte_wallet_action = fields.Selection(
        [("notify", "Notify"), ("suspend", "Notify and Suspend")],
        string="When the Balance Runs Low",
        default="notify",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="Notify: an email to the customer and an activity for the salesperson. "
        "Suspend: also suspend the customer's cloud accounts at their vendor until a "
        "top-up brings the balance back above the floor.",
    )
    billbyte_wallet_topup_amount = fields.Monetary(
        string="Automatic Top-up",
        currency_field="billbyte_wallet_currency_id",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="When the balance reaches its floor, charge this amount to the customer's "
        "saved payment method for automatic payment (empty: no automatic top-up).",
    )
    billbyte_wallet_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_billbyte_wallet_currency_id",
        string="Wallet Currency",
    )
    billbyte_wallet_state = fields.Selection(
        [("ok", "Funded"), ("low", "At or Below the Floor")],
        string="Wallet State",
        default="ok",
        readonly=True,
        copy=False,
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
    )
    billbyte_wallet_balance = fields.Monetary(
        string="Prepaid Balance",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_wallet",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
    )
    billbyte_wallet_daily_use = fields.Monetary(
        string="Daily Use",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_wallet",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="Rated usage of the last 30 days, per day.",
    )
    billbyte_wallet_lasts_until = fields.Date(
        string="Balance Lasts Until",
        compute="_compute_billbyte_wallet",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="At the pace of the last 30 days.",
    )

    @api.depends("property_product_pricelist")
    @api.depends_context("company")
    def _compute_billbyte_wallet_currency_id(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.billbyte_wallet_currency_id = (
                commercial.property_product_pricelist.currency_id or self.env.company.currency_id
            )

    @api.depends_context("company")
    def _compute_billbyte_wallet(self):
        figures = self._billbyte_wallet_figures()
        for partner in self:
            balance, daily, lasts = figures.get(
                partner.commercial_partner_id.id, (Decimal(0), Decimal(0), None)
            )
            partner.billbyte_wallet_balance = float(balance)
            partner.billbyte_wallet_daily_use = float(daily)
            partner.billbyte_wallet_lasts_until = lasts

    # ------------------------------------------------------------------ figures
    def _billbyte_wallet_figures(self, today=None):
        """{commercial partner id: (balance, daily use, lasts until)} in each wallet's
        currency, as Decimal: three queries for any number of customers."""
        commercial = self.commercial_partner_id
        if not commercial.ids:
            return {}
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        company = self.env.company
        currencies = {
            p.id: (p.billbyte_wallet_currency_id or company.currency_id) for p in commercial.sudo()
        }
        # What the customer paid beyond their invoices: the receivable left open, in
        # the wallet's currency (a credit is negative).
        residual = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT p.commercial_partner_id, sum(aml.amount_residual_currency)::text
                      FROM account_move_line aml
                      JOIN res_partner p ON p.id = aml.partner_id
                      JOIN account_account acc ON acc.id = aml.account_id
                      JOIN unnest(%(ids)s::int[], %(currencies)s::int[]) AS w(partner_id, currency_id)
                        ON w.partner_id = p.commercial_partner_id AND w.currency_id = aml.currency_id
                     WHERE acc.account_type = 'asset_receivable'
                       AND aml.parent_state = 'posted'
                       AND NOT aml.reconciled
                       AND aml.company_id = %(company)s
                     GROUP BY p.commercial_partner_id
                    """,
                    ids=list(currencies),
                    currencies=[c.id for c in currencies.values()],
                    company=company.id,
                )
            )
        )
        # Rated usage not invoiced yet, and the usage of the last 30 days.
        usage = {
            row[0]: (Decimal(row[1] or 0), Decimal(row[2] or 0))
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT p.commercial_partner_id,
                           sum(CASE WHEN NOT l.billbyte_billed
                                    THEN COALESCE(l.billbyte_price_exact, l.billbyte_price) END)::text,
                           sum(CASE WHEN l.date > %(since)s
                                    THEN COALESCE(l.billbyte_price_exact, l.billbyte_price) END)::text
                      FROM account_analytic_line l
                      JOIN billbyte_cloud_account ca ON ca.id = l.billbyte_cloud_account_id
                      JOIN res_partner p ON p.id = ca.partner_id
                      JOIN unnest(%(ids)s::int[], %(currencies)s::int[]) AS w(partner_id, currency_id)
                        ON w.partner_id = p.commercial_partner_id
                       AND w.currency_id = l.billbyte_currency_id
                     WHERE ca.company_id = %(company)s
                       AND (NOT l.billbyte_billed OR l.date > %(since)s)
                     GROUP BY p.commercial_partner_id
                    """,
                    ids=list(currencies),
                    currencies=[c.id for c in currencies.values()],
                    company=company.id,
                    since=today - timedelta(days=PACE_DAYS),
                )
            )
        }
        result = {}
        for partner_id, currency in currencies.items():
            step = Decimal(10) ** -currency.decimal_places
            unbilled, recent = usage.get(partner_id, (Decimal(0), Decimal(0)))
            balance = (-Decimal(residual.get(partner_id) or 0) - unbilled).quantize(
                step, ROUND_HALF_UP
            )
            daily = (recent / PACE_DAYS).quantize(step, ROUND_HALF_UP)
            lasts = None
            if daily > 0 and balance > 0:
                days = int((balance / daily).to_integral_value(ROUND_FLOOR))
                lasts = today + timedelta(days=days)
            result[partner_id] = (balance, daily, lasts)
        return result

    # ------------------------------------------------------------------ checks
    @api.model
    def _billbyte_wallet_check(self, partner_ids):
        """Compare the balances of these prepaid customers with their floors: a
        customer crossing it gets the wallet action once (a queued job), a customer
        topped up above it gets their accounts back. Set-based; no query per
        customer."""
        partners = (
            self.sudo()
            .browse(partner_ids)
            .commercial_partner_id.filtered(lambda p: p.billbyte_prepaid)
        )
        if not partners:
            return
        figures = partners._billbyte_wallet_figures()
        went_low, recovered = self.browse(), self.browse()
        for partner in partners:
            balance = figures[partner.id][0]
            low = balance <= Decimal(str(partner.billbyte_wallet_floor or 0))
            if low and partner.billbyte_wallet_state != "low":
                went_low |= partner
            elif not low and partner.billbyte_wallet_state == "low":
                recovered |= partner
        if went_low:
            went_low.write({"billbyte_wallet_state": "low"})
            went_low.with_delay(
                channel="root.billbyte_payment",
                description=self.env._("Prepaid balances ran low: notify and suspend"),
            )._billbyte_wallet_ran_low()
        if recovered:
            recovered.write({"billbyte_wallet_state": "ok"})
            recovered.with_delay(
                channel="root.billbyte_payment",
                description=self.env._("Prepaid balances topped up: resume"),
            )._billbyte_wallet_topped_up()

    def _billbyte_wallet_ran_low(self):
        template = self.env.ref("billbyte_payment.mail_template_wallet_low")
        for partner in self.filtered(lambda p: p.billbyte_wallet_state == "low"):
            if partner._billbyte_wallet_auto_top_up():
                continue
            partner.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=partner._billbyte_wallet_recipients().ids,
            )
            summary = self.env._(
                "Prepaid balance of %(customer)s at %(balance)s (floor %(floor)s)",
                customer=partner.name,
                balance=partner.billbyte_wallet_currency_id.format(partner.billbyte_wallet_balance),
                floor=partner.billbyte_wallet_currency_id.format(partner.billbyte_wallet_floor),
            )
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(partner.user_id or self.env.ref("base.user_admin")).id,
                summary=summary,
            )
            if partner.billbyte_wallet_action == "suspend":
                reason = self.env._("Prepaid balance used up: %s", summary)
                for account in partner._billbyte_wallet_accounts().filtered(
                    lambda a: a.state == "active"
                ):
                    account.billbyte_suspend(reason, origin=partner)

    def _billbyte_wallet_auto_top_up(self):
        """Charge the automatic top-up to the saved payment method for automatic
        payment; True when the provider took it (the balance is back up, nothing to
        tell). Once per crossing: not while an earlier top-up is under way."""
        self.ensure_one()
        token = self.billbyte_autopay_token_id
        amount = self.billbyte_wallet_topup_amount
        if not (self.billbyte_autopay and token and token.active and amount > 0):
            return False
        Transaction = self.env["payment.transaction"].sudo()
        prefix = f"TOPUP-{self.id}"
        if Transaction.search_count(
            [
                ("reference", "=like", f"{prefix}%"),
                ("state", "in", ("draft", "pending", "authorized")),
            ]
        ):
            return False
        tx = Transaction.create(
            {
                "provider_id": token.provider_id.id,
                "payment_method_id": token.payment_method_id.id,
                "reference": Transaction._compute_reference(token.provider_id.code, prefix=prefix),
                "amount": amount,
                "currency_id": self.billbyte_wallet_currency_id.id,
                "partner_id": self.id,
                "token_id": token.id,
                "operation": "offline",
            }
        )
        try:
            with self.env.cr.savepoint():
                tx._send_payment_request()
        except (UserError, ValidationError) as error:
            tx.state_message = error.args[0]
        if tx.state == "done":
            tx._post_process()
        note = self.env._(
            "Automatic top-up %(reference)s of %(amount)s to %(method)s: %(state)s.",
            reference=tx.reference,
            amount=self.billbyte_wallet_currency_id.format(amount),
            method=token.display_name,
            state=dict(tx._fields["state"]._description_selection(self.env)).get(tx.state),
        )
        if tx.state_message:
            note += " " + tx.state_message
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        self.invalidate_recordset()
        return tx.state == "done" and self.billbyte_wallet_state == "ok"

    def _billbyte_wallet_topped_up(self):
        for partner in self.filtered(lambda p: p.billbyte_wallet_state == "ok"):
            reason = self.env._(
                "Prepaid balance topped up: %s",
                partner.billbyte_wallet_currency_id.format(partner.billbyte_wallet_balance),
            )
            for account in partner._billbyte_wallet_accounts():
                if account.state != "suspended" and not account.enforcement_flag:
                    continue
                last = self.env["billbyte.service.action"].search(
                    [
                        ("cloud_account_id", "=", account.id),
                        ("action", "=", "suspend"),
                        ("state", "in", ("done", "not_enforceable")),
                    ],
                    order="id desc",
                    limit=1,
                )
                # Only what the wallet suspended: a late payment's suspension stays.
                if last.origin == partner:
                    account.billbyte_resume(reason, origin=partner)

    def _billbyte_wallet_accounts(self):
        self.ensure_one()
        return self.env["billbyte.cloud.account"].search(
            [("partner_id", "child_of", self.id), ("state", "!=", "purged")]
        )

    def _billbyte_wallet_recipients(self):
        self.ensure_one()
        billing = self.browse(self.address_get(["invoice"])["invoice"])
        return (billing | self.user_id.partner_id).filtered("email")

    @api.model
    def _cron_billbyte_wallet_check(self):
        self._billbyte_wallet_check(self.search([("billbyte_prepaid", "=", True)]).ids)

    # --------------------------------------------------------------- public API
    def get_wallet_status(self):
        """The prepaid balance of these customers, for the portal, the API and
        XML-RPC: balance, floor and daily use as decimal strings with the currency,
        and until when the balance lasts at the pace of the last 30 days."""
        self.check_access("read")
        figures = self.sudo()._billbyte_wallet_figures()
        result = []
        for partner in self:
            commercial = partner.sudo().commercial_partner_id
            balance, daily, lasts = figures.get(commercial.id, (Decimal(0), Decimal(0), None))
            currency = commercial.billbyte_wallet_currency_id
            result.append(
                {
                    "customer_id": commercial.id,
                    "prepaid": commercial.billbyte_prepaid,
                    "currency": currency.name,
                    "balance": str(balance),
                    "floor": str(
                        Decimal(str(commercial.billbyte_wallet_floor or 0)).quantize(
                            Decimal(10) ** -currency.decimal_places
                        )
                    ),
                    "daily_use": str(daily),
                    "lasts_until": fields.Date.to_string(lasts) if lasts else False,
                    "state": commercial.billbyte_wallet_state,
                }
            )
        return result

    # ------------------------------------------------------------------ deposits

    billbyte_deposit_amount = fields.Monetary(
        string="Deposit Asked",
        currency_field="billbyte_wallet_currency_id",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="The deposit this customer pays. Empty: the company's rule (months of "
        "average monthly usage).",
    )
    billbyte_deposit_required = fields.Monetary(
        string="Deposit Required",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
    )
    billbyte_deposit_received = fields.Monetary(
        string="Deposit Received",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="Deposit payments received, less deposits refunded.",
    )
    billbyte_deposit_available = fields.Monetary(
        string="Deposit Left",
        currency_field="billbyte_wallet_currency_id",
        compute="_compute_billbyte_deposit",
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
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

    # ------------------------------------------------------------ automatic payment
    billbyte_autopay = fields.Boolean(
        string="Pay Usage Invoices Automatically",
        tracking=True,
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        help="When a usage invoice of this customer is posted, what is left to pay after the "
        "customer's credit is charged to the saved payment method below. The customer can "
        "turn this on and off in the portal (Payment Methods).",
    )
    billbyte_autopay_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method Charged",
        tracking=True,
        groups="billbyte_catalog.group_billbyte_user,account.group_account_invoice",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
        ondelete="set null",
        help="A payment method the customer saved (a card with Stripe): the one automatic "
        "payments charge.",
    )

    @api.constrains("billbyte_autopay_token_id")
    def _check_billbyte_autopay_token(self):
        for partner in self.sudo():
            token = partner.billbyte_autopay_token_id
            if token and token.partner_id.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(customer)s can only be charged with a payment method they saved "
                        "themselves, not with %(method)s of %(owner)s.",
                        customer=partner.commercial_partner_id.display_name,
                        method=token._billbyte_label(),
                        owner=token.partner_id.commercial_partner_id.display_name,
                    )
                )

    def _billbyte_autopay_tokens(self):
        """The saved payment methods this customer may have charged: those of the customer
        and its contacts, with a provider that charges saved methods."""
        self.ensure_one()
        commercial = self.sudo().commercial_partner_id
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("provider_id.state", "!=", "disabled"),
                ]
            )
        )

    def billbyte_set_autopay(self, enabled, token=None):
        """Turn automatic payments of this customer's usage invoices on (charging `token`,
        one of the customer's own saved payment methods) or off. For the portal and the
        API: the caller's rights on the partner are checked, the token's owner always."""
        self.ensure_one()
        self.check_access("write")
        commercial = self.sudo().commercial_partner_id
        if enabled:
            if not token or token not in commercial._billbyte_autopay_tokens():
                raise ValidationError(
                    self.env._("Choose one of your saved payment methods to be charged.")
                )
            commercial.write({"billbyte_autopay": True, "billbyte_autopay_token_id": token.id})
        else:
            commercial.write({"billbyte_autopay": False})
        return True

    # ---------------------------------------------------------------------- demo
    @api.model
    def _billbyte_demo_payments(self):
        """Demo: Deco Addict pays a deposit of 200.00 (kept on the Customer Deposits
        account, applied to its next usage invoices) and Azure Interior runs prepaid
        on a top-up of 1,000.00."""
        company = self.env.company
        Account = self.env["account.account"]
        if not company.billbyte_deposit_account_id:
            deposits = Account.search(
                [*Account._check_company_domain(company), ("code", "=", "219900")], limit=1
            ) or Account.create(
                {
                    "name": self.env._("Customer Deposits"),
                    "code": "219900",
                    "account_type": "liability_current",
                    "reconcile": True,
                }
            )
            company.billbyte_deposit_account_id = deposits
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        deco = self.env.ref("base.res_partner_2", raise_if_not_found=False)
        azure = self.env.ref("base.res_partner_12", raise_if_not_found=False)
        if not bank:
            return
        payments = self.env["account.payment"]
        if deco:
            deco.billbyte_deposit_amount = 200.0
            payments |= payments.create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": deco.id,
                    "amount": 200.0,
                    "journal_id": bank.id,
                    "billbyte_is_deposit": True,
                    "memo": self.env._("Cloud deposit"),
                }
            )
        if azure:
            azure.write({"billbyte_prepaid": True, "billbyte_wallet_floor": 50.0})
            payments |= payments.create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": azure.id,
                    "amount": 1000.0,
                    "journal_id": bank.id,
                    "memo": self.env._("Prepaid cloud top-up"),
                }
            )
        payments.action_post()
