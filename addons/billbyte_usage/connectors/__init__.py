# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendor connectors: each turns its vendor's answers into FOCUS CSV rows for the
same usage pipeline that imports files."""
