# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..errors import ApiError, conflict, forbidden, invalid, missing
from .api import answer, money

LINE_ITEM_COLUMNS = [
    "cloud_account_id",
    "cloud_account",
    "vendor",
    "vendor_account_id",
    "service",
    "product",
    "description",
    "period_start",
    "period_end",
    "corrected_period",
    "quantity",
    "unit",
    "amount",
    "currency",
]


class BillbyteApi(models.AbstractModel):
    _inherit = "billbyte.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ usage
    @api.model
    def _last_import(self, accounts):
        """The latest finished import of the connections of these accounts' vendors."""
        run = (
            self.env["billbyte.usage.import"]
            .sudo()
            .search_fetch(
                [
                    ("company_id", "=", self.env.company.id),
                    ("vendor_id", "in", accounts.vendor_id.ids),
                    ("state", "=", "done"),
                ],
                ["connection_id", "write_date"],
                order="write_date desc, id desc",
                limit=1,
            )
        )
        if not run:
            return None
        run.connection_id.fetch(["name"])
        return {
            "import_id": run.id,
            "connection": run.connection_id.name,
            "finished_at": fields.Datetime.to_string(run.write_date),
        }

    @api.model
    def _budgets(self, customer, accounts):
        """The statuses of the customer's and these accounts' budgets the caller may
        read, by id, from one statement."""
        return self.env["billbyte.cloud.budget"]._billbyte_budget_statuses(
            [
                "|",
                ("partner_id", "=", customer.id),
                ("cloud_account_id", "in", accounts.ids),
            ]
        )

    @api.model
    @answer
    def get_unbilled_usage(self, customer_id, account_id=None):
        """Unbilled usage of a customer (or one of its cloud accounts) now: per
        currency its total, per service and per day, the same per account, as of the
        last import, with the budget statuses. The usage of all the accounts comes
        from one aggregate statement over the usage lines, the budgets from one
        more; records are read with the fields shown only (no per-record reads)."""
        customer = self._customer(customer_id)
        if account_id is not None:
            accounts = self._cloud_account(account_id, customer)
        else:
            accounts = self._customer_accounts(
                customer, ["name", "vendor_id", "vendor_account_id", "state"]
            )
        accounts.vendor_id.fetch(["code"])
        total, per_account = accounts._get_unbilled_usage_by_account() if accounts else ([], {})
        return {
            "customer_id": customer.id,
            "as_of": self._last_import(accounts),
            "total": total,
            "accounts": [
                {
                    "id": account.id,
                    "name": account.name,
                    "vendor": account.vendor_id.code,
                    "vendor_account_id": account.vendor_account_id,
                    "state": account.state,
                    "usage": per_account.get(account.id, []),
                }
                for account in accounts
            ],
            "budgets": self._budgets(customer, accounts),
        }

    @api.model
    @answer
    def get_budgets(self, customer_id):
        customer = self._customer(customer_id)
        return {
            "customer_id": customer.id,
            "data": self._budgets(customer, self._customer_accounts(customer)),
        }

    # ------------------------------------------------------------------ charging data
    @api.model
    def _totals(self, items):
        totals = defaultdict(Decimal)
        for item in items:
            totals[item["currency"]] += Decimal(item["amount"])
        return [
            {"currency": code, "amount": str(amount)} for code, amount in sorted(totals.items())
        ]

    @api.model
    @answer
    def get_open_line_items(self, customer_id):
        """What the customer's next invoice will carry, line by line: the unbilled
        usage of each account's current billing period."""
        customer = self._customer(customer_id)
        items = customer.billbyte_get_open_line_items()
        return {
            "customer_id": customer.id,
            "as_of": fields.Date.to_string(fields.Date.context_today(self)),
            "invoiced_externally": customer.billbyte_external_billing,
            "line_items": items,
            "totals": self._totals(items),
        }

    # ------------------------------------------------------------------ month close
    @api.model
    def _billing_date(self, customer, period):
        """The billing date that closes the monthly period starting in `period`
        (YYYY-MM): the customer's invoice day of the next month."""
        first, _last = self._period(period)
        day = customer.billbyte_invoice_day or 1
        return (first + relativedelta(months=1)).replace(day=day)

    @api.model
    @answer
    def get_month_close(self, customer_id, period):
        """The line items of a closed period to embed in the provider's own invoice:
        what a billing run as of the period's end bills (acknowledged or not)."""
        customer = self._customer(customer_id)
        billing_date = self._billing_date(customer, period)
        if billing_date > fields.Date.context_today(self):
            raise invalid(
                self.env,
                "period",
                self.env._(
                    "%(period)s is not closed before %(date)s.", period=period, date=billing_date
                ),
                code="period_open",
            )
        result = customer.billbyte_get_line_items(billing_date)
        return {
            "customer_id": customer.id,
            "period": period,
            "billing_date": fields.Date.to_string(billing_date),
            "invoiced_externally": customer.billbyte_external_billing,
            **result,
            "totals": self._totals(result["line_items"]),
        }

    @api.model
    def get_month_close_csv(self, customer_id, period):
        """get_month_close as CSV text: a header, then a row per line item."""
        data = self.get_month_close(customer_id, period)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LINE_ITEM_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for item in data["line_items"]:
            writer.writerow(
                {key: "" if item[key] is None else item[key] for key in LINE_ITEM_COLUMNS}
            )
        return buffer.getvalue()

    @api.model
    @answer
    def acknowledge_month_close(self, customer_id, period, reference=None):
        """The provider's own system billed the period's line items: mark that usage
        billed, once (a second acknowledgement answers the first)."""
        customer = self._customer(customer_id)
        if reference is not None and not isinstance(reference, str):
            raise invalid(self.env, "reference", self.env._("reference must be text."))
        if not customer.billbyte_external_billing:
            raise conflict(
                self.env,
                "invoiced_by_odoo",
                self.env._("%s is invoiced by Odoo: nothing to acknowledge.", customer.name),
            )
        data = self.get_month_close(customer_id, period)
        try:
            export, created = customer.billbyte_acknowledge_external_billing(
                data["billing_date"], reference
            )
        except AccessError as error:
            raise forbidden(self.env, str(error)) from None
        return {
            **self.get_month_close(customer_id, period),
            "newly_acknowledged": created,
            "usage_lines_billed": len(export.usage_line_ids) if created else 0,
        }

    # ------------------------------------------------------------------ service management
    @api.model
    def _action_values(self, action):
        return {
            "id": action.id,
            "account_id": action.cloud_account_id.id,
            "action": action.action,
            "state": action.state,
            "reason": action.reason,
            "requested_by": {"id": action.requested_by_id.id, "name": action.requested_by_id.name},
            "requested_on": fields.Datetime.to_string(action.requested_on),
            "vendor_answer": action.vendor_answer or None,
            "account_state": action.cloud_account_id.state,
        }

    @api.model
    def _service_action(self, account_id, kind, reason):
        account = self._cloud_account(account_id)
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            raise missing(self.env, "reason")
        if not isinstance(reason, str):
            raise invalid(self.env, "reason", self.env._("reason must be text."))
        if kind == "purge":
            self._check_api_user(manager=True)
        method = {
            "suspend": account.billbyte_suspend,
            "resume": account.billbyte_resume,
            "purge": account.billbyte_purge,
        }[kind]
        try:
            actions = method(reason.strip())
        except AccessError as error:
            raise forbidden(self.env, str(error)) from None
        except UserError as error:
            if isinstance(error, ApiError):
                raise
            raise conflict(self.env, "account_state", str(error)) from None
        return self._action_values(actions[:1])

    @api.model
    @answer
    def suspend_account(self, account_id, reason):
        """Suspend a cloud account at its vendor (service management); audited with
        the caller and the reason. Answers the vendor action (open until the vendor
        confirms)."""
        return self._service_action(account_id, "suspend", reason)

    @api.model
    @answer
    def resume_account(self, account_id, reason):
        return self._service_action(account_id, "resume", reason)

    @api.model
    @answer
    def purge_account(self, account_id, reason):
        """Close a cloud account at its vendor for good (Cloud Billing administrators)."""
        return self._service_action(account_id, "purge", reason)

    # ------------------------------------------------------------------ help desk
    @api.model
    def _open_invoices(self, customer):
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", customer.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "=", self.env.company.id),
            ],
            order="invoice_date, id",
        )
        result = []
        for move in moves:
            currency = move.currency_id
            lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            result.append(
                {
                    "id": move.id,
                    "number": move.name,
                    "type": move.move_type,
                    "date": fields.Date.to_string(move.invoice_date),
                    "due_date": fields.Date.to_string(move.invoice_date_due),
                    "currency": currency.name,
                    "amount_total": money(move.amount_total, currency),
                    "amount_open": money(move.amount_residual, currency),
                    "payment_state": move.payment_state,
                    "lines": self._open_line_amounts(move, lines),
                }
            )
        return result

    @api.model
    def _open_line_amounts(self, move, lines):
        """Each line's paid, credited and open amounts: on a usage invoice what
        billbyte_payment allocated to it, elsewhere its share of what is open on the
        invoice; the rounding left goes on the last line."""
        currency = move.currency_id
        total = Decimal(money(move.amount_total, currency))
        open_amount = Decimal(money(move.amount_residual, currency))
        step = Decimal(1).scaleb(-currency.decimal_places)
        by_line = move._billbyte_is_usage_invoice()
        result, allocated = [], Decimal(0)
        for index, line in enumerate(lines):
            amount = Decimal(money(line.price_total, currency))
            credited = Decimal(money(line.billbyte_amount_credited, currency))
            if index == len(lines) - 1:
                share = open_amount - allocated
            elif by_line:
                share = Decimal(money(line.billbyte_amount_open, currency))
            else:
                share = (amount * open_amount / total).quantize(step) if total else Decimal(0)
            allocated += share
            paid = amount - credited - share
            result.append(
                {
                    "id": line.id,
                    "description": line.name,
                    "cloud_account_id": line.billbyte_cloud_account_id.id or None,
                    "service": line.billbyte_service_name or None,
                    "period_start": fields.Date.to_string(line.start_date) or None,
                    "period_end": fields.Date.to_string(line.end_date) or None,
                    "amount": str(amount),
                    "amount_paid": str(paid),
                    "amount_credited": str(credited),
                    "amount_open": str(share),
                }
            )
        return result

    @api.model
    def _last_payments(self, customer, limit=5):
        payments = self.env["account.payment"].search(
            [
                ("partner_id", "child_of", customer.id),
                ("payment_type", "=", "inbound"),
                ("state", "in", ("in_process", "paid")),
                ("company_id", "=", self.env.company.id),
            ],
            order="date desc, id desc",
            limit=limit,
        )
        return [
            {
                "id": payment.id,
                "date": fields.Date.to_string(payment.date),
                "amount": money(payment.amount, payment.currency_id),
                "currency": payment.currency_id.name,
                "method": payment.payment_method_line_id.name or None,
                "memo": payment.memo or None,
                "state": payment.state,
            }
            for payment in payments
        ]

    @api.model
    def _last_imports(self, accounts):
        connections = (
            self.env["billbyte.connection"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("vendor_id", "in", accounts.vendor_id.ids),
                ],
                order="id",
            )
        )
        Run = self.env["billbyte.usage.import"].sudo()
        result = []
        for connection in connections:
            run = Run.search([("connection_id", "=", connection.id)], order="id desc", limit=1)
            result.append(
                {
                    "connection_id": connection.id,
                    "connection": connection.name,
                    "vendor": connection.vendor_id.code,
                    "last_import": {
                        "id": run.id,
                        "state": run.state,
                        "started_at": fields.Datetime.to_string(run.date_start) or None,
                        "finished_at": fields.Datetime.to_string(run.write_date),
                        "rows_imported": run.rows_imported,
                        "rows_rejected": run.rows_rejected,
                        "message": run.message or None,
                    }
                    if run
                    else None,
                }
            )
        return result

    @api.model
    def _recent_alerts(self, customer, accounts, limit=10):
        alerts = self.env["billbyte.budget.alert"].search(
            [
                "|",
                ("partner_id", "=", customer.id),
                ("cloud_account_id", "in", accounts.ids),
            ],
            order="fired_on desc, id desc",
            limit=limit,
        )
        return [
            {
                "id": alert.id,
                "budget_id": alert.budget_id.id,
                "name": alert.display_name,
                "kind": alert.kind,
                "service": alert.service_name or None,
                "percent": f"{alert.percent:.2f}",
                "consumed": money(alert.consumed_amount, alert.currency_id),
                "currency": alert.currency_id.name,
                "fired_on": fields.Datetime.to_string(alert.fired_on),
                "state": alert.state,
                "enforcement": alert.enforcement,
            }
            for alert in alerts
        ]

    @api.model
    @answer
    def get_customer_overview(self, customer_id):
        """Everything the help desk needs in one answer: the customer, its accounts
        and their states, unbilled usage now, budgets and recent alerts, open
        invoices with their lines' open amounts, last payments, the prepaid wallet
        and the last import of each connection with its outcome."""
        customer = self._customer(customer_id)
        accounts = self._customer_accounts(customer)
        try:
            invoices = self._open_invoices(customer)
            payments = self._last_payments(customer)
        except AccessError as error:
            raise forbidden(self.env, str(error)) from None
        return {
            "customer": self._customer_values(customer),
            "accounts": [self._account_values(account) for account in accounts],
            "unbilled_usage": accounts.get_unbilled_usage() if accounts else [],
            "unbilled_as_of": self._last_import(accounts),
            "budgets": self._budgets(customer, accounts),
            "alerts": self._recent_alerts(customer, accounts),
            "open_invoices": invoices,
            "last_payments": payments,
            "wallet": self._wallet(customer),
            "imports": self._last_imports(accounts),
            "seat_audit": self._seat_audit(customer),
        }

    @api.model
    def _seat_audit(self, customer):
        """The customer's latest seat audit (billbyte_billing), when the caller may
        read it."""
        audit = self.env["billbyte.seat.audit"]
        if not audit.has_access("read"):
            return []
        return audit._overview(customer)

    @api.model
    def _wallet(self, customer):
        """The customer's prepaid balance and deposit (billbyte_payment), or None for a
        customer who is not prepaid and owes no deposit."""
        wallet = customer.get_wallet_status()[0]
        deposit = customer.get_deposit_status()[0]
        if not wallet["prepaid"] and deposit["required"] == deposit["received"] == "0.00":
            return None
        return dict(wallet, deposit=deposit)
