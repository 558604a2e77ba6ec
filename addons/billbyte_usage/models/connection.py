# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
from contextlib import contextmanager

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

from ..connectors import CONNECTORS, connector_class

_logger = logging.getLogger(__name__)

# Key space of the PostgreSQL advisory locks that keep two imports (pulls, uploads)
# of one connection apart.
PULL_LOCK_SPACE = 72431
# How long an import waits for another import of its connection before it gives up.
IMPORT_LOCK_WAIT = "30min"
SECRET_FIELDS = (
    "aws_secret_access_key",
    "ms_client_secret",
    "ms_certificate_key",
    "ms_refresh_token",
)


def pull_kinds():
    """The connection kinds whose connector pulls from the vendor on a schedule."""
    return [kind for kind, connector in CONNECTORS.items() if connector.pulls]


class BillbyteConnection(models.Model):
    """The provider's partner account at one vendor; usage arrives through it."""

    _name = "billbyte.connection"
    _description = "Vendor Connection"
    _inherit = ["mail.thread", "billbyte.usage.referenced.mixin"]
    _billbyte_usage_field = "connection_id"
    _order = "vendor_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", required=True, tracking=True)
    kind = fields.Selection(
        selection="_selection_kind",
        required=True,
        default="file",
        tracking=True,
        help="How usage arrives: uploaded FOCUS files, or a vendor API.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    import_run_ids = fields.One2many("billbyte.usage.import", "connection_id", string="Import Runs")
    import_run_count = fields.Integer(compute="_compute_import_run_count")
    last_import_date = fields.Datetime(readonly=True, copy=False)

    # -- pulls -------------------------------------------------------------
    state = fields.Selection(
        [("draft", "Not Connected Yet"), ("ok", "Connected"), ("error", "Error")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    pull_interval = fields.Integer(default=1, help="How often usage is pulled.")
    pull_interval_unit = fields.Selection(
        [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")],
        default="hours",
        required=True,
    )
    next_pull_date = fields.Datetime(
        copy=False, help="When the scheduled action pulls this connection next."
    )
    last_pull_date = fields.Datetime(string="Last Successful Pull", readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    last_error_date = fields.Datetime(readonly=True, copy=False)
    max_tries = fields.Integer(
        default=4,
        help="Tries of one vendor call answered 429 (too many requests) or 5xx before the "
        "pull fails; waits between them follow the vendor's Retry-After.",
    )
    tls_ca_bundle = fields.Char(
        string="CA Bundle Path",
        groups="base.group_system",
        help="A file of certificate authorities to trust for the vendor's HTTPS (a TLS "
        "inspecting proxy); empty trusts the system's.",
    )

    # -- AWS ---------------------------------------------------------------
    aws_access_key_id = fields.Char(string="Access Key ID", groups="base.group_system")
    aws_secret_access_key = fields.Char(
        string="Secret Access Key", groups="base.group_system", copy=False
    )
    aws_role_arn = fields.Char(
        string="Role to Assume",
        groups="base.group_system",
        help="ARN of an IAM role in the payer account that the access key assumes (STS).",
    )
    aws_external_id = fields.Char(string="External ID", groups="base.group_system")
    aws_region = fields.Char(string="Region", default="us-east-1")
    aws_endpoint_url = fields.Char(
        string="Endpoint URL",
        groups="base.group_system",
        help="Only for VPC endpoints or S3-compatible stand-ins; empty uses AWS's own.",
    )
    aws_s3_bucket = fields.Char(string="S3 Bucket")
    aws_s3_prefix = fields.Char(string="S3 Path Prefix", help="The export's S3 path prefix.")
    aws_export_name = fields.Char(
        string="Export Name", help="Name of the Data Export (FOCUS or CUR 2.0)."
    )
    aws_ce_estimate = fields.Boolean(
        string="Cost Explorer Estimates",
        help="Between two exports, pull the open month's daily cost per linked account and "
        "service from Cost Explorer; the export replaces these estimates when it arrives.",
    )

    # -- Microsoft -----------------------------------------------------------
    ms_tenant_id = fields.Char(string="Partner Tenant ID", groups="base.group_system")
    ms_client_id = fields.Char(string="Application (Client) ID", groups="base.group_system")
    ms_auth_method = fields.Selection(
        [("secret", "Client Secret"), ("certificate", "Certificate")],
        string="Authentication",
        default="secret",
    )
    ms_client_secret = fields.Char(string="Client Secret", groups="base.group_system", copy=False)
    ms_certificate_key = fields.Text(
        string="Certificate Private Key (PEM)", groups="base.group_system", copy=False
    )
    ms_certificate_thumbprint = fields.Char(
        string="Certificate Thumbprint", groups="base.group_system"
    )
    ms_authority_url = fields.Char(
        string="Sign-in Authority",
        default="https://login.microsoftonline.com",
        groups="base.group_system",
    )
    ms_graph_url = fields.Char(
        string="Microsoft Graph", default="https://graph.microsoft.com", groups="base.group_system"
    )
    ms_partner_center_url = fields.Char(
        string="Partner Center API",
        default="https://api.partnercenter.microsoft.com",
        groups="base.group_system",
    )
    ms_billing_period = fields.Selection(
        [("current", "Current Period"), ("last", "Last Period")],
        string="Unbilled Period",
        default="current",
        help="Which billing period of unbilled daily rated usage a pull exports.",
    )
    ms_currency_code = fields.Char(string="Export Currency", default="USD")
    ms_export_timeout = fields.Integer(
        string="Export Wait (s)",
        default=1800,
        help="How long a pull waits for Microsoft to prepare an export.",
    )

    # -- Google Cloud ---------------------------------------------------------
    gcp_file_path = fields.Char(
        string="FOCUS Export File",
        groups="base.group_system",
        help="Path on the Odoo server of the Google Cloud FOCUS export (CSV or gzip), e.g. "
        "the file a scheduled BigQuery export writes.",
    )

    # -- secrets: write-only for system administrators --------------------------
    aws_secret_set = fields.Boolean(compute="_compute_secrets_set")
    ms_client_secret_set = fields.Boolean(compute="_compute_secrets_set")
    ms_certificate_set = fields.Boolean(compute="_compute_secrets_set")
    new_aws_secret_access_key = fields.Char(
        string="New Secret Access Key",
        compute="_compute_new_secrets",
        inverse="_inverse_new_aws_secret",
        groups="base.group_system",
    )
    new_ms_client_secret = fields.Char(
        string="New Client Secret",
        compute="_compute_new_secrets",
        inverse="_inverse_new_ms_client_secret",
        groups="base.group_system",
    )
    new_ms_certificate_key = fields.Text(
        string="New Certificate Private Key",
        compute="_compute_new_secrets",
        inverse="_inverse_new_ms_certificate_key",
        groups="base.group_system",
    )

    def _compute_import_run_count(self):
        groups = self.env["billbyte.usage.import"]._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
        )
        counts = {connection.id: count for connection, count in groups}
        for connection in self:
            connection.import_run_count = counts.get(connection.id, 0)

    def _compute_secrets_set(self):
        for connection, sudoed in zip(self, self.sudo(), strict=True):
            connection.aws_secret_set = bool(sudoed.aws_secret_access_key)
            connection.ms_client_secret_set = bool(sudoed.ms_client_secret)
            connection.ms_certificate_set = bool(sudoed.ms_certificate_key)

    def _compute_new_secrets(self):
        # Never read back: the form shows an empty box, typing in it replaces the secret.
        for connection in self:
            connection.new_aws_secret_access_key = False
            connection.new_ms_client_secret = False
            connection.new_ms_certificate_key = False

    def _inverse_new_aws_secret(self):
        for connection in self.filtered("new_aws_secret_access_key"):
            connection.aws_secret_access_key = connection.new_aws_secret_access_key

    def _inverse_new_ms_client_secret(self):
        for connection in self.filtered("new_ms_client_secret"):
            connection.ms_client_secret = connection.new_ms_client_secret

    def _inverse_new_ms_certificate_key(self):
        for connection in self.filtered("new_ms_certificate_key"):
            connection.ms_certificate_key = connection.new_ms_certificate_key

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        connections._assign_cloud_accounts()
        return connections

    def _assign_cloud_accounts(self):
        """Cloud accounts without a connection take their vendor's only connection
        (service management acts through it)."""
        Account = self.env["billbyte.cloud.account"].sudo().with_context(active_test=False)
        for connection in self:
            siblings = self.search_count(
                [
                    ("vendor_id", "=", connection.vendor_id.id),
                    ("company_id", "=", connection.company_id.id),
                ]
            )
            if siblings == 1:
                Account.search(
                    [
                        ("connection_id", "=", False),
                        ("vendor_id", "=", connection.vendor_id.id),
                        ("company_id", "=", connection.company_id.id),
                    ]
                ).connection_id = connection

    @api.model
    def _selection_kind(self):
        """One kind per registered connector (connectors/)."""
        return [
            (kind, str(connector.label))
            for kind, connector in sorted(CONNECTORS.items(), key=lambda i: i[1].sequence)
        ]

    def _connector(self):
        """The connector of this connection's kind (connectors/base.py interface)."""
        self.ensure_one()
        return connector_class(self.kind)(self)

    @api.onchange("kind")
    def _onchange_kind(self):
        code = connector_class(self.kind).vendor_code if connector_class(self.kind) else None
        if code:
            vendor = self.env["billbyte.cloud.vendor"].search([("code", "=", code)], limit=1)
            self.vendor_id = vendor or self.vendor_id

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_import_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_import"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"default_connection_id": self.id}
        return action

    def action_import_file(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_import_wizard"
        )
        action["context"] = {"default_connection_id": self.id}
        return action

    def action_test_connection(self):
        """Ask the vendor who we are; say what it answered in plain words."""
        self.ensure_one()
        try:
            message = self._connector().test()
        except VendorError as error:
            self._record_error(str(error))
            return self._notify(self.env._("Connection failed"), str(error), "danger")
        self.write({"state": "ok", "last_error": False})
        return self._notify(self.env._("Connection works"), message, "success")

    def _notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
            },
        }

    def action_pull_now(self):
        for connection in self:
            if not connection._connector().pulls:
                raise UserError(
                    self.env._(
                        "Connection %s has no vendor to pull from: upload files.", connection.name
                    )
                )
            connection._pull()
        return self.action_view_import_runs() if len(self) == 1 else True

    def action_list_vendor_accounts(self):
        """Offer the vendor's accounts (AWS linked accounts, Partner Center customers'
        subscriptions) as new cloud accounts."""
        self.ensure_one()
        wizard = self.env["billbyte.connection.account.wizard"].create({"connection_id": self.id})
        wizard._load_vendor_accounts()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accounts at the Vendor"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _vendor_accounts(self):
        self.ensure_one()
        return self._connector().vendor_accounts()

    # ------------------------------------------------------------------
    # Pulls
    # ------------------------------------------------------------------
    def _try_lock(self):
        """Take this connection's import lock for the transaction, or say it is taken."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
        return self.env.cr.fetchone()[0]

    @api.model
    def _commits(self):
        """Whether imports commit their steps: always, except inside tests, whose
        transaction is rolled back at their end (and whose cursor refuses commits),
        and while modules load (the demo data imports usage inside the install)."""
        testing = odoo_module.current_test or getattr(threading.current_thread(), "testing", False)
        return not testing and self.env.registry.ready

    @contextmanager
    def _import_lock(self, wait=True, run=None):
        """Hold this connection's import lock: one import (upload or pull) of a
        connection at a time, so that the second one sees every row the first stored.

        The lock is PostgreSQL's advisory lock of the session, taken before the
        import's transaction begins its snapshot and given back after its commit: an
        import that waited starts on a fresh snapshot holding the first one's rows.
        A dead holder cannot block it: runs whose server died are marked interrupted
        and their sessions ended first (billbyte.usage.import._check_interrupted).

        Yields whether the lock is held (False only when `wait` is False and another
        import holds it). Inside tests (no commits) the lock is the transaction's.
        """
        self.ensure_one()
        cr = self.env.cr
        if not self._commits():
            if wait:
                cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
                yield True
            else:
                yield self._try_lock()
            return
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
        held = cr.fetchone()[0]
        if not held:
            self.env["billbyte.usage.import"]._check_interrupted(self)
            cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
            held = cr.fetchone()[0]
        if not held and not wait:
            yield False
            return
        if not held:
            if run:
                run._say_waiting()
            cr.commit()  # pylint: disable=invalid-commit
            cr.execute("SET lock_timeout = %s", [IMPORT_LOCK_WAIT])
            try:
                cr.execute("SELECT pg_advisory_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
            finally:
                cr.execute("RESET lock_timeout")
        # A fresh snapshot, taken once the lock is ours.
        cr.commit()  # pylint: disable=invalid-commit
        try:
            yield True
        finally:
            try:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [PULL_LOCK_SPACE, self.id])
            except psycopg2.Error:
                # The import's transaction broke: its error goes on; the lock is freed.
                cr.rollback()
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [PULL_LOCK_SPACE, self.id])

    def _pull(self, scopes=None, run=None):
        """Pull usage from the vendor: one import run per scope. Returns the runs, or
        False when another pull of this connection is running."""
        self.ensure_one()
        with self._import_lock(wait=False) as held:
            if not held:
                _logger.info(
                    "Pull of connection %s skipped: another import of it is running.", self.id
                )
                return False
            return self._pull_scopes(scopes, run)

    def _pull_scopes(self, scopes, run):
        runs = self.env["billbyte.usage.import"]
        errors = []
        connector = self._connector()
        for scope in scopes or connector.scopes():
            current = run or runs.create(
                {
                    "connection_id": self.id,
                    "source": connector.scope_label(scope),
                    "pull_scope": scope,
                }
            )
            run = None
            current._pull_scope_run()
            if current.exists():
                runs |= current
                if current.state == "failed":
                    errors.append(current.message)
        values = {"next_pull_date": self._next_pull_date()}
        if errors:
            self._record_error("\n".join(errors), values)
        else:
            values.update(state="ok", last_pull_date=fields.Datetime.now(), last_error=False)
            self.write(values)
        return runs

    def _record_error(self, message, values=None):
        values = dict(
            values or {}, state="error", last_error=message, last_error_date=fields.Datetime.now()
        )
        self.write(values)

    def _next_pull_date(self):
        delta = relativedelta(**{self.pull_interval_unit or "hours": max(self.pull_interval, 1)})
        return fields.Datetime.now() + delta

    def _pull_job(self):
        """The background job of one scheduled pull."""
        runs = self._pull()
        if runs is False:
            return self.env._("Skipped: another pull of %s is running.", self.display_name)
        return "\n".join(f"{run.source}: {run.message}" for run in runs)

    @api.model
    def _cron_pull_due(self):
        """Queue a pull job for every connection that is due; a connection whose pull is
        still queued or running gets no second one (identity key)."""
        from odoo.addons.queue_job.job import identity_exact

        now = fields.Datetime.now()
        due = self.search(
            [
                ("kind", "in", pull_kinds()),
                "|",
                ("next_pull_date", "=", False),
                ("next_pull_date", "<=", now),
            ]
        )
        for connection in due:
            connection.with_delay(
                identity_key=identity_exact,
                description=self.env._("Pull usage of %s", connection.display_name),
            )._pull_job()
        return due

    def _billbyte_usage_refusal(self):
        return self.env._(
            "A vendor connection with imported usage cannot be deleted: imported cloud usage "
            "refers to it."
        )
