# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command

from odoo.addons.billbyte_billing.tests.common import BillingCommon
from odoo.addons.billbyte_usage.tests.vendor_servers import PartnerCenterStandIn

CUSTOMER = "0a1b2c3d-0000-4000-8000-00000000c0de"
M365 = "b1b2c3d4-2222-4222-8222-0000000000b2"


class CollectionCommon(BillingCommon):
    """BillingCommon's customers; Contoso also has a Microsoft 365 subscription
    through Partner Center (the stand-in over HTTPS); a Billing administrator who
    reviews suspensions; the Cloud Billing follow-up policy as the company's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.service_timeout", "2")
        cls.partner_center = PartnerCenterStandIn()
        cls.addClassCleanup(cls.partner_center.stop)
        stand_in = cls.partner_center
        cls.microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        cls.ms_connection = cls.env["billbyte.connection"].create(
            {
                "name": "Partner Center",
                "vendor_id": cls.microsoft.id,
                "kind": "microsoft",
                "ms_tenant_id": stand_in.TENANT,
                "ms_client_id": stand_in.CLIENT_ID,
                "ms_client_secret": stand_in.CLIENT_SECRET,
                "ms_authority_url": stand_in.url,
                "ms_graph_url": stand_in.url,
                "ms_partner_center_url": stand_in.url,
                "tls_ca_bundle": stand_in.ca_path,
            }
        )
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.cloud_manager = Users.create(
            {
                "name": "Cloud manager",
                "login": "bb_collect_cloud",
                "email": "cloud@billbyte.example",
                "groups_id": [
                    Command.set(cls.env.ref("billbyte_catalog.group_billbyte_manager").ids)
                ],
            }
        )
        cls.m365 = cls.env["billbyte.cloud.account"].create(
            {
                "name": "Contoso M365",
                "vendor_id": cls.microsoft.id,
                "vendor_account_id": M365,
                "vendor_customer_id": CUSTOMER,
                "partner_id": cls.contoso.id,
                "connection_id": cls.ms_connection.id,
                "user_id": cls.cloud_manager.id,
            }
        )
        cls.billing_manager = Users.create(
            {
                "name": "Billing manager",
                "login": "bb_collect_manager",
                "email": "billing.manager@billbyte.example",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("account.group_account_manager").id,
                            cls.env.ref(
                                "account_credit_control.group_account_credit_control_manager"
                            ).id,
                        ]
                    )
                ],
            }
        )
        cls.billing_user = Users.create(
            {
                "name": "Billing clerk",
                "login": "bb_collect_clerk",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("account.group_account_invoice").id,
                            cls.env.ref(
                                "account_credit_control.group_account_credit_control_user"
                            ).id,
                        ]
                    )
                ],
            }
        )
        cls.contoso.payment_responsible_id = cls.billing_manager
        cls.policy = cls.env.ref("billbyte_collection.credit_control_policy_cloud")
        cls.env["credit.control.policy"]._billbyte_ensure_company_policies(
            cls.company, make_default=True
        )
        cls.levels = cls.policy.level_ids.sorted("level")

    def setUp(self):
        super().setUp()
        self.partner_center.reset()
        self.subscription = self.partner_center.add_subscription(CUSTOMER, M365)

    def usage_invoice(self, partner=None, month="2026-03", cost="1.00"):
        """A posted usage invoice of a month of Amazon EC2 and Amazon S3 usage."""
        partner = partner or self.contoso
        account = self.env["billbyte.cloud.account"].search(
            [("partner_id", "=", partner.id), ("vendor_id", "=", self.aws.id)], limit=1
        )
        self.import_rows(
            self.month_rows(month, account.vendor_account_id, cost=cost)
            + self.month_rows(month, account.vendor_account_id, service="AmazonS3", cost="0.25")
        )
        year, number = map(int, month.split("-"))
        run = self.bill(f"{year + number // 12}-{number % 12 + 1:02d}-01", partner)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1, run.log)
        self.assertEqual(invoice.state, "posted")
        return invoice

    def follow_up(self, day):
        """The daily follow-up run as the scheduled action makes it, on that day."""
        with freeze_time(day):
            return self.env["credit.control.run"]._billbyte_follow_up(self.company, day)

    @staticmethod
    def days_after(invoice, days):
        return invoice.invoice_date_due + timedelta(days=days)

    def lines_of(self, invoice):
        return self.env["credit.control.line"].search(
            [("invoice_id", "=", invoice.id)], order="level, id"
        )

    def communications_of(self, partner):
        return self.env["credit.control.communication"].search(
            [("partner_id", "=", partner.id)], order="id"
        )

    def mails_of(self, communications):
        return self.env["mail.mail"].search(
            [("model", "=", "credit.control.communication"), ("res_id", "in", communications.ids)]
        )

    def pay(self, invoice, amount=None, day=None):
        """The customer pays the invoice (all of it by default), registered on `day`."""
        with freeze_time(day or invoice.invoice_date_due):
            wizard = (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"payment_date": day or invoice.invoice_date_due})
            )
            if amount is not None:
                wizard.amount = float(amount)
            return wizard._create_payments()

    def freeze_day(self, day):
        return freeze_time(day)
