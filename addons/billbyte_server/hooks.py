# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Loaded server-wide (`server_wide_modules` in odoo.conf), not installed.

- When an Odoo process has no database connection left for a request (its
  own pool is full, or PostgreSQL refuses more clients), Odoo answers HTTP
  500, or an XML-RPC fault. Clients of the API cannot tell that from a bug.
  Here the error becomes an HTTP 503 with `Retry-After`, logged as one warning
  line, so that a client (or a proxy) waits and tries again.
- In prefork mode Odoo listens with a queue of 8 connections per HTTP worker:
  a burst of more concurrent clients overflows it and the kernel resets the
  connections it cannot queue. Here the queue holds LISTEN_BACKLOG
  connections, which wait for a free worker instead.
"""

import logging

import psycopg2
from psycopg2.pool import PoolError
from werkzeug.exceptions import ServiceUnavailable

from odoo import sql_db
from odoo.service import server

_logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: a request of the API takes well under one.
RETRY_AFTER = 5

# Connections waiting for a prefork HTTP worker (the kernel caps it at
# net.core.somaxconn).
LISTEN_BACKLOG = 1024

# PostgreSQL's own refusals when it has no connection slot left.
_TOO_MANY_CLIENTS = ("too many clients already", "remaining connection slots are reserved")


class ConnectionsExhausted(PoolError):
    """No database connection for this request: the server is busy, not broken.

    `odoo.http.Application` answers with an exception's `error_response` and
    logs it at its `loglevel`. The XML-RPC controller replaces the
    `error_response` of any error with a fault; the 503 stays regardless.
    """

    loglevel = logging.WARNING

    @property
    def error_response(self):
        return ServiceUnavailable(
            "The server has no database connection free right now; retry shortly.",
            retry_after=RETRY_AFTER,
        )

    @error_response.setter
    def error_response(self, value):
        """Ignored: the answer to a busy server is always 503."""


def _borrow(self, connection_info):
    try:
        return _borrow.origin(self, connection_info)
    except ConnectionsExhausted:
        raise
    except PoolError as exc:
        raise ConnectionsExhausted(*exc.args) from exc
    except psycopg2.OperationalError as exc:
        if any(words in str(exc) for words in _TOO_MANY_CLIENTS):
            raise ConnectionsExhausted(str(exc).strip()) from exc
        raise


def _prefork_start(self, *args, **kwargs):
    result = _prefork_start.origin(self, *args, **kwargs)
    if self.socket:
        self.socket.listen(max(LISTEN_BACKLOG, 8 * self.population))
    return result


def post_load():
    if getattr(sql_db.ConnectionPool.borrow, "origin", None):
        return
    _borrow.origin = sql_db.ConnectionPool.borrow
    sql_db.ConnectionPool.borrow = _borrow
    _prefork_start.origin = server.PreforkServer.start
    server.PreforkServer.start = _prefork_start
    _logger.debug("billbyte_server: 503 on a full connection pool, listen queue %s", LISTEN_BACKLOG)
