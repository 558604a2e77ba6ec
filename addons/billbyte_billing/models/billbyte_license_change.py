# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbyteLicenseChange(models.Model):
    """What happened to a license's seats, and what of it is billed: a term (billed
    in advance), an increase (billed prorated by day to the end of its term) or a
    decrease (nothing billed; the seats change at the renewal).

    A term or increase is billed while an invoice line that is not cancelled points
    to it: cancelling or deleting that invoice returns it to the next billing run."""

    _name = "billbyte.license.change"
    _description = "Cloud License Seat Change"
    _order = "license_id, date, id"
    _check_company_auto = True

    license_id = fields.Many2one(
        "billbyte.license", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="license_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="license_id.partner_id", store=True, string="Customer")
    cloud_account_id = fields.Many2one(related="license_id.cloud_account_id", store=True)
    product_id = fields.Many2one(related="license_id.product_id", string="License SKU")
    currency_id = fields.Many2one(related="license_id.currency_id", store=True)
    kind = fields.Selection(
        [("term", "Term"), ("increase", "Seat Increase"), ("decrease", "Seat Decrease")],
        required=True,
        readonly=True,
    )
    date = fields.Date(
        required=True,
        readonly=True,
        help="Term: its first day. Increase: the day the seats were added. Decrease: the "
        "renewal from which the seats are fewer.",
    )
    date_end = fields.Date(string="Until", readonly=True, help="Last day billed by this line.")
    seats_before = fields.Integer(readonly=True)
    seats_after = fields.Integer(readonly=True)
    quantity = fields.Integer(string="Seats Billed", readonly=True)
    days = fields.Integer(readonly=True, help="Days billed (increases: to the end of the term).")
    term_days = fields.Integer(readonly=True, help="Days of the term the increase falls in.")
    amount = fields.Monetary(readonly=True, help="Amount billed, in the customer's currency.")
    applied = fields.Boolean(
        readonly=True, help="Decrease: the renewal it waited for is billed, the seats are fewer."
    )
    sale_line_id = fields.Many2one("sale.order.line", readonly=True, index="btree_not_null")
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", string="Sale Order")
    invoice_line_ids = fields.One2many(
        "account.move.line", "billbyte_license_change_id", string="Invoice Lines", readonly=True
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        compute="_compute_state",
        store=True,
        string="Billed on",
        help="The invoice line (of an invoice that is not cancelled) that bills it.",
    )
    move_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice")
    state = fields.Selection(
        [
            ("to_bill", "To Bill"),
            ("billed", "Billed"),
            ("scheduled", "Scheduled"),
            ("applied", "Applied"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
    )

    @api.depends("kind", "applied", "invoice_line_ids.parent_state")
    def _compute_state(self):
        for change in self:
            live = change.invoice_line_ids.filtered(lambda line: line.parent_state != "cancel")
            change.invoice_line_id = live[:1]
            if change.kind == "decrease":
                change.state = "applied" if change.applied else "scheduled"
            else:
                change.state = "billed" if live else "to_bill"

    @api.depends("kind", "license_id", "date", "quantity")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for change in self:
            change.display_name = self.env._(
                "%(license)s: %(kind)s %(date)s (%(seats)s)",
                license=change.license_id.display_name,
                kind=kinds.get(change.kind, ""),
                date=change.date,
                seats=change.quantity,
            )

    def _invoice_label(self):
        self.ensure_one()
        lic = self.license_id
        account = lic.cloud_account_id
        if self.kind == "term":
            return self.env._(
                "%(product)s, %(account)s (%(vendor_id)s): %(seats)s seat(s), "
                "term %(start)s to %(end)s",
                product=lic.product_id.display_name,
                account=account.name,
                vendor_id=account.vendor_account_id,
                seats=self.quantity,
                start=self.date,
                end=self.date_end,
            )
        return self.env._(
            "%(product)s, %(account)s (%(vendor_id)s): +%(seats)s seat(s) from %(start)s to "
            "%(end)s, %(days)s of %(term_days)s days",
            product=lic.product_id.display_name,
            account=account.name,
            vendor_id=account.vendor_account_id,
            seats=self.quantity,
            start=self.date,
            end=self.date_end,
            days=self.days,
            term_days=self.term_days,
        )
