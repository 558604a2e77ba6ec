# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
from datetime import timedelta

from odoo import api, fields, models

from ..errors import bad_request, conflict

MAX_KEY_LENGTH = 255


class BillbyteApiIdempotency(models.Model):
    """The first answer to a creating call, per caller and Idempotency-Key: the same
    call again (same method, path and body) gets that answer again; another call
    with the key is refused (409). Written in the call's own transaction, so a call
    that fails leaves no key behind."""

    _name = "billbyte.api.idempotency"
    _description = "API Idempotency Key"
    _order = "id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    key = fields.Char(required=True, readonly=True)
    request_hash = fields.Char(required=True, readonly=True)
    request_path = fields.Char(readonly=True)
    status = fields.Integer(readonly=True)
    response = fields.Text(readonly=True)

    _sql_constraints = [
        ("user_key_uniq", "unique(user_id, key)", "This Idempotency-Key was used already."),
    ]

    @api.model
    def _request_hash(self, method, path, body):
        """The call's fingerprint: method, path and the body as JSON (key order and
        white space do not matter)."""
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()

    @api.model
    def _claim(self, key, method, path, body):
        """Take the key for this call, or find its first answer.

        Returns (record, None) when the call is to be made (the record then takes its
        answer), or (None, (status, response text)) for a repetition. Two calls with
        one key at the same moment: the second waits for the first's transaction, then
        fails to serialize and is retried by Odoo, and finds the first answer."""
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise bad_request(
                self.env,
                "missing_idempotency_key",
                self.env._(
                    "Creating calls need an Idempotency-Key header (1 to %s characters).",
                    MAX_KEY_LENGTH,
                ),
                field="Idempotency-Key",
            )
        request_hash = self._request_hash(method, path, body)
        self.env.flush_all()
        # Our own table: the insert that waits for a concurrent holder of the key
        # (ON CONFLICT), which the ORM cannot express.
        self.env.cr.execute(
            """
            INSERT INTO billbyte_api_idempotency
                   (user_id, key, request_hash, request_path, create_uid, write_uid,
                    create_date, write_date)
            VALUES (%(user)s, %(key)s, %(hash)s, %(path)s, %(user)s, %(user)s,
                    now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
            ON CONFLICT (user_id, key) DO NOTHING
            RETURNING id
            """,
            {"user": self.env.uid, "key": key, "hash": request_hash, "path": path},
        )
        row = self.env.cr.fetchone()
        if row:
            return self.sudo().browse(row[0]), None
        first = self.sudo().search([("user_id", "=", self.env.uid), ("key", "=", key)], limit=1)
        if first.request_hash != request_hash:
            raise conflict(
                self.env,
                "idempotency_key_reused",
                self.env._(
                    "This Idempotency-Key was used for another call (%s): use a new key.",
                    first.request_path or "-",
                ),
                field="Idempotency-Key",
            )
        return None, (first.status, first.response)

    def _store(self, status, response_text):
        self.ensure_one()
        self.sudo().write({"status": status, "response": response_text})

    @api.model
    def _cron_forget(self, days=30):
        """Keys are kept 30 days: a client repeats a call within that time or never."""
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=days))]
        ).unlink()
