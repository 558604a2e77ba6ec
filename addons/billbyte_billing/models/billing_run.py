# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time
from datetime import timedelta

from psycopg2 import OperationalError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class BillbyteBillingRun(models.Model):
    """One billing of a company as of a day: every cloud account whose billing period
    ended before that day gets its unbilled usage (and licenses) invoiced, one
    invoice per customer and currency."""

    _name = "billbyte.billing.run"
    _description = "Cloud Billing Run"
    _inherit = ["mail.thread", "billbyte.billing.usage.items", "billbyte.billing.invoicing"]
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

    def _extra_items(self, partner_ids):
        """Hook: more invoice line items for these customers (licenses), shaped as
        `_usage_items` makes them."""
        return []

    def _mark_extra_billed(self, moves):
        """Hook: mark what `_extra_items` billed on these invoices."""
        return moves

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
