# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class VendorError(Exception):
    """A vendor refused or failed: the message is for the user, in plain words."""
