# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.billbyte_usage.tests.common import UsageCommon, focus_csv, focus_row

from .common import ApiCommon, validate


@tagged("post_install", "-at_install")
class TestApiBilling(ApiCommon):
    """Usage monitoring, charging data, month close, service management, the
    help-desk overview and FOCUS out, over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # March: 28 days x 1.00 USD for Contoso (cost-plus 20 %), 28 x 10 h of EC2 for
        # Fabrikam (fixed 0.10 EUR an hour).
        cls.today = date.today()
        current = [
            focus_row("111111111111", f"{cls.today:%Y-%m}-{day:02d}", "AmazonEC2", "0.50")
            for day in range(1, min(cls.today.day, 28) + 1)
        ]
        march = [
            focus_row(account, f"2026-03-{day:02d}", "AmazonEC2", "1.00", qty="10")
            for account in ("111111111111", "222222222222")
            for day in range(1, 29)
        ]
        cls.import_run = UsageCommon.import_bytes(cls, focus_csv(march + current))
        assert cls.import_run.state == "done", cls.import_run.message

    def test_unbilled_usage_by_service_and_day_with_budgets(self):
        budget = self.env["billbyte.cloud.budget"].create(
            {
                "name": "Contoso prod",
                "scope": "account",
                "cloud_account_id": self.account_contoso.id,
                "amount": 1000.0,
                "date_start": self.today.replace(day=1),
            }
        )
        status, usage, _response = self.call("GET", f"/customers/{self.contoso.id}/usage")
        self.assertEqual(status, 200, usage)
        validate(usage, "UnbilledUsage")
        (total,) = usage["total"]
        days = min(self.today.day, 28)
        # 28 x 1.20 + days x 0.60, exact.
        expected = Decimal("33.60") + days * Decimal("0.60")
        self.assertEqual(Decimal(total["total"]), expected)
        self.assertEqual(total["currency"], "USD")
        self.assertEqual(total["by_service"][0]["service"], "AmazonEC2")
        self.assertEqual(len(total["by_day"]), 28 + days)
        self.assertEqual(usage["as_of"]["import_id"], self.import_run.id)
        self.assertEqual([b["id"] for b in usage["budgets"]], [budget.id])
        (account,) = usage["accounts"]
        self.assertEqual(account["usage"][0]["total"], total["total"])
        status, one, _response = self.call("GET", f"/accounts/{self.account_contoso.id}/usage")
        self.assertEqual(one["total"], usage["total"])
        status, budgets, _response = self.call("GET", f"/customers/{self.contoso.id}/budgets")
        validate(budgets, "Budgets")
        self.assertEqual(budgets["data"][0]["amount"], "1000.00")

    def test_charges_the_next_invoice_line_by_line(self):
        status, charges, _response = self.call("GET", f"/customers/{self.contoso.id}/charges")
        self.assertEqual(status, 200, charges)
        validate(charges, "Charges")
        # One line per account and service, as the invoice will have it: the unbilled
        # usage of March and of this month's days.
        (item,) = charges["line_items"]
        days = min(self.today.day, 28)
        expected = Decimal("33.60") + days * Decimal("0.60")
        self.assertEqual(Decimal(item["amount"]), expected)
        self.assertEqual(item["period_start"], "2026-03-01")
        self.assertEqual(item["period_end"][:7], f"{self.today:%Y-%m}")
        self.assertEqual(item["quantity"], str(280 + days))
        self.assertEqual(Decimal(charges["totals"][0]["amount"]), expected)
        status, charges, _response = self.call("GET", f"/customers/{self.northwind.id}/charges")
        self.assertEqual((charges["line_items"], charges["totals"]), ([], []))

    def test_month_close_for_a_customer_invoiced_by_its_provider(self):
        self.contoso.billbyte_external_billing = True
        path = f"/customers/{self.contoso.id}/month-close/2026-03"
        status, closing, _response = self.call("GET", path)
        self.assertEqual(status, 200, closing)
        validate(closing, "MonthClose")
        self.assertFalse(closing["acknowledged"])
        self.assertEqual(closing["billing_date"], "2026-04-01")
        (item,) = closing["line_items"]
        self.assertEqual(
            (item["service"], item["quantity"], item["amount"], item["currency"]),
            ("AmazonEC2", "280", "33.60", "USD"),
        )
        self.assertEqual((item["period_start"], item["period_end"]), ("2026-03-01", "2026-03-31"))
        status, text, response = self.call("GET", path + "?format=csv")
        self.assertEqual(status, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"))
        (row,) = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual((row["amount"], row["currency"]), ("33.60", "USD"))
        # Acknowledged: billed, once, whatever the key.
        ack = f"{path}/acknowledge"
        status, done, _response = self.post(ack, {"reference": "OSS-42"}, idempotency_key="a1")
        self.assertEqual(status, 201, done)
        validate(done, "MonthClose")
        self.assertTrue(done["newly_acknowledged"])
        self.assertEqual(done["usage_lines_billed"], 28)
        status, again, _response = self.post(ack, {"reference": "OSS-43"}, idempotency_key="a2")
        self.assertEqual(status, 200, again)
        self.assertFalse(again["newly_acknowledged"])
        self.assertEqual(again["reference"], "OSS-42")
        exports = self.env["billbyte.external.billing"].search(
            [("partner_id", "=", self.contoso.id)]
        )
        self.assertEqual(len(exports), 1)
        march = self.usage_lines(self.account_contoso).filtered(lambda line: line.date.month == 3)
        self.assertEqual(march.billbyte_external_billing_id, exports)
        # No Odoo invoice for them; a run skips them.
        run = self.bill("2026-04-01", self.contoso)
        self.assertFalse(run.invoice_ids)
        # A customer invoiced by Odoo has nothing to acknowledge; an open period is no
        # month close.
        answer = self.post(
            f"/customers/{self.fabrikam.id}/month-close/2026-03/acknowledge",
            {},
            idempotency_key="a3",
        )
        self.assertError(answer, 409, "invoiced_by_odoo")
        future = f"{self.today.year + 1}-01"
        self.assertError(
            self.call("GET", f"/customers/{self.contoso.id}/month-close/{future}"),
            422,
            "period_open",
            "period",
        )

    def test_suspend_resume_purge_are_audited(self):
        account = self.account_contoso
        path = f"/accounts/{account.id}"
        self.assertError(
            self.post(f"{path}/suspend", {}, idempotency_key="s0"), 422, "missing_field", "reason"
        )
        status, action, _response = self.post(
            f"{path}/suspend", {"reason": "Unpaid invoice INV/42"}, idempotency_key="s1"
        )
        self.assertEqual(status, 202, action)
        validate(action, "ServiceAction")
        record = self.env["billbyte.service.action"].browse(action["id"])
        self.assertEqual(record.requested_by_id, self.api_manager)
        self.assertEqual(record.reason, "Unpaid invoice INV/42")
        self.assertEqual(record.action, "suspend")
        self.assertEqual(action["requested_by"]["name"], "OSS integration")
        # The same call again with its key: the same answer, one action.
        self.assertEqual(
            self.post(f"{path}/suspend", {"reason": "Unpaid invoice INV/42"}, idempotency_key="s1")[
                1
            ],
            action,
        )
        self.assertEqual(len(account.service_action_ids), 1)
        # Purging is for Cloud Billing administrators.
        answer = self.post(
            f"{path}/purge",
            {"reason": "Contract ended"},
            idempotency_key="p1",
            key_value=self.user_key,
        )
        self.assertError(answer, 403, "forbidden")
        status, resumed, _response = self.post(
            f"{path}/resume", {"reason": "Paid"}, idempotency_key="r1", key_value=self.user_key
        )
        self.assertEqual(status, 202, resumed)
        self.assertEqual(
            self.env["billbyte.service.action"].browse(resumed["id"]).requested_by_id, self.api_user
        )

    def test_help_desk_overview(self):
        run = self.bill("2026-04-01", self.fabrikam)
        invoice = run.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 10.0}).action_create_payments()
        status, overview, _response = self.call("GET", f"/customers/{self.fabrikam.id}/overview")
        self.assertEqual(status, 200, overview)
        validate(overview, "Overview")
        self.assertEqual(overview["customer"]["id"], self.fabrikam.id)
        self.assertEqual([a["state"] for a in overview["accounts"]], ["active"])
        (open_invoice,) = overview["open_invoices"]
        self.assertEqual(open_invoice["number"], invoice.name)
        total = Decimal(open_invoice["amount_total"])
        self.assertEqual(Decimal(open_invoice["amount_open"]), total - Decimal("10.00"))
        self.assertEqual(
            sum(Decimal(line["amount_open"]) for line in open_invoice["lines"]),
            Decimal(open_invoice["amount_open"]),
        )
        # Paid per line: the 10.00 allocated by billbyte_payment, oldest line first.
        self.assertEqual(
            sum(Decimal(line["amount_paid"]) for line in open_invoice["lines"]), Decimal("10.00")
        )
        self.assertEqual({line["amount_credited"] for line in open_invoice["lines"]}, {"0.00"})
        (payment,) = overview["last_payments"]
        self.assertEqual((payment["amount"], payment["currency"]), ("10.00", "EUR"))
        self.assertIsNone(overview["wallet"], "not prepaid, no deposit")
        imports = {i["connection_id"]: i for i in overview["imports"]}
        self.assertEqual(imports[self.connection.id]["last_import"]["state"], "done")
        # A prepaid customer's overview carries the balance and the deposit.
        self.fabrikam.billbyte_prepaid = True
        status, overview, _response = self.call("GET", f"/customers/{self.fabrikam.id}/overview")
        self.assertEqual(status, 200, overview)
        validate(overview, "Overview")
        self.assertTrue(overview["wallet"]["prepaid"])
        self.assertEqual(overview["wallet"]["currency"], "EUR")
        self.assertEqual(overview["wallet"]["deposit"]["received"], "0.00")

    def test_focus_out(self):
        run = self.bill("2026-04-01", self.fabrikam)
        status, text, response = self.call("GET", f"/customers/{self.fabrikam.id}/focus/2026-03")
        self.assertEqual(status, 200, text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"))
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(len(rows), 28)
        self.assertEqual({r["ServiceProviderName"] for r in rows}, {self.company.name})
        self.assertEqual({r["InvoiceIssuerName"] for r in rows}, {self.company.name})
        self.assertEqual({r["HostProviderName"] for r in rows}, {self.aws.name})
        self.assertEqual({r["BillingCurrency"] for r in rows}, {"EUR"})
        self.assertEqual({r["InvoiceId"] for r in rows}, {run.invoice_ids.name})
        self.assertEqual({r["SubAccountId"] for r in rows}, {"222222222222"})
        # The customer's amounts (10 h x 0.10 EUR a day), never the vendor's cost.
        self.assertEqual(sum(Decimal(r["BilledCost"]) for r in rows), Decimal("28"))
        self.assertEqual({Decimal(r["ListCost"]) for r in rows}, {Decimal("1")})
        self.assertNotIn("900000000001", text)
        self.assertNotIn("x_", text.splitlines()[0])
        self.assertIn("BillingPeriodStart", text.splitlines()[0])
        self.assertEqual(rows[0]["BillingPeriodStart"], "2026-03-01T00:00:00Z")
        self.assertEqual(rows[0]["BillingPeriodEnd"], "2026-04-01T00:00:00Z")
        # Unbilled usage has no invoice yet.
        status, text, _response = self.call(
            "GET", f"/customers/{self.contoso.id}/focus/{self.today:%Y-%m}"
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual({r["InvoiceId"] for r in rows}, {""})
        self.assertEqual({r["BillingCurrency"] for r in rows}, {"USD"})
        self.assertError(
            self.call("GET", f"/customers/{self.contoso.id}/focus/2026-13"),
            422,
            "invalid",
            "period",
        )
