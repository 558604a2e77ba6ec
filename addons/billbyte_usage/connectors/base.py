# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The interface every vendor connector offers, and the registry by kind."""

from collections import namedtuple

from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

CONNECTORS = {}
# What account_status() answers.
VENDOR_ACTIVE = "active"
VENDOR_SUSPENDED = "suspended"

# What a fetch brought: `source` a focus.source.FocusSource, a path of a FOCUS (or
# vendor format) file on the server, a function giving either (called only once the
# source is known to be new: a download waits until then), or None when the vendor
# has nothing new;
# `label` what the import run shows as its source (None keeps the run's own);
# `identity` what tells this very source from another (an export's manifest ETag,
# a file's size and time): a source a done run of the connection already imported
# under the same identity is not imported again.
Fetched = namedtuple("Fetched", "source label identity", defaults=(None, None, None))


def service_timeout(env):
    """Seconds a service management call waits for the vendor (system parameter
    billbyte.service_timeout, 30 by default); then the job asks again later."""
    value = env["ir.config_parameter"].sudo().get_param("billbyte.service_timeout", "30")
    try:
        return max(float(value), 0.1)
    except ValueError:
        return 30.0


def vendor_create_timeout(env):
    """Seconds a request creating an account at the vendor waits for it to be made
    (system parameter billbyte.vendor_create_timeout, 60 by default)."""
    value = env["ir.config_parameter"].sudo().get_param("billbyte.vendor_create_timeout", "60")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 60.0


def register_connector(cls):
    """Class decorator: the connector of connections of kind `cls.kind`."""
    CONNECTORS[cls.kind] = cls
    return cls


def connector_class(kind):
    return CONNECTORS.get(kind)


class Connector:
    """A connection kind's access to its vendor.

    Class attributes: `kind` (the value of billbyte.connection.kind), `label` (what
    the user reads), `vendor_code` (the code of the billbyte.cloud.vendor a new
    connection of this kind belongs to), `pulls` (whether it pulls on a schedule;
    a file upload connection does not), `sequence` (order in the kind list),
    `enforces` (whether it can suspend, resume and purge accounts at the vendor:
    service management, see billbyte.service.action), `creates_accounts` (whether
    create_vendor_account() can make a new customer's account at the vendor).

    Service management methods (suspend ... can_restrict) take a billbyte.cloud.account
    and return the vendor's answer in plain words. A refusal raises VendorError with
    the vendor's words; no answer to act on (a timeout, a lost connection, a 5xx, a
    429) raises VendorUnavailable, and the job asks again later.
    """

    kind = None
    label = None
    vendor_code = None
    pulls = True
    sequence = 100
    enforces = False
    creates_accounts = False

    def __init__(self, connection):
        # Connectors read credentials, which only system administrators may read:
        # they work on the connection as superuser, on behalf of the user's action.
        self.connection = connection.sudo()
        self.env = connection.env

    def test(self):
        """Ask the vendor who we are; return what it answered in plain words, or
        raise VendorError with the vendor's words."""
        raise VendorError(self.env._("This kind of connection has nothing to test."))

    def vendor_accounts(self):
        """The vendor's accounts that could be cloud accounts: dicts with
        vendor_account_id, name, and optionally vendor_customer_id, customer_name,
        email, status."""
        raise UserError(self.env._("This kind of connection cannot list the vendor's accounts."))

    def create_vendor_account(self, values):
        """Create an account of a new customer at the vendor (values: name, email,
        domain, country, language ...). Returns a dict: vendor_account_id,
        vendor_customer_id, portal_url (where the account is ordered and managed) and
        answer (what the vendor said, in plain words). A refusal raises VendorError,
        no answer VendorUnavailable."""
        raise VendorError(
            self.env._("%s connections cannot create accounts at the vendor.", self.label)
        )

    def portal_url(self, vendor_account_id, vendor_customer_id=None):
        """The vendor's page where the account is ordered and managed, or None."""
        return None

    def scopes(self):
        """What one scheduled pull covers, as scopes a failed run can be re-run with."""
        return []

    def scope_label(self, scope):
        """The import run's source text for a scope, before the fetch names it better."""
        return scope

    def fetch(self, scope):
        """The FOCUS source of a scope (a Fetched), or raise VendorError."""
        raise VendorError(self.env._("Unknown pull %s", scope))

    def after_import(self, run):
        """What follows a successful import of a run of this connector (e.g. an export
        replacing estimates of its days)."""
        return None

    # -- service management ----------------------------------------------------
    def _cannot_enforce(self):
        return VendorError(
            self.env._("%s connections cannot act on accounts at the vendor.", self.label)
        )

    def suspend(self, account):
        """Stop the account's use of the vendor's services."""
        raise self._cannot_enforce()

    def resume(self, account):
        """Undo suspend()."""
        raise self._cannot_enforce()

    def purge(self, account):
        """Close the account at the vendor (cannot be undone)."""
        raise self._cannot_enforce()

    def restrict_service(self, account, service_name):
        """Stop the account's use of one service (a FOCUS ServiceName)."""
        raise self._cannot_enforce()

    def release_service(self, account, service_name):
        """Undo restrict_service()."""
        raise self._cannot_enforce()

    def account_status(self, account):
        """What the vendor reports now: VENDOR_ACTIVE or VENDOR_SUSPENDED."""
        raise self._cannot_enforce()

    def can_restrict(self, service_name):
        """Whether restrict_service() can stop this one service alone."""
        return False
