# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError


class BillbyteUsageReferencedMixin(models.AbstractModel):
    """Master data that cloud usage records point to without a foreign key (see
    fields.FactMany2one): deleting a record that usage refers to is refused here,
    in one place, instead of by a per-row check on every imported record."""

    _name = "billbyte.usage.referenced.mixin"
    _description = "Referred to by Cloud Usage"

    # The field of billbyte.usage.record that points to this model.
    _billbyte_usage_field = None

    def _billbyte_usage_refusal(self):
        """The message that says why these records cannot be deleted."""
        return self.env._(
            "%s cannot be deleted: imported cloud usage refers to it. Archive it instead.",
            self._description,
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_usage(self):
        if not self._billbyte_usage_field:
            return
        if (
            self.env["billbyte.usage.record"]
            .sudo()
            .search_count([(self._billbyte_usage_field, "in", self.ids)], limit=1)
        ):
            raise UserError(self._billbyte_usage_refusal())
