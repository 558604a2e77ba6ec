# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class BillbyteLicenseChange(models.Model):
    """Upgrades (the new SKU's remaining term, less a credit for the old SKU's unused
    part), the rule each line was billed by (proration by day or by whole month, in
    advance or in arrears), and terms not billed to the customer because the license
    was suspended and the provider's rule says so."""

    _inherit = "billbyte.license.change"  # pylint: disable=consider-merging-classes-inherited

    kind = fields.Selection(
        selection_add=[("upgrade", "Upgrade"), ("upgrade_credit", "Upgrade Credit")],
        ondelete={"upgrade": "cascade", "upgrade_credit": "cascade"},
    )
    proration = fields.Selection(
        [("day", "By day"), ("month", "By whole month")],
        readonly=True,
        help="How a part of a term was counted (seat increases, upgrades and their credits).",
    )
    billing_timing = fields.Selection(
        [("advance", "In advance"), ("arrears", "In arrears")],
        readonly=True,
        help="In advance: billed from its first day. In arrears: billed after its last day.",
    )
    upgraded_from_id = fields.Many2one(
        "product.product", readonly=True, help="The SKU before an upgrade."
    )
    waived = fields.Boolean(
        string="Not Billed (Suspended)",
        readonly=True,
        help="The term started while the license was suspended and the rule (Bill "
        "suspended licenses to the customer) says the customer does not pay for it.",
    )
    state = fields.Selection(
        selection_add=[("waived", "Not Billed")], ondelete={"waived": "set null"}
    )

    @api.model_create_multi
    def create(self, vals_list):
        licenses = self.env["billbyte.license"].browse(
            [vals["license_id"] for vals in vals_list if vals.get("license_id")]
        )
        companies = {lic.id: lic.company_id for lic in licenses}
        for vals in vals_list:
            company = companies.get(vals.get("license_id")) or self.env.company
            vals.setdefault("proration", company.billbyte_license_proration)
            vals.setdefault("billing_timing", company.billbyte_license_billing_timing)
        return super().create(vals_list)

    @api.depends("waived")
    def _compute_state(self):
        res = super()._compute_state()
        for change in self.filtered(lambda c: c.waived and not c.invoice_line_id):
            change.state = "waived"
        return res

    def _waive_suspended_terms(self):
        """Terms of licenses suspended when they start, whose rule says the customer
        does not pay while suspended: kept (the term passes), not billed."""
        for term in self.filtered(lambda c: c.kind == "term"):
            lic = term.license_id
            if lic._is_suspended() and not lic.cloud_account_id.billbyte_bill_suspended_licenses:
                term.write({"waived": True, "amount": 0.0})
                lic.message_post(
                    body=self.env._(
                        "Term %(start)s to %(end)s not billed to the customer: the license is "
                        "suspended and the rule says suspended licenses are not billed "
                        "(Microsoft still bills them to you).",
                        start=term.date,
                        end=term.date_end,
                    )
                )

    def _rule_label(self):
        timing = dict(self._fields["billing_timing"]._description_selection(self.env))
        proration = dict(self._fields["proration"]._description_selection(self.env))
        if self.kind == "term":
            return self.env._("billed %s", (timing.get(self.billing_timing) or "").lower())
        return self.env._(
            "prorated %(proration)s, billed %(timing)s",
            proration=(proration.get(self.proration) or "").lower(),
            timing=(timing.get(self.billing_timing) or "").lower(),
        )

    def _invoice_label(self):
        self.ensure_one()
        lic = self.license_id
        account = lic.cloud_account_id
        units = self.env._("months") if self.proration == "month" else self.env._("days")
        if self.kind == "upgrade":
            label = self.env._(
                "%(product)s, %(account)s (%(vendor_id)s): %(seats)s seat(s) upgraded from "
                "%(old)s, %(start)s to %(end)s, %(days)s of %(term_days)s %(units)s",
                product=lic.product_id.display_name,
                account=account.name,
                vendor_id=account.vendor_account_id,
                seats=self.quantity,
                old=self.upgraded_from_id.display_name,
                start=self.date,
                end=self.date_end,
                days=self.days,
                term_days=self.term_days,
                units=units,
            )
        elif self.kind == "upgrade_credit":
            label = self.env._(
                "%(product)s, %(account)s (%(vendor_id)s): credit for the unused part of "
                "%(seats)s seat(s), %(start)s to %(end)s, %(days)s of %(term_days)s "
                "%(units)s (upgraded)",
                product=self.upgraded_from_id.display_name,
                account=account.name,
                vendor_id=account.vendor_account_id,
                seats=self.quantity,
                start=self.date,
                end=self.date_end,
                days=self.days,
                term_days=self.term_days,
                units=units,
            )
        elif self.kind == "increase" and self.proration == "month":
            label = self.env._(
                "%(product)s, %(account)s (%(vendor_id)s): +%(seats)s seat(s) from %(start)s "
                "to %(end)s, %(days)s of %(term_days)s months",
                product=lic.product_id.display_name,
                account=account.name,
                vendor_id=account.vendor_account_id,
                seats=self.quantity,
                start=self.date,
                end=self.date_end,
                days=self.days,
                term_days=self.term_days,
            )
        else:
            label = super()._invoice_label()
        if not self.proration and not self.billing_timing:
            return label
        return f"{label} ({self._rule_label()})"
