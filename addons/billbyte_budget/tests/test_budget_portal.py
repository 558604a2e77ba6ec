# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestBudgetPortal(HttpCase):
    """A customer reads their budgets in the portal; never another customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        aws = cls.env.ref("billbyte_catalog.vendor_aws")
        Partner = cls.env["res.partner"]
        cls.contoso = Partner.create({"name": "Contoso Portal", "is_company": True})
        cls.fabrikam = Partner.create({"name": "Fabrikam Portal", "is_company": True})
        contact = Partner.create(
            {"name": "Carla", "parent_id": cls.contoso.id, "email": "carla@contoso.example.com"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="bb_budget_carla",
            password="bb_budget_carla",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        Account = cls.env["billbyte.cloud.account"]
        Budget = cls.env["billbyte.cloud.budget"]
        cls.own = Budget.create(
            {
                "name": "Contoso production cap",
                "cloud_account_id": Account.create(
                    {
                        "name": "Contoso prod",
                        "vendor_id": aws.id,
                        "vendor_account_id": "555555555501",
                        "partner_id": cls.contoso.id,
                    }
                ).id,
                "amount": 250.0,
            }
        )
        cls.other = Budget.create(
            {
                "name": "Fabrikam secret cap",
                "cloud_account_id": Account.create(
                    {
                        "name": "Fabrikam prod",
                        "vendor_id": aws.id,
                        "vendor_account_id": "555555555502",
                        "partner_id": cls.fabrikam.id,
                    }
                ).id,
                "amount": 999.0,
            }
        )

    def test_portal_lists_and_shows_only_own_budgets(self):
        self.authenticate("bb_budget_carla", "bb_budget_carla")
        page = self.url_open("/my/cloud-budgets")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Contoso production cap", page.text)
        self.assertNotIn("Fabrikam secret cap", page.text)
        detail = self.url_open(f"/my/cloud-budgets/{self.own.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("250.00", detail.text)
        self.assertIn("Thresholds", detail.text)
        stranger = self.url_open(f"/my/cloud-budgets/{self.other.id}")
        self.assertEqual(stranger.status_code, 404)
        self.assertNotIn("Fabrikam secret cap", stranger.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["billbyte_budget_count"]}
        )
        self.assertEqual(counters["billbyte_budget_count"], 1)

    def test_public_method_for_the_portal_user(self):
        status = self.own.with_user(self.portal_user).get_budget_status()[0]
        self.assertEqual(status["amount"], "250.00")
        self.assertEqual(status["name"], "Contoso production cap")

    def test_cloud_page_has_the_budgets_section(self):
        self.authenticate("bb_budget_carla", "bb_budget_carla")
        page = self.url_open("/my/cloud")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_billbyte_cloud_budgets", page.text)
        self.assertIn("Contoso production cap", page.text)
        self.assertNotIn("Fabrikam secret cap", page.text)

    def test_status_goes_over_xmlrpc(self):
        """XML-RPC has no null: a budget without forecast date still answers."""
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.portal_user)
            .sudo()
            ._generate(None, "budget status", None)
        )
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        status = proxy.execute_kw(
            self.env.cr.dbname,
            self.portal_user.id,
            key,
            "billbyte.cloud.budget",
            "get_budget_status",
            [[self.own.id]],
        )[0]
        self.assertEqual(status["amount"], "250.00")
        self.assertFalse(status["forecast_reaches_100_on"])
