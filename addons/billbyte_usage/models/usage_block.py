# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbyteUsageBlock(models.Model):
    """What a connection last delivered for one cloud account and charge day: the
    number of rows and a digest of their texts.

    Vendors re-deliver the whole month so far every day (month-to-date exports), so
    most blocks of a delivery are ones already imported. An import compares each
    block's digest with the stored one and types, rates, deduplicates and
    aggregates only the blocks that changed or are new (see
    usage_staging._skip_unchanged_blocks). Only blocks whose rows were all rated
    (none rejected, none unmatched) are kept here: any other block is imported
    again each time, as it always was.
    """

    _name = "billbyte.usage.block"
    _description = "Delivered Usage Block"
    _order = "charge_date desc, id desc"
    _rec_name = "charge_date"
    _check_company_auto = True
    # Written only by the pipeline, in SQL; the import run says who and when.
    _log_access = False

    connection_id = fields.Many2one(
        "billbyte.connection", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    vendor_id = fields.Many2one("billbyte.cloud.vendor", required=True, readonly=True)
    cloud_account_id = fields.Many2one(
        "billbyte.cloud.account",
        required=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    charge_date = fields.Date(required=True, readonly=True)
    run_id = fields.Many2one(
        "billbyte.usage.import",
        string="Last Imported By",
        readonly=True,
        ondelete="set null",
        help="The import run that last found this block changed and imported it.",
    )
    row_count = fields.Integer(string="Rows", readonly=True)
    billed_cost = fields.Float(
        string="BilledCost",
        digits=(16, 6),
        readonly=True,
        groups="billbyte_catalog.group_billbyte_user",
        help="Sum of the block's BilledCost, exactly as the source states it.",
    )
    digest = fields.Char(
        readonly=True,
        help="The source's header and the block's row texts, hashed: any changed character "
        "of any row changes it.",
    )

    _sql_constraints = [
        (
            "block_uniq",
            "unique(connection_id, vendor_id, cloud_account_id, charge_date)",
            "A connection has one delivered block per vendor, cloud account and day.",
        ),
    ]
