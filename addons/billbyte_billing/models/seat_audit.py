# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

_logger = logging.getLogger(__name__)


class BillbyteSeatAudit(models.Model):
    """Per customer tenant, SKU and month: the seats Odoo bills against the licenses
    the tenant holds and has assigned at Microsoft (subscribed SKUs: active and
    consumed units). Seats paid for and not assigned are unused; licenses assigned
    beyond the seats billed are over-assigned. Either one is flagged for the
    account manager."""

    _name = "billbyte.seat.audit"
    _description = "Seat Audit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "month desc, partner_id, sku_name, id"
    _rec_name = "sku_name"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, readonly=True, ondelete="cascade"
    )
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account", required=True, index=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        related="cloud_account_id.partner_id", store=True, index=True, string="Customer"
    )
    user_id = fields.Many2one(
        related="cloud_account_id.user_id", store=True, string="Account Manager"
    )
    month = fields.Date(required=True, readonly=True, index=True, help="First day of the month.")
    sku_name = fields.Char(string="SKU", required=True, readonly=True)
    sku_key = fields.Char(required=True, readonly=True, help="SKU name in lower case.")
    product_id = fields.Many2one("product.product", string="License SKU", readonly=True)
    license_ids = fields.Many2many("billbyte.license", string="Licenses", readonly=True)
    seats_billed = fields.Integer(readonly=True, help="Seats of the active licenses Odoo bills.")
    active_units = fields.Integer(
        string="Licenses at Microsoft", readonly=True, help="activeUnits of the subscribed SKU."
    )
    consumed_units = fields.Integer(
        string="Assigned at Microsoft", readonly=True, help="consumedUnits: assigned to users."
    )
    unused_seats = fields.Integer(
        readonly=True, help="Seats billed that no user is assigned (billed less assigned)."
    )
    over_assigned = fields.Integer(
        readonly=True, help="Licenses assigned beyond the seats billed (assigned less billed)."
    )
    state = fields.Selection(
        [
            ("ok", "In Step"),
            ("unused", "Unused Seats"),
            ("over_assigned", "Over-Assigned"),
        ],
        readonly=True,
        index=True,
        tracking=True,
    )
    checked_on = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "audit_uniq",
            "unique(cloud_account_id, month, sku_key)",
            "One seat audit per cloud account, SKU and month.",
        )
    ]

    @api.model
    def _audit(self, connection, month=None, customer_ids=None):
        """Read the subscribed SKUs of every customer tenant of the connection with
        Microsoft licenses (or of the given tenants) and keep this month's audit rows.
        Returns {rows, flagged, requests, audit_s}."""
        started = time.monotonic()
        month = (month or fields.Date.context_today(self)).replace(day=1)
        Account = self.env["billbyte.cloud.account"].sudo()
        domain = [
            ("connection_id", "=", connection.id),
            ("vendor_customer_id", "!=", False),
        ]
        accounts = Account.search(domain)
        licenses = (
            self.env["billbyte.license"]
            .sudo()
            .search([("cloud_account_id", "in", accounts.ids), ("state", "=", "active")])
        )
        by_tenant = {}
        for account in accounts:
            by_tenant.setdefault(account.vendor_customer_id.lower(), account)
        tenants = sorted(
            {lic.cloud_account_id.vendor_customer_id.lower() for lic in licenses}
            if customer_ids is None
            else {cid.lower() for cid in customer_ids}
        )
        connector = connection.sudo()._connector()
        read = {tenant: connector.subscribed_skus(tenant, paced=True) for tenant in tenants}
        rows, flagged = self.browse(), self.browse()
        for tenant, skus in read.items():
            account = by_tenant.get(tenant)
            if not account:
                continue
            tenant_licenses = licenses.filtered(
                lambda lic, t=tenant: lic.cloud_account_id.vendor_customer_id.lower() == t
            )
            for values in self._rows(account, tenant_licenses, skus):
                row, changed = self._keep(connection, account, month, values)
                rows |= row
                if changed:
                    flagged |= row
        flagged._flag()
        flagged = flagged.filtered(lambda row: row.state != "ok")
        return {
            "rows": len(rows),
            "flagged": len(flagged),
            "requests": connector.request_count,
            "audit_s": time.monotonic() - started,
        }

    @api.model
    def _rows(self, account, licenses, skus):
        """Audit values per SKU: the subscribed SKUs by name, and the licenses whose
        SKU (or Partner Center offer name) has that name; a billed SKU the tenant does
        not hold counts 0 licenses at Microsoft."""
        result = {}
        for sku in skus:
            key = sku["name"].lower()
            if not key:
                continue
            entry = result.setdefault(
                key,
                {"sku_name": sku["name"], "active": 0, "consumed": 0, "licenses": []},
            )
            entry["active"] += sku["active_units"]
            entry["consumed"] += sku["consumed_units"]
        for lic in licenses:
            names = {
                (lic.product_id.name or "").strip().lower(),
                *(
                    (sub.offer_name or "").strip().lower()
                    for sub in lic.ms_subscription_ids.filtered("present")
                ),
            } - {""}
            key = next((name for name in names if name in result), None) or (
                (lic.product_id.name or "").strip().lower()
            )
            entry = result.setdefault(
                key,
                {"sku_name": lic.product_id.name, "active": 0, "consumed": 0, "licenses": []},
            )
            entry["licenses"].append(lic)
        return [dict(entry, sku_key=key) for key, entry in result.items()]

    @api.model
    def _keep(self, connection, account, month, values):
        """Create or update one audit row; returns (row, whether its figures changed)."""
        licenses = self.env["billbyte.license"].union(*values["licenses"])
        billed = sum(licenses.mapped("seats"))
        consumed = values["consumed"]
        unused = max(billed - consumed, 0)
        over = max(consumed - billed, 0)
        state = "over_assigned" if over else "unused" if unused else "ok"
        vals = {
            "sku_name": values["sku_name"],
            "product_id": licenses[:1].product_id.id,
            "license_ids": [(6, 0, licenses.ids)],
            "seats_billed": billed,
            "active_units": values["active"],
            "consumed_units": consumed,
            "unused_seats": unused,
            "over_assigned": over,
            "state": state,
            "checked_on": fields.Datetime.now(),
        }
        row = self.sudo().search(
            [
                ("cloud_account_id", "=", account.id),
                ("month", "=", month),
                ("sku_key", "=", values["sku_key"]),
            ]
        )
        if not row:
            row = self.sudo().create(
                dict(
                    vals,
                    company_id=account.company_id.id,
                    connection_id=connection.id,
                    cloud_account_id=account.id,
                    month=month,
                    sku_key=values["sku_key"],
                )
            )
            return row, True
        figures = ("seats_billed", "active_units", "consumed_units", "state")
        changed = any(row[name] != vals[name] for name in figures)
        row.write(vals)
        return row, changed

    def _flag(self):
        """An activity for the account manager of each flagged row (one open at a
        time per row); a row back in step loses its activity."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        for row in self.sudo():
            row.activity_ids.filtered(lambda a, t=todo: a.activity_type_id == t).unlink()
            if row.state == "ok":
                continue
            if row.state == "unused":
                summary = self.env._(
                    "%(count)s unused %(sku)s seat(s) at %(customer)s",
                    count=row.unused_seats,
                    sku=row.sku_name,
                    customer=row.partner_id.display_name,
                )
                note = self.env._(
                    "The customer pays %(billed)s seat(s), %(consumed)s are assigned at "
                    "Microsoft: offer a decrease at the renewal, or help them assign them.",
                    billed=row.seats_billed,
                    consumed=row.consumed_units,
                )
            else:
                summary = self.env._(
                    "%(count)s %(sku)s license(s) assigned beyond the seats billed at %(customer)s",
                    count=row.over_assigned,
                    sku=row.sku_name,
                    customer=row.partner_id.display_name,
                )
                note = self.env._(
                    "Microsoft shows %(consumed)s assigned of %(active)s, Odoo bills "
                    "%(billed)s seat(s): bill the missing seats or adopt Microsoft's count.",
                    consumed=row.consumed_units,
                    active=row.active_units,
                    billed=row.seats_billed,
                )
            row.activity_schedule(
                activity_type_id=todo.id,
                summary=summary,
                note=note,
                user_id=row.cloud_account_id._billbyte_manager().id,
            )

    @api.model
    def _cron_audit(self):
        """This month's seat audit of every Microsoft connection."""
        for connection in self.env["billbyte.connection"].search([("kind", "=", "microsoft")]):
            try:
                with self.env.cr.savepoint():
                    self._audit(connection)
            except (VendorError, VendorUnavailable, UserError) as error:
                _logger.warning("Seat audit of %s not done: %s", connection.name, error)
        return True

    @api.model
    def _overview(self, partner):
        """The customer's latest seat audit, as the help-desk overview shows it."""
        rows = self.search([("partner_id", "=", partner.id)], order="month desc, sku_name")
        latest = rows[:1].month
        return [
            {
                "month": fields.Date.to_string(row.month),
                "cloud_account_id": row.cloud_account_id.id,
                "sku": row.sku_name,
                "seats_billed": row.seats_billed,
                "licenses_at_microsoft": row.active_units,
                "assigned_at_microsoft": row.consumed_units,
                "unused_seats": row.unused_seats,
                "over_assigned": row.over_assigned,
                "state": row.state,
            }
            for row in rows
            if row.month == latest
        ]


class BillbyteConnection(models.Model):
    _inherit = "billbyte.connection"  # pylint: disable=consider-merging-classes-inherited

    def action_audit_seats(self):
        """This month's seat audit of the connection's customers, then the report."""
        self.ensure_one()
        try:
            self.env["billbyte.seat.audit"].sudo()._audit(self)
        except (VendorError, VendorUnavailable) as error:
            raise UserError(str(error)) from None
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_billing.action_billbyte_seat_audit"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action
