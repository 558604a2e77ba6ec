# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable

from .billbyte_license_microsoft import ODOO_TERMS

KINDS = [
    ("seats", "Seats"),
    ("sku", "SKU"),
    ("term", "Term"),
    ("status", "Status"),
    ("only_microsoft", "Only at Microsoft"),
    ("only_odoo", "Only in Odoo"),
]

# Every difference between the licenses Odoo bills and the subscriptions Partner
# Center holds, for one connection, in one statement: (key, kind, subscription,
# license, account, partner, Odoo's value, Microsoft's value).
DIFFERENCES = """
WITH subs AS (
    SELECT s.*, a.partner_id AS account_partner
      FROM billbyte_ms_subscription s
      LEFT JOIN billbyte_cloud_account a ON a.id = s.cloud_account_id
     WHERE s.connection_id = %(connection)s
), linked AS (
    SELECT s.id AS sub, s.quantity, s.status, s.present, s.term_duration, s.offer_id,
           s.offer_name, s.product_id AS sub_product, l.id AS lic, l.seats, l.state, l.term,
           l.product_id AS lic_product, l.cloud_account_id AS account, l.partner_id
      FROM subs s JOIN billbyte_license l ON l.id = s.license_id
)
SELECT 'only_microsoft:' || s.id, 'only_microsoft', s.id, NULL::int, s.cloud_account_id,
       s.account_partner, NULL, s.offer_name || ' (' || s.offer_id || '): ' || s.quantity
  FROM subs s
 WHERE s.present AND s.status IN ('active', 'suspended') AND s.license_id IS NULL
UNION ALL
SELECT 'only_odoo:' || l.id, 'only_odoo', NULL, l.id, l.cloud_account_id, l.partner_id,
       l.seats::text, NULL
  FROM billbyte_license l
  JOIN billbyte_cloud_account a ON a.id = l.cloud_account_id
 WHERE a.connection_id = %(connection)s AND l.state = 'active'
   AND NOT EXISTS (SELECT 1 FROM subs s WHERE s.license_id = l.id)
UNION ALL
SELECT 'seats:' || k.lic, 'seats', k.sub, k.lic, k.account, k.partner_id,
       k.seats::text, k.quantity::text
  FROM linked k
 WHERE k.present AND k.state = 'active' AND k.status = 'active' AND k.quantity <> k.seats
UNION ALL
SELECT 'sku:' || k.lic, 'sku', k.sub, k.lic, k.account, k.partner_id,
       k.lic_product::text, k.offer_id
  FROM linked k
 WHERE k.present AND k.sub_product IS DISTINCT FROM k.lic_product
UNION ALL
SELECT 'term:' || k.lic, 'term', k.sub, k.lic, k.account, k.partner_id, k.term,
       k.term_duration
  FROM linked k
 WHERE k.present
   AND COALESCE(CASE k.term_duration WHEN 'P1M' THEN 'monthly' WHEN 'P1Y' THEN 'annual' END,
                k.term_duration, '') <> k.term
UNION ALL
SELECT 'status:' || k.lic, 'status', k.sub, k.lic, k.account, k.partner_id, k.state,
       CASE WHEN k.present THEN k.status ELSE 'absent' END
  FROM linked k
 WHERE (k.state = 'active') <> (k.present AND k.status = 'active')
   AND NOT (k.state = 'cancelled' AND NOT k.present)
"""


