# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class VendorError(Exception):
    """A vendor refused or failed: the message is for the user, in plain words.

    `retry_after`: the seconds the vendor asked us to wait before asking again
    (Retry-After of a 429 or 503), when it said so."""

    def __init__(self, *args, retry_after=None):
        super().__init__(*args)
        self.retry_after = retry_after


class VendorUnavailable(VendorError):
    """The vendor gave no answer to act on: a timeout, a lost connection, a 5xx or a
    429 (after the tries of the call). Asking again later may work, unlike a refusal."""
