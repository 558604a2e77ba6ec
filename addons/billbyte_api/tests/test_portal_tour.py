# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billbyte_billing.tests.common import BillingCommon
from odoo.addons.billbyte_usage.tests.common import focus_row


@tagged("post_install", "-at_install")
class TestPortalTour(BillingCommon, HttpCase):
    """A portal customer walks through usage, a budget, their saved payment methods
    and an invoice in a real browser (headless Chromium), and downloads their usage
    as FOCUS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_contoso.name = "Tour prod"
        contact = cls.env["res.partner"].create(
            {"name": "Tina Tour", "parent_id": cls.contoso.id, "email": "tina@contoso.example"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="bb_tour_tina",
            password="bb_tour_tina",
            groups="base.group_portal",
            partner_id=contact.id,
        )

    def make_data(self):
        # Last month billed, this month's usage unbilled, a budget.
        self.import_rows(self.month_rows(month="2026-03"))
        self.invoice = self.bill("2026-04-01", self.contoso).invoice_ids
        today = fields.Date.context_today(self.env.user)
        rows = []
        for n in (1, 2):
            day = today - timedelta(days=n)
            row = focus_row("111111111111", day.isoformat(), "AmazonEC2", "2.00")
            row["ChargePeriodEnd"] = f"{day + timedelta(days=1)}T00:00:00Z"
            rows.append(row)
        self.import_rows(rows)
        self.env["billbyte.cloud.budget"].create(
            {
                "name": "Tour monthly budget",
                "cloud_account_id": self.account_contoso.id,
                "amount": 100.0,
                "date_start": today.replace(day=1),
            }
        )
        # A card Contoso saved with Stripe (in test mode).
        stripe = self.env["payment.provider"].search(
            [("code", "=", "stripe"), ("company_id", "=", self.company.id)], limit=1
        )
        stripe.write(
            {
                "state": "test",
                "stripe_publishable_key": "pk_test_tour",
                "stripe_secret_key": "sk_test_tour",
            }
        )
        self.env["payment.token"].create(
            {
                "provider_id": stripe.id,
                "payment_method_id": self.env.ref("payment.payment_method_card").id,
                "partner_id": self.contoso.id,
                "payment_details": "4242",
                "provider_ref": "cus_tour",
                "stripe_payment_method": "pm_tour",
            }
        )

    def test_portal_tour_through_usage_budget_and_invoice(self):
        self.make_data()
        self.assertEqual(self.invoice.state, "posted")
        self.start_tour("/my/home", "billbyte_portal_cloud_tour", login="bb_tour_tina")

    def test_focus_download_from_the_portal(self):
        self.make_data()
        self.authenticate("bb_tour_tina", "bb_tour_tina")
        answer = self.url_open("/my/cloud/focus.csv?month=2026-03")
        self.assertEqual(answer.status_code, 200)
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        self.assertEqual(len(rows), 28)
        # The customer's amount (cost + 20 %), never the vendor's 1.00.
        self.assertEqual({Decimal(r["BilledCost"]) for r in rows}, {Decimal("1.2")})
        self.assertEqual({r["InvoiceId"] for r in rows}, {self.invoice.name})
        self.assertEqual({r["ServiceProviderName"] for r in rows}, {self.company.name})
        # A portal user of a customer without cloud accounts gets nothing.
        new_test_user(
            self.env,
            login="bb_tour_none",
            password="bb_tour_none",
            groups="base.group_portal",
            partner_id=self.env["res.partner"].create({"name": "Nobody"}).id,
        )
        self.authenticate("bb_tour_none", "bb_tour_none")
        self.assertEqual(self.url_open("/my/cloud/focus.csv?month=2026-03").status_code, 404)
