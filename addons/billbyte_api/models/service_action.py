# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

EVENTS = {"suspend": "account.suspended", "resume": "account.resumed", "purge": "account.purged"}


class BillbyteServiceAction(models.Model):
    _inherit = "billbyte.service.action"

    def _done(self, answer):
        """Webhooks account.suspended / resumed / purged once the vendor confirms."""
        result = super()._done(answer)
        event = EVENTS.get(self.action)
        if event:
            account = self.cloud_account_id
            self.env["billbyte.webhook.endpoint"]._emit(
                event,
                [
                    (
                        account.company_id,
                        {
                            "account_id": account.id,
                            "customer_id": account.partner_id.commercial_partner_id.id,
                            "vendor": account.vendor_id.code,
                            "vendor_account_id": account.vendor_account_id,
                            "state": account.state,
                            "action_id": self.id,
                            "reason": self.reason,
                            "requested_by": self.requested_by_id.name or None,
                            "requested_on": fields.Datetime.to_string(self.requested_on),
                            "vendor_answer": self.vendor_answer or None,
                        },
                    )
                ],
            )
        return result
