# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCatalogPortal(HttpCase):
    """A portal customer of the Enterprise segment browses the cloud catalog."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        enterprise = cls.env["res.partner.category"].create({"name": "Enterprise (portal)"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Contoso Portal", "is_company": True, "category_id": [(6, 0, enterprise.ids)]}
        )
        cls.other = cls.env["res.partner"].create({"name": "Fabrikam Portal", "is_company": True})
        contact = cls.env["res.partner"].create(
            {
                "name": "Alice Portal",
                "parent_id": cls.customer.id,
                "email": "alice.portal@example.com",
            }
        )
        cls.portal_user = new_test_user(
            cls.env, login="bb_portal_alice", groups="base.group_portal", partner_id=contact.id
        )
        microsoft = cls.env.ref("billbyte_catalog.vendor_microsoft")
        usd = cls.env.ref("base.USD")
        Template = cls.env["product.template"]

        def offer(name, **vals):
            return Template.create(
                {
                    "name": name,
                    "type": "service",
                    "list_price": 10.0,
                    "billbyte_vendor_id": microsoft.id,
                    "billbyte_offer_type": "license",
                    "billbyte_vendor_cost": 8.0,
                    "billbyte_vendor_currency_id": usd.id,
                    "billbyte_published": True,
                    **vals,
                }
            )

        cls.for_everyone = offer("BB Portal Everyone Seat")
        cls.for_enterprise = offer(
            "BB Portal Enterprise Seat",
            billbyte_visibility="segments",
            billbyte_segment_ids=[(6, 0, enterprise.ids)],
        )
        cls.for_other = offer(
            "BB Portal Fabrikam Seat",
            billbyte_visibility="customers",
            billbyte_partner_ids=[(6, 0, cls.other.ids)],
        )
        cls.unpublished = offer("BB Portal Draft Seat", billbyte_published=False)
        cls.not_for_sale = offer("BB Portal Retired Seat", sale_ok=False)
        cls.good_bundle = Template.create(
            {
                "name": "BB Portal Good Bundle",
                "type": "service",
                "billbyte_is_bundle": True,
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    (0, 0, {"product_id": cls.for_everyone.product_variant_id.id, "quantity": 2}),
                    (0, 0, {"product_id": cls.for_enterprise.product_variant_id.id, "quantity": 1}),
                ],
            }
        )
        cls.bad_bundle = Template.create(
            {
                "name": "BB Portal Bad Bundle",
                "type": "service",
                "billbyte_is_bundle": True,
                "billbyte_published": True,
                "billbyte_bundle_line_ids": [
                    (0, 0, {"product_id": cls.for_everyone.product_variant_id.id, "quantity": 1}),
                    (0, 0, {"product_id": cls.for_other.product_variant_id.id, "quantity": 1}),
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate("bb_portal_alice", "bb_portal_alice")

    def test_catalog_lists_only_visible_items(self):
        response = self.url_open("/my/cloud-catalog")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for visible in (self.for_everyone, self.for_enterprise, self.good_bundle):
            self.assertIn(visible.name, page)
        for hidden in (self.for_other, self.unpublished, self.bad_bundle, self.not_for_sale):
            self.assertNotIn(hidden.name, page)

    def test_visible_item_page(self):
        response = self.url_open(f"/my/cloud-catalog/{self.good_bundle.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("BB Portal Good Bundle", response.text)
        self.assertIn("BB Portal Enterprise Seat", response.text, "a bundle lists its parts")

    def test_guessed_url_of_an_invisible_item_is_not_found(self):
        missing = self.env["product.template"].search([], order="id desc", limit=1).id + 1000
        hidden = (self.for_other, self.unpublished, self.bad_bundle, self.not_for_sale)
        for template_id in [*(template.id for template in hidden), missing]:
            response = self.url_open(f"/my/cloud-catalog/{template_id}")
            self.assertEqual(response.status_code, 404, template_id)
            self.assertNotIn("BB Portal Fabrikam Seat", response.text)

    def test_home_counts_the_visible_items(self):
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["billbyte_catalog_count"]})
        count = result["billbyte_catalog_count"]
        self.assertEqual(
            count,
            self.env["product.template"].search_count(
                [
                    ("sale_ok", "=", True),
                    *self.env["product.template"]._billbyte_visible_domain(
                        self.portal_user.partner_id
                    ),
                ]
            ),
        )
        self.assertGreaterEqual(count, 3)

    def test_anonymous_visitor_must_log_in(self):
        self.logout()
        response = self.url_open(f"/my/cloud-catalog/{self.for_everyone.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
