# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
from datetime import datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..connectors.aws import AwsConnector, month_periods
from ..connectors.focus import VendorError
from ..connectors.microsoft import MicrosoftConnector

_logger = logging.getLogger(__name__)

# Key space of the PostgreSQL advisory locks that keep two pulls of one connection apart.
PULL_LOCK_SPACE = 72431
SECRET_FIELDS = ("aws_secret_access_key", "ms_client_secret", "ms_certificate_key")
PULL_KINDS = ("aws_s3", "aws_ce", "microsoft", "gcp_file")


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
        [
            ("file", "FOCUS file upload"),
            ("aws_s3", "AWS Data Exports in S3"),
            ("aws_ce", "AWS Cost Explorer (estimates)"),
            ("microsoft", "Microsoft Partner Center"),
            ("gcp_file", "Google Cloud FOCUS export file"),
        ],
        required=True,
        default="file",
        tracking=True,
        help="How usage arrives: uploaded FOCUS files, or a vendor API.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    import_run_ids = fields.One2many("billbyte.import.run", "connection_id", string="Import Runs")
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
        groups = self.env["billbyte.import.run"]._read_group(
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

    @api.onchange("kind")
    def _onchange_kind(self):
        vendor_by_kind = {
            "aws_s3": "billbyte_catalog.vendor_aws",
            "aws_ce": "billbyte_catalog.vendor_aws",
            "microsoft": "billbyte_catalog.vendor_microsoft",
            "gcp_file": "billbyte_catalog.vendor_gcp",
        }
        if self.kind in vendor_by_kind:
            self.vendor_id = self.env.ref(vendor_by_kind[self.kind], raise_if_not_found=False)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_import_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_import_run"
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
            message = self._connector_test()
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
            if connection.kind not in PULL_KINDS:
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

    # ------------------------------------------------------------------
    # Connectors
    # ------------------------------------------------------------------
    def _connector_test(self):
        self.ensure_one()
        if self.kind in ("aws_s3", "aws_ce"):
            return AwsConnector(self).test()
        if self.kind == "microsoft":
            return MicrosoftConnector(self).test()
        if self.kind == "gcp_file":
            path = self.sudo().gcp_file_path
            if not path or not os.access(path, os.R_OK):
                raise VendorError(
                    self.env._("The file %s cannot be read on the server.", path or "-")
                )
            return self.env._("The file %s is readable.", path)
        raise VendorError(self.env._("File upload connections have nothing to test."))

    def _vendor_accounts(self):
        self.ensure_one()
        if self.kind in ("aws_s3", "aws_ce"):
            return AwsConnector(self).linked_accounts()
        if self.kind == "microsoft":
            return MicrosoftConnector(self).customer_subscriptions()
        raise UserError(self.env._("This kind of connection cannot list the vendor's accounts."))

    def _pull_scopes(self):
        """What one pull covers, as scopes a failed run can be re-run with."""
        self.ensure_one()
        if self.kind == "aws_s3":
            today = fields.Date.context_today(self)
            scopes = [f"s3:{period}" for period in month_periods(today)]
            return scopes + (["ce"] if self.aws_ce_estimate else [])
        if self.kind == "aws_ce":
            return ["ce"]
        if self.kind == "microsoft":
            return [f"unbilled:{self.ms_billing_period or 'current'}"]
        if self.kind == "gcp_file":
            return ["file"]
        return []

    def _scope_label(self, scope):
        kind, _sep, argument = scope.partition(":")
        labels = {
            "s3": self.env._("AWS Data Export %s", argument),
            "ce": self.env._("AWS Cost Explorer estimate"),
            "unbilled": self.env._("Partner Center unbilled usage (%s period)", argument),
            "billed": self.env._("Partner Center billed usage, invoice %s", argument),
            "reconciliation": self.env._(
                "Partner Center billed reconciliation, invoice %s", argument
            ),
            "file": self.env._("Google Cloud FOCUS export"),
        }
        return labels.get(kind, scope)

    def _fetch(self, scope, run):
        """The FOCUS source of a scope: a FocusSource, a server path, or None when the
        vendor has nothing new."""
        kind, _sep, argument = scope.partition(":")
        if kind == "s3":
            connector = AwsConnector(self)
            manifest = connector.read_manifest(argument)
            if not manifest:
                return None
            key, etag, keys = manifest
            run.source = f"s3://{self.sudo().aws_s3_bucket}/{key} {etag}".strip()
            if self._already_imported(run):
                return None
            return connector.fetch_export(keys)
        if kind == "ce":
            start, end = self._estimate_days()
            if start >= end:
                return None
            run.source = self.env._(
                "AWS Cost Explorer estimate %(start)s to %(end)s",
                start=start,
                end=end - timedelta(days=1),
            )
            return AwsConnector(self).fetch_cost_explorer(start, end)
        if kind in ("unbilled", "billed", "reconciliation"):
            return MicrosoftConnector(self).fetch_export(scope)
        if kind == "file":
            path = self.sudo().gcp_file_path
            try:
                stat = os.stat(path or "")
            except OSError as error:
                raise VendorError(
                    self.env._(
                        "The Google Cloud export file %(path)s cannot be read: %(error)s",
                        path=path or "-",
                        error=error.strerror,
                    )
                ) from None
            modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            run.source = f"{os.path.basename(path)} ({stat.st_size} bytes, {modified} UTC)"
            if self._already_imported(run):
                return None
            run.sudo().source_path = path
            return path
        raise VendorError(self.env._("Unknown pull %s", scope))

    def _already_imported(self, run):
        """Whether a done run already imported this very source (same manifest ETag, same file)."""
        return bool(
            self.env["billbyte.import.run"].search_count(
                [
                    ("connection_id", "=", self.id),
                    ("source", "=", run.source),
                    ("state", "=", "done"),
                    ("id", "!=", run.id),
                ],
                limit=1,
            )
        )

    def _estimate_days(self):
        """The open month's days no export covers yet: [start, end)."""
        today = fields.Date.context_today(self)
        start = today.replace(day=1)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT max(charge_date) FROM billbyte_usage_record WHERE connection_id = %s "
            "AND charge_date >= %s AND NOT (COALESCE(extra_data, '{}'::jsonb) ? 'x_Estimate')",
            [self.id, start],
        )
        exported_until = self.env.cr.fetchone()[0]
        if exported_until:
            start = max(start, exported_until + timedelta(days=1))
        return start, today + timedelta(days=1)

    # ------------------------------------------------------------------
    # Pulls
    # ------------------------------------------------------------------
    def _try_lock(self):
        """Take this connection's pull lock for the transaction, or say it is taken."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [PULL_LOCK_SPACE, self.id])
        return self.env.cr.fetchone()[0]

    def _pull(self, scopes=None, run=None):
        """Pull usage from the vendor: one import run per scope. Returns the runs, or
        False when another pull of this connection is running."""
        self.ensure_one()
        if not self._try_lock():
            _logger.info("Pull of connection %s skipped: another pull of it is running.", self.id)
            return False
        runs = self.env["billbyte.import.run"]
        errors = []
        for scope in scopes or self._pull_scopes():
            current = run or runs.create(
                {"connection_id": self.id, "source": self._scope_label(scope), "pull_scope": scope}
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
                ("kind", "in", PULL_KINDS),
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
