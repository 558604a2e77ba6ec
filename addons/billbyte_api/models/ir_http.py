# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import werkzeug.exceptions

from odoo import http, models
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..errors import ApiError

_logger = logging.getLogger(__name__)

API_PREFIX = "/api/billbyte/"


def error_response(status, code, message, field=None, headers=None):
    body = {"error": {"code": code, "message": message, "status": status}}
    if field:
        body["error"]["field"] = field
    response = request.make_json_response(body, status=status, headers=headers)
    return response


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """Errors under /api/billbyte/ are JSON: a stable code, a message and the
        HTTP status. The request's transaction is rolled back (the error is raised
        through Odoo's dispatcher), so a failed call leaves nothing behind."""
        if not request.httprequest.path.startswith(API_PREFIX):
            return super()._handle_error(exception)
        return cls._billbyte_api_error(exception)

    @classmethod
    def _billbyte_api_error(cls, exception):
        if isinstance(exception, ApiError):
            return error_response(
                exception.status, exception.code, exception.args[0], exception.field
            )
        if isinstance(exception, werkzeug.exceptions.Unauthorized | AccessDenied) or isinstance(
            exception, http.SessionExpiredException
        ):
            return error_response(
                401,
                "unauthorized",
                "A valid API key is needed: Authorization: Bearer <key>.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if isinstance(exception, AccessError):
            return error_response(403, "forbidden", str(exception.args[0]))
        if isinstance(exception, MissingError | werkzeug.exceptions.NotFound):
            return error_response(404, "not_found", "Not found.")
        if isinstance(exception, werkzeug.exceptions.MethodNotAllowed):
            return error_response(405, "method_not_allowed", "This method is not allowed here.")
        if isinstance(exception, ValidationError | UserError):
            return error_response(422, "invalid", str(exception.args[0]))
        if isinstance(exception, werkzeug.exceptions.HTTPException):
            return error_response(
                exception.code or 500, "http_error", exception.description or exception.name
            )
        _logger.exception("API call %s failed", request.httprequest.path)
        return error_response(500, "internal_error", "Internal error: see the server log.")
