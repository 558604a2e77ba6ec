# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""FOCUS, the FinOps Open Cost and Usage Specification, as the usage pipeline reads
it: the schema (columns, kinds, required set, aliases, dates), CSV framing and
COPY staging, and the FOCUS source that connectors write.

Plain Python (no Odoo models): connectors, tests and scripts/bench_import.py
import these modules rather than keeping copies of the column lists."""
