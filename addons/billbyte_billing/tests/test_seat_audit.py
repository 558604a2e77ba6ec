# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.tests import new_test_user, tagged

from .test_license_partner_center import (
    CUSTOMER,
    E5_OFFER,
    SUB_E3,
    SUB_E5,
    PartnerCenterLicenseCommon,
)

OCTOBER = date(2026, 10, 1)


def subscribed_sku(sku_id, name, part_number, active, consumed, **values):
    """A subscribed SKU as Partner Center returns it (GET /v1/customers/{id}/
    subscribedskus): every documented property, literal nulls included."""
    item = {
        "availableUnits": None if active is None else active - (consumed or 0),
        "activeUnits": active,
        "consumedUnits": consumed,
        "suspendedUnits": 0,
        "totalUnits": active,
        "warningUnits": 0,
        "productSku": {
            "id": sku_id,
            "name": name,
            "skuPartNumber": part_number,
            "targetType": "User",
            "licenseGroupId": "group1",
        },
        "servicePlans": [
            {
                "displayName": "Exchange Online (Plan 2)",
                "serviceName": "EXCHANGE_S_ENTERPRISE",
                "id": "efb87545-963c-4e0d-99df-69c6916d9eb0",
                "capabilityStatus": "Enabled",
                "targetType": "User",
            }
        ],
        "capabilityStatus": "Enabled",
        "links": {"self": None},
        "attributes": {"objectType": "SubscribedSku"},
    }
    item.update(values)
    return item


@tagged("post_install", "-at_install")
class TestSeatAudit(PartnerCenterLicenseCommon):
    def setUp(self):
        super().setUp()
        self.manager = new_test_user(
            self.env, login="bb_seat_manager", groups="billbyte_catalog.group_billbyte_user"
        )
        self.tenant.user_id = self.manager
        self.Audit = self.env["billbyte.seat.audit"]
        self.ms_subscription(SUB_E3, quantity=10)
        self.ms_subscription(
            SUB_E5, offer=E5_OFFER, name="Microsoft 365 E5", quantity=3, termDuration="P1M"
        )
        self.lic_e3 = self.license(self.e3, 10, SUB_E3, start=OCTOBER)
        self.lic_e5 = self.license(self.e5, 3, SUB_E5, start=OCTOBER, term="monthly")
        self.sync()
        self.partner_center.subscribed_skus[CUSTOMER] = [
            subscribed_sku(
                "05e9a617-0261-4cee-bb44-138d3ef5d965", "Microsoft 365 E3", "SPE_E3", 10, 7
            ),
            subscribed_sku(
                "06ebc4ee-1bb5-47dd-8120-11324bc54e06", "Microsoft 365 E5", "SPE_E5", 3, 5
            ),
            # Free SKUs come with every tenant: nothing billed, nothing assigned.
            subscribed_sku(
                "710779e8-3d4a-4c88-adb9-386c958d1fdf",
                "Microsoft Teams Exploratory",
                "TEAMS_EXPLORATORY",
                100,
                None,
            ),
        ]

    def rows(self):
        return {
            row.sku_name: row for row in self.Audit.search([("partner_id", "=", self.contoso.id)])
        }

    def activities(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "billbyte.seat.audit"), ("user_id", "=", self.manager.id)]
        )

    def test_unused_and_over_assigned_seats_are_flagged_for_the_account_manager(self):
        stats = self.Audit._audit(self.ms_connection, OCTOBER)
        self.assertEqual((stats["rows"], stats["flagged"]), (3, 2))
        rows = self.rows()
        e3, e5 = rows["Microsoft 365 E3"], rows["Microsoft 365 E5"]
        self.assertEqual(
            (e3.seats_billed, e3.active_units, e3.consumed_units, e3.unused_seats, e3.state),
            (10, 10, 7, 3, "unused"),
        )
        self.assertEqual(e3.license_ids, self.lic_e3)
        self.assertEqual(
            (e5.seats_billed, e5.consumed_units, e5.over_assigned, e5.state),
            (3, 5, 2, "over_assigned"),
        )
        teams = rows["Microsoft Teams Exploratory"]
        self.assertEqual((teams.seats_billed, teams.consumed_units, teams.state), (0, 0, "ok"))
        self.assertEqual(e3.month, OCTOBER)
        self.assertEqual(e3.user_id, self.manager)
        activities = self.activities()
        self.assertEqual(len(activities), 2)
        self.assertEqual(
            set(activities.mapped("summary")),
            {
                "3 unused Microsoft 365 E3 seat(s) at Contoso",
                "2 Microsoft 365 E5 license(s) assigned beyond the seats billed at Contoso",
            },
        )

        # The same figures again: nothing added, no second activity.
        again = self.Audit._audit(self.ms_connection, OCTOBER)
        self.assertEqual((again["rows"], again["flagged"]), (3, 0))
        self.assertEqual(len(self.Audit.search([("partner_id", "=", self.contoso.id)])), 3)
        self.assertEqual(len(self.activities()), 2)

        # The customer assigned the unused seats: in step, its activity gone.
        self.partner_center.subscribed_skus[CUSTOMER][0]["consumedUnits"] = 10
        self.Audit._audit(self.ms_connection, OCTOBER)
        self.assertEqual(self.rows()["Microsoft 365 E3"].state, "ok")
        self.assertEqual(len(self.activities()), 1)

        # The help-desk overview shows the latest month.
        overview = {row["sku"]: row for row in self.Audit._overview(self.contoso)}
        self.assertEqual(
            overview["Microsoft 365 E5"],
            {
                "month": "2026-10-01",
                "cloud_account_id": self.tenant.id,
                "sku": "Microsoft 365 E5",
                "seats_billed": 3,
                "licenses_at_microsoft": 3,
                "assigned_at_microsoft": 5,
                "unused_seats": 0,
                "over_assigned": 2,
                "state": "over_assigned",
            },
        )

    def test_each_month_has_its_own_rows(self):
        self.Audit._audit(self.ms_connection, OCTOBER)
        self.Audit._audit(self.ms_connection, date(2026, 11, 17))
        months = self.Audit.search([("partner_id", "=", self.contoso.id)]).mapped("month")
        self.assertEqual(sorted(set(months)), [OCTOBER, date(2026, 11, 1)])
        self.assertEqual(
            {row["month"] for row in self.Audit._overview(self.contoso)}, {"2026-11-01"}
        )

    def test_429_during_the_audit_waits_and_completes(self):
        self.partner_center.faults[f"/v1/customers/{CUSTOMER}/subscribedskus"] = [(429, 1)]
        stats = self.Audit._audit(self.ms_connection, OCTOBER)
        self.assertEqual(stats["rows"], 3)
