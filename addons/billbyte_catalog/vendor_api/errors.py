# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class VendorError(Exception):
    """A vendor refused or failed: the message is for the user, in plain words."""


class VendorUnavailable(VendorError):
    """The vendor gave no answer to act on: a timeout, a lost connection, a 5xx or a
    429 (after the tries of the call). Asking again later may work, unlike a refusal."""
