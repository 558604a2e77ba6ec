# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import gzip
import io
import logging
import os
import socket
import time
import zlib

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError
from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

# The longest one statement of an import may run: a session whose server died stops
# by itself after at most this long (and is ended at once by _check_interrupted).
IMPORT_STATEMENT_TIMEOUT = "20min"


def _process_started(pid):
    """The start time of a local process (from /proc), or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


class BillbyteImportRun(models.Model):
    """One import of vendor usage: a file or a connector pull, with its outcome."""

    _name = "billbyte.usage.import"
    _description = "Usage Import Run"
    _inherit = ["mail.thread", "billbyte.usage.referenced.mixin"]
    _billbyte_usage_field = "run_id"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, check_company=True, ondelete="restrict"
    )
    vendor_id = fields.Many2one(related="connection_id.vendor_id", store=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    source = fields.Char(required=True, help="File name or description of the vendor pull.")
    source_path = fields.Char(
        groups="base.group_system",
        help="A file on the server to read instead of the attachment (large files, file drops).",
    )
    attachment_id = fields.Many2one("ir.attachment", string="Source File", ondelete="set null")
    pull_scope = fields.Char(
        readonly=True,
        help="What a vendor pull asked for (e.g. s3:2026-10, ce, unbilled:current); a failed "
        "pull is re-run with the same scope.",
    )
    state = fields.Selection(
        [
            ("draft", "To Import"),
            ("queued", "Queued"),
            ("waiting", "Waiting"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("interrupted", "Interrupted"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    message = fields.Text(string="Outcome", readonly=True)
    # Who runs the import: the Odoo server process (host, pid, start) and its
    # PostgreSQL session. A run marked running whose process or session is gone
    # was interrupted (see _check_interrupted).
    worker_host = fields.Char(readonly=True, copy=False, groups="base.group_system")
    worker_pid = fields.Integer(readonly=True, copy=False, groups="base.group_system")
    worker_started = fields.Char(readonly=True, copy=False, groups="base.group_system")
    backend_pid = fields.Integer(readonly=True, copy=False, groups="base.group_system")
    period_start = fields.Date(readonly=True, help="First charge date in the source.")
    period_end = fields.Date(readonly=True, help="Last charge date in the source.")
    date_start = fields.Datetime(string="Started", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    rows_read = fields.Integer(string="Read", readonly=True)
    rows_imported = fields.Integer(string="Imported", readonly=True)
    rows_duplicate = fields.Integer(string="Duplicates", readonly=True)
    rows_rejected = fields.Integer(string="Rejected", readonly=True)
    rows_unmatched = fields.Integer(string="Unmatched", readonly=True)
    rows_replaced = fields.Integer(
        string="Replaced",
        readonly=True,
        help="Unbilled records of earlier imports this source restated.",
    )
    rows_late = fields.Integer(
        string="Late / Corrections",
        readonly=True,
        help="Rows for an already invoiced period, billed in the next open period.",
    )
    source_billed_cost = fields.Float(
        string="BilledCost in Source",
        digits=(16, 6),
        readonly=True,
        help="Sum of every readable BilledCost of the source, exactly as it states it.",
    )
    imported_billed_cost = fields.Float(
        string="BilledCost Imported",
        digits=(16, 6),
        readonly=True,
        help="Sum of BilledCost stored for this source (new and already present rows).",
    )
    rejection_ids = fields.One2many(
        "billbyte.usage.import.rejection", "run_id", string="Rejected Lines"
    )
    usage_record_ids = fields.One2many("billbyte.usage.record", "run_id", string="Usage Records")

    @api.depends("source", "connection_id")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.connection_id.name or ''} / {run.source or ''}"

    def _open_source(self):
        """A binary stream of the source's CSV text, decompressing gzip."""
        self.ensure_one()
        if self.sudo().source_path:
            raw = open(self.sudo().source_path, "rb")
        elif self.attachment_id:
            attachment = self.attachment_id.sudo()
            if attachment.store_fname:
                raw = open(attachment._full_path(attachment.store_fname), "rb")
            else:
                raw = io.BytesIO(attachment.raw or b"")
        else:
            raise UserError(self.env._("Import run %s has no source file.", self.display_name))
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            return gzip.GzipFile(fileobj=raw, mode="rb")
        return raw

    def action_process(self):
        for run in self:
            if run.state not in ("draft", "queued", "failed", "interrupted"):
                continue
            if run.pull_scope and not run.attachment_id and not run.sudo().source_path:
                run.connection_id._pull([run.pull_scope], run=run)
            else:
                run._process()
        return True

    def _pull_scope_run(self):
        """Fetch this run's scope from the vendor, then import it. A vendor failure fails
        the run with the vendor's words; nothing of it is imported."""
        self.ensure_one()
        started = time.monotonic()
        rerun = self.state == "failed"
        self.write({"state": "running", "date_start": fields.Datetime.now(), "message": False})
        connector = self.connection_id._connector()
        try:
            fetched = connector.fetch(self.pull_scope)
            if fetched.label:
                self.source = fetched.label
            source = fetched.source
            if source is not None and fetched.identity and self._already_imported(fetched.identity):
                source = None
            if callable(source):
                source = source()
        except VendorError as error:
            return self._fail(str(error), started)
        if source is None:
            # The vendor has nothing new (no export yet, same export as already imported).
            if rerun:
                # A failed run keeps its history: say what the re-run found.
                self.write(
                    {
                        "state": "done",
                        "duration": time.monotonic() - started,
                        "message": self.env._("The vendor had nothing new to import."),
                    }
                )
            else:
                self.unlink()
            return True
        if isinstance(source, str):
            self.sudo().source_path = source
            done = self._process()
        else:
            try:
                done = self._process(source)
            finally:
                source.close()
        if done:
            connector.after_import(self)
        return done

    def _already_imported(self, identity):
        """Whether a done run of this connection already imported this very source (the
        same export manifest ETag, the same file size and time)."""
        self.ensure_one()
        return bool(
            self.search_count(
                [
                    ("connection_id", "=", self.connection_id.id),
                    ("source", "=", identity),
                    ("state", "=", "done"),
                    ("id", "!=", self.id),
                ],
                limit=1,
            )
        )

    def action_enqueue(self):
        """Import in the background: a queue_job job of channel billbyte_import (retried
        while another import of the connection runs), so that no HTTP request does
        minutes of work."""
        for run in self:
            job = run.with_delay(
                description=self.env._("Import %s", run.display_name),
            )._job_import()
            run.write(
                {
                    "state": "queued",
                    "message": self.env._("Queued: imported in the background (job %s).", job.uuid),
                }
            )
        return True

    def _job_import(self):
        """The background job of one import run."""
        self.ensure_one()
        if self.state not in ("draft", "queued", "failed", "interrupted"):
            return self.env._("Nothing to do: the run is %s.", self.state)
        if self.pull_scope and not self.attachment_id and not self.sudo().source_path:
            runs = self.connection_id._pull([self.pull_scope], run=self)
            busy = runs is False
        else:
            busy = self._process(wait=False) is None
        if busy:
            raise RetryableJobError(
                self.env._("Another import of %s is running.", self.connection_id.display_name),
                seconds=30,
            )
        return self.message

    def _process(self, source=None, wait=True):
        """Import the source in one transaction (savepoint); record the outcome either way.

        `source` is a connector's FOCUS source; without it the run's file is read.
        Returns whether it imported, or None when `wait` is False and another import
        of the connection holds its lock.
        One import of a connection at a time (the connection's import lock): a second
        one waits for the first and then finds its rows already there. Outside tests,
        the run is committed as running before the work starts (a crash leaves it to
        be shown as interrupted, never running for ever), and its outcome after.
        """
        self.ensure_one()
        if source is not None and not source.rows:
            return self._done_without_rows(source)
        with self.connection_id._import_lock(wait=wait, run=self) as held:
            if not held:
                # Only when not waiting: the caller (a job) tries again later.
                return None
            done = self._process_locked(source)
            if self.connection_id._commits():
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _process_locked(self, source):
        started = time.monotonic()
        self.write({"state": "running", "date_start": fields.Datetime.now(), "message": False})
        self._mark_worker()
        if self.connection_id._commits():
            self.env.cr.commit()  # pylint: disable=invalid-commit
            # A session left running by a server that died ends by itself.
            self.env.cr.execute("SET statement_timeout = %s", [IMPORT_STATEMENT_TIMEOUT])
        self.rejection_ids.unlink()
        pipeline = self.env["billbyte.usage.pipeline"]
        try:
            return self._import_stream(pipeline, source, started)
        finally:
            if self.connection_id._commits():
                self.env.cr.execute("RESET statement_timeout")

    def _import_stream(self, pipeline, source, started):
        try:
            with self.env.cr.savepoint():
                stream = source.stream() if source is not None else self._open_source()
                try:
                    stats = pipeline._import_focus_stream(self, stream)
                finally:
                    stream.close()
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            return self._fail(
                self.env._("The gzip file is truncated or corrupt: %s", error), started
            )
        except UnicodeDecodeError:
            return self._fail(
                self.env._("The file is not a CSV file: it is not UTF-8 text."), started
            )
        except psycopg2.Error as error:
            reason = (error.diag.message_primary if error.diag else None) or str(error)
            context = error.diag.context if error.diag else None
            return self._fail(
                self.env._(
                    "The database refused the import: %(reason)s%(context)s",
                    reason=reason,
                    context=f" ({context})" if context else "",
                ),
                started,
            )
        except (UserError, OSError) as error:
            return self._fail(str(error.args[0] if error.args else error), started)
        self.env.invalidate_all()
        if source is not None and source.rejections:
            self._store_vendor_rejections(source)
            stats["rows_read"] += len(source.rejections)
            stats["rows_rejected"] += len(source.rejections)
            stats["message"] += " " + self.env._(
                "%s lines of the vendor's answer could not be read.", len(source.rejections)
            )
        stats["duration"] = time.monotonic() - started
        stats["state"] = "done"
        exact_sums = (stats.pop("source_billed_cost"), stats.pop("imported_billed_cost"))
        self.write(stats)
        self.flush_recordset()
        # Written as numeric, exactly as summed: the ORM would round a float.
        self.env.cr.execute(
            "UPDATE billbyte_usage_import SET source_billed_cost = %s::numeric, "
            "imported_billed_cost = %s::numeric WHERE id = %s",
            [str(exact_sums[0]), str(exact_sums[1]), self.id],
        )
        self.invalidate_recordset(["source_billed_cost", "imported_billed_cost"])
        self.connection_id.last_import_date = fields.Datetime.now()
        _logger.info("Import run %s: %s", self.id, stats.get("message"))
        return True

    def _mark_worker(self):
        """Note which server process and PostgreSQL session run this import."""
        self.env.cr.execute("SELECT pg_backend_pid()")
        self.sudo().write(
            {
                "worker_host": socket.gethostname(),
                "worker_pid": os.getpid(),
                "worker_started": _process_started(os.getpid()),
                "backend_pid": self.env.cr.fetchone()[0],
            }
        )

    def _say_waiting(self):
        """Show that this run waits for the import of its connection that is running."""
        running = self.search(
            [
                ("connection_id", "=", self.connection_id.id),
                ("state", "=", "running"),
                ("id", "!=", self.id),
            ],
            limit=1,
        )
        self.write(
            {
                "state": "waiting",
                "message": self.env._(
                    "Waiting for import run %(run)s of this connection to finish.",
                    run=running.display_name or self.env._("(another import)"),
                ),
            }
        )

    @api.model
    def _check_interrupted(self, connections=None):
        """Runs marked running whose import died with its server: shown as interrupted
        (nothing of them was stored: the import is one transaction), and a PostgreSQL
        session the dead server left running is ended, so that it blocks nobody.

        A run is dead when its PostgreSQL session is gone, or when it ran on this host
        and its server process is gone (or is another process with the same pid)."""
        domain = [("state", "in", ("running", "waiting"))]
        if connections:
            domain.append(("connection_id", "in", connections.ids))
        runs = self.sudo().search(domain)
        if not runs:
            return runs
        self.env.cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        sessions = {pid for (pid,) in self.env.cr.fetchall()}
        host = socket.gethostname()
        dead = self.browse()
        for run in runs:
            if run.backend_pid and run.backend_pid not in sessions:
                dead |= run
            elif (
                run.worker_host == host
                and run.worker_pid
                and _process_started(run.worker_pid) != run.worker_started
            ):
                if run.backend_pid in sessions:
                    self.env.cr.execute("SELECT pg_terminate_backend(%s)", [run.backend_pid])
                dead |= run
        for run in dead:
            run.write(
                {
                    "state": "interrupted",
                    "message": self.env._(
                        "The server stopped during this import (started %(start)s): nothing of "
                        "it was stored. Import it again with Import Now.",
                        start=run.date_start or "-",
                    ),
                }
            )
            _logger.warning("Import run %s was interrupted by a server stop.", run.id)
        return dead

    @api.model
    def _cron_check_interrupted(self):
        self._check_interrupted()

    def _register_hook(self):
        # A server starting after a crash shows the imports it interrupted at once.
        res = super()._register_hook()
        if not odoo_module.current_test:
            try:
                with self.env.cr.savepoint(flush=False):
                    self._check_interrupted()
            except psycopg2.Error:
                _logger.warning("Could not check for interrupted imports", exc_info=True)
        return res

    def _store_vendor_rejections(self, source):
        self.env["billbyte.usage.import.rejection"].create(
            [
                {"run_id": self.id, "line_number": line, "reason": reason, "raw_values": raw}
                for line, reason, raw in source.rejections
            ]
        )

    def _done_without_rows(self, source):
        self.rejection_ids.unlink()
        self._store_vendor_rejections(source)
        rejected = len(source.rejections)
        self.write(
            {
                "state": "done",
                "rows_read": rejected,
                "rows_imported": 0,
                "rows_duplicate": 0,
                "rows_rejected": rejected,
                "rows_unmatched": 0,
                "rows_replaced": 0,
                "rows_late": 0,
                "message": self.env._("The vendor reported no usage rows.")
                + (
                    " " + self.env._("%s lines of its answer could not be read.", rejected)
                    if rejected
                    else ""
                ),
            }
        )
        return True

    def _fail(self, message, started):
        self.env.invalidate_all()
        self.write(
            {
                "state": "failed",
                "message": message,
                "duration": time.monotonic() - started,
                "rows_read": 0,
                "rows_imported": 0,
                "rows_duplicate": 0,
                "rows_rejected": 0,
                "rows_unmatched": 0,
                "rows_replaced": 0,
                "rows_late": 0,
            }
        )
        _logger.warning("Import run %s failed: %s", self.id, message)
        return False

    def action_view_records(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_record"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def action_view_unmatched(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_usage.action_billbyte_usage_record"
        )
        action["domain"] = [("run_id", "=", self.id), ("state", "=", "unmatched")]
        return action

    def _billbyte_usage_refusal(self):
        return self.env._(
            "An import run with usage records cannot be deleted: imported cloud usage refers to it."
        )
