# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import html

from odoo.tests import new_test_user, tagged

from .common import PaymentHttpCommon


@tagged("post_install", "-at_install")
class TestPortalPaymentMethods(PaymentHttpCommon):
    """The saved payment methods section of /my/cloud."""

    def token(self, partner, details, provider=None):
        provider = provider or self.stripe
        return self.env["payment.token"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.pm_card.id,
                "partner_id": partner.id,
                "payment_details": details,
                "provider_ref": f"cus_{details}",
                "stripe_payment_method": f"pm_{details}",
            }
        )

    def section(self):
        """The rows of the section on /my/cloud: (method, details, provider, badge),
        and the section's link to manage them."""
        response = self.url_open("/my/cloud")
        self.assertEqual(response.status_code, 200)
        tree = html.fromstring(response.text)
        sections = tree.xpath('//div[hasclass("o_billbyte_cloud_payment_methods")]')
        self.assertEqual(len(sections), 1, "no saved payment methods section on /my/cloud")
        rows = [
            tuple(" ".join(cell.text_content().split()) for cell in row.xpath("./td"))
            for row in sections[0].xpath('.//tr[hasclass("o_billbyte_payment_token")]')
        ]
        links = sections[0].xpath('.//a[hasclass("o_billbyte_manage_payment_methods")]/@href')
        return rows, links, sections[0].text_content()

    def test_customer_sees_own_saved_cards_not_another_customers(self):
        self.authenticate(self.contoso_user.login, "contoso-billing-2026")
        rows, links, text = self.section()
        self.assertEqual(rows, [])
        self.assertIn("You have no saved payment method.", text)
        self.assertEqual(links, ["/my/payment_method"])

        own = self.token(self.contoso, "4242")
        self.token(self.fabrikam, "1111")
        # A card of another company's provider is not this company's business.
        other_company = self.env["res.company"].create({"name": "Other Provider"})
        other_stripe = self.stripe.copy({"company_id": other_company.id, "name": "Stripe Other"})
        self.token(self.contoso, "5555", provider=other_stripe)
        rows, links, _text = self.section()
        self.assertEqual(rows, [(self.pm_card.name, "•••• 4242", self.stripe.name, "")])
        self.assertEqual(links, ["/my/payment_method"])

        # The card chosen for automatic payments says so; a contact of the customer
        # (another portal user) sees the customer's cards too.
        self.contoso.billbyte_set_autopay(True, token=own)
        contact = self.env["res.partner"].create(
            {
                "name": "Paula Contoso",
                "parent_id": self.contoso.id,
                "email": "paula@contoso.example",
            }
        )
        new_test_user(
            self.env,
            login="bb_pm_paula",
            password="bb_pm_paula",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        self.authenticate("bb_pm_paula", "bb_pm_paula")
        rows, _links, _text = self.section()
        self.assertEqual(
            rows, [(self.pm_card.name, "•••• 4242", self.stripe.name, "Charged automatically")]
        )

        # Fabrikam's portal user sees Fabrikam's card only.
        new_test_user(
            self.env,
            login="bb_pm_fabrikam",
            password="bb_pm_fabrikam",
            groups="base.group_portal",
            partner_id=self.fabrikam.id,
        )
        self.authenticate("bb_pm_fabrikam", "bb_pm_fabrikam")
        rows, _links, _text = self.section()
        self.assertEqual(rows, [(self.pm_card.name, "•••• 1111", self.stripe.name, "")])
