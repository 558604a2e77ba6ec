# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.billbyte_usage.tests.common import UsageCommon, focus_csv, focus_row


class BudgetCommon(UsageCommon):
    """UsageCommon's provider and customers, evaluated as of 2026-03-10, with queued
    jobs run inline. Contoso pays cost + 20 % in USD: a 1.00 USD row is 1.20."""

    AS_OF = "2026-03-10"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, queue_job__no_delay=True, billbyte_as_of=cls.AS_OF)
        )
        cls.salesman = cls.env["res.users"].create(
            {
                "name": "Sam Sales",
                "login": "bb_budget_sam",
                "email": "sam@provider.example.com",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id])],
            }
        )
        cls.contoso.write({"email": "it@contoso.example.com", "user_id": cls.salesman.id})
        cls.contoso_billing = cls.env["res.partner"].create(
            {
                "name": "Contoso Accounts Payable",
                "type": "invoice",
                "parent_id": cls.contoso.id,
                "email": "ap@contoso.example.com",
            }
        )
        cls.s3 = (
            cls.env["product.template"]
            .create(
                {
                    "name": "Amazon S3",
                    "type": "service",
                    "billbyte_vendor_id": cls.aws.id,
                    "billbyte_offer_type": "metered",
                    "billbyte_service_name": "AmazonS3",
                }
            )
            .product_variant_id
        )

    def budget(self, **values):
        vals = {
            "name": "Contoso prod March",
            "cloud_account_id": self.account_contoso.id,
            "amount": 10.0,
            "date_start": "2026-03-01",
        }
        vals.update(values)
        return self.env["billbyte.cloud.budget"].create(vals)

    def import_days(
        self, first, last, cost="1.00", services=("AmazonEC2",), account="111111111111", **kw
    ):
        """A delivery of days first..last: it restates what earlier ones said of them."""
        rows = [
            focus_row(account, f"2026-03-{day:02d}", service, cost, **kw)
            for day in range(first, last + 1)
            for service in services
        ]
        run = self.import_bytes(focus_csv(rows))
        self.assertEqual(run.state, "done", run.message)
        return run

    def alert_mails(self, budget):
        return self.env["mail.message"].search(
            [
                ("model", "=", "billbyte.budget.alert"),
                ("res_id", "in", budget.alert_ids.ids),
                ("message_type", "=", "comment"),
            ]
        )
