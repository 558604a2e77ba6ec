# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbyteCloudAccount(models.Model):
    """Suspension costs money: Microsoft keeps billing the provider for the license
    subscriptions of a suspended account. Whether the customer keeps paying for them
    is the provider's rule (company, or customer), read by license billing, the
    late-payer follow-up and budget enforcement alike."""

    _inherit = "billbyte.cloud.account"  # pylint: disable=consider-merging-classes-inherited

    billbyte_bill_suspended_licenses = fields.Boolean(
        string="Bill Suspended Licenses",
        compute="_compute_billbyte_bill_suspended_licenses",
        help="While this account is suspended, its customer keeps paying for its licenses "
        "(the customer's rule, else the company's: Bill suspended licenses to the "
        "customer).",
    )

    @api.depends(
        "company_id.billbyte_bill_suspended_licenses",
        "partner_id.commercial_partner_id.billbyte_suspended_license_billing",
    )
    def _compute_billbyte_bill_suspended_licenses(self):
        for account in self:
            account.billbyte_bill_suspended_licenses = account._billbyte_suspension_rule()[0]

    def _billbyte_suspension_rule(self):
        """(customer keeps paying, where the rule comes from: 'customer' or 'company')."""
        self.ensure_one()
        customer = self.sudo().partner_id.commercial_partner_id
        choice = customer.billbyte_suspended_license_billing
        if choice:
            return choice == "bill", "customer"
        return bool(self.sudo().company_id.billbyte_bill_suspended_licenses), "company"

    def billbyte_suspended_license_policy(self):
        """For each account: does a suspension still cost the provider (the vendor keeps
        billing its licenses), does the customer keep paying for them, and whose rule
        says so. Public (late-payer follow-up, budget enforcement, API):
        [{cloud_account_id, vendor_still_bills, bill_customer, rule, warning}]."""
        self.check_access("read")
        result = []
        for account in self:
            bill, rule = account._billbyte_suspension_rule()
            warning = account._billbyte_suspension_warning()
            result.append(
                {
                    "cloud_account_id": account.id,
                    "vendor_still_bills": bool(warning),
                    "bill_customer": bill,
                    "rule": rule,
                    "warning": warning or "",
                }
            )
        return result

    def _billbyte_license_subscriptions(self):
        """Names of this account's license subscriptions the vendor keeps billing while
        it is suspended (billbyte_billing knows the licenses)."""
        self.ensure_one()
        return []

    def _billbyte_suspension_warning(self):
        """What a suspension of this account still costs, in words, or ""."""
        self.ensure_one()
        licenses = self._billbyte_license_subscriptions()
        if not licenses:
            return ""
        bill, rule = self._billbyte_suspension_rule()
        if bill:
            policy = self.env._("the customer keeps paying for them (%s rule)", rule)
        else:
            policy = self.env._(
                "the customer is not billed for them while suspended (%s rule)", rule
            )
        return self.env._(
            "Suspending %(account)s does not stop the vendor's bill: Microsoft keeps billing "
            "you for its license subscriptions while suspended (%(licenses)s); %(policy)s.",
            account=self.display_name,
            licenses=", ".join(licenses),
            policy=policy,
        )

    @api.returns("billbyte.service.action")
    def billbyte_suspend(self, reason, origin=None):
        before = set(
            self.env["billbyte.service.action"]
            .sudo()
            .search([("cloud_account_id", "in", self.ids), ("action", "=", "suspend")])
            .ids
        )
        actions = super().billbyte_suspend(reason, origin=origin)
        for action in actions.sudo():
            if action.id in before:
                continue
            warning = action.cloud_account_id._billbyte_suspension_warning()
            if warning:
                action.cloud_account_id.message_post(body=warning, subtype_xmlid="mail.mt_note")
        return actions
