# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTTP calls to vendors: retries of 429 and 5xx with backoff honouring Retry-After."""

import email.utils
import logging
import time
from datetime import datetime, timezone

import requests

from .errors import VendorError, VendorUnavailable

_logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT = 120.0
# The longest a sync waits for when a vendor asks it to come back later.
MAX_LATER = 86400.0


def retry_after_seconds(response, default, cap=MAX_WAIT):
    """Seconds the vendor asks us to wait (Retry-After: seconds or an HTTP date), at
    most `cap` (waits inside a call are short; a sync asked again later is not)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return default
    if value.replace(".", "", 1).isdigit():
        return min(float(value), cap)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    wait = (moment - datetime.now(timezone.utc)).total_seconds()
    return min(max(wait, 0.0), cap)


def vendor_message(response):
    """The vendor's own words from an error answer (Graph, Partner Center, OAuth)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return error.get("message") or error.get("code") or str(error)
        if body.get("error_description"):
            return body["error_description"]
        if isinstance(error, str):
            return error
        if body.get("description"):
            return body["description"]
    text = (response.text or "").strip()
    return text[:300] or response.reason or ""


def vendor_session(ca_bundle=None):
    """A requests session for a vendor API. With a CA bundle of its own (a TLS
    inspecting proxy, a test server), the session ignores the environment: the
    REQUESTS_CA_BUNDLE of the environment would win over session.verify."""
    session = requests.Session()
    if ca_bundle:
        session.trust_env = False
        session.verify = ca_bundle
    return session


def retry_base_delay(env):
    """Seconds before the first retry (doubling after): system parameter
    billbyte.retry_base_delay, 2 by default."""
    return float(env["ir.config_parameter"].sudo().get_param("billbyte.retry_base_delay", "2"))


class VendorHttp:
    """A requests session with our retry rules; `tries` attempts in all."""

    def __init__(self, env, session, vendor, tries=4, base_delay=None):
        self.env = env
        self.session = session
        self.vendor = vendor
        self.tries = max(int(tries), 1)
        self.base_delay = retry_base_delay(env) if base_delay is None else base_delay

    def request(self, method, url, what, **kwargs):
        kwargs.setdefault("timeout", 60)
        for attempt in range(1, self.tries + 1):
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.RequestException as error:
                if attempt == self.tries:
                    raise VendorUnavailable(
                        self.env._(
                            "%(vendor)s could not be reached for %(what)s: %(error)s",
                            vendor=self.vendor,
                            what=what,
                            error=error,
                        )
                    ) from None
                time.sleep(self.base_delay * 2 ** (attempt - 1))
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.tries:
                wait = retry_after_seconds(response, self.base_delay * 2 ** (attempt - 1))
                _logger.info(
                    "%s answered %s for %s; try %s of %s in %.1f s",
                    self.vendor,
                    response.status_code,
                    what,
                    attempt + 1,
                    self.tries,
                    wait,
                )
                time.sleep(wait)
                continue
            if response.status_code >= 400:
                tried = self.env._(" after %s tries", attempt) if attempt > 1 else ""
                # 429 and 5xx say nothing about the request itself: it may work later.
                error_class = (
                    VendorUnavailable if response.status_code in RETRY_STATUSES else VendorError
                )
                raise error_class(
                    self.env._(
                        "%(vendor)s answered %(status)s %(reason)s for %(what)s%(tried)s: "
                        "%(message)s",
                        vendor=self.vendor,
                        status=response.status_code,
                        reason=response.reason,
                        what=what,
                        tried=tried,
                        message=vendor_message(response),
                    ),
                    retry_after=retry_after_seconds(response, None, cap=MAX_LATER),
                )
            return response
        raise VendorError(self.env._("%s gave no answer", self.vendor))  # pragma: no cover
