# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare

from .vendor_price import PROMOTION_VALID_SQL, VALID_ORDER_SQL


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # What a customer may read of a catalog item (see models/base.py): the
    # offer as the portal catalog shows it, never its cost or audience.
    _billbyte_portal_fields = frozenset(
        {
            "billbyte_vendor_id",
            "billbyte_vendor_image",
            "billbyte_offer_type",
            "billbyte_service_name",
            "billbyte_sku_id",
            "billbyte_term",
            "billbyte_vendor_unit",
            "billbyte_is_catalog_item",
            "billbyte_is_bundle",
        }
    )

    billbyte_vendor_id = fields.Many2one(
        "billbyte.cloud.vendor",
        string="Cloud Vendor",
        index="btree_not_null",
        help="Set on products that resell a cloud vendor's offer.",
    )
    billbyte_offer_type = fields.Selection(
        [
            ("metered", "Metered Service"),
            ("license", "License SKU"),
            ("service", "Provider Service"),
        ],
        string="Cloud Offer Type",
    )
    billbyte_service_name = fields.Char(
        string="Vendor Service",
        help="The vendor's service name as in FOCUS ServiceName, e.g. AmazonEC2.",
    )
    billbyte_sku_id = fields.Char(
        string="Vendor SKU / Meter",
        index="btree_not_null",
        copy=False,
        help="The vendor's SKU or meter id (FOCUS SkuId); empty for a product "
        "that covers the whole service.",
    )
    billbyte_vendor_cost = fields.Float(
        string="Vendor Cost",
        digits="Cloud Vendor Price",
        tracking=True,
        help="The vendor's price per unit, in the vendor's currency.",
    )
    billbyte_vendor_currency_id = fields.Many2one(
        "res.currency",
        string="Vendor Currency",
    )
    billbyte_vendor_list_price = fields.Float(
        string="Vendor List Price",
        digits="Cloud Vendor Price",
        help="The vendor's list (estimated retail) price per unit today, in the vendor "
        "currency, where the vendor states one.",
    )
    billbyte_vendor_price_ids = fields.One2many(
        "billbyte.vendor.price",
        "product_tmpl_id",
        string="Vendor Prices",
        groups="billbyte_catalog.group_billbyte_user",
        help="The vendor's prices of this product by date, including prices announced for "
        "a later date.",
    )
    billbyte_next_price_date = fields.Date(
        string="Next Price From",
        compute="_compute_billbyte_next_price",
        help="The day the next vendor price the vendor announced takes effect.",
    )
    billbyte_next_vendor_cost = fields.Float(
        string="Next Vendor Cost",
        digits="Cloud Vendor Price",
        compute="_compute_billbyte_next_price",
    )
    billbyte_next_currency_id = fields.Many2one(
        "res.currency", string="Next Price Currency", compute="_compute_billbyte_next_price"
    )
    billbyte_price_sheet = fields.Char(
        string="Vendor Price Sheet",
        index="btree_not_null",
        copy=False,
        help="The vendor price sheet (API, view, market, service) that lists this SKU: when a "
        "sync of that sheet no longer finds it, the SKU is retired.",
    )
    billbyte_retired_date = fields.Date(
        string="Retired On",
        copy=False,
        help="The day the vendor's price sheet stopped listing this SKU: it is archived, no "
        "longer offered, and keeps pricing what already uses it.",
    )
    billbyte_term = fields.Selection(
        [("monthly", "Monthly"), ("annual", "Annual")],
        string="License Term",
    )
    billbyte_min_quantity = fields.Integer(
        string="Minimum Quantity",
        help="License SKUs: the fewest seats one order may ask for (Partner Center's "
        "minimumQuantity of the SKU); 0 for no minimum.",
    )
    billbyte_max_quantity = fields.Integer(
        string="Maximum Quantity",
        help="License SKUs: the most seats one order may ask for (Partner Center's "
        "maximumQuantity of the SKU); 0 for no maximum.",
    )
    billbyte_vendor_unit = fields.Char(
        string="Vendor Unit",
        help="The unit the vendor prices in, as its price list states it, e.g. "
        "'1 Hour', 'Hrs', 'GB-Mo', '10K'.",
    )
    billbyte_vendor_image = fields.Image(
        related="billbyte_vendor_id.image_128", string="Vendor Logo"
    )
    billbyte_is_catalog_item = fields.Boolean(
        string="Cloud Catalog Item",
        compute="_compute_billbyte_is_catalog_item",
        store=True,
        index=True,
        help="Cloud offers and bundles: their visibility to customers is checked on "
        "quotations and in the portal.",
    )

    # Bundles
    billbyte_is_bundle = fields.Boolean(
        string="Cloud Bundle",
        help="Sells several offers as one catalog item; a quotation gets its parts.",
    )
    # Bundle parts are readable by sales staff and Cloud Billing users only
    # (ir.model.access): the field is theirs, so other users' product forms open.
    billbyte_bundle_line_ids = fields.One2many(
        "billbyte.bundle.line",
        "bundle_tmpl_id",
        string="Bundle Parts",
        copy=True,
        groups="billbyte_catalog.group_billbyte_user,sales_team.group_sale_salesman",
    )
    billbyte_bundle_pricing = fields.Selection(
        [("sum", "Sum of Parts"), ("own", "Own Price")],
        string="Bundle Price",
        default="sum",
        required=True,
        help="Sum of Parts: the customer pays the price of each part on their pricelist. "
        "Own Price: the bundle's price on their pricelist (its sales price unless a "
        "pricelist rule says otherwise).",
    )
    billbyte_bundle_list_price = fields.Float(
        string="Bundle List Price",
        compute="_compute_billbyte_bundle_list_price",
        digits="Product Price",
        help="The bundle's price without a pricelist.",
    )

    # Visibility
    billbyte_published = fields.Boolean(
        string="Published",
        copy=False,
        tracking=True,
        help="Only published catalog items are offered to customers: in the portal and on quotations.",
    )
    billbyte_visibility = fields.Selection(
        [
            ("everyone", "Everyone"),
            ("segments", "Customer Segments"),
            ("customers", "Named Customers"),
        ],
        string="Visible To",
        default="everyone",
        required=True,
        tracking=True,
    )
    billbyte_segment_ids = fields.Many2many(
        "res.partner.category",
        "billbyte_product_segment_rel",
        "product_tmpl_id",
        "category_id",
        string="Customer Segments",
        help="Customers with one of these tags (or a sub-tag) see this item.",
    )
    billbyte_partner_ids = fields.Many2many(
        "res.partner",
        "billbyte_product_partner_rel",
        "product_tmpl_id",
        "partner_id",
        string="Named Customers",
        help="These customers (and the contacts of these companies) see this item.",
    )

    # Prices
    billbyte_price_history_ids = fields.One2many(
        "billbyte.price.history",
        "product_tmpl_id",
        string="Price History",
        groups="billbyte_catalog.group_billbyte_user",
    )
    billbyte_price_history_count = fields.Integer(
        compute="_compute_billbyte_price_history_count",
        groups="billbyte_catalog.group_billbyte_user",
    )
    billbyte_strategy_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Priced by Strategy",
        compute="_compute_billbyte_strategy_pricelist_id",
        search="_search_billbyte_strategy_pricelist_id",
        help="Search catalog items a pricing strategy prices: a cost-plus strategy "
        "prices items with a vendor cost, a fixed one those its rules cover.",
    )

    @api.depends("billbyte_vendor_id", "billbyte_offer_type", "billbyte_is_bundle")
    def _compute_billbyte_is_catalog_item(self):
        for template in self:
            template.billbyte_is_catalog_item = bool(
                template.billbyte_vendor_id
                or template.billbyte_offer_type
                or template.billbyte_is_bundle
            )

    @api.depends(
        "billbyte_is_bundle",
        "billbyte_bundle_pricing",
        "list_price",
        "billbyte_bundle_line_ids.quantity",
        "billbyte_bundle_line_ids.product_id.lst_price",
    )
    def _compute_billbyte_bundle_list_price(self):
        for template in self:
            if template.billbyte_is_bundle and template.billbyte_bundle_pricing == "sum":
                # Catalog structure: the price is the same whoever may read the parts.
                template.billbyte_bundle_list_price = sum(
                    line.quantity * line.product_id.lst_price
                    for line in template.sudo().billbyte_bundle_line_ids
                )
            else:
                template.billbyte_bundle_list_price = template.list_price

    def _compute_billbyte_next_price(self):
        today = fields.Date.context_today(self)
        next_prices = self.env["billbyte.vendor.price"].sudo()._next_prices(self.ids, today)
        for template in self:
            start, cost, currency_id = next_prices.get(template.id, (False, "0", False))
            template.billbyte_next_price_date = start
            template.billbyte_next_vendor_cost = float(cost)
            template.billbyte_next_currency_id = currency_id

    def _compute_billbyte_price_history_count(self):
        groups = self.env["billbyte.price.history"]._read_group(
            [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"]
        )
        counts = {template.id: count for template, count in groups}
        for template in self:
            template.billbyte_price_history_count = counts.get(template.id, 0)

    def _compute_billbyte_strategy_pricelist_id(self):
        self.billbyte_strategy_pricelist_id = False

    def _search_billbyte_strategy_pricelist_id(self, operator, value):
        if operator not in ("=", "in", "ilike"):
            raise ValidationError(self.env._("Unsupported search on the pricing strategy."))
        Pricelist = self.env["product.pricelist"]
        if isinstance(value, str):
            pricelists = Pricelist.search([("name", "ilike", value)])
        else:
            ids = value if isinstance(value, list | tuple) else [value]
            pricelists = Pricelist.browse([pid for pid in ids if pid])
        domains = []
        for pricelist in pricelists:
            if pricelist.billbyte_strategy == "cost_plus":
                domains.append([("billbyte_vendor_currency_id", "!=", False)])
                continue
            items = pricelist.item_ids
            if any(item.applied_on == "3_global" for item in items):
                domains.append([])
                continue
            domains.append(
                [
                    "|",
                    "|",
                    ("id", "in", (items.product_tmpl_id | items.product_id.product_tmpl_id).ids),
                    ("categ_id", "child_of", items.categ_id.ids),
                    ("id", "=", 0),
                ]
            )
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("billbyte_is_bundle")
    def _check_billbyte_bundle(self):
        # Catalog structure, checked whoever edits the product (e.g. an accountant).
        for template in self.sudo().filtered(lambda t: not t.billbyte_is_bundle):
            if template.billbyte_bundle_line_ids:
                raise ValidationError(
                    self.env._(
                        "%(product)s has bundle parts but is not a bundle.",
                        product=template.display_name,
                    )
                )
        used_in = (
            self.env["billbyte.bundle.line"]
            .sudo()
            .search(
                [("product_id.product_tmpl_id", "in", self.filtered("billbyte_is_bundle").ids)],
                limit=1,
            )
        )
        if used_in:
            raise ValidationError(
                self.env._(
                    "%(product)s is a part of bundle %(bundle)s and cannot become a bundle itself.",
                    product=used_in.product_id.display_name,
                    bundle=used_in.bundle_tmpl_id.display_name,
                )
            )

    @api.constrains("billbyte_min_quantity", "billbyte_max_quantity")
    def _check_billbyte_order_quantities(self):
        for template in self:
            low, high = template.billbyte_min_quantity, template.billbyte_max_quantity
            if low < 0 or high < 0 or (high and high < low):
                raise ValidationError(
                    self.env._(
                        "%(product)s: the minimum and maximum quantities are 0 (none) or "
                        "positive, the maximum not below the minimum.",
                        product=template.display_name,
                    )
                )

    @api.constrains("billbyte_vendor_id", "billbyte_sku_id", "billbyte_term", "company_id")
    def _check_billbyte_sku_unique(self):
        templates = self.filtered(lambda t: t.billbyte_vendor_id and t.billbyte_sku_id)
        if not templates:
            return
        others = (
            self.with_context(active_test=False)
            .sudo()
            .search(
                [
                    ("billbyte_vendor_id", "in", templates.billbyte_vendor_id.ids),
                    ("billbyte_sku_id", "in", templates.mapped("billbyte_sku_id")),
                ]
            )
        )

        def key(template):
            return (
                template.billbyte_vendor_id.id,
                template.billbyte_sku_id,
                template.billbyte_term or False,
                template.company_id.id,
            )

        ids_by_key = defaultdict(list)
        for other in others:
            ids_by_key[key(other)].append(other.id)
        for template in templates:
            duplicates = [
                other_id for other_id in ids_by_key[key(template)] if other_id != template.id
            ]
            if duplicates:
                raise ValidationError(
                    self.env._(
                        "Vendor SKU %(sku)s of %(vendor)s is already in the catalog as %(other)s.",
                        sku=template.billbyte_sku_id,
                        vendor=template.billbyte_vendor_id.display_name,
                        other=others.browse(duplicates[0]).display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Vendor cost and its history
    # ------------------------------------------------------------------

    def _billbyte_cost_currency(self):
        """The currency the vendor cost is in, or an empty record if there is no vendor cost."""
        self.ensure_one()
        return (
            self.billbyte_vendor_currency_id
            or (self.billbyte_vendor_cost and self.billbyte_vendor_id.currency_id)
            or self.env["res.currency"]
        )

    def _billbyte_vendor_prices_at(self, day):
        """(cost, list price or None, regular cost, currency) of the vendor price valid on
        `day`, the amounts as Decimal: the cost is a promotion's where one holds the day,
        the regular cost the price's without it. The product's own vendor cost when it
        has no dated price."""
        self.ensure_one()
        template = self.sudo()
        found = self.env["billbyte.vendor.price"].sudo()._prices_at(template.ids, day)
        if template.id in found:
            cost, list_price, currency_id, _promotion, regular = found[template.id]
            return (
                Decimal(cost),
                Decimal(list_price) if list_price and Decimal(list_price) else None,
                Decimal(regular),
                self.env["res.currency"].browse(currency_id),
            )
        cost = Decimal(str(template.billbyte_vendor_cost or 0))
        list_price = template.billbyte_vendor_list_price
        return (
            cost,
            Decimal(str(list_price)) if list_price else None,
            cost,
            template._billbyte_cost_currency(),
        )

    def _billbyte_vendor_price_at(self, day):
        """(cost, list price or None, currency) of the vendor price valid on `day`."""
        cost, list_price, _regular, currency = self._billbyte_vendor_prices_at(day)
        return cost, list_price, currency

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        priced = templates.filtered(
            lambda t: t.billbyte_vendor_cost or t.billbyte_vendor_currency_id
        )
        if priced:
            priced._billbyte_log_price_changes({t.id: (0.0, False) for t in priced}, initial=True)
        return templates

    def write(self, vals):
        watched = {
            "billbyte_vendor_cost",
            "billbyte_vendor_currency_id",
            "billbyte_vendor_list_price",
        } & set(vals)
        before = (
            {t.id: (t.billbyte_vendor_cost, t.billbyte_vendor_currency_id.id) for t in self}
            if watched
            else {}
        )
        result = super().write(vals)
        if watched:
            self._billbyte_log_price_changes(before)
        return result

    def _billbyte_log_price_changes(self, before, initial=False):
        """A vendor cost set by hand (or by a module's data) is the product's price from
        today: it becomes the dated vendor price of today, and one price history entry
        per template whose vendor cost changed.

        The source and import run come from the context keys billbyte_price_source
        and billbyte_price_import_id (a manual edit otherwise)."""
        digits = self.env["decimal.precision"].precision_get("Cloud Vendor Price")
        source = self.env.context.get("billbyte_price_source") or "manual"
        import_id = self.env.context.get("billbyte_price_import_id") or False
        today = fields.Date.context_today(self)
        self._billbyte_set_price_of_day(today, source, import_id)
        vals_list = []
        for template in self:
            old_cost, old_currency_id = before.get(template.id, (0.0, False))
            new_currency_id = template.billbyte_vendor_currency_id.id
            if (
                not initial
                and not float_compare(
                    old_cost, template.billbyte_vendor_cost, precision_digits=digits
                )
                and old_currency_id == new_currency_id
            ):
                continue
            vals_list.append(
                {
                    "product_tmpl_id": template.id,
                    "old_cost": old_cost,
                    "new_cost": template.billbyte_vendor_cost,
                    "old_currency_id": old_currency_id,
                    "currency_id": new_currency_id or template._billbyte_cost_currency().id,
                    "list_price": template.billbyte_vendor_list_price or False,
                    "date_effective": today,
                    "kind": "added" if initial else "changed",
                    "source": source,
                    "import_id": import_id,
                    "initial": initial,
                    "user_id": self.env.uid,
                }
            )
        if vals_list:
            # The history is an audit trail: whoever may change a cost leaves a trace.
            self.env["billbyte.price.history"].sudo().create(vals_list)

    def _billbyte_set_price_of_day(self, day, source, import_id=False):
        """The products' vendor cost, currency and list price become their regular
        vendor price from `day` (the row of that day created or replaced)."""
        Price = self.env["billbyte.vendor.price"].sudo().with_context(active_test=False)
        templates = self.filtered(lambda t: t._billbyte_cost_currency())
        existing = {
            price.product_tmpl_id.id: price
            for price in Price.search(
                [
                    ("product_tmpl_id", "in", templates.ids),
                    ("date_start", "=", day),
                    ("promotion", "=", False),
                ]
            )
        }
        to_create = []
        for template in templates.sudo():
            vals = {
                "cost": template.billbyte_vendor_cost,
                "list_price": template.billbyte_vendor_list_price or False,
                "currency_id": template._billbyte_cost_currency().id,
                "source": source,
                "import_id": import_id,
            }
            if template.id in existing:
                existing[template.id].write(vals)
            else:
                to_create.append(dict(vals, product_tmpl_id=template.id, date_start=day))
        if to_create:
            Price.create(to_create)

    def _billbyte_refresh_current_price(self):
        """Set the vendor cost, currency and list price of the products in self (all
        products with dated prices if self is empty) to their price valid today: one
        UPDATE, and only where something changed. Returns the ids updated."""
        return self.env["product.template"]._billbyte_refresh_current_prices(
            self.ids or None, fields.Date.context_today(self)
        )

    @api.model
    def _billbyte_refresh_current_prices(self, template_ids, day):
        fields_written = [
            "billbyte_vendor_cost",
            "billbyte_vendor_currency_id",
            "billbyte_vendor_list_price",
        ]
        self.env["billbyte.vendor.price"].flush_model()
        self.flush_model(fields_written)
        order = VALID_ORDER_SQL.format(alias="p", day="%(day)s")
        promotion = PROMOTION_VALID_SQL.format(alias="q", day="%(day)s")
        only = "AND p.product_tmpl_id = ANY(%(ids)s)" if template_ids is not None else ""
        self.env.cr.execute(  # pylint: disable=sql-injection
            f"""
            WITH valid AS (
                SELECT DISTINCT ON (p.product_tmpl_id)
                       p.product_tmpl_id, COALESCE(q.cost, p.cost) AS cost, p.list_price,
                       p.currency_id
                  FROM billbyte_vendor_price p
                  LEFT JOIN billbyte_vendor_price q
                         ON q.product_tmpl_id = p.product_tmpl_id AND q.promotion
                        AND q.currency_id = p.currency_id AND {promotion}
                 WHERE NOT p.promotion {only}
                 ORDER BY p.product_tmpl_id, {order}, q.date_start DESC
            )
            UPDATE product_template t
               SET billbyte_vendor_cost = v.cost, billbyte_vendor_currency_id = v.currency_id,
                   billbyte_vendor_list_price = v.list_price,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM valid v
             WHERE t.id = v.product_tmpl_id
               AND (t.billbyte_vendor_cost IS DISTINCT FROM v.cost
                    OR t.billbyte_vendor_currency_id IS DISTINCT FROM v.currency_id
                    OR t.billbyte_vendor_list_price IS DISTINCT FROM v.list_price)
            RETURNING t.id
            """,
            {"ids": list(template_ids or []), "day": day, "uid": self.env.uid},
        )
        updated = [row[0] for row in self.env.cr.fetchall()]
        if updated:
            self.invalidate_model([*fields_written, "write_uid", "write_date"])
        return updated

    @api.model
    def _cron_billbyte_apply_dated_prices(self):
        """Prices announced for today take effect: the catalog's vendor costs follow
        their dated prices (daily; only products whose price changed are written)."""
        return self._billbyte_refresh_current_prices(None, fields.Date.context_today(self))

    # ------------------------------------------------------------------
    # Visibility
    # ------------------------------------------------------------------

    @api.model
    def _billbyte_audience_domain(self, partner):
        """Published catalog items whose audience includes partner (bundle parts not checked)."""
        # Customers may not read partner tags; which items they see must not depend on it.
        partner = partner.sudo()
        partners = partner | partner.commercial_partner_id
        segments = self.env["res.partner.category"].sudo()
        if partners.category_id:
            segments = segments.search([("id", "parent_of", partners.category_id.ids)])
        return [
            ("billbyte_published", "=", True),
            "|",
            "|",
            ("billbyte_visibility", "=", "everyone"),
            "&",
            ("billbyte_visibility", "=", "segments"),
            ("billbyte_segment_ids", "in", segments.ids),
            "&",
            ("billbyte_visibility", "=", "customers"),
            ("billbyte_partner_ids", "in", partners.ids),
        ]

    @api.model
    def _billbyte_visible_domain(self, partner):
        """Domain of the catalog items partner may see and buy: published, their
        audience includes partner, and for a bundle, every part is visible too."""
        audience = self._billbyte_audience_domain(partner)
        bundles = self.sudo().search(
            expression.AND([audience, [("billbyte_is_bundle", "=", True)]])
        )
        hidden_bundles = bundles - bundles._billbyte_filter_visible(partner)
        return expression.AND(
            [
                [("billbyte_is_catalog_item", "=", True)],
                audience,
                [("id", "not in", hidden_bundles.ids)],
            ]
        )

    def _billbyte_filter_visible(self, partner):
        """The templates of self that partner may see: catalog items visible to them,
        and every product that is not a catalog item."""
        return self.filtered(lambda template: not template._billbyte_hidden_reason(partner))

    def _billbyte_hidden_reason(self, partner):
        """Why partner may not see this catalog item, or False if they may."""
        self.ensure_one()
        if not self.billbyte_is_catalog_item:
            return False
        template = self.sudo()
        if template.billbyte_retired_date and not template.active:
            return self.env._("the vendor retired it on %s", template.billbyte_retired_date)
        if not template.billbyte_published:
            return self.env._("it is not published")
        if not template.filtered_domain(self._billbyte_audience_domain(partner)):
            if template.billbyte_visibility == "segments":
                return self.env._(
                    "it is offered to the customer segments %(segments)s only",
                    segments=", ".join(template.billbyte_segment_ids.mapped("name")),
                )
            return self.env._("it is offered to named customers only")
        if template.billbyte_is_bundle:
            for part in template.billbyte_bundle_line_ids.product_id.product_tmpl_id:
                if part._billbyte_hidden_reason(partner):
                    return self.env._(
                        "its part %(part)s is not offered to this customer",
                        part=part.display_name,
                    )
        return False

    def _billbyte_check_offered_to(self, partner):
        for template in self:
            reason = template._billbyte_hidden_reason(partner)
            if reason:
                raise ValidationError(
                    self.env._(
                        "%(product)s is not available to customer %(customer)s: %(reason)s.",
                        product=template.display_name,
                        customer=partner.display_name,
                        reason=reason,
                    )
                )

    def _billbyte_check_order_quantity(self, quantity):
        """A quantity a customer may order of this item: a whole number of at least
        one, within the SKU's minimum and maximum where it has them."""
        self.ensure_one()
        template = self.sudo()
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValidationError(
                self.env._("Enter a whole number of at least 1 for %s.", template.display_name)
            )
        if template.billbyte_min_quantity and quantity < template.billbyte_min_quantity:
            raise ValidationError(
                self.env._(
                    "%(product)s is sold from %(minimum)s onwards, not %(quantity)s.",
                    product=template.display_name,
                    minimum=template.billbyte_min_quantity,
                    quantity=quantity,
                )
            )
        if template.billbyte_max_quantity and quantity > template.billbyte_max_quantity:
            raise ValidationError(
                self.env._(
                    "%(product)s is sold up to %(maximum)s per order, not %(quantity)s.",
                    product=template.display_name,
                    maximum=template.billbyte_max_quantity,
                    quantity=quantity,
                )
            )

    def _billbyte_check_can_publish(self):
        user = self.env.user
        if not (
            user.has_group("billbyte_catalog.group_billbyte_user")
            or user.has_group("sales_team.group_sale_salesman")
        ):
            raise AccessError(self.env._("Only sales staff may publish catalog items."))
        self.check_access("read")

    def action_billbyte_publish(self):
        self._billbyte_check_can_publish()
        # Sales staff may publish without the right to edit products.
        self.sudo().write({"billbyte_published": True})
        return True

    def action_billbyte_unpublish(self):
        self._billbyte_check_can_publish()
        self.sudo().write({"billbyte_published": False})
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_billbyte_price_history(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_price_history"
        )
        action["domain"] = [("product_tmpl_id", "=", self.id)]
        action["context"] = {"default_product_tmpl_id": self.id}
        return action

    def action_billbyte_price_simulator(self):
        self.ensure_one()
        simulator = self.env["billbyte.price.simulator"].create({"product_tmpl_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price Simulator"),
            "res_model": "billbyte.price.simulator",
            "res_id": simulator.id,
            "view_mode": "form",
            "target": "new",
        }
