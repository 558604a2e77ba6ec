# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.utils import must_run_without_delay

from ..connectors import VENDOR_ACTIVE, VENDOR_SUSPENDED

_logger = logging.getLogger(__name__)

# Key space of the PostgreSQL advisory locks that keep two vendor actions of one
# cloud account apart.
SERVICE_LOCK_SPACE = 72432
OPEN_STATES = ("pending", "waiting_vendor")
FINAL_STATES = ("done", "refused", "not_enforceable", "failed", "cancelled")
ACCOUNT_ACTIONS = ("suspend", "resume", "purge")
SERVICE_ACTIONS = ("restrict", "release")
# The account state an action leads to once the vendor confirms it.
TARGET_STATE = {"suspend": "suspended", "resume": "active", "purge": "purged"}
# What the vendor must report after a suspension or a resumption.
VENDOR_STATUS = {"suspend": VENDOR_SUSPENDED, "resume": VENDOR_ACTIVE}
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class BillbyteServiceAction(models.Model):
    """One request to act on a cloud account at its vendor (suspend, resume, purge,
    restrict or release one service), and what the vendor answered: the audit
    trail of service management. Created by the public methods of the cloud
    account (billbyte_suspend, ...), sent by a queue job (_execute)."""

    _name = "billbyte.service.action"
    _description = "Vendor Action on a Cloud Account"
    _order = "id desc"
    _check_company_auto = True

    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(related="cloud_account_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="cloud_account_id.partner_id", store=True, string="Customer"
    )
    vendor_id = fields.Many2one(related="cloud_account_id.vendor_id", store=True)
    connection_id = fields.Many2one(
        "billbyte.connection",
        readonly=True,
        check_company=True,
        help="The vendor connection the action was sent through.",
    )
    action = fields.Selection(
        [
            ("suspend", "Suspend"),
            ("resume", "Resume"),
            ("purge", "Purge"),
            ("restrict", "Restrict Service"),
            ("release", "Release Service"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    service_name = fields.Char(
        readonly=True, help="The service restricted or released (FOCUS ServiceName)."
    )
    reason = fields.Text(required=True, readonly=True)
    origin = fields.Reference(
        selection="_selection_origin",
        readonly=True,
        help="What asked for the action, e.g. a budget or a late payment.",
    )
    requested_by_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    requested_on = fields.Datetime(readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("waiting_vendor", "Waiting for the Vendor"),
            ("done", "Done"),
            ("refused", "Refused by the Vendor"),
            ("not_enforceable", "Not Enforceable"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
        help="Waiting for the Vendor: sent, but the vendor does not report the change yet "
        "(checked again later). Not Enforceable: the account's connection cannot act at "
        "the vendor; the account is flagged for its manager. Cancelled: superseded by a "
        "later action or by the account's purge.",
    )
    vendor_answer = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True)
    last_attempt_date = fields.Datetime(string="Last Attempt", readonly=True)
    done_date = fields.Datetime(string="Answered On", readonly=True)
    job_uuid = fields.Char(string="Job UUID", readonly=True, copy=False, index=True)
    retry_of_id = fields.Many2one(
        "billbyte.service.action",
        readonly=True,
        help="The refused or failed action this one sends again.",
    )

    def init(self):
        # Never two equal open actions of one account (and service): a second
        # request gets the open one (billbyte.cloud.account._billbyte_request).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS billbyte_service_action_open_uniq "
            "ON billbyte_service_action "
            "(cloud_account_id, action, COALESCE(service_name, '')) "
            "WHERE state IN ('pending', 'waiting_vendor')"
        )

    @api.model
    def _selection_origin(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends("action", "service_name", "cloud_account_id")
    def _compute_display_name(self):
        labels = dict(self._fields["action"]._description_selection(self.env))
        for record in self:
            label = labels.get(record.action, "")
            if record.service_name:
                label = f"{label} {record.service_name}"
            record.display_name = f"{label}: {record.cloud_account_id.display_name}"

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    def _identity_key(self):
        self.ensure_one()
        return (
            f"billbyte.service.action:{self.id}:{self.cloud_account_id.id}:{self.action}:"
            f"{self.service_name or ''}"
        )

    def _enqueue(self):
        """Queue the job that sends each action to its vendor (channel
        root.billbyte_service). Run inline (queue_job__no_delay), a job that must ask
        again later leaves its action open, as a postponed job does."""
        for action in self:
            try:
                job = action.with_delay(
                    description=self.env._("Vendor action: %s", action.display_name),
                    identity_key=action._identity_key(),
                    # The action counts its own attempts (see _retry_later).
                    max_retries=0,
                )._execute()
            except RetryableJobError:
                if not must_run_without_delay(self.env):
                    raise
                job = None
            if job is not None and action.job_uuid != job.uuid:
                action.sudo().job_uuid = job.uuid
        return self

    def _live_jobs(self):
        """The actions among these whose job is still queued or running."""
        uuids = [uuid for uuid in self.mapped("job_uuid") if uuid]
        if not uuids:
            return self.browse()
        live = set(
            self.env["queue.job"]
            .sudo()
            .search([("uuid", "in", uuids), ("state", "in", LIVE_JOB_STATES)])
            .mapped("uuid")
        )
        return self.filtered(lambda action: action.job_uuid in live)

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------
    @api.model
    def _max_tries(self):
        return int(
            self.env["ir.config_parameter"].sudo().get_param("billbyte.service_max_tries", "8")
        )

    @api.model
    def _backoff_seconds(self, attempt):
        """Seconds before the next try: 1, 2, 4, ... minutes, at most an hour."""
        base = float(
            self.env["ir.config_parameter"].sudo().get_param("billbyte.service_retry_delay", "60")
        )
        return int(min(base * 2 ** max(attempt - 1, 0), 3600))

    def _lock_account(self):
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            [SERVICE_LOCK_SPACE, self.cloud_account_id.id],
        )
        return self.env.cr.fetchone()[0]

    def _execute(self):
        """Send the action to the vendor and record its answer. The job of every
        action (see _enqueue); the account's state follows the vendor's answer only."""
        self.ensure_one()
        action = self.sudo()
        if action.state not in OPEN_STATES:
            return self.env._("Nothing to do: the action is %s.", action.state)
        account = action.cloud_account_id
        if account.state == "purged":
            action._finish("cancelled", self.env._("The account is purged."))
            return action.vendor_answer
        if not action._lock_account():
            raise RetryableJobError(
                self.env._("Another vendor action of this account is running."),
                seconds=10,
                ignore_retry=True,
            )
        earlier = action.search(
            [
                ("cloud_account_id", "=", account.id),
                ("state", "=", "pending"),
                ("id", "<", action.id),
            ]
        )
        if earlier._live_jobs():
            # Actions of an account reach the vendor in the order they were asked.
            raise RetryableJobError(
                self.env._("An earlier vendor action of this account goes first."),
                seconds=30,
                ignore_retry=True,
            )
        action._supersede_earlier()
        connector = action._connector_or_reason()
        if isinstance(connector, str):
            return action._not_enforceable(connector)
        waiting = None
        try:
            if action.state == "pending":
                answer = action._send(connector)
            else:
                answer = action.vendor_answer
            if action.action in VENDOR_STATUS:
                status = connector.account_status(account)
                if status != VENDOR_STATUS[action.action]:
                    waiting = self.env._(
                        "%(answer)s The vendor still reports the account %(status)s.",
                        answer=answer,
                        status=status,
                    )
        except VendorUnavailable as error:
            return action._retry_later(str(error))
        except VendorError as error:
            return action._refused(str(error))
        except psycopg2.Error:
            raise
        except Exception as error:  # the vendor's answer was not what we can read
            _logger.exception("Vendor action %s failed", action.id)
            return action._failed(self.env._("Unexpected error: %s", error))
        if waiting:
            return action._retry_later(waiting, "waiting_vendor")
        return action._done(answer)

    def _connector_or_reason(self):
        """The account's connector, or why the account cannot be enforced."""
        account = self.cloud_account_id
        connection = account.connection_id
        if not connection:
            return self.env._(
                "The account has no vendor connection: nothing can act on it at the vendor."
            )
        connector = connection._connector()
        if not connector.enforces:
            return self.env._(
                "%(kind)s connections cannot act on accounts at the vendor (connection "
                "%(connection)s).",
                kind=connector.label,
                connection=connection.display_name,
            )
        if self.action in SERVICE_ACTIONS and not connector.can_restrict(self.service_name):
            return self.env._(
                "%(kind)s connections cannot restrict the service %(service)s alone.",
                kind=connector.label,
                service=self.service_name,
            )
        return connector

    def _send(self, connector):
        account = self.cloud_account_id
        if self.action == "restrict":
            return connector.restrict_service(account, self.service_name)
        if self.action == "release":
            return connector.release_service(account, self.service_name)
        return getattr(connector, self.action)(account)

    def _supersede_earlier(self):
        """Earlier open actions of the same account and service are overtaken by this
        one (a resumption still waiting for the vendor when a suspension comes); a
        purge overtakes them all."""
        domain = [
            ("cloud_account_id", "=", self.cloud_account_id.id),
            ("state", "in", OPEN_STATES),
            ("id", "<", self.id),
        ]
        if self.action != "purge":
            domain += [("service_name", "=", self.service_name or False)]
        overtaken = self.search(domain)
        if overtaken:
            overtaken.write(
                {
                    "state": "cancelled",
                    "done_date": fields.Datetime.now(),
                    "vendor_answer": self.env._("Superseded by %s.", self.display_name),
                }
            )

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------
    # The job writes its action only once it has the outcome: an attempt to record
    # before a retry goes through another transaction (_record_attempt), which must
    # find the row unlocked.
    def _attempt_values(self, state, answer):
        return {
            "state": state,
            "vendor_answer": answer,
            "attempts": self.attempts + 1,
            "last_attempt_date": fields.Datetime.now(),
            "connection_id": self.cloud_account_id.connection_id.id,
        }

    def _finish(self, state, answer, count_attempt=False):
        values = {
            "state": state,
            "vendor_answer": answer,
            "done_date": fields.Datetime.now(),
            "connection_id": self.connection_id.id or self.cloud_account_id.connection_id.id,
        }
        if count_attempt:
            values.update(attempts=self.attempts + 1, last_attempt_date=fields.Datetime.now())
        self.write(values)

    def _done(self, answer):
        self._finish("done", answer, count_attempt=True)
        account = self.cloud_account_id
        target = TARGET_STATE.get(self.action)
        if target and account.state != target:
            account.state = target
        self._clear_flag()
        self._post_outcome()
        return answer

    def _clear_flag(self):
        """A resumption clears the account's "not enforceable" flag; a release clears
        it when the flag came from restricting that service."""
        account = self.cloud_account_id
        flagged_by = account.enforcement_action_id
        if self.action == "resume" or (
            self.action == "release"
            and flagged_by.action == "restrict"
            and flagged_by.service_name == self.service_name
        ):
            account._billbyte_clear_flag()

    def _refused(self, answer):
        self._finish("refused", answer, count_attempt=True)
        self._post_outcome()
        self.cloud_account_id._billbyte_notify_manager(
            self.env._("Vendor refused: %s", self.display_name),
            self._outcome_note(),
            self.requested_by_id,
        )
        return answer

    def _failed(self, answer):
        self._finish("failed", answer, count_attempt=True)
        self._post_outcome()
        self.cloud_account_id._billbyte_notify_manager(
            self.env._("Vendor action failed: %s", self.display_name),
            self._outcome_note(),
            self.requested_by_id,
        )
        return answer

    def _not_enforceable(self, why):
        self._finish("not_enforceable", why)
        if self.action in ("resume", "release"):
            self._clear_flag()
        else:
            self.cloud_account_id._billbyte_flag(self, why)
        self._post_outcome()
        return why

    def _retry_later(self, answer, state="pending"):
        """No answer to act on yet: ask again later with backoff, until the tries run
        out (then the action fails). The attempt is recorded in a transaction of its
        own, as the job's is rolled back."""
        attempt = self.attempts + 1
        if attempt >= self._max_tries():
            return self._failed(
                self.env._(
                    "%(answer)s (gave up after %(tries)s tries)", answer=answer, tries=attempt
                )
            )
        self._record_attempt(self._attempt_values(state, answer))
        raise RetryableJobError(answer, seconds=self._backoff_seconds(attempt))

    def _record_attempt(self, values):
        if not self.env["billbyte.connection"]._commits():
            # Tests (and installs) run in one transaction that is never rolled back here.
            self.write(values)
            return
        with self.env.registry.cursor() as cr:
            self.with_env(self.env(cr=cr)).sudo().write(values)

    def _outcome_note(self):
        return self.env._(
            "%(action)s, asked by %(user)s on %(date)s because: %(reason)s. "
            "Vendor's answer: %(answer)s",
            action=self.display_name,
            user=self.requested_by_id.name or "-",
            date=fields.Datetime.to_string(self.requested_on),
            reason=self.reason,
            answer=self.vendor_answer or "-",
        )

    def _post_outcome(self):
        """The account's chatter tells who asked what, why, and the vendor's answer."""
        state = dict(self._fields["state"]._description_selection(self.env))[self.state]
        self.cloud_account_id.message_post(
            body=self.env._(
                "%(action)s: %(state)s. Asked by %(user)s: %(reason)s. Vendor's answer: %(answer)s",
                action=self.display_name,
                state=state,
                user=self.requested_by_id.name or "-",
                reason=self.reason,
                answer=self.vendor_answer or "-",
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Actions and scheduled retries
    # ------------------------------------------------------------------
    def action_retry(self):
        """Button: send refused or failed actions again; shows the new actions."""
        retries = self._retry()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_service_action"
        )
        action["domain"] = [("id", "in", retries.ids)]
        if len(retries) == 1:
            action.update(res_id=retries.id, view_mode="form", views=[(False, "form")])
        return action

    def _retry(self):
        """Send refused or failed actions again (new actions, linked to them)."""
        retries = self.browse()
        for action in self.filtered(lambda a: a.state in ("refused", "failed")):
            retries |= action.cloud_account_id._billbyte_request(
                action.action,
                action.reason,
                origin=action.origin,
                service_name=action.service_name,
                retry_of=action,
            )
        return retries

    @api.model
    def _cron_retry(self):
        """The next run retries: the latest action of each account and service that
        the vendor refused or that failed is sent again, unless a newer action
        superseded it; open actions whose job is gone are queued again."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (a.cloud_account_id, COALESCE(a.service_name, ''),
                                a.action IN ('restrict', 'release'))
                   a.id, a.state
              FROM billbyte_service_action a
              JOIN billbyte_cloud_account c ON c.id = a.cloud_account_id
             WHERE c.state != 'purged' AND a.state != 'cancelled'
          ORDER BY a.cloud_account_id, COALESCE(a.service_name, ''),
                   a.action IN ('restrict', 'release'), a.id DESC
            """
        )
        latest = self.browse([row[0] for row in self.env.cr.fetchall()]).sudo()
        retried = latest.filtered(lambda a: a.state in ("refused", "failed"))._retry()
        stale_before = fields.Datetime.now() - timedelta(hours=1)
        stale = self.sudo().search(
            [("state", "in", OPEN_STATES), ("requested_on", "<", stale_before)]
        )
        lost = stale - stale._live_jobs()
        lost._enqueue()
        return retried | lost
