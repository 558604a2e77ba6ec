# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendor file formats that are not FOCUS, and how their rows map to FOCUS.

A format is recognised by its header. An uploaded file or an export found by a
connector in such a format is turned into FOCUS rows (focus.source.FocusSource)
and then imported by the same pipeline as a FOCUS file. Each vendor's formats
live beside its connector (aws_cur.py, azure_cost.py, gcp_billing.py) and
register here.
"""

FORMATS = []


def register_format(cls):
    """Class decorator: make a VendorFormat known to detect()."""
    FORMATS.append(cls)
    return cls


def detect(header):
    """The registered format whose header this is, or None (FOCUS, or unknown)."""
    names = [name.strip().lstrip("\ufeff") for name in header]
    for cls in FORMATS:
        if cls.matches(names):
            return cls
    return None


class VendorFormat:
    """A vendor's own usage file format.

    key: a short technical name; label: what the user reads ("AWS Cost and Usage
    Report (legacy)"); vendor_code: the code of the vendor (billbyte.cloud.vendor)
    whose files these are.
    """

    key = None
    label = None
    vendor_code = None

    @classmethod
    def matches(cls, header):
        """Whether a header (list of column names, stripped) is this format's."""
        raise NotImplementedError

    @classmethod
    def extra_columns(cls, header):
        """The x_ columns the FOCUS rows of this format carry besides FOCUS's own."""
        return []

    @classmethod
    def to_focus(cls, row):
        """The FOCUS rows (dicts of FOCUS column -> value) of one source row (a dict of
        the source's column -> text). Usually one; a row with credits may give more.
        Values travel as the vendor wrote them (exact decimals as text): the pipeline
        types, validates and rejects them with their reasons."""
        raise NotImplementedError
