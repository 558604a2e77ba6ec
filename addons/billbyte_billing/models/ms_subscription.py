# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import time

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The columns a sync reads from Partner Center, in the order of the staging table.
SYNCED = [
    ("customer_tenant", "varchar"),
    ("customer_name", "varchar"),
    ("subscription_id", "varchar"),
    ("offer_id", "varchar"),
    ("offer_name", "varchar"),
    ("quantity", "integer"),
    ("term_duration", "varchar"),
    ("billing_cycle", "varchar"),
    ("commitment_end_date", "date"),
    ("cancellation_until", "date"),
    ("auto_renew", "boolean"),
    ("status", "varchar"),
    ("start_date", "date"),
]
STAGING = ", ".join(f"{name} {kind}" for name, kind in SYNCED)


class BillbyteMsSubscription(models.Model):
    """A customer's license subscription as Partner Center holds it, read by the
    Microsoft connection's license sync. It is Microsoft's side only: the license
    Odoo bills (billbyte.license) changes through its own actions, and every
    difference between the two is listed in the license reconciliation."""

    _name = "billbyte.ms.subscription"
    _description = "Partner Center Subscription"
    _order = "customer_name, offer_name, id"
    _rec_name = "offer_name"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    customer_tenant = fields.Char(index=True, readonly=True)
    customer_name = fields.Char(string="Customer at Microsoft", readonly=True)
    subscription_id = fields.Char(string="Subscription ID", required=True, readonly=True)
    offer_id = fields.Char(string="Offer (product:SKU)", readonly=True)
    offer_name = fields.Char(string="Offer", readonly=True)
    quantity = fields.Integer(string="Seats", readonly=True)
    term_duration = fields.Char(readonly=True, help="P1M, P1Y or P3Y.")
    billing_cycle = fields.Char(readonly=True)
    commitment_end_date = fields.Date(readonly=True)
    cancellation_until = fields.Date(
        string="Cancellation Window Ends",
        readonly=True,
        help="Microsoft's cancellationAllowedUntilDate: until then seats can be removed or "
        "the subscription cancelled, with a prorated credit.",
    )
    auto_renew = fields.Boolean(readonly=True)
    status = fields.Char(readonly=True)
    start_date = fields.Date(readonly=True)
    present = fields.Boolean(
        default=True, readonly=True, help="Listed by Partner Center at the last sync."
    )
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account", readonly=True, index="btree_not_null", check_company=True
    )
    partner_id = fields.Many2one(related="cloud_account_id.partner_id", string="Customer")
    product_id = fields.Many2one("product.product", string="License SKU", readonly=True)
    license_id = fields.Many2one(
        "billbyte.license", readonly=True, index="btree_not_null", ondelete="set null"
    )

    _sql_constraints = [
        (
            "subscription_uniq",
            "unique(connection_id, subscription_id)",
            "A Partner Center subscription is read once per connection.",
        ),
    ]

    # ------------------------------------------------------------------ sync

    @api.model
    def _sync(self, connection, customer_ids=None):
        """Read the license subscriptions of every customer of the connection (or of
        the given tenants) and keep them: set-based, only rows that changed are
        written. Returns {subscriptions, written, requests, sync_s}."""
        started = time.monotonic()
        connector = connection._connector()
        data = connector.license_subscriptions(customer_ids)
        rows = []
        for tenant, (name, subscriptions) in data.items():
            for values in subscriptions:
                rows.append((tenant, name) + tuple(values[column] for column, _type in SYNCED[2:]))
        written = self._store(connection, rows, customers=list(data))
        return {
            "subscriptions": len(rows),
            "written": written,
            "requests": connector.request_count,
            "sync_s": time.monotonic() - started,
        }

    @api.model
    def _store(self, connection, rows, customers):
        """Upsert `rows` (SYNCED columns) of the connection; the subscriptions of these
        customers that Microsoft no longer lists are marked absent. Returns the number
        of rows written."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DROP TABLE IF EXISTS bb_ms_sync")
        cr.execute(SQL("CREATE TEMP TABLE bb_ms_sync (%s) ON COMMIT DROP", SQL(STAGING)))
        if rows:
            execute_values(cr._obj, "INSERT INTO bb_ms_sync VALUES %s", rows, page_size=2000)
        names = [name for name, _kind in SYNCED]
        columns = ", ".join(names)
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names[:2] + names[3:])
        current = ", ".join(f"s.{name}" for name in names[:2] + names[3:])
        incoming = ", ".join(f"EXCLUDED.{name}" for name in names[:2] + names[3:])
        uid = self.env.uid
        cr.execute(
            f"""
            INSERT INTO billbyte_ms_subscription AS s
                ({columns}, connection_id, company_id, present,
                 create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (subscription_id) {columns}, %s, %s, true,
                   %s, now() at time zone 'UTC', %s, now() at time zone 'UTC'
              FROM bb_ms_sync
            ON CONFLICT (connection_id, subscription_id) DO UPDATE
               SET {updates}, present = true,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
             WHERE ({current}, s.present) IS DISTINCT FROM ({incoming}, true)
            RETURNING id
            """,
            (connection.id, connection.company_id.id, uid, uid),
        )
        written = cr.rowcount
        cr.execute(
            """
            UPDATE billbyte_ms_subscription s
               SET present = false, write_date = now() at time zone 'UTC'
             WHERE s.connection_id = %s AND s.present
               AND s.customer_tenant = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM bb_ms_sync t
                                WHERE t.subscription_id = s.subscription_id)
            """,
            (connection.id, customers),
        )
        written += cr.rowcount
        written += self._link(connection)
        self.env.invalidate_all()
        return written

    @api.model
    def _link(self, connection):
        """Set the cloud account (the company's account of the customer tenant at the
        connection's vendor), the license SKU (product:SKU of the offer) and the license
        (its Partner Center subscription id) of the connection's subscriptions, where
        they changed. Returns the number of rows written."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            WITH target AS (
                SELECT s.id,
                       (SELECT a.id FROM billbyte_cloud_account a
                         WHERE a.company_id = s.company_id AND a.vendor_id = %(vendor)s
                           AND a.active AND lower(a.vendor_customer_id) = s.customer_tenant
                         ORDER BY a.id LIMIT 1) AS account,
                       (SELECT p.id FROM product_product p
                          JOIN product_template t ON t.id = p.product_tmpl_id
                         WHERE t.billbyte_vendor_id = %(vendor)s
                           AND t.billbyte_offer_type = 'license'
                           AND t.billbyte_sku_id IS NOT NULL
                           AND upper(t.billbyte_sku_id) = upper(
                               split_part(s.offer_id, ':', 1) || ':' || split_part(s.offer_id, ':', 2))
                           AND (t.company_id IS NULL OR t.company_id = s.company_id)
                         ORDER BY t.active DESC, p.active DESC, p.id LIMIT 1) AS product,
                       (SELECT l.id FROM billbyte_license l
                         WHERE l.company_id = s.company_id
                           AND l.ms_subscription_id = s.subscription_id
                         ORDER BY l.id LIMIT 1) AS license
                  FROM billbyte_ms_subscription s
                 WHERE s.connection_id = %(connection)s
            )
            UPDATE billbyte_ms_subscription s
               SET cloud_account_id = t.account, product_id = t.product, license_id = t.license,
                   write_date = now() at time zone 'UTC'
              FROM target t
             WHERE t.id = s.id
               AND (s.cloud_account_id, s.product_id, s.license_id)
                   IS DISTINCT FROM (t.account, t.product, t.license)
            """,
            {"vendor": connection.vendor_id.id, "connection": connection.id},
        )
        written = cr.rowcount
        self.env.invalidate_all()
        return written

    @api.model
    def _keep(self, connection, tenant, values, customer_name=None):
        """Keep one subscription as Microsoft answered it (an order, a change)."""
        row = (tenant.lower(), customer_name or tenant.lower()) + tuple(
            values[column] for column, _type in SYNCED[2:]
        )
        existing = self.search(
            [("connection_id", "=", connection.id), ("customer_tenant", "=", tenant.lower())]
        )
        # Only this subscription is stored: the other ones of the tenant stay as read.
        # Empty values read as False: stored as NULL (a boolean column keeps False).
        others = [
            tuple(
                None if value is False and kind != "boolean" else value
                for value, (_name, kind) in zip(
                    (
                        sub.customer_tenant,
                        sub.customer_name,
                        sub.subscription_id,
                        sub.offer_id,
                        sub.offer_name,
                        sub.quantity,
                        sub.term_duration,
                        sub.billing_cycle,
                        sub.commitment_end_date,
                        sub.cancellation_until,
                        sub.auto_renew,
                        sub.status,
                        sub.start_date,
                    ),
                    SYNCED,
                    strict=True,
                )
            )
            for sub in existing
            if sub.present and sub.subscription_id != values["subscription_id"]
        ]
        self._store(connection, others + [row], customers=[tenant.lower()])
        return self.search(
            [
                ("connection_id", "=", connection.id),
                ("subscription_id", "=", values["subscription_id"]),
            ],
            limit=1,
        )
