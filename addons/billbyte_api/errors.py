# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The API's errors: an HTTP status, a stable code, a message and, for bad input,
the field at fault. They are UserErrors, so that XML-RPC and JSON-RPC callers of
the same public methods get the message too."""

from odoo.exceptions import UserError


class ApiError(UserError):
    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field


def not_found(env, what, value):
    """404: also for records of another company or customer (never 403: nothing
    tells the caller they exist)."""
    return ApiError(
        404, "not_found", env._("%(what)s %(value)s not found.", what=what, value=value)
    )


def invalid(env, field, message, code="invalid"):
    return ApiError(422, code, message, field=field)


def missing(env, field):
    return ApiError(422, "missing_field", env._("%s is required.", field), field=field)


def bad_request(env, code, message, field=None):
    return ApiError(400, code, message, field=field)


def conflict(env, code, message, field=None):
    return ApiError(409, code, message, field=field)


def forbidden(env, message):
    return ApiError(403, "forbidden", message)
