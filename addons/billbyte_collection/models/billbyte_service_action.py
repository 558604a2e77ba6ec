# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

SUSPENSION = "billbyte.collection.suspension"


class BillbyteServiceAction(models.Model):
    _inherit = "billbyte.service.action"

    def _billbyte_collection_suspension(self):
        """The late-payment suspension that asked for this resumption, if any (a retry
        keeps the origin of the action it sends again)."""
        self.ensure_one()
        if self.action == "resume" and self.origin and self.origin._name == SUSPENSION:
            return self.origin.sudo()
        return self.env[SUSPENSION]

    def _done(self, answer):
        res = super()._done(answer)
        suspension = self._billbyte_collection_suspension()
        if suspension:
            suspension._resumed(self)
        return res

    def _refused(self, answer):
        res = super()._refused(answer)
        suspension = self._billbyte_collection_suspension()
        if suspension:
            suspension._resume_refused(self)
        return res

    def _failed(self, answer):
        res = super()._failed(answer)
        suspension = self._billbyte_collection_suspension()
        if suspension:
            suspension._resume_refused(self)
        return res

    def _not_enforceable(self, why):
        res = super()._not_enforceable(why)
        suspension = self._billbyte_collection_suspension()
        if suspension:
            # Nothing can act at this vendor: there is nothing to resume there either.
            suspension._resumed(self)
        return res
