# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "annually": 12}


def period_boundary(day, months, invoice_day):
    """The latest period boundary on or before `day` of a cycle of `months` months
    starting on `invoice_day`: periods start in January, and every `months` after."""
    anchor = date(day.year, day.month, invoice_day)
    if anchor > day:
        anchor -= relativedelta(months=1)
    anchor -= relativedelta(months=(anchor.month - 1) % months)
    return anchor


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"

    billing_cycle = fields.Selection(
        selection_add=[("quarterly", "Quarterly"), ("annually", "Annually")],
        ondelete={"quarterly": "set default", "annually": "set default"},
        tracking=True,
        help="How often this account's usage is invoiced. Periods end the day before "
        "the customer's cloud invoice day (quarters start in January, April, July, "
        "October; years in January).",
    )
    owner_ids = fields.One2many(
        "billbyte.cloud.account.owner",
        "cloud_account_id",
        string="Earlier Customers",
        readonly=True,
    )
    billbyte_invoice_line_count = fields.Integer(
        compute="_compute_billbyte_invoice_line_count", string="Invoice Lines"
    )

    def _compute_billbyte_invoice_line_count(self):
        groups = dict(
            self.env["account.move.line"]._read_group(
                [("billbyte_cloud_account_id", "in", self.ids)],
                ["billbyte_cloud_account_id"],
                ["__count"],
            )
        )
        for account in self:
            account.billbyte_invoice_line_count = groups.get(account, 0)

    def _billing_period(self, billing_date):
        """(start, end) of the last period of this account that ended before
        `billing_date`, by its cycle and its customer's invoice day."""
        self.ensure_one()
        months = CYCLE_MONTHS[self.billing_cycle]
        invoice_day = self.partner_id.commercial_partner_id.billbyte_invoice_day or 1
        boundary = period_boundary(billing_date, months, invoice_day)
        return boundary - relativedelta(months=months), boundary - timedelta(days=1)

    def _cycle_period(self, day):
        months = CYCLE_MONTHS[self.billing_cycle]
        invoice_day = self.partner_id.commercial_partner_id.billbyte_invoice_day or 1
        start = period_boundary(day, months, invoice_day)
        return start, start + relativedelta(months=months, days=-1)

    def action_transfer(self, partner, date_from):
        """Move these cloud accounts to another customer from `date_from`: their usage
        before that day still bills the customer who had them then."""
        for account in self:
            if partner == account.partner_id:
                continue
            if account.billed_until and date_from <= account.billed_until:
                raise UserError(
                    self.env._(
                        "%(account)s is invoiced up to %(date)s: it can change customer from "
                        "the day after at the earliest.",
                        account=account.display_name,
                        date=account.billed_until,
                    )
                )
            later = account.owner_ids.filtered(lambda o, d=date_from: o.date_to >= d)
            if later:
                raise UserError(
                    self.env._(
                        "%(account)s already changed customer on %(date)s; a change must be "
                        "later than that.",
                        account=account.display_name,
                        date=max(later.mapped("date_to")) + timedelta(days=1),
                    )
                )
            self.env["billbyte.cloud.account.owner"].create(
                {
                    "cloud_account_id": account.id,
                    "partner_id": account.partner_id.id,
                    "date_to": date_from - timedelta(days=1),
                }
            )
            account.message_post(
                body=self.env._(
                    "Moved from %(old)s to %(new)s: usage from %(date)s on bills the new customer.",
                    old=account.partner_id.display_name,
                    new=partner.display_name,
                    date=date_from,
                )
            )
            account.partner_id = partner
        return True

    def action_open_transfer_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Customer"),
            "res_model": "billbyte.cloud.account.transfer.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_cloud_account_ids": self.ids},
        }

    def action_view_billbyte_invoice_lines(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invoiced Usage"),
            "res_model": "account.move.line",
            "view_mode": "list,pivot",
            "views": [
                (self.env.ref("billbyte_billing.view_move_line_billbyte_list").id, "list"),
                (False, "pivot"),
            ],
            "domain": [("billbyte_cloud_account_id", "in", self.ids)],
        }
