# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""FOCUS CSV written by the connectors (and by the conversion of other vendor
formats): the same pipeline then imports it like an uploaded FOCUS file."""

import csv
import io
import tempfile
from datetime import date, datetime, timezone
from decimal import Decimal

from .schema import FOCUS_HEADER

# The column an estimate row carries: its records are replaced by the vendor's
# export once that covers their days.
ESTIMATE_COLUMN = "x_Estimate"


def focus_text(value):
    """A value as FOCUS CSV text: exact decimals, ISO 8601 UTC date-times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class FocusSource:
    """FOCUS CSV rows spooled to a temporary file, plus the lines a connector could
    not even turn into a row (kept as rejections with their reasons)."""

    def __init__(self, extra_columns=()):
        self.header = FOCUS_HEADER + [c for c in extra_columns if c not in FOCUS_HEADER]
        self.file = tempfile.TemporaryFile()
        self.text = io.TextIOWrapper(self.file, encoding="utf-8", newline="", write_through=True)
        self.writer = csv.DictWriter(
            self.text, fieldnames=self.header, extrasaction="ignore", lineterminator="\n"
        )
        self.writer.writeheader()
        self.rows = 0
        self.rejections = []  # (line number, reason, raw text)

    def add(self, row):
        self.writer.writerow({key: focus_text(value) for key, value in row.items()})
        self.rows += 1

    def reject(self, line_number, reason, raw):
        self.rejections.append((line_number, reason, (raw or "")[:1000]))

    def stream(self):
        self.text.flush()
        self.text.detach()
        self.file.seek(0)
        return self.file

    def close(self):
        self.file.close()
