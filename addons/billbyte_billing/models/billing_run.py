# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from psycopg2 import OperationalError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, split_every

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class BillbyteBillingRun(models.Model):
    """One billing of a company as of a day: every cloud account whose billing period
    ended before that day gets its unbilled usage (and licenses) invoiced, one
    invoice per customer and currency."""

    _name = "billbyte.billing.run"
    _description = "Cloud Billing Run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    date = fields.Date(
        string="Billing Date",
        required=True,
        default=fields.Date.context_today,
        help="Every cloud account whose billing period ended before this day is billed; "
        "invoices are dated this day (or the first day after a lock date).",
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "By hand")], default="manual", required=True
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Only Customers",
        help="Bill only these customers; all of them when empty.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        tracking=True,
        help="Failed: a batch of customers could not be billed (see the log); the others "
        "are. Retry the failed customers once the cause is fixed.",
    )
    line_ids = fields.One2many(
        "billbyte.billing.run.line", "run_id", string="Customers Billed", readonly=True
    )
    invoice_ids = fields.One2many("account.move", "billbyte_run_id", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_counts", store=True)
    customer_count = fields.Integer(string="Customers", compute="_compute_counts", store=True)
    invoiced_count = fields.Integer(compute="_compute_counts", store=True)
    skipped_count = fields.Integer(compute="_compute_counts", store=True)
    failed_count = fields.Integer(compute="_compute_counts", store=True)
    pending_count = fields.Integer(compute="_compute_counts", store=True)
    log = fields.Text(
        string="Run Log", readonly=True, help="What the run did as a whole, line by line."
    )

    @api.depends("date", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = self.env._("Billing %(date)s", date=run.date or "")

    @api.depends("line_ids.state", "invoice_ids")
    def _compute_counts(self):
        for run in self:
            states = run.line_ids.mapped("state")
            run.customer_count = len(run.line_ids)
            run.invoiced_count = states.count("invoiced")
            run.skipped_count = states.count("skipped")
            run.failed_count = states.count("failed")
            run.pending_count = states.count("pending")
            run.invoice_count = len(run.invoice_ids)

    # ------------------------------------------------------------------ entry points

    @api.model
    def _cron_bill(self):
        """Daily: a run per company, as of today."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([], limit=None):
            run = self.with_company(company).create(
                {"company_id": company.id, "date": today, "trigger": "cron"}
            )
            run.action_start()

    @api.model
    def _demo_bill(self):
        """Demo data: bill the demo usage's closed periods as of today, inline."""
        if self.search_count([("company_id", "=", self.env.company.id)]):
            return self.browse()
        run = self.create({"date": fields.Date.context_today(self)})
        run.with_context(queue_job__no_delay=True).action_start()
        return run

    def action_start(self):
        """Find the customers to bill and bill them in batches: background jobs, or in
        this transaction with queue_job's `queue_job__no_delay` context."""
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("%s already started.", run.name))
            run.state = "running"
            partner_ids = run._candidate_partners()
            run.line_ids = [Command.create({"partner_id": pid}) for pid in partner_ids]
            run._log(
                self.env._(
                    "%(count)s customer(s) with usage or licenses to bill as of %(date)s.",
                    count=len(partner_ids),
                    date=run.date,
                )
            )
            run._enqueue_batches(partner_ids)
            run._update_state()
        return True

    def action_retry_failed(self):
        for run in self:
            failed = run.line_ids.filtered(lambda line: line.state == "failed")
            if not failed:
                continue
            failed.write({"state": "pending", "message": False})
            run.state = "running"
            run._log(self.env._("Retrying %s failed customer(s).", len(failed)))
            run._enqueue_batches(failed.partner_id.ids)
            run._update_state()
        return True

    def _enqueue_batches(self, partner_ids):
        self.ensure_one()
        size = max(self.company_id.billbyte_billing_batch_size, 1)
        for batch in split_every(size, partner_ids, list):
            self.with_delay(
                channel="root.billbyte_billing",
                description=self.env._(
                    "%(run)s: %(count)s customer(s)", run=self.name, count=len(batch)
                ),
                identity_key=f"billbyte_billing_run:{self.id}:{batch[0]}:{len(batch)}",
            )._bill_batch(batch)

    def action_view_invoices(self):
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("billbyte_run_id", "in", self.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    # ------------------------------------------------------------------ planning

    def _billing_accounts(self):
        """{cloud account: (period start, period end)} of the accounts of the run's
        company whose last closed period is not fully billed."""
        self.ensure_one()
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id)])
        )
        periods = {}
        for account in accounts:
            start, end = account._billing_period(self.date)
            if not account.billed_until or account.billed_until < end:
                periods[account] = (start, end)
        return periods

    def _scope_rows(self, periods, partner_ids=None):
        """(cloud account id, customer id, first day, last day) rows: whose usage of
        which days each customer is billed, by the account's earlier customers
        (ownership ends on their `date_to`) and the period end."""
        rows = []
        for account, (_start, end) in periods.items():
            first = None
            for owner in account.owner_ids.sorted("date_to"):
                rows.append((account.id, owner.partner_id.id, first, min(owner.date_to, end)))
                first = owner.date_to + timedelta(days=1)
            rows.append((account.id, account.partner_id.id, first, end))
        if partner_ids is not None:
            wanted = set(partner_ids)
            rows = [row for row in rows if row[1] in wanted]
        return [row for row in rows if row[2] is None or row[2] <= row[3]]

    def _fill_scope(self, rows):
        cr = self.env.cr
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_bill_scope (account_id int, partner_id int, "
            "date_from date, date_to date) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_bill_scope")
        for chunk in split_every(5000, rows, list):
            cr.execute(
                SQL(
                    "INSERT INTO bb_bill_scope VALUES %s",
                    SQL(", ").join(SQL("(%s, %s, %s::date, %s::date)", *row) for row in chunk),
                )
            )
        cr.execute("ANALYZE bb_bill_scope")

    def _candidate_partners(self):
        """Customers with unbilled usage up to their accounts' period end (plus those
        the `_candidate_partners_extra` hook adds: licenses), in the order they bill."""
        self.ensure_one()
        periods = self._billing_accounts()
        rows = self._scope_rows(periods, self.partner_ids.ids or None)
        partner_ids = set()
        if rows:
            self._fill_scope(rows)
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT DISTINCT s.partner_id
                  FROM bb_bill_scope s
                 WHERE EXISTS (
                       SELECT 1 FROM account_analytic_line l
                        WHERE l.billbyte_cloud_account_id = s.account_id
                          AND NOT l.billbyte_billed
                          AND l.date <= s.date_to
                          AND (s.date_from IS NULL OR l.date >= s.date_from))
                """
            )
            partner_ids = {pid for (pid,) in self.env.cr.fetchall()}
        partner_ids |= set(self._candidate_partners_extra())
        if self.partner_ids:
            partner_ids &= set(self.partner_ids.ids)
        return sorted(partner_ids)

    def _candidate_partners_extra(self):
        """Hook: ids of more customers to bill (e.g. licenses due)."""
        return []

    # ------------------------------------------------------------------ billing

    def _bill_batch(self, partner_ids):
        """Bill a batch of customers: the job of one queue_job job."""
        self.ensure_one()
        run = self.sudo().with_company(self.company_id)
        lines = run.line_ids.filtered(
            lambda line: line.partner_id.id in partner_ids and line.state == "pending"
        )
        if not lines:
            return self.env._("Nothing pending in this batch.")
        try:
            with self.env.cr.savepoint():
                outcome = run._bill_partners(lines.partner_id.ids)
        except (RetryableJobError, OperationalError):
            # Another run holds these accounts (lock not available) or billed them
            # since this transaction began (serialization failure): the whole job or
            # request is retried by queue_job or Odoo, and then finds them billed.
            raise
        except Exception as error:  # pylint: disable=broad-except
            _logger.warning(
                "%s: billing a batch of %s customers failed", run.name, len(lines), exc_info=True
            )
            self.env.invalidate_all()
            lines.write({"state": "failed", "message": str(error)})
            run._log(
                self.env._(
                    "A batch of %(count)s customer(s) failed: %(error)s",
                    count=len(lines),
                    error=error,
                )
            )
            run._update_state()
            return str(error)
        for line in lines:
            state, message, moves = outcome.get(
                line.partner_id.id, ("skipped", self.env._("Nothing to bill."), None)
            )
            line.write(
                {
                    "state": state,
                    "message": message,
                    "move_ids": [Command.set(moves.ids)] if moves else False,
                }
            )
        run._update_state()
        return self.env._("%s customer(s) billed.", len(lines))

    def _update_state(self):
        for run in self:
            if run.state not in ("running", "failed"):
                continue
            states = set(run.line_ids.mapped("state"))
            if "pending" in states:
                continue
            run.state = "failed" if "failed" in states else "done"
            if run.state == "done":
                run._log(
                    self.env._(
                        "Done: %(invoices)s invoice(s) for %(invoiced)s customer(s), "
                        "%(skipped)s skipped.",
                        invoices=len(run.invoice_ids),
                        invoiced=len(run.line_ids.filtered(lambda x: x.state == "invoiced")),
                        skipped=len(run.line_ids.filtered(lambda x: x.state == "skipped")),
                    )
                )

    def _log(self, message):
        for run in self:
            stamp = fields.Datetime.to_string(fields.Datetime.now())
            run.log = f"{run.log or ''}{stamp}  {message}\n"

    def _blocked_partners(self, partner_ids, periods):
        """Hook: {customer id: reason} of customers this run must not bill yet (e.g.
        vendor cost not reconciled)."""
        return {}

    def _bill_partners(self, partner_ids):
        """Invoice the unbilled usage (and hook items) of these customers.

        Returns {customer id: (state, message, invoices)}. Set-based: the usage of the
        whole batch is read in one query, the invoices created in one `create` and
        posted together, the usage marked billed in one UPDATE.
        """
        self.ensure_one()
        cr = self.env.cr
        company = self.company_id
        outcome = {}
        all_periods = self._billing_accounts()
        blocked = self._blocked_partners(partner_ids, all_periods)
        for pid, reason in blocked.items():
            outcome[pid] = ("skipped", reason, None)
        partner_ids = [pid for pid in partner_ids if pid not in blocked]
        rows = self._scope_rows(all_periods, partner_ids)
        account_ids = sorted({row[0] for row in rows})
        self.env.flush_all()
        if account_ids:
            # Two runs never bill the same account at once: the second waits for
            # nothing and retries later (queue_job), then finds the usage billed.
            cr.execute(
                "SELECT id FROM billbyte_cloud_account WHERE id = ANY(%s) ORDER BY id "
                "FOR NO KEY UPDATE NOWAIT",
                [account_ids],
            )
        started = time.perf_counter()
        groups = self._usage_groups(rows) if rows else []
        items = self._usage_items(groups, all_periods)
        items += self._extra_items(partner_ids)
        invoice_date, lock_note = self._invoice_date()
        read_at = time.perf_counter()
        moves, messages = self._create_invoices(items, invoice_date)
        created_at = time.perf_counter()
        if rows:
            self._mark_usage_billed(moves)
            periods = {acc: all_periods[acc] for acc in all_periods if acc.id in account_ids}
            for account, (_start, end) in periods.items():
                if not account.billed_until or account.billed_until < end:
                    account.billed_until = end
        self._mark_extra_billed(moves)
        marked_at = time.perf_counter()
        if company.billbyte_invoice_post and moves:
            moves.action_post()
            self._after_post(moves)
        if moves:
            self._log(
                self.env._(
                    "Batch of %(customers)s customer(s): %(invoices)s invoice(s) of %(lines)s "
                    "line(s); usage read in %(read).1f s, invoices created in %(create).1f s, "
                    "usage marked billed in %(mark).1f s, posted and sent in %(post).1f s.",
                    customers=len(partner_ids),
                    invoices=len(moves),
                    lines=len(items),
                    read=read_at - started,
                    create=created_at - read_at,
                    mark=marked_at - created_at,
                    post=time.perf_counter() - marked_at,
                )
            )
        for pid in partner_ids:
            partner_moves = moves.filtered(lambda m, p=pid: m.partner_id.id == p)
            if partner_moves:
                note = "; ".join(filter(None, [messages.get(pid), lock_note]))
                outcome[pid] = ("invoiced", note or False, partner_moves)
            else:
                outcome[pid] = ("skipped", self.env._("No usage or licenses to bill."), None)
        return outcome

    def _after_post(self, moves):
        """Hook: the run's invoices were posted (sending, e-invoices)."""
        return moves

    def _invoice_date(self):
        """The run's date, or the first day after the company's lock dates."""
        company = self.company_id
        journal = self._journal()
        violated = company._get_violated_lock_dates(self.date, True, journal)
        if not violated:
            return self.date, None
        day = violated[-1][0] + timedelta(days=1)
        note = self.env._(
            "%(date)s is in a locked period (lock date %(lock)s): invoices are dated %(day)s.",
            date=self.date,
            lock=violated[-1][0],
            day=day,
        )
        if not self.env.context.get("billbyte_lock_logged"):
            self._log(note)
        return day, note

    def _journal(self):
        company = self.company_id
        return company.billbyte_billing_journal_id or self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )

    def _usage_groups(self, rows):
        """The batch's unbilled usage, summed per customer, currency, cloud account,
        product, service and corrected period, into the temp table bb_bill (one row per
        analytic line, locked) and returned as dicts."""
        cr = self.env.cr
        self._fill_scope(rows)
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bb_bill (aal_id int, account_id int, "
            "partner_id int, currency_id int, product_id int, service text, period text, "
            "day date) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE bb_bill")
        cr.execute(
            SQL(
                """
            INSERT INTO bb_bill
            SELECT l.id, l.billbyte_cloud_account_id, s.partner_id, l.billbyte_currency_id,
                   l.product_id, COALESCE(l.billbyte_service_name, ''),
                   COALESCE(l.billbyte_corrected_period, ''), l.date
              FROM account_analytic_line l
              JOIN bb_bill_scope s ON s.account_id = l.billbyte_cloud_account_id
                                  AND l.date <= s.date_to
                                  AND (s.date_from IS NULL OR l.date >= s.date_from)
             WHERE NOT l.billbyte_billed
            %s
            """,
                # A preview of what a run would bill (the API's line items) reads
                # the lines without locking them against imports.
                SQL("" if self.env.context.get("billbyte_preview") else "FOR UPDATE OF l"),
            )
        )
        cr.execute("ANALYZE bb_bill")
        cr.execute(
            """
            SELECT b.partner_id, b.currency_id, b.account_id, b.product_id, b.service,
                   b.period, min(b.day), max(b.day),
                   sum(COALESCE(l.billbyte_price_exact, l.billbyte_price))::text,
                   sum(l.unit_amount)::text, (-sum(l.amount))::text
              FROM bb_bill b
              JOIN account_analytic_line l ON l.id = b.aal_id
             GROUP BY 1, 2, 3, 4, 5, 6
             ORDER BY 1, 2, 3, 6, 5, 4
            """
        )
        groups = [
            {
                "partner_id": row[0],
                "currency_id": row[1],
                "account_id": row[2],
                "product_id": row[3],
                "service": row[4],
                "period": row[5],
                "first_day": row[6],
                "last_day": row[7],
                "price": Decimal(row[8] or 0),
                "quantity": Decimal(row[9] or 0),
                "cost": Decimal(row[10] or 0),
            }
            for row in cr.fetchall()
        ]
        cr.execute(
            """
            SELECT b.partner_id, b.currency_id, b.account_id, b.product_id, b.service,
                   b.period, min(r.billing_currency_id), max(r.billing_currency_id),
                   sum(r.billed_cost)::text
              FROM (SELECT DISTINCT partner_id, currency_id, account_id, product_id, service,
                           period, day FROM bb_bill) b
              JOIN billbyte_usage_record r ON r.cloud_account_id = b.account_id
                                          AND r.usage_date = b.day
                                          AND r.product_id = b.product_id
                                          AND COALESCE(r.corrected_period, '') = b.period
             GROUP BY 1, 2, 3, 4, 5, 6
            """
        )
        vendor = {
            row[:6]: (row[6], Decimal(row[8] or 0)) for row in cr.fetchall() if row[6] == row[7]
        }
        for group in groups:
            key = tuple(
                group[k]
                for k in (
                    "partner_id",
                    "currency_id",
                    "account_id",
                    "product_id",
                    "service",
                    "period",
                )
            )
            group["vendor"] = vendor.get(key)
        return groups

    def _usage_items(self, groups, periods):
        """Invoice line items of usage groups: dicts with partner_id, currency_id,
        section (cloud account) and the line's values."""
        if not groups:
            return []
        accounts = (
            self.env["billbyte.cloud.account"]
            .sudo()
            .browse(sorted({g["account_id"] for g in groups}))
        )
        period_of = {account.id: periods.get(account) for account in accounts}
        products = (
            self.env["product.product"].sudo().browse(sorted({g["product_id"] for g in groups}))
        )
        currencies = self.env["res.currency"].browse(sorted({g["currency_id"] for g in groups}))
        steps = {c.id: Decimal(str(c.rounding)) for c in currencies}
        items = []
        for group in groups:
            account = accounts.browse(group["account_id"])
            product = products.browse(group["product_id"])
            amount = group["price"].quantize(steps[group["currency_id"]], ROUND_HALF_UP)
            service = group["service"] or product.display_name
            if group["period"]:
                year, month = (int(part) for part in group["period"].split("-"))
                start = fields.Date.to_date(f"{year:04d}-{month:02d}-01")
                end = start.replace(day=28) + timedelta(days=4)
                end -= timedelta(days=end.day)
                label = self.env._(
                    "%(service)s, %(account)s (%(vendor_id)s): correction of %(period)s",
                    service=service,
                    account=account.name,
                    vendor_id=account.vendor_account_id,
                    period=group["period"],
                )
            else:
                start, end = period_of.get(account.id) or (group["first_day"], group["last_day"])
                start = min(start, group["first_day"])
                end = max(end, group["last_day"])
                label = self.env._(
                    "%(service)s, %(account)s (%(vendor_id)s)",
                    service=service,
                    account=account.name,
                    vendor_id=account.vendor_account_id,
                )
            vendor = group.get("vendor")
            items.append(
                {
                    "partner_id": group["partner_id"],
                    "currency_id": group["currency_id"],
                    "section": account,
                    "amount": amount,
                    "vals": {
                        "name": label,
                        "product_id": product.id,
                        "product_uom_id": product.uom_id.id,
                        "start_date": start,
                        "end_date": end,
                        "analytic_distribution": {str(account.analytic_account_id.id): 100}
                        if account.analytic_account_id
                        else False,
                        "billbyte_cloud_account_id": account.id,
                        "billbyte_service_name": group["service"],
                        "billbyte_corrected_period": group["period"] or False,
                        "billbyte_usage_quantity": float(group["quantity"]),
                        "billbyte_cost": float(group["cost"]),
                        "billbyte_vendor_currency_id": vendor[0] if vendor else False,
                        "billbyte_vendor_cost": float(vendor[1]) if vendor else 0.0,
                    },
                    "quantity": group["quantity"],
                }
            )
        return items

    def _extra_items(self, partner_ids):
        """Hook: more invoice line items for these customers (licenses), shaped as
        `_usage_items` makes them."""
        return []

    def _mark_extra_billed(self, moves):
        """Hook: mark what `_extra_items` billed on these invoices."""
        return moves

    @api.model
    def _quantity_and_price(self, quantity, amount):
        """(quantity, unit price) of an invoice line whose amount must be `amount`
        exactly: the usage quantity and a unit price at the 'Product Price' precision
        when they multiply back to the amount; otherwise 1 unit at the amount (the
        usage quantity stays on the line and in its label)."""
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        qty = Decimal(str(float_round(float(quantity), precision_digits=qty_digits)))
        if qty:
            unit = (amount / qty).quantize(Decimal(1).scaleb(-price_digits), ROUND_HALF_UP)
            step = Decimal(1).scaleb(amount.as_tuple().exponent)
            if (qty * unit).quantize(step, ROUND_HALF_UP) == amount:
                return float(qty), float(unit)
        return 1.0, float(amount)

    def _create_invoices(self, items, invoice_date):
        """One invoice (or credit note when its total is negative) per customer and
        currency, a section per cloud account. Returns (invoices, {customer id: note})."""
        Move = self.env["account.move"].sudo()
        if not items:
            return Move, {}
        journal = self._journal()
        by_invoice = defaultdict(list)
        for item in items:
            by_invoice[item["partner_id"], item["currency_id"]].append(item)
        partners = self.env["res.partner"].sudo().browse(sorted({k[0] for k in by_invoice}))
        fiscal_positions = {
            p.id: self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(p)
            for p in partners
        }
        taxes_accounts = {}
        vals_list = []
        messages = {}
        for (partner_id, currency_id), invoice_items in by_invoice.items():
            fiscal_position = fiscal_positions[partner_id]
            total = sum((item["amount"] for item in invoice_items), Decimal(0))
            sign = -1 if total < 0 else 1
            move_type = "out_refund" if sign < 0 else "out_invoice"
            if sign < 0:
                messages[partner_id] = self.env._(
                    "Only credits in the period: a credit note of %s.", -total
                )
            line_commands = []
            product_vals = []
            section = None
            for item in invoice_items:
                if item.get("section") is not None and item["section"] != section:
                    section = item["section"]
                    line_commands.append(Command.create(self._section_vals(section)))
                vals = dict(item["vals"])
                product = self.env["product.product"].browse(vals["product_id"])
                key = (product.id, fiscal_position.id)
                if key not in taxes_accounts:
                    taxes_accounts[key] = self._taxes_and_account(product, fiscal_position)
                taxes, account = taxes_accounts[key]
                amount = item["amount"] * sign
                quantity, price_unit = self._quantity_and_price(
                    item.get("quantity", Decimal(1)) * sign, amount
                )
                vals.update(
                    {
                        "quantity": quantity,
                        "price_unit": price_unit,
                        "tax_ids": [Command.set(taxes.ids)],
                        "account_id": account.id,
                    }
                )
                if sign < 0:
                    vals["billbyte_cost"] = -vals.get("billbyte_cost", 0.0)
                    vals["billbyte_vendor_cost"] = -vals.get("billbyte_vendor_cost", 0.0)
                vals["tax_ids"] = taxes
                product_vals.append(vals)
                line_commands.append(Command.create(vals))
            tax_lines = self._balances_and_tax_lines(
                product_vals, move_type, partners.browse(partner_id), currency_id, invoice_date
            )
            line_commands += [Command.create(vals) for vals in tax_lines]
            vals_list.append(
                {
                    "move_type": move_type,
                    "partner_id": partner_id,
                    "currency_id": currency_id,
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "invoice_date": invoice_date,
                    "fiscal_position_id": fiscal_position.id,
                    "invoice_origin": self.name,
                    "billbyte_run_id": self.id,
                    "line_ids": line_commands,
                }
            )
        # Every line is complete (balances, tax lines): Odoo's line-by-line
        # synchronisation of the invoice form is skipped, then the receivable lines
        # are added from the invoices' own payment terms (`needed_terms`).
        moves = Move.with_context(
            default_move_type="out_invoice", skip_invoice_sync=True, check_move_validity=False
        ).create(vals_list)
        moves = moves.with_env(Move.env)
        self._add_payment_term_lines(moves)
        return moves, messages

    def _add_payment_term_lines(self, moves):
        """The receivable lines of invoices created without them: what Odoo's own
        synchronisation would add, from each invoice's `needed_terms` (its payment
        terms on its totals)."""
        vals_list = []
        for move in moves:
            for key, values in move.needed_terms.items():
                vals_list.append(
                    {
                        **key,
                        **values,
                        "display_type": "payment_term",
                        "currency_id": move.currency_id.id,
                        "partner_id": move.commercial_partner_id.id,
                    }
                )
        self.env["account.move.line"].with_context(skip_invoice_sync=True).create(vals_list)
        moves.invalidate_recordset()
        unbalanced = moves.filtered(
            lambda m: not m.company_currency_id.is_zero(sum(m.line_ids.mapped("balance")))
        )
        if unbalanced:
            raise UserError(
                self.env._("Unbalanced invoices: %s", ", ".join(unbalanced.mapped("display_name")))
            )

    def _balances_and_tax_lines(self, product_vals, move_type, partner, currency_id, invoice_date):
        """Give each product line its balance and tax tags, and return the values of the
        invoice's tax lines: computed by Odoo's own tax engine (the one the invoice form
        runs, `account.tax._prepare_tax_lines`) on the lines in memory, so that creating
        the invoice with all its lines skips Odoo's line-by-line re-synchronisation of
        taxes (see `account.move._sync_tax_lines`: a move created with its tax lines and
        balanced base lines is left as it is)."""
        AccountTax = self.env["account.tax"]
        company = self.company_id
        currency = self.env["res.currency"].browse(currency_id)
        rate = self.env["res.currency"]._get_conversion_rate(
            company.currency_id, currency, company, invoice_date
        )
        sign = 1 if move_type == "out_refund" else -1
        base_lines = []
        for index, vals in enumerate(product_vals):
            taxes = vals["tax_ids"]
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    id=index,
                    product_id=self.env["product.product"].browse(vals["product_id"]),
                    product_uom_id=self.env["uom.uom"].browse(vals["product_uom_id"]),
                    tax_ids=taxes,
                    price_unit=vals["price_unit"],
                    quantity=vals["quantity"],
                    discount=0.0,
                    currency_id=currency,
                    account_id=self.env["account.account"].browse(vals["account_id"]),
                    analytic_distribution=vals.get("analytic_distribution") or None,
                    partner_id=partner,
                    rate=rate,
                    sign=sign,
                    is_refund=move_type == "out_refund",
                )
            )
            vals["tax_ids"] = [Command.set(taxes.ids)]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        AccountTax._add_accounting_data_in_base_lines_tax_details(base_lines, company)
        result = AccountTax._prepare_tax_lines(base_lines, company)
        for base_line, to_update in result["base_lines_to_update"]:
            product_vals[base_line["id"]].update(to_update)
        return [{**tax_vals, "display_type": "tax"} for tax_vals in result["tax_lines_to_add"]]

    def _section_vals(self, section):
        if section._name == "billbyte.cloud.account":
            name = self.env._(
                "%(vendor)s: %(account)s (%(vendor_id)s)",
                vendor=section.vendor_id.name,
                account=section.name,
                vendor_id=section.vendor_account_id,
            )
        else:
            name = section.display_name
        return {"display_type": "line_section", "name": name}

    def _taxes_and_account(self, product, fiscal_position):
        company = self.company_id
        taxes = product.taxes_id.filtered_domain(
            self.env["account.tax"]._check_company_domain(company)
        )
        taxes = fiscal_position.map_tax(taxes)
        accounts = product.product_tmpl_id.with_company(company).get_product_accounts(
            fiscal_pos=fiscal_position
        )
        return taxes, accounts["income"] or self._journal().default_account_id

    def _mark_usage_billed(self, moves):
        """Point every analytic line of bb_bill at the invoice line that bills it, in
        one UPDATE; all of them or none."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SELECT count(*) FROM bb_bill")
        expected = cr.fetchone()[0]
        cr.execute(
            """
            WITH target AS (
                SELECT b.aal_id, ml.id AS line_id
                  FROM bb_bill b
                  JOIN account_move m ON m.id = ANY(%(moves)s)
                                     AND m.partner_id = b.partner_id
                                     AND m.currency_id = b.currency_id
                  JOIN account_move_line ml ON ml.move_id = m.id
                                           AND ml.display_type = 'product'
                                           AND ml.billbyte_cloud_account_id = b.account_id
                                           AND ml.product_id = b.product_id
                                           AND COALESCE(ml.billbyte_service_name, '') = b.service
                                           AND COALESCE(ml.billbyte_corrected_period, '') = b.period
                                           AND ml.billbyte_license_change_id IS NULL
            )
            UPDATE account_analytic_line l
               SET billbyte_invoice_line_id = t.line_id, billbyte_billed = true
              FROM target t
             WHERE l.id = t.aal_id AND NOT l.billbyte_billed
            """,
            {"moves": moves.ids},
        )
        if cr.rowcount != expected:
            raise UserError(
                self.env._(
                    "%(expected)s usage lines were to be billed but %(marked)s were: another "
                    "run billed some of them. Nothing of this batch is kept.",
                    expected=expected,
                    marked=cr.rowcount,
                )
            )
        self.env.invalidate_all()
