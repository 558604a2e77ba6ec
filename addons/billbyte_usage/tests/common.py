# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import gzip
import io
from decimal import Decimal

from odoo.tests import TransactionCase

from odoo.addons.queue_job.exception import RetryableJobError

from ..focus.schema import FOCUS_HEADER

# Every FOCUS column (the schema's one list), and an AWS extension column.
FOCUS_12_HEADER = [*FOCUS_HEADER, "x_UsageType"]


def focus_row(
    account,
    day,
    service,
    cost,
    qty="1",
    sku="",
    category="Usage",
    charge_class="",
    currency="USD",
    resource="",
    usage_type="",
):
    """A FOCUS 1.2 row as a dict; day is 'YYYY-MM-DD'."""
    end_day = f"{day[:8]}{int(day[8:]) + 1:02d}"
    return {
        "BillingAccountId": "900000000001",
        "BillingCurrency": currency,
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,
        "ChargePeriodStart": f"{day}T00:00:00Z",
        "ChargePeriodEnd": f"{end_day}T00:00:00Z",
        "ChargeCategory": category,
        "ChargeClass": charge_class,
        "ChargeDescription": f"{service} {sku}".strip(),
        "ProviderName": "AWS",
        "ServiceName": service,
        "SkuId": sku,
        "SubAccountId": account,
        "SubAccountName": f"Account {account}",
        "ConsumedQuantity": qty,
        "ConsumedUnit": "Hours",
        "PricingQuantity": qty,
        "PricingUnit": "Hours",
        "InvoiceId": "",
        "ResourceId": resource,
        "RegionId": "eu-west-1",
        "x_UsageType": usage_type,
    }


def focus_csv(rows, header=None, compress=False):
    header = header or FOCUS_12_HEADER
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    return gzip.compress(data) if compress else data


