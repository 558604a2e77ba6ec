# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CSV framing and COPY staging: a source's header, then its records streamed into
a work table with PostgreSQL's COPY, each with the file line it starts on."""

import csv
import re
from array import array
from bisect import bisect_left

import psycopg2

from odoo.exceptions import UserError

COPY_LINE_RE = re.compile(r"line (\d+)")
BOM = b"\xef\xbb\xbf"


class NumberedSource:
    """The source's CSV records for COPY, each followed by one column of ours: the
    line of the file it starts on.

    A record spans lines while it holds an odd number of quote characters (a quoted
    field with a line break); blank lines are skipped. It runs in this (client)
    process while PostgreSQL parses what it already sent. The exception a read
    raised (a truncated gzip) is kept, since psycopg2 would turn it into a generic
    COPY failure.
    """

    # Small chunks keep both sides busy: PostgreSQL parses one while this process
    # splits the next (a large chunk leaves one of them waiting).
    CHUNK = 1 << 16
    # A "record" still open after this many bytes is a broken quote: pass it on as
    # it is and let COPY say so.
    MAX_RECORD = 1 << 20

    def __init__(self, stream, first_line=2):
        self.stream = stream
        self.first_line = first_line
        self.error = None
        # Per record: the file line it starts on, and COPY's own count of lines
        # once it is read (COPY counts the line breaks inside quoted fields too).
        self.starts = array("l")
        self.copy_ends = array("l")
        self.unterminated = None
        self._chunks = self._generate()

    def _generate(self):
        starts, copy_ends, max_record = self.starts, self.copy_ends, self.MAX_RECORD
        line_no = self.first_line - 1
        copy_lines = 0
        pending, pending_start = b"", 0

        def numbered_records(lines):
            nonlocal line_no, copy_lines, pending, pending_start
            out = []
            append = out.append
            for line in lines:
                line_no += 1
                if pending:
                    pending += b"\n" + line
                    if pending.count(b'"') & 1 and len(pending) < max_record:
                        continue
                    body, start, pending = pending, pending_start, b""
                elif line.count(b'"') & 1:
                    pending, pending_start = line, line_no
                    continue
                else:
                    body, start = line, line_no
                if body[-1:] == b"\r":
                    body = body[:-1]
                if not body or body.isspace():
                    continue
                # PostgreSQL counts the line breaks inside quoted fields, in its
                # first record by their carriage returns only (it does not know the
                # file's line ending yet).
                copy_lines += 1 + body.count(b"\n" if starts else b"\r")
                starts.append(start)
                copy_ends.append(copy_lines)
                append(b"%s,%d\n" % (body, start))
            return b"".join(out)

        rest = b""
        while True:
            block = self.stream.read(self.CHUNK)
            if not block:
                break
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            chunk = numbered_records(lines)
            if chunk:
                yield chunk
        chunk = numbered_records([rest]) if rest else b""
        if pending:
            # An unterminated quoted field: COPY will say so.
            self.unterminated = pending_start
            chunk += pending + b"\n"
        if chunk:
            yield chunk

    def read(self, size=-1):  # pylint: disable=method-required-super
        try:
            return next(self._chunks, b"")
        except Exception as error:
            self.error = error
            raise

    def line_of(self, copy_line, reason=""):
        """The file line of what COPY calls line copy_line, if known."""
        if "unterminated" in reason and self.unterminated:
            return self.unterminated
        index = bisect_left(self.copy_ends, copy_line)
        if index < len(self.starts):
            return self.starts[index]
        return self.unterminated


def _not_csv(env, first):
    """Why a first line that is not a CSV header was refused, naming what it is."""
    text = first.lstrip()
    if text[:1] in (b"{", b"["):
        return env._(
            "The file is not a CSV file: it is JSON. Partner Center's billing exports "
            "(JSON lines) are read by a connection of kind 'Microsoft Partner Center'; "
            "upload usage here as a FOCUS or vendor CSV file."
        )
    if text[:4] == b"PAR1":
        return env._(
            "The file is not a CSV file: it is Parquet. AWS Data Exports in Parquet are "
            "read by a connection of kind 'AWS Data Exports in S3'; upload usage here as a "
            "CSV file."
        )
    if text[:5] == b"%PDF-":
        return env._("The file is not a CSV file: it is a PDF document.")
    if b"\x00" in first:
        return env._("The file is not a CSV file: it contains binary data.")
    return None


def read_header(env, stream):
    """The column names of a CSV source, and the file line its first record is on.

    Leading blank lines and a UTF-8 byte order mark are skipped; a file with
    nothing else is empty; a JSON, Parquet or binary file says what it is.
    """
    line_no = 0
    first = b""
    while True:
        first = stream.readline()
        line_no += 1
        if not first:
            raise UserError(env._("The file is empty."))
        if line_no == 1 and first.startswith(BOM):
            first = first[len(BOM) :]
        if first.strip():
            break
    refusal = _not_csv(env, first)
    if refusal:
        raise UserError(refusal)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(env._("The file is not a CSV file: it is not UTF-8 text.")) from None
    header = next(csv.reader([text]))
    if len(header) < 2:
        raise UserError(
            env._(
                "The file is not a CSV file: its first line holds no comma-separated "
                "column names (found %s).",
                text.strip()[:80],
            )
        )
    return header, line_no + 1


def stage(env, stream, table, ncols, first_line=2):
    """COPY the source's records into work table `table` (columns c0..cN-1 and
    line_no); return the NumberedSource (its `starts` are the records' lines).

    A record COPY cannot read fails with one message naming its file line.
    """
    cr = env.cr
    copy_cols = ", ".join(f"c{i}" for i in range(ncols))
    source = NumberedSource(stream, first_line)
    try:
        with cr.savepoint(flush=False):
            cr._obj.copy_expert(
                f"COPY {table} ({copy_cols}, line_no) FROM STDIN WITH (FORMAT csv)",
                source,
                size=NumberedSource.CHUNK,
            )
    except psycopg2.Error as error:
        if source.error:
            # The stream broke (a truncated gzip): say so rather than what COPY saw.
            raise source.error from None
        context = (error.diag.context or "") if error.diag else ""
        reason = (error.diag.message_primary if error.diag else None) or str(error)
        said = context + reason
        if (
            "line_no" in said
            or "missing data for column" in reason
            or "extra data after last expected column" in reason
        ):
            # Our column, after the record's own fields, was missing or took
            # another field: the record has another count of fields.
            reason = env._("its number of fields differs from the header's %s columns", ncols)
        elif not isinstance(
            error,
            (
                psycopg2.errors.BadCopyFileFormat,
                psycopg2.errors.CharacterNotInRepertoire,
                psycopg2.errors.UntranslatableCharacter,
            ),
        ):
            raise
        line = COPY_LINE_RE.search(context)
        raise UserError(
            env._(
                "The file is not a well-formed CSV file: line %(line)s: %(reason)s",
                line=(line and source.line_of(int(line.group(1)), reason)) or "?",
                reason=reason,
            )
        ) from None
    return source