class BillbyteLicenseReconciliation(models.Model):
    """A difference between a license Odoo bills and the subscription Partner
    Center holds (seats, SKU, term, status, or present on one side only). Nothing
    changes by itself: the account manager adopts Microsoft's side (Odoo's license
    follows) or Odoo's (the change is sent to Microsoft)."""

    _name = "billbyte.license.reconciliation"
    _description = "License Reconciliation"
    _order = "state, partner_id, kind, id"
    _check_company_auto = True

    key = fields.Char(required=True, index=True, readonly=True)
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    kind = fields.Selection(KINDS, string="Difference", required=True, readonly=True)
    ms_subscription_ref = fields.Many2one(
        "billbyte.ms.subscription", string="Partner Center Subscription", readonly=True
    )
    license_id = fields.Many2one("billbyte.license", readonly=True, ondelete="cascade")
    cloud_account_id = fields.Many2one("billbyte.cloud.account", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    odoo_value = fields.Char(string="In Odoo", readonly=True)
    microsoft_value = fields.Char(string="At Microsoft", readonly=True)
    odoo_label = fields.Char(string="Odoo Bills", compute="_compute_labels")
    microsoft_label = fields.Char(string="Microsoft Holds", compute="_compute_labels")
    state = fields.Selection(
        [
            ("open", "Open"),
            ("adopted_microsoft", "Microsoft's Side Adopted"),
            ("adopted_odoo", "Odoo's Side Adopted"),
            ("resolved", "Gone"),
        ],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    note = fields.Text(readonly=True)

    @api.depends("kind", "odoo_value", "microsoft_value", "license_id", "ms_subscription_ref")
    def _compute_labels(self):
        for rec in self:
            odoo, ms = rec.odoo_value or "", rec.microsoft_value or ""
            if rec.kind == "sku":
                product = self.env["product.product"].browse(int(odoo)) if odoo.isdigit() else None
                odoo = product.display_name if product else "-"
                ms = f"{rec.ms_subscription_ref.offer_name or ''} ({ms})"
            elif rec.kind == "only_odoo":
                odoo = self.env._(
                    "%(product)s: %(seats)s seat(s)",
                    product=rec.license_id.product_id.display_name,
                    seats=odoo,
                )
                ms = self.env._("no subscription")
            elif rec.kind == "only_microsoft":
                odoo = self.env._("no license")
            rec.odoo_label = odoo
            rec.microsoft_label = ms

    @api.model
    def _reconcile(self, connection):
        """List the connection's differences, set-based: new ones are added, the ones
        that no longer hold are marked gone, unchanged ones are left as they are.
        Returns {open, added, gone, reconcile_s}."""
        started = time.monotonic()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS bb_lic_diff")
        cr.execute(
            "CREATE TEMP TABLE bb_lic_diff (key varchar, kind varchar, sub int, lic int, "
            "account int, partner int, odoo_value varchar, microsoft_value varchar) "
            "ON COMMIT DROP"
        )
        cr.execute(f"INSERT INTO bb_lic_diff {DIFFERENCES}", {"connection": connection.id})
        cr.execute(
            """
            UPDATE billbyte_license_reconciliation r
               SET state = 'resolved', write_date = now() at time zone 'UTC'
             WHERE r.connection_id = %s AND r.state = 'open'
               AND NOT EXISTS (
                   SELECT 1 FROM bb_lic_diff d
                    WHERE d.key = r.key
                      AND d.odoo_value IS NOT DISTINCT FROM r.odoo_value
                      AND d.microsoft_value IS NOT DISTINCT FROM r.microsoft_value)
            """,
            (connection.id,),
        )
        gone = cr.rowcount
        uid = self.env.uid
        cr.execute(
            """
            INSERT INTO billbyte_license_reconciliation
                (key, kind, ms_subscription_ref, license_id, cloud_account_id, partner_id,
                 odoo_value, microsoft_value, connection_id, company_id, state,
                 create_uid, create_date, write_uid, write_date)
            SELECT d.key, d.kind, d.sub, d.lic, d.account, d.partner, d.odoo_value,
                   d.microsoft_value, %s, %s, 'open',
                   %s, now() at time zone 'UTC', %s, now() at time zone 'UTC'
              FROM bb_lic_diff d
             WHERE NOT EXISTS (
                   SELECT 1 FROM billbyte_license_reconciliation r
                    WHERE r.connection_id = %s AND r.state = 'open' AND r.key = d.key)
            """,
            (connection.id, connection.company_id.id, uid, uid, connection.id),
        )
        added = cr.rowcount
        cr.execute(
            "SELECT count(*) FROM billbyte_license_reconciliation "
            "WHERE connection_id = %s AND state = 'open'",
            (connection.id,),
        )
        still_open = cr.fetchone()[0]
        self.env.invalidate_all()
        return {
            "open": still_open,
            "added": added,
            "gone": gone,
            "reconcile_s": time.monotonic() - started,
        }

    # ------------------------------------------------------------------ adopt a side

    def _check_open(self):
        for rec in self:
            if rec.state != "open":
                raise UserError(self.env._("This difference is already settled."))

    def _settle(self, state, note):
        self.write({"state": state, "note": note})
        for connection in self.connection_id:
            self.env["billbyte.ms.subscription"]._link(connection)
            self._reconcile(connection)

    def action_adopt_microsoft(self):
        """Odoo's license follows Partner Center."""
        self._check_open()
        for rec in self:
            note = rec._adopt_microsoft()
            rec._settle("adopted_microsoft", note)
        return True

    def action_adopt_odoo(self):
        """Partner Center follows Odoo's license (sent to Microsoft, audited)."""
        self._check_open()
        for rec in self:
            try:
                note = rec._adopt_odoo()
            except (VendorError, VendorUnavailable) as error:
                raise UserError(str(error)) from None
            rec._settle("adopted_odoo", note)
        return True

    def _adopt_microsoft(self):
        self.ensure_one()
        sub, lic = self.ms_subscription_ref, self.license_id
        today = fields.Date.context_today(self)
        if self.kind == "only_microsoft":
            return self._adopt_subscription(sub)
        if self.kind == "only_odoo":
            lic.action_cancel()
            note = self.env._("Partner Center has no subscription of this license: not renewed.")
        elif self.kind == "seats":
            delta = sub.quantity - lic.seats
            if delta > 0:
                lic._change_seats(delta, today)
            else:
                lic.write(
                    {
                        "seats": sub.quantity,
                        "next_term_seats": min(lic.next_term_seats, sub.quantity),
                    }
                )
            note = self.env._(
                "Seats set to Microsoft's %(seats)s (were %(before)s).",
                seats=sub.quantity,
                before=sub.quantity - delta,
            )
        elif self.kind == "sku":
            if not sub.product_id:
                raise UserError(
                    self.env._(
                        "No license product has the vendor SKU %(offer)s: create it (or set its "
                        "Vendor SKU), then adopt Microsoft's side.",
                        offer=sub.offer_id,
                    )
                )
            lic.product_id = sub.product_id
            note = self.env._("SKU set to %s.", sub.product_id.display_name)
        elif self.kind == "term":
            term = ODOO_TERMS.get(sub.term_duration)
            if not term:
                raise UserError(
                    self.env._(
                        "Odoo bills no %s term: bill this subscription by hand.", sub.term_duration
                    )
                )
            lic.term = term
            note = self.env._("Term set to %s.", term)
        else:  # status
            active = sub.present and sub.status == "active"
            lic.state = "active" if active else "cancelled"
            note = self.env._(
                "Status follows Microsoft (%s).", sub.status if sub.present else "absent"
            )
        lic.message_post(body=note)
        return note

    def _adopt_subscription(self, sub):
        """A license of Microsoft's subscription: an unlinked license of the same SKU on
        the same account is linked (never two licenses billing one subscription),
        else a new license is made from Microsoft's values."""
        if not sub.cloud_account_id:
            raise UserError(
                self.env._(
                    "No cloud account has the customer tenant %(tenant)s (%(name)s) as its "
                    "Vendor Customer ID: create it, then adopt Microsoft's side.",
                    tenant=sub.customer_tenant,
                    name=sub.customer_name,
                )
            )
        if not sub.product_id:
            raise UserError(
                self.env._(
                    "No license product has the vendor SKU %(offer)s (%(name)s): create it, "
                    "then adopt Microsoft's side.",
                    offer=sub.offer_id,
                    name=sub.offer_name,
                )
            )
        License = self.env["billbyte.license"]
        lic = License.search(
            [
                ("cloud_account_id", "=", sub.cloud_account_id.id),
                ("product_id", "=", sub.product_id.id),
                ("state", "=", "active"),
                ("ms_subscription_id", "=", False),
            ],
            limit=1,
        )
        if lic:
            lic.ms_subscription_id = sub.subscription_id
            note = self.env._(
                "Linked to Partner Center subscription %s (it was billed already).",
                sub.subscription_id,
            )
            lic.message_post(body=note)
            return note
        term = ODOO_TERMS.get(sub.term_duration)
        if not term:
            raise UserError(
                self.env._(
                    "Odoo bills no %s term: bill this subscription by hand.", sub.term_duration
                )
            )
        account = sub.cloud_account_id
        product = sub.product_id
        price = product.lst_price
        if account.pricelist_id:
            price = account.pricelist_id._get_product_price(product, sub.quantity or 1)
        lic = License.create(
            {
                "cloud_account_id": account.id,
                "product_id": product.id,
                "seats": sub.quantity,
                "next_term_seats": sub.quantity,
                "term": term,
                "date_start": sub.start_date or fields.Date.context_today(self),
                "price_unit": price,
                "currency_id": account.currency_id.id,
                "company_id": account.company_id.id,
                "ms_subscription_id": sub.subscription_id,
            }
        )
        note = self.env._("License made from Partner Center subscription %s.", sub.subscription_id)
        lic.message_post(body=note)
        return note

    def _adopt_odoo(self):
        self.ensure_one()
        sub, lic = self.ms_subscription_ref, self.license_id
        if self.kind == "seats":
            lic._ms_change({"quantity": lic.seats}, self.env._("Reconciliation: seats"))
            return self.env._("Microsoft's seats set to %s.", lic.seats)
        if self.kind == "status":
            status = "active" if lic.state == "active" else "deleted"
            lic._ms_change({"status": status}, self.env._("Reconciliation: status"))
            return self.env._("Microsoft's status set to %s.", status)
        if self.kind == "only_microsoft":
            connection = self.connection_id
            audit = self.env["billbyte.partner.center.call"]._recorder(
                connection, self.env._("Reconciliation: cancel")
            )
            values = connection._connector().change_subscription(
                sub.customer_tenant,
                sub.subscription_id,
                {"status": "deleted"},
                str(uuid.uuid4()),
                audit,
            )
            self.env["billbyte.ms.subscription"]._keep(connection, sub.customer_tenant, values)
            return self.env._("Subscription cancelled at Microsoft.")
        if self.kind == "only_odoo":
            return lic._ms_order_existing()
        raise UserError(
            self.env._(
                "Partner Center changes a subscription's SKU or term by an upgrade or at the "
                "renewal: adopt Microsoft's side, or change it in Partner Center."
            )
        )