class UsageCommon(TransactionCase):
    """A provider with an AWS file connection and three customers' cloud accounts:

    - Contoso, cost-plus 20 % in USD (the company currency);
    - Fabrikam, fixed 0.10 EUR per hour of Amazon EC2;
    - Northwind, cost-plus 10 % in EUR.
    EUR is 0.9 per USD on 2026-10-01 and 0.8 from 2026-10-02.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.usd = cls.company.currency_id
        cls.assertTrue(cls, cls.usd.name == "USD")
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].create(
            [
                {
                    "name": "2026-10-01",
                    "rate": 0.9,
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                },
                {
                    "name": "2026-10-02",
                    "rate": 0.8,
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.aws = cls.env.ref("billbyte_catalog.vendor_aws")
        cls.connection = cls.env["billbyte.connection"].create(
            {"name": "AWS payer", "vendor_id": cls.aws.id, "kind": "file"}
        )
        cls.ec2 = (
            cls.env["product.template"]
            .create(
                {
                    "name": "Amazon EC2",
                    "type": "service",
                    "billbyte_vendor_id": cls.aws.id,
                    "billbyte_offer_type": "metered",
                    "billbyte_service_name": "AmazonEC2",
                }
            )
            .product_variant_id
        )
        cls.cost_plus_usd = cls.env["product.pricelist"].create(
            {
                "name": "Cost-plus 20 %",
                "currency_id": cls.usd.id,
                "billbyte_strategy": "cost_plus",
                "billbyte_markup": 20.0,
            }
        )
        cls.fixed_eur = cls.env["product.pricelist"].create(
            {
                "name": "Fixed EUR",
                "currency_id": cls.eur.id,
                "billbyte_strategy": "fixed",
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.ec2.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.10,
                        },
                    )
                ],
            }
        )
        cls.cost_plus_eur = cls.env["product.pricelist"].create(
            {
                "name": "Cost-plus 10 % EUR",
                "currency_id": cls.eur.id,
                "billbyte_strategy": "cost_plus",
                "billbyte_markup": 10.0,
            }
        )
        Partner = cls.env["res.partner"]
        cls.contoso = Partner.create(
            {"name": "Contoso", "property_product_pricelist": cls.cost_plus_usd.id}
        )
        cls.fabrikam = Partner.create(
            {"name": "Fabrikam", "property_product_pricelist": cls.fixed_eur.id}
        )
        cls.northwind = Partner.create(
            {"name": "Northwind", "property_product_pricelist": cls.cost_plus_eur.id}
        )
        Account = cls.env["billbyte.cloud.account"]
        # Cloud accounts of the demo data, with a month of usage.
        cls.accounts_before = Account.with_context(active_test=False).search([])
        cls.account_contoso = Account.create(
            {
                "name": "Contoso prod",
                "vendor_id": cls.aws.id,
                "vendor_account_id": "111111111111",
                "partner_id": cls.contoso.id,
            }
        )
        cls.account_fabrikam = Account.create(
            {
                "name": "Fabrikam prod",
                "vendor_id": cls.aws.id,
                "vendor_account_id": "222222222222",
                "partner_id": cls.fabrikam.id,
            }
        )
        cls.account_northwind = Account.create(
            {
                "name": "Northwind prod",
                "vendor_id": cls.aws.id,
                "vendor_account_id": "333333333333",
                "partner_id": cls.northwind.id,
            }
        )

    def import_bytes(self, data, filename="focus.csv", connection=None):
        """Upload a file as an accountant does and import it; return the run."""
        if not data:
            # The upload form refuses an empty file; a file drop can still bring one.
            run = self.env["billbyte.usage.import"].create(
                {"connection_id": (connection or self.connection).id, "source": filename}
            )
            run.attachment_id = self.env["ir.attachment"].create(
                {"name": filename, "raw": b"", "res_model": run._name, "res_id": run.id}
            )
            run.action_process()
            return run
        wizard = self.env["billbyte.usage.import.wizard"].create(
            {
                "connection_id": (connection or self.connection).id,
                "file": base64.b64encode(data),
                "filename": filename,
            }
        )
        action = wizard.action_import()
        return self.env["billbyte.usage.import"].browse(action["res_id"])

    def usage_lines(self, account=None, **domain):
        """The usage lines this test made (the demo data's usage is left out)."""
        clauses = [
            ("billbyte_cloud_account_id", "!=", False),
            ("billbyte_cloud_account_id", "not in", self.accounts_before.ids),
        ]
        if account:
            clauses.append(("billbyte_cloud_account_id", "=", account.id))
        clauses += [(key, "=", value) for key, value in domain.items()]
        return self.env["account.analytic.line"].search(clauses, order="date, product_id, id")

    def records(self, **domain):
        return self.env["billbyte.usage.record"].search(
            [("connection_id", "=", self.connection.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def db_sum_billed_cost(self, run=None):
        """The exact sum stored (Odoo's cursor turns numeric into float: read its text)."""
        self.env.flush_all()
        if run:
            self.env.cr.execute(
                "SELECT sum(billed_cost)::text FROM billbyte_usage_record WHERE run_id = %s",
                [run.id],
            )
        else:
            self.env.cr.execute(
                "SELECT sum(billed_cost)::text FROM billbyte_usage_record WHERE connection_id = %s",
                [self.connection.id],
            )
        return Decimal(self.env.cr.fetchone()[0] or 0)

    def db_run_sums(self, run):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT source_billed_cost::text, imported_billed_cost::text FROM billbyte_usage_import "
            "WHERE id = %s",
            [run.id],
        )
        return tuple(Decimal(value) for value in self.env.cr.fetchone())


class ServiceCommon(UsageCommon):
    """Service management: vendor actions run inline (queue_job__no_delay), an
    account manager who gets the activities, a Cloud Billing user and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, queue_job__no_delay=True))
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.cloud_manager = Users.create(
            {
                "name": "Cloud manager",
                "login": "bb_svc_manager",
                "email": "manager@billbyte.example",
                "groups_id": [(6, 0, cls.env.ref("billbyte_catalog.group_billbyte_manager").ids)],
            }
        )
        cls.cloud_user = Users.create(
            {
                "name": "Cloud user",
                "login": "bb_svc_user",
                "groups_id": [(6, 0, cls.env.ref("billbyte_catalog.group_billbyte_user").ids)],
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param("billbyte.service_timeout", "1")
        for name in ("account_contoso", "account_fabrikam", "account_northwind"):
            setattr(cls, name, getattr(cls, name).with_env(cls.env))

    def run_again(self, action):
        """Run the action's job once more, as the queue does: the RetryableJobError
        it raises to be retried later, or None. (Not assertRaises: it would roll back
        what the job records of the attempt, which the queue keeps.)"""
        try:
            action._execute()
        except RetryableJobError as error:
            return error
        return None

    def activities(self, account):
        return account.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("billbyte_usage.mail_activity_type_vendor_action")
            )
        )

    def service_actions(self, account):
        return self.env["billbyte.service.action"].search(
            [("cloud_account_id", "=", account.id)], order="id"
        )
