# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

# Fields every record exposes to whoever may read it at all: its id and name.
# (Whether it is archived is readable too: searches filter on it by themselves.)
ALWAYS_READABLE = frozenset({"id", "display_name"})
INTERNAL_ONLY = "base.group_user"


class Base(models.AbstractModel):
    """Portal users read only the BillByte fields a model allows them to.

    Every field of a ``billbyte.*`` model, and every ``billbyte_*`` field we add
    to Odoo's models, is for internal users only (``groups="base.group_user"``)
    unless the model names it in ``_billbyte_portal_fields``, or it has groups
    of its own. A new field is therefore hidden from customers until someone
    adds it to the allow-list. Each class of a model may declare the attribute;
    the allow-list is the union of the declarations along the model's classes.

    It works through Odoo's own field groups, so reads, searches, groupings,
    ``fields_get``, views, exports and chatter tracking all refuse the field alike.
    """

    _inherit = "base"

    _billbyte_portal_fields = frozenset()

    @api.model
    def _billbyte_portal_allowlist(self):
        """The fields of this model a portal user may read (BillByte's allow-list)."""
        allowed = set(ALWAYS_READABLE)
        if self._active_name:
            allowed.add(self._active_name)
        for cls in type(self).__mro__:
            allowed.update(cls.__dict__.get("_billbyte_portal_fields", ()))
        # Fields of a parent record (product.product's template fields): as the parent.
        for parent in self._inherits:
            allowed.update(self.env[parent]._billbyte_portal_allowlist())
        return frozenset(allowed)

    @api.model
    def _setup_complete(self):
        super()._setup_complete()
        ours = self._name.startswith("billbyte.")
        if not ours and not any(name.startswith("billbyte_") for name in self._fields):
            return
        allowed = self._billbyte_portal_allowlist()
        for name, field in self._fields.items():
            if field.groups or name in allowed:
                continue
            if ours or name.startswith("billbyte_"):
                field.groups = INTERNAL_ONLY
