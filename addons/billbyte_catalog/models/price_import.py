# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import logging
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.exceptions import UserError

from . import price_list_formats
from .price_history import CHANGE_KINDS, PRICE_SOURCES
from .vendor_price import VALID_ORDER_SQL

_logger = logging.getLogger(__name__)

# Key space of the PostgreSQL advisory locks that keep two imports of one vendor's
# prices apart (usage imports use 72431).
PRICE_LOCK_SPACE = 72432
# New products or prices in one import above which their tables' statistics are
# refreshed at once.
ANALYZE_AFTER = 1000
# SKUs named per kind of change in an import's summary.
SUMMARY_LIMIT = 20
WORK_TABLES = "bb_price_offer, bb_price_change, bb_uom, bb_new_template, bb_new_variant"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    """A value as PostgreSQL's COPY text format writes it (exact: a Decimal as its digits)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        text = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        return str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_COPY_ESCAPES)
    return text


def _decimal(text):
    """The price exactly as written, or None if it is not a number."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class BillbytePriceImport(models.Model):
    """One import of vendor prices into the catalog (a file or an API pull) and its outcome."""

    _name = "billbyte.price.import"
    _inherit = ["billbyte.price.fetch", "billbyte.price.products"]
    _description = "Cloud Vendor Price Import"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", required=True, index=True)
    source = fields.Selection(PRICE_SOURCES, required=True, help="Where the prices came from.")
    file_format = fields.Selection(
        [
            *price_list_formats.FILE_FORMATS,
            ("aws_api", "AWS Price List Query API"),
            ("azure_api", "Azure Retail Prices API"),
            ("gcp_api", "Google Cloud Billing Catalog API"),
        ],
        string="Format",
        required=True,
    )
    sheet_key = fields.Char(
        string="Price Sheet",
        readonly=True,
        help="Set when the import is a vendor's complete price sheet (one API view, market "
        "or service): SKUs of that sheet it no longer lists are retired.",
    )
    effective_date = fields.Date(
        string="Prices Effective From",
        readonly=True,
        help="The day prices without a date of their own take effect (today when empty); a "
        "day in the past means today.",
    )
    file_name = fields.Char(string="File / Service")
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed")], required=True, default="done", readonly=True
    )
    message = fields.Text(readonly=True, help="Why the import failed.")
    retry_after = fields.Integer(
        string="Vendor Asked to Wait (s)",
        readonly=True,
        help="Seconds the vendor asked us to wait before asking again (Retry-After).",
    )
    line_count = fields.Integer(string="Lines Read", readonly=True)
    created_count = fields.Integer(string="Products Created", readonly=True)
    updated_count = fields.Integer(string="Prices Changed", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    skipped_count = fields.Integer(
        string="Skipped",
        readonly=True,
        help="Lines the catalog does not sell: other terms, segments, markets, price "
        "types, higher tiers, reserved terms.",
    )
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    scheduled_count = fields.Integer(
        string="Prices Announced",
        readonly=True,
        help="Products with a price that takes effect on a later day.",
    )
    retired_count = fields.Integer(
        string="Retired",
        readonly=True,
        help="SKUs the vendor's complete sheet no longer lists: archived.",
    )
    restored_count = fields.Integer(
        string="Listed Again", readonly=True, help="Retired SKUs the vendor lists again."
    )
    summary = fields.Text(
        readonly=True, help="What the import added, changed, announced and retired, by SKU."
    )
    rejection_ids = fields.One2many(
        "billbyte.price.import.rejection", "import_id", string="Rejected Lines", readonly=True
    )
    history_ids = fields.One2many(
        "billbyte.price.history", "import_id", string="Price Changes", readonly=True
    )

    @api.depends("vendor_id", "file_name", "date")
    def _compute_name(self):
        for run in self:
            run.name = " – ".join(
                part
                for part in (
                    run.vendor_id.display_name,
                    run.file_name,
                    run.date and fields.Datetime.to_string(run.date),
                )
                if part
            )

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _billbyte_import_file(
        self, vendor, file_format, content, file_name=None, run_values=None, **options
    ):
        """Import a price-list file (uploaded, or a vendor's price sheet downloaded by a
        sync: one code path). A file that cannot be read raises one UserError and
        nothing lands; otherwise valid lines update the catalog and the rest are
        kept as rejected lines of the returned run.

        run_values: more values of the run (source, sheet_key, effective_date...)."""
        reader = price_list_formats.READERS.get(file_format)
        if not reader:
            raise UserError(self.env._("Unknown price file format %s.", file_format))
        if not content:
            raise UserError(self.env._("The price file is empty."))
        offers, stats = reader(self.env, content, **options)
        values = {
            "vendor_id": vendor.id,
            "source": "file",
            "file_format": file_format,
            "file_name": file_name,
            **(run_values or {}),
        }
        with self.env.cr.savepoint():
            run = self.create(values)
            run._billbyte_apply_offers(offers, stats, refuse_empty=True)
        return run

    @api.model
    def _billbyte_import_api(self, vendor, api_code, subject, source=None, raise_on_error=False):
        """Pull prices from a vendor's price API (api_code aws_api, azure_api or
        gcp_api; subject the AWS service code, the Azure filter or the Google Cloud
        service).

        All pages are read before anything is written: a failed pull leaves the
        catalog as it was, raising (raise_on_error) or recording a failed run."""
        fetch = {
            "aws_api": self._billbyte_fetch_aws_offers,
            "azure_api": self._billbyte_fetch_azure_offers,
            "gcp_api": self._billbyte_fetch_gcp_offers,
        }[api_code]
        run_vals = {
            "vendor_id": vendor.id,
            "source": source or api_code,
            "file_format": api_code,
            "file_name": subject,
        }
        if api_code == "gcp_api":
            run_vals["sheet_key"] = f"gcp:{subject}"
        try:
            offers, skipped = fetch(vendor, subject)
        except UserError as error:
            if raise_on_error:
                raise
            _logger.warning("Price pull %s of %s failed: %s", api_code, subject, error)
            return self.create(
                dict(
                    run_vals,
                    state="failed",
                    message=str(error),
                    retry_after=int(getattr(error, "retry_after", None) or 0),
                )
            )
        with self.env.cr.savepoint():
            run = self.create(run_vals)
            run._billbyte_apply_offers(offers, skipped)
        return run

    def _billbyte_lock_vendor(self, vendor, wait=True):
        """The vendor's price lock for the transaction: one import of a vendor's
        prices at a time. Without `wait`, False when another holds it."""
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        self.env.cr.execute(  # pylint: disable=sql-injection
            f"SELECT {function}(%s, %s)", [PRICE_LOCK_SPACE, vendor.id]
        )
        return wait or self.env.cr.fetchone()[0]

    def _billbyte_check_offer(self, offer, currencies, digits, seen):
        """(values to stage, None) for a valid offer, or (None, reason)."""
        env = self.env
        key_sku = offer.get("sku")
        reason = offer.get("error")
        if not reason and offer.get("missing"):
            reason = env._("missing %(columns)s", columns=", ".join(offer["missing"]))
        if reason:
            return None, reason
        price = _decimal(offer["price"])
        if price is None or not price.is_finite():
            return None, env._("price %(price)r is not a number", price=offer["price"])
        if price < 0:
            return None, env._("negative price %(price)s", price=offer["price"])
        code = (offer["currency"] or "").strip().upper()
        currency = currencies.get(code)
        if currency is None:
            return None, env._("unknown currency %(currency)r", currency=offer["currency"])
        if not currency[1]:
            return None, env._(
                "currency %(currency)s is not active in Odoo: activate it and give it rates",
                currency=code,
            )
        list_price = None
        if offer.get("list_price") not in (None, ""):
            list_price = _decimal(offer["list_price"])
            if list_price is None or not list_price.is_finite() or list_price < 0:
                return None, env._("list price %(price)r is not a price", price=offer["list_price"])
        try:
            date_start = price_list_formats.parse_vendor_date(offer.get("date_start"))
        except ValueError:
            return None, env._("start date %(date)r is not a date", date=offer["date_start"])
        try:
            date_end = price_list_formats.parse_vendor_date(offer.get("date_end"))
        except ValueError:
            return None, env._("end date %(date)r is not a date", date=offer["date_end"])
        if date_start and date_end and date_end < date_start:
            return None, env._("the price ends (%(end)s) before it starts (%(start)s)",
                               end=date_end, start=date_start)  # fmt: skip
        # 0 for "none", as the ORM stores an empty number: rows compare alike.
        list_price = list_price or Decimal(0)
        usd_cost = fx_rate = Decimal(0)
        convert = offer.get("convert")
        if convert and code == "USD" and convert[0] != "USD":
            # Azure plan prices come in USD only: the vendor's rate of the month
            # (USD per unit of the target currency) gives the local cost.
            target, rate = convert
            usd_cost, fx_rate = price, rate
            quantum = Decimal(1).scaleb(-digits)
            price = (price / rate).quantize(quantum)
            list_price = (list_price / rate).quantize(quantum)
            code = target
            currency = currencies[target]
        key = (key_sku, offer.get("term") or "", date_start, bool(offer.get("promotion")))
        if key in seen:
            return None, env._(
                "duplicate SKU %(sku)s: already on line %(line)s", sku=key_sku, line=seen[key]
            )
        seen[key] = offer["line"]
        return (
            offer["line"],
            key_sku,
            offer.get("term") or "",
            offer.get("name") or key_sku,
            offer.get("service_name") or "",
            offer.get("offer_type") or "metered",
            offer.get("vendor_unit") or "",
            offer.get("uom_kind") or "unit",
            price,
            list_price,
            currency[0],
            date_start,
            date_end,
            usd_cost,
            fx_rate,
            bool(offer.get("promotion")),
        ), None

    def _billbyte_stage_offers(self, offers):
        """Check each offer and COPY the valid ones into bb_price_offer. Returns
        (lines read, rejections)."""
        cr = self.env.cr
        currencies = {
            currency.name.upper(): (currency.id, currency.active)
            for currency in self.env["res.currency"].with_context(active_test=False).search([])
        }
        digits = self.env["decimal.precision"].precision_get("Cloud Vendor Price")
        seen, rejections, count = {}, [], 0
        cr.execute(f"DROP TABLE IF EXISTS {WORK_TABLES}")  # pylint: disable=sql-injection
        cr.execute(
            """
            CREATE TEMP TABLE bb_price_offer (
                line int, sku text, term text, name text, service text, offer_type text,
                vendor_unit text, uom_kind text, cost numeric, list_price numeric,
                currency_id int, orig_start date, date_end date, usd_cost numeric,
                fx_rate numeric, promotion bool
            ) ON COMMIT DROP
            """
        )
        with tempfile.SpooledTemporaryFile(max_size=32 << 20, mode="w+b") as spool:
            writer = io.TextIOWrapper(spool, encoding="utf-8", newline="\n", write_through=False)
            for offer in offers:
                count += 1
                values, reason = self._billbyte_check_offer(offer, currencies, digits, seen)
                if reason:
                    rejections.append(
                        {
                            "import_id": self.id,
                            "line_number": offer["line"],
                            "sku": offer.get("sku") or False,
                            "reason": reason,
                        }
                    )
                    continue
                writer.write("\t".join(_copy_text(value) for value in values))
                writer.write("\n")
            writer.flush()
            spool.seek(0)
            cr._obj.copy_expert("COPY bb_price_offer FROM STDIN", spool)
            writer.detach()
        return count, rejections

    def _billbyte_apply_offers(self, offers, skipped=0, refuse_empty=False):
        """Apply a price list to the catalog, set-based, whatever its size.

        Products are matched by (vendor, SKU, term), new ones created in one
        statement; each offer is compared with the vendor price stored for its start
        date (or valid then): only new or different prices are written, with one
        history row each; products take their price of today; a complete sheet
        (sheet_key) retires the SKUs it no longer lists and lists again the ones it
        retired. An import that finds no change writes nothing to the catalog."""
        self.ensure_one()
        self._billbyte_lock_vendor(self.vendor_id)
        self.env.flush_all()
        line_count, rejections = self._billbyte_stage_offers(offers)
        if isinstance(skipped, dict):
            skipped = skipped.get("skipped", 0)
        if refuse_empty and not line_count and not skipped:
            # A sheet without lines would retire the whole catalog: refused whole.
            raise UserError(self.env._("The price sheet holds no prices: nothing was changed."))
        today = fields.Date.context_today(self)
        counts = self._billbyte_apply_staged(today)
        superseded = counts.pop("superseded_count")
        if rejections:
            self.env["billbyte.price.import.rejection"].create(rejections)
        counts.update(
            line_count=line_count + skipped,
            skipped_count=skipped + superseded,
            rejected_count=len(rejections),
        )
        self.write(counts)

    def _billbyte_apply_staged(self, today):
        cr = self.env.cr
        vendor = self.vendor_id
        params = {
            "vendor": vendor.id,
            "company": self.company_id.id,
            "today": today,
            "effective": max(self.effective_date or today, today),
            "import": self.id,
            "uid": self.env.uid,
            "source": self.source,
            "sheet": self.sheet_key or None,
        }
        # Dates in the past take effect today: what is already dated is never priced
        # again. Two lines of one SKU falling on the same day: the later start wins.
        cr.execute(
            """
            ALTER TABLE bb_price_offer ADD COLUMN date_start date,
                                       ADD COLUMN product_tmpl_id int,
                                       ADD COLUMN is_new bool DEFAULT false;
            UPDATE bb_price_offer
               SET date_start = GREATEST(COALESCE(orig_start, %(effective)s), %(today)s);
            """,
            params,
        )
        cr.execute(
            """
            DELETE FROM bb_price_offer a USING bb_price_offer b
             WHERE b.sku = a.sku AND b.term = a.term AND b.promotion = a.promotion
               AND b.date_start = a.date_start
               AND (COALESCE(b.orig_start, '1900-01-01') > COALESCE(a.orig_start, '1900-01-01')
                    OR (COALESCE(b.orig_start, '1900-01-01')
                        = COALESCE(a.orig_start, '1900-01-01') AND b.line > a.line))
            """
        )
        superseded = cr.rowcount
        cr.execute("ANALYZE bb_price_offer")
        # A company's own product wins over a shared one with the same SKU.
        cr.execute(
            """
            UPDATE bb_price_offer o SET product_tmpl_id = m.id
              FROM (SELECT DISTINCT ON (t.billbyte_sku_id, COALESCE(t.billbyte_term, ''))
                           t.id, t.billbyte_sku_id AS sku, COALESCE(t.billbyte_term, '') AS term
                      FROM product_template t
                     WHERE t.billbyte_vendor_id = %(vendor)s
                       AND (t.company_id IS NULL OR t.company_id = %(company)s)
                       AND t.billbyte_sku_id IN (SELECT sku FROM bb_price_offer)
                     ORDER BY t.billbyte_sku_id, COALESCE(t.billbyte_term, ''),
                              t.company_id IS NULL, t.id) m
             WHERE m.sku = o.sku AND m.term = o.term
            """,
            params,
        )
        created, prototype_id = self._billbyte_create_products()
        cr.execute("CREATE INDEX ON bb_price_offer (product_tmpl_id)")
        cr.execute("ANALYZE bb_price_offer")
        if created > ANALYZE_AFTER:
            # Many new rows at once: fresh statistics, so that the next sync (maybe
            # within the hour, before autovacuum) joins them with a good plan.
            cr.execute("ANALYZE product_template")
            cr.execute("ANALYZE product_product")
        # Each offer against the price stored for its day (same) or valid then (prev).
        order = VALID_ORDER_SQL.format(alias="p", day="o.date_start")
        cr.execute(  # pylint: disable=sql-injection
            f"""
            CREATE TEMP TABLE bb_price_change ON COMMIT DROP AS
            SELECT o.*, same.id AS same_id, same.cost AS same_cost,
                   same.currency_id AS same_currency_id,
                   prev.cost AS prev_cost, prev.currency_id AS prev_currency_id,
                   CASE
                     WHEN same.id IS NOT NULL THEN
                       CASE WHEN (same.cost, same.list_price, same.currency_id, same.date_end,
                                  same.usd_cost, same.fx_rate)
                                 IS DISTINCT FROM
                                 (o.cost, o.list_price, o.currency_id, o.date_end,
                                  o.usd_cost, o.fx_rate)
                            THEN 'update' END
                     WHEN NOT o.promotion AND prev.cost IS NOT NULL
                          AND (prev.cost, prev.list_price, prev.currency_id)
                              IS NOT DISTINCT FROM (o.cost, o.list_price, o.currency_id)
                       THEN NULL
                     ELSE 'insert'
                   END AS action
              FROM bb_price_offer o
              LEFT JOIN billbyte_vendor_price same
                     ON same.product_tmpl_id = o.product_tmpl_id
                    AND same.date_start = o.date_start AND same.promotion = o.promotion
              LEFT JOIN LATERAL (
                    SELECT p.cost, p.list_price, p.currency_id
                      FROM billbyte_vendor_price p
                     WHERE p.product_tmpl_id = o.product_tmpl_id AND NOT p.promotion
                     ORDER BY {order}
                     LIMIT 1) prev ON same.id IS NULL AND NOT o.promotion
            """
        )
        cr.execute("DELETE FROM bb_price_change WHERE action IS NULL")
        cr.execute(
            "SELECT (SELECT count(*) FROM bb_price_offer) - (SELECT count(*) FROM bb_price_change)"
        )
        unchanged = cr.fetchone()[0]
        cr.execute(
            """
            UPDATE billbyte_vendor_price v
               SET cost = c.cost, list_price = c.list_price, currency_id = c.currency_id,
                   date_end = c.date_end, usd_cost = c.usd_cost, fx_rate = c.fx_rate,
                   source = %(source)s, import_id = %(import)s,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM bb_price_change c
             WHERE c.action = 'update' AND v.id = c.same_id
            """,
            params,
        )
        cr.execute(
            """
            INSERT INTO billbyte_vendor_price
                   (product_tmpl_id, vendor_id, company_id, date_start, date_end, cost,
                    list_price, currency_id, usd_cost, fx_rate, promotion, source, import_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT c.product_tmpl_id, %(vendor)s, t.company_id, c.date_start, c.date_end, c.cost,
                   c.list_price, c.currency_id, c.usd_cost, c.fx_rate, c.promotion,
                   %(source)s, %(import)s, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                   now() AT TIME ZONE 'UTC'
              FROM bb_price_change c JOIN product_template t ON t.id = c.product_tmpl_id
             WHERE c.action = 'insert'
            """,
            params,
        )
        # One history row per price written: added, changed (from today) or announced.
        cr.execute(
            """
            INSERT INTO billbyte_price_history
                   (product_tmpl_id, vendor_id, company_id, date, date_effective, kind,
                    promotion, old_cost, old_currency_id, new_cost, currency_id, list_price,
                    usd_cost, fx_rate, change_percent, initial, source, import_id, user_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT c.product_tmpl_id, %(vendor)s, t.company_id, now() AT TIME ZONE 'UTC',
                   c.date_start,
                   CASE WHEN c.date_start > %(today)s THEN 'scheduled'
                        WHEN c.is_new THEN 'added' ELSE 'changed' END,
                   c.promotion, COALESCE(c.same_cost, c.prev_cost, 0),
                   COALESCE(c.same_currency_id, c.prev_currency_id), c.cost, c.currency_id,
                   c.list_price, c.usd_cost, c.fx_rate,
                   CASE WHEN NOT c.is_new AND COALESCE(c.same_cost, c.prev_cost, 0) <> 0
                             AND COALESCE(c.same_currency_id, c.prev_currency_id) = c.currency_id
                        THEN round((c.cost - COALESCE(c.same_cost, c.prev_cost))
                                   / COALESCE(c.same_cost, c.prev_cost) * 100, 2)
                        ELSE 0 END,
                   c.is_new AND c.date_start <= %(today)s, %(source)s, %(import)s, %(uid)s,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM bb_price_change c JOIN product_template t ON t.id = c.product_tmpl_id
            """,
            params,
        )
        cr.execute(
            """
            SELECT count(DISTINCT product_tmpl_id) FILTER (
                       WHERE NOT is_new AND date_start <= %(today)s),
                   count(DISTINCT product_tmpl_id) FILTER (WHERE date_start > %(today)s)
              FROM bb_price_change
            """,
            params,
        )
        updated, scheduled = cr.fetchone()
        # Units and services the vendor states now; the sheet that lists each SKU.
        cr.execute(
            """
            UPDATE product_template t
               SET billbyte_vendor_unit = COALESCE(NULLIF(o.vendor_unit, ''), t.billbyte_vendor_unit),
                   billbyte_service_name = COALESCE(t.billbyte_service_name, NULLIF(o.service, '')),
                   billbyte_price_sheet = COALESCE(%(sheet)s, t.billbyte_price_sheet),
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM (SELECT DISTINCT ON (product_tmpl_id) product_tmpl_id, vendor_unit, service
                      FROM bb_price_offer ORDER BY product_tmpl_id, date_start DESC) o
             WHERE t.id = o.product_tmpl_id
               AND (t.billbyte_vendor_unit IS DISTINCT FROM
                        COALESCE(NULLIF(o.vendor_unit, ''), t.billbyte_vendor_unit)
                    OR t.billbyte_service_name IS DISTINCT FROM
                        COALESCE(t.billbyte_service_name, NULLIF(o.service, ''))
                    OR t.billbyte_price_sheet IS DISTINCT FROM
                        COALESCE(%(sheet)s, t.billbyte_price_sheet))
            """,
            params,
        )
        # Only a vendor's complete sheet retires a SKU, and lists it again.
        restored = self._billbyte_restore_listed(params) if self.sheet_key else []
        retired = self._billbyte_retire_unlisted(params) if self.sheet_key else []
        # New products were written with their price of today; the others (and a new
        # product with a promotion or several dated prices) take theirs now.
        cr.execute(
            """
            SELECT product_tmpl_id FROM bb_price_change
             GROUP BY product_tmpl_id
            HAVING NOT bool_and(is_new) OR count(*) > 1 OR bool_or(promotion)
                OR product_tmpl_id = %s
            """,
            [prototype_id],
        )
        touched = [row[0] for row in cr.fetchall()]
        Template = self.env["product.template"]
        Template._billbyte_refresh_current_prices(touched, today)
        cr.execute("SELECT count(*) FROM bb_price_change")
        if cr.fetchone()[0] > ANALYZE_AFTER:
            cr.execute("ANALYZE billbyte_vendor_price")
            cr.execute("ANALYZE billbyte_price_history")
        Template.invalidate_model()
        self.env["billbyte.vendor.price"].invalidate_model()
        self.env["billbyte.price.history"].invalidate_model()
        return {
            "created_count": created,
            "updated_count": updated,
            "scheduled_count": scheduled,
            "unchanged_count": unchanged,
            "retired_count": len(retired),
            "restored_count": len(restored),
            "superseded_count": superseded,
            "summary": self._billbyte_summary(today, retired, restored),
        }

    def _billbyte_summary(self, today, retired, restored, limit=SUMMARY_LIMIT):
        """What the import added, changed, announced, retired and listed again, by SKU."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT CASE WHEN c.date_start > %s THEN 'scheduled' WHEN c.is_new THEN 'added'
                        ELSE 'changed' END, c.sku, c.date_start
              FROM bb_price_change c ORDER BY 1, c.sku, c.date_start
            """,
            [today],
        )
        by_kind = {}
        for kind, sku, day in cr.fetchall():
            by_kind.setdefault(kind, []).append((sku, day))
        for kind, ids in (("retired", retired), ("restored", restored)):
            if ids:
                cr.execute(
                    "SELECT billbyte_sku_id FROM product_template WHERE id = ANY(%s) "
                    "ORDER BY billbyte_sku_id",
                    [ids],
                )
                by_kind[kind] = [(sku, None) for (sku,) in cr.fetchall()]
        labels = dict(CHANGE_KINDS)
        lines = []
        for kind in ("added", "changed", "scheduled", "retired", "restored"):
            entries = by_kind.get(kind) or []
            if not entries:
                continue
            shown = ", ".join(
                f"{sku} ({fields.Date.to_string(day)})" if kind == "scheduled" else sku
                for sku, day in entries[:limit]
            )
            more = self.env._(" and %s more", len(entries) - limit) if len(entries) > limit else ""
            lines.append(f"{labels[kind]} ({len(entries)}): {shown}{more}")
        return "\n".join(lines) or self.env._("No change.")

    def action_view_products(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_catalog_products"
        )
        action["domain"] = [("billbyte_price_history_ids.import_id", "=", self.id)]
        return action
