# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from .common import BillingCommon, focus_row


@tagged("post_install", "-at_install")
class TestInvoiceAgreement(BillingCommon):
    """Billing runs create invoices with their tax lines and balances already
    computed (fast); they must be the invoices Odoo's own invoice form makes from the
    same lines, to the cent, tax tags included."""

    def standard_copy(self, invoice):
        """The same invoice entered as on the form: product lines only, Odoo computes
        taxes, balances and the receivable."""
        return self.env["account.move"].create(
            {
                "move_type": invoice.move_type,
                "partner_id": invoice.partner_id.id,
                "currency_id": invoice.currency_id.id,
                "invoice_date": invoice.invoice_date,
                "journal_id": invoice.journal_id.id,
                "fiscal_position_id": invoice.fiscal_position_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": line.name,
                            "product_id": line.product_id.id,
                            "quantity": line.quantity,
                            "price_unit": line.price_unit,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "account_id": line.account_id.id,
                            "analytic_distribution": line.analytic_distribution,
                        }
                    )
                    for line in invoice.invoice_line_ids
                    if line.display_type == "product"
                ],
            }
        )

    def assert_same(self, fast, standard):
        for field in ("amount_untaxed", "amount_tax", "amount_total", "amount_residual"):
            self.assertEqual(self.dec(fast[field]), self.dec(standard[field]), field)
        self.assertEqual(fast.invoice_date_due, standard.invoice_date_due)

        def summary(move):
            return sorted(
                (
                    line.display_type,
                    line.account_id.id,
                    tuple(sorted(line.tax_tag_ids.ids)),
                    line.tax_line_id.id,
                    self.dec(line.balance),
                    self.dec(line.amount_currency),
                )
                for line in move.line_ids
                if line.display_type not in ("line_section", "line_note")
            )

        self.assertEqual(summary(fast), summary(standard))

    def test_invoice_in_another_currency_with_taxes(self):
        self.import_rows(
            self.month_rows("2026-10", "333333333333", "AmazonEC2", "1.37", days=5)
            + self.month_rows("2026-10", "333333333333", "AmazonS3", "0.0731", days=5)
        )
        # Paid in two installments: 30 % now, the rest end of the following month.
        self.northwind.property_payment_term_id = self.env.ref(
            "account.account_payment_term_advance_60days"
        )
        fast = self.bill("2026-11-01", self.northwind).invoice_ids
        self.assertEqual(fast.currency_id, self.eur)
        self.assertEqual(len(fast.line_ids.filtered(lambda x: x.display_type == "payment_term")), 2)
        standard = self.standard_copy(fast)
        standard.action_post()
        self.assert_same(fast, standard)

    def test_credit_note(self):
        self.import_rows(
            [
                focus_row(
                    "111111111111", "2026-03-02", "AmazonEC2", "-7.13", qty="0", category="Credit"
                ),
                focus_row("111111111111", "2026-03-03", "AmazonS3", "1.01", qty="3"),
            ]
        )
        fast = self.bill("2026-04-01", self.contoso).invoice_ids
        self.assertEqual(fast.move_type, "out_refund")
        standard = self.standard_copy(fast)
        standard.action_post()
        self.assert_same(fast, standard)
