# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)

UOM_XMLIDS = {
    "hour": "uom.product_uom_hour",
    "day": "uom.product_uom_day",
    "unit": "uom.product_uom_unit",
}


class BillbytePriceProducts(models.AbstractModel):
    """The catalog products a price import creates (set-based copies of one
    ORM-made product), and the SKUs it retires or lists again (inherited by
    billbyte.price.import)."""

    _name = "billbyte.price.products"
    _description = "Vendor price products"

    def _billbyte_create_products(self):
        """Create the products of the SKUs no product has yet: the first through the
        ORM (it gets every module's defaults: taxes, accounts, sale settings), the
        others as copies of it in two INSERTs (templates, variants) and their
        many2many links. Returns how many were created, and the first one's id."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT DISTINCT ON (sku, term) sku, term, name, service, offer_type, vendor_unit,
                   uom_kind
              FROM bb_price_offer WHERE product_tmpl_id IS NULL
             ORDER BY sku, term, line
            """
        )
        first = cr.fetchone()
        if not first:
            return 0, None
        cr.execute(
            "SELECT count(*) FROM (SELECT DISTINCT sku, term FROM bb_price_offer "
            "WHERE product_tmpl_id IS NULL) n"
        )
        total = cr.fetchone()[0]
        Template = self.env["product.template"].with_context(
            tracking_disable=True, mail_create_nolog=True
        )
        sku, term, name, service, offer_type, vendor_unit, kind = first
        uoms = {kind: self.env.ref(xmlid).id for kind, xmlid in UOM_XMLIDS.items()}
        prototype = Template.create(
            {
                "name": name or sku,
                "type": "service",
                "sale_ok": True,
                "purchase_ok": False,
                "list_price": 0.0,
                "uom_id": uoms[kind],
                "uom_po_id": uoms[kind],
                "company_id": self.vendor_id.company_id.id,
                "billbyte_vendor_id": self.vendor_id.id,
                "billbyte_offer_type": offer_type,
                "billbyte_service_name": service or False,
                "billbyte_sku_id": sku,
                "billbyte_term": term or False,
                "billbyte_vendor_unit": vendor_unit or False,
                "billbyte_price_sheet": self.sheet_key or False,
            }
        )
        self.env.flush_all()
        cr.execute(
            "UPDATE bb_price_offer SET product_tmpl_id = %s, is_new = true "
            "WHERE sku = %s AND term = %s",
            [prototype.id, sku, term],
        )
        if total > 1:
            self._billbyte_copy_products(prototype, uoms)
        return total, prototype.id

    def _billbyte_copy_products(self, prototype, uoms):
        cr = self.env.cr
        own = {
            "id", "name", "uom_id", "uom_po_id", "billbyte_sku_id", "billbyte_term",
            "billbyte_service_name", "billbyte_offer_type", "billbyte_vendor_unit",
            "billbyte_vendor_cost", "billbyte_vendor_list_price", "billbyte_vendor_currency_id",
            "create_uid", "create_date", "write_uid", "write_date", "message_main_attachment_id",
        }  # fmt: skip

        def columns(table, skip):
            cr.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            return [name for (name,) in cr.fetchall() if name not in skip]

        copied = columns("product_template", own)
        cr.execute(
            "CREATE TEMP TABLE bb_uom (kind text PRIMARY KEY, uom_id int) ON COMMIT DROP; "
            "INSERT INTO bb_uom SELECT * FROM unnest(%s::text[], %s::int[])",
            [list(uoms), list(uoms.values())],
        )
        quoted = ", ".join(f'"{name}"' for name in copied)
        from_prototype = ", ".join(f'p."{name}"' for name in copied)
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE TEMP TABLE bb_new_template ON COMMIT DROP AS
            WITH new AS (
                -- Its price of today (else its earliest): the product is written once.
                SELECT DISTINCT ON (sku, term) sku, term, name, service, offer_type,
                       vendor_unit, uom_kind, cost, list_price, currency_id
                  FROM bb_price_offer WHERE product_tmpl_id IS NULL AND NOT promotion
                 ORDER BY sku, term, (date_start <= %(today)s) DESC,
                          CASE WHEN date_start <= %(today)s THEN date_start END DESC,
                          date_start, line
            ), inserted AS (
                INSERT INTO product_template
                       (name, uom_id, uom_po_id, billbyte_sku_id, billbyte_term,
                        billbyte_service_name, billbyte_offer_type, billbyte_vendor_unit,
                        billbyte_vendor_cost, billbyte_vendor_list_price,
                        billbyte_vendor_currency_id,
                        create_uid, create_date, write_uid, write_date, {quoted})
                SELECT jsonb_build_object('en_US', COALESCE(NULLIF(n.name, ''), n.sku)),
                       u.uom_id, u.uom_id, n.sku, NULLIF(n.term, ''), NULLIF(n.service, ''),
                       n.offer_type, NULLIF(n.vendor_unit, ''), n.cost, n.list_price,
                       n.currency_id,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC',
                       {from_prototype}
                  FROM new n
                  JOIN bb_uom u ON u.kind = n.uom_kind
                 CROSS JOIN product_template p
                 WHERE p.id = %(prototype)s
                RETURNING id, billbyte_sku_id AS sku, COALESCE(billbyte_term, '') AS term
            )
            SELECT * FROM inserted
            """,
            {
                "uid": self.env.uid,
                "prototype": prototype.id,
                "today": fields.Date.context_today(self),
            },
        )
        cr.execute(
            "UPDATE bb_price_offer o SET product_tmpl_id = n.id, is_new = true "
            "FROM bb_new_template n WHERE n.sku = o.sku AND n.term = o.term "
            "AND o.product_tmpl_id IS NULL"
        )
        variant_columns = columns("product_product", {"id", "product_tmpl_id", *own})
        quoted = ", ".join(f'"{name}"' for name in variant_columns)
        from_prototype = ", ".join(f'v."{name}"' for name in variant_columns)
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE TEMP TABLE bb_new_variant ON COMMIT DROP AS
            WITH inserted AS (
                INSERT INTO product_product
                       (product_tmpl_id, create_uid, create_date, write_uid, write_date, {quoted})
                SELECT n.id, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                       now() AT TIME ZONE 'UTC', {from_prototype}
                  FROM bb_new_template n
                 CROSS JOIN product_product v
                 WHERE v.id = %(variant)s
                RETURNING id, product_tmpl_id
            )
            SELECT * FROM inserted
            """,
            {"uid": self.env.uid, "variant": prototype.product_variant_id.id},
        )
        # The prototype's many2many links (default taxes...) for every copy.
        for model, record, new_table, new_column in (
            ("product.template", prototype, "bb_new_template", "id"),
            ("product.product", prototype.product_variant_id, "bb_new_variant", "id"),
        ):
            Model = self.env[model]
            for field in Model._fields.values():
                if field.type != "many2many" or not field.store or field.inherited:
                    continue
                cr.execute(  # pylint: disable=sql-injection
                    f'SELECT "{field.column2}" FROM "{field.relation}" '
                    f'WHERE "{field.column1}" = %s',
                    [record.id],
                )
                linked = [row[0] for row in cr.fetchall()]
                if linked:
                    cr.execute(  # pylint: disable=sql-injection
                        f'INSERT INTO "{field.relation}" ("{field.column1}", "{field.column2}") '
                        f"SELECT n.{new_column}, l FROM {new_table} n, unnest(%s::int[]) l",
                        [linked],
                    )

    def _billbyte_restore_listed(self, params):
        """SKUs a sync retired that the vendor's complete sheet lists again: active again."""
        cr = self.env.cr
        cr.execute(
            """
            UPDATE product_template t
               SET active = true, billbyte_retired_date = NULL,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
             WHERE t.billbyte_retired_date IS NOT NULL AND NOT t.active
               AND t.id IN (SELECT product_tmpl_id FROM bb_price_offer)
            RETURNING t.id
            """,
            params,
        )
        restored = [row[0] for row in cr.fetchall()]
        self._billbyte_set_variants_active(restored, True)
        self._billbyte_log_listing(restored, "restored", params)
        return restored

    def _billbyte_retire_unlisted(self, params):
        """SKUs of this complete sheet that it no longer lists: archived, never deleted."""
        cr = self.env.cr
        cr.execute(
            """
            UPDATE product_template t
               SET active = false, billbyte_retired_date = %(today)s,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
             WHERE t.billbyte_vendor_id = %(vendor)s AND t.billbyte_price_sheet = %(sheet)s
               AND t.active AND (t.company_id IS NULL OR t.company_id = %(company)s)
               AND NOT EXISTS (SELECT 1 FROM bb_price_offer o WHERE o.product_tmpl_id = t.id)
            RETURNING t.id
            """,
            params,
        )
        retired = [row[0] for row in cr.fetchall()]
        self._billbyte_set_variants_active(retired, False)
        self._billbyte_log_listing(retired, "retired", params)
        return retired

    def _billbyte_set_variants_active(self, template_ids, active):
        if template_ids:
            self.env.cr.execute(
                "UPDATE product_product SET active = %s WHERE product_tmpl_id = ANY(%s)",
                [active, template_ids],
            )

    def _billbyte_log_listing(self, template_ids, kind, params):
        if not template_ids:
            return
        self.env.cr.execute(
            """
            INSERT INTO billbyte_price_history
                   (product_tmpl_id, vendor_id, company_id, date, date_effective, kind,
                    promotion, old_cost, old_currency_id, new_cost, currency_id, list_price,
                    change_percent, initial, source, import_id, user_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT t.id, t.billbyte_vendor_id, t.company_id, now() AT TIME ZONE 'UTC',
                   %(today)s, %(kind)s, false, t.billbyte_vendor_cost,
                   t.billbyte_vendor_currency_id, t.billbyte_vendor_cost,
                   t.billbyte_vendor_currency_id, t.billbyte_vendor_list_price, 0, false,
                   %(source)s, %(import)s, %(uid)s,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM product_template t WHERE t.id = ANY(%(ids)s)
            """,
            dict(params, kind=kind, ids=template_ids),
        )
