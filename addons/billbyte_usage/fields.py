# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Field helpers for BillByte's high-volume fact tables."""

from odoo import fields


class FactMany2one(fields.Many2one):
    """A Many2one without a database foreign key, for append-only fact tables.

    PostgreSQL checks a foreign key with one trigger call per inserted row,
    each locking the referenced row: on a usage import of a million rows with a
    dozen references that is most of the import's time. The references of a
    usage record point to master data (company, currency, connection, product,
    pricelist, import run, cloud account) whose deletion is refused in Python while usage
    refers to it (see the ``@api.ondelete`` guards), so integrity holds without
    the per-row check.
    """

    def update_db_foreign_key(self, model, column):
        return


class UuidKey(fields.Char):
    """A 128-bit key stored as PostgreSQL ``uuid``: half the size of its hex text,
    so the unique index a bulk import checks every row against stays small."""

    _column_type = ("uuid", "uuid")
