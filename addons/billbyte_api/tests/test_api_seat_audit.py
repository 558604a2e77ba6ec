# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import tagged

from .common import ApiCommon, validate


@tagged("post_install", "-at_install")
class TestApiSeatAudit(ApiCommon):
    """The help-desk overview carries the customer's latest seat audit."""

    def test_overview_shows_the_latest_seat_audit(self):
        status, overview, _response = self.call("GET", f"/customers/{self.contoso.id}/overview")
        self.assertEqual(status, 200, overview)
        validate(overview, "Overview")
        self.assertEqual(overview["seat_audit"], [])
        Audit = self.env["billbyte.seat.audit"].sudo()
        for month, consumed in ((date(2026, 9, 1), 10), (date(2026, 10, 1), 12)):
            Audit.create(
                {
                    "company_id": self.company.id,
                    "connection_id": self.connection.id,
                    "cloud_account_id": self.account_contoso.id,
                    "month": month,
                    "sku_name": "Microsoft 365 E3",
                    "sku_key": "microsoft 365 e3",
                    "seats_billed": 10,
                    "active_units": 12,
                    "consumed_units": consumed,
                    "unused_seats": 0,
                    "over_assigned": consumed - 10,
                    "state": "over_assigned" if consumed > 10 else "ok",
                }
            )
        status, overview, _response = self.call("GET", f"/customers/{self.contoso.id}/overview")
        self.assertEqual(status, 200, overview)
        validate(overview, "Overview")
        self.assertEqual(
            overview["seat_audit"],
            [
                {
                    "month": "2026-10-01",
                    "cloud_account_id": self.account_contoso.id,
                    "sku": "Microsoft 365 E3",
                    "seats_billed": 10,
                    "licenses_at_microsoft": 12,
                    "assigned_at_microsoft": 12,
                    "unused_seats": 0,
                    "over_assigned": 2,
                    "state": "over_assigned",
                }
            ],
        )
