# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteCollectionSuspension(models.Model):
    """A cloud account suspended because its customer paid late: who approved it, for
    which credit control lines, and its resumption once the overdue amount is paid.
    The vendor actions themselves are service management's (billbyte.service.action)."""

    _name = "billbyte.collection.suspension"
    _description = "Cloud Account Suspended for Late Payment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="cloud_account_id.company_id", store=True, index=True, readonly=True
    )
    account_state = fields.Selection(related="cloud_account_id.state", string="Account State")
    state = fields.Selection(
        [
            ("suspended", "Suspended"),
            ("resuming", "Resumption Asked"),
            ("resumed", "Resumed"),
        ],
        default="suspended",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        help="Resumption Asked: the customer has paid, the vendor has not confirmed the "
        "resumption yet (it is retried; see the vendor actions).",
    )
    reason = fields.Text(required=True, readonly=True)
    credit_control_line_ids = fields.Many2many("credit.control.line", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    suspend_action_id = fields.Many2one(
        "billbyte.service.action", string="Suspension", readonly=True
    )
    resume_action_id = fields.Many2one(
        "billbyte.service.action", string="Resumption", readonly=True
    )
    resume_action_state = fields.Selection(
        related="resume_action_id.state", string="Resumption State"
    )
    resumed_on = fields.Datetime(readonly=True)

    def _compute_display_name(self):
        for record in self:
            record.display_name = self.env._(
                "%(account)s (%(customer)s)",
                account=record.cloud_account_id.display_name,
                customer=record.partner_id.display_name,
            )

    def _resume(self):
        """The customer has paid what was overdue: resume the accounts at their vendor
        (the vendor's refusal is retried by service management)."""
        reason = self.env._("Overdue invoices paid")
        for suspension in self.filtered(lambda s: s.state == "suspended"):
            suspension.state = "resuming"
            suspension.message_post(
                body=self.env._("The overdue amount is paid: resumption asked."),
                subtype_xmlid="mail.mt_note",
            )
            action = suspension.cloud_account_id.sudo().billbyte_resume(reason, origin=suspension)
            suspension.resume_action_id = action
            # Inline runs answer at once: the action's outcome is already recorded.
            if action.state == "done":
                suspension._resumed(action)

    def _resumed(self, action):
        for suspension in self.filtered(lambda s: s.state != "resumed"):
            suspension.write(
                {
                    "state": "resumed",
                    "resume_action_id": action.id,
                    "resumed_on": fields.Datetime.now(),
                }
            )
            suspension.message_post(
                body=self.env._(
                    "%(account)s resumed at the vendor: %(answer)s",
                    account=suspension.cloud_account_id.display_name,
                    answer=action.vendor_answer or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
            suspension.activity_feedback(
                ["billbyte_collection.mail_activity_type_resume_refused"],
                feedback=self.env._("Resumed."),
            )

    def _resume_refused(self, action):
        """The vendor refused (or failed) to resume: the account stays suspended, the
        manager who approved the suspension gets an activity (once), and service
        management sends the resumption again on its next retry."""
        activity_type = self.env.ref("billbyte_collection.mail_activity_type_resume_refused")
        for suspension in self.filtered(lambda s: s.state == "resuming"):
            suspension.resume_action_id = action
            suspension.message_post(
                body=self.env._(
                    "The vendor did not resume %(account)s: %(answer)s It is retried.",
                    account=suspension.cloud_account_id.display_name,
                    answer=action.vendor_answer or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
            if suspension.activity_ids.filtered(lambda a, t=activity_type: a.activity_type_id == t):
                continue
            manager = suspension.approved_by_id
            if not manager.active or manager.share:
                manager = suspension.cloud_account_id._billbyte_manager(action.requested_by_id)
            suspension.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._(
                    "Vendor refused to resume %s", suspension.cloud_account_id.display_name
                ),
                note=self.env._(
                    "%(customer)s has paid, but the vendor refused to resume %(account)s: "
                    "%(answer)s",
                    customer=suspension.partner_id.display_name,
                    account=suspension.cloud_account_id.display_name,
                    answer=action.vendor_answer or "-",
                ),
                user_id=manager.id,
            )
