# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendor connectors: one class per connection kind, each turning its vendor's
answers into FOCUS rows for the same usage pipeline that imports files, behind one
interface (connectors/base.py) and picked from a registry by kind.

A new vendor is one module here with a Connector subclass decorated with
@register_connector; connection.py needs no change.
"""

from .base import (
    CONNECTORS,
    VENDOR_ACTIVE,
    VENDOR_SUSPENDED,
    Connector,
    connector_class,
    register_connector,
)
from . import formats
from . import aws_cur
from . import azure_cost
from . import gcp_billing
from . import file
from . import aws
from . import microsoft
from . import gcp

__all__ = [
    "CONNECTORS",
    "VENDOR_ACTIVE",
    "VENDOR_SUSPENDED",
    "Connector",
    "connector_class",
    "register_connector",
    "formats",
]
