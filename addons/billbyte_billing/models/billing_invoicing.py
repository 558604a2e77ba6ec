# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, models
from odoo.exceptions import UserError
from odoo.tools import float_round

_logger = logging.getLogger(__name__)


class BillbyteBillingInvoicing(models.AbstractModel):
    """How a billing run makes invoices: complete in one create, with their tax lines
    computed in memory by Odoo's tax engine and the receivable lines from each
    invoice's payment terms (inherited by billbyte.billing.run)."""

    _name = "billbyte.billing.invoicing"
    _description = "Cloud Billing: invoice creation"

    @api.model
    def _quantity_and_price(self, quantity, amount):
        """(quantity, unit price) of an invoice line whose amount must be `amount`
        exactly: the usage quantity and a unit price at the 'Product Price' precision
        when they multiply back to the amount; otherwise 1 unit at the amount (the
        usage quantity stays on the line and in its label)."""
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        qty = Decimal(str(float_round(float(quantity), precision_digits=qty_digits)))
        if qty:
            unit = (amount / qty).quantize(Decimal(1).scaleb(-price_digits), ROUND_HALF_UP)
            step = Decimal(1).scaleb(amount.as_tuple().exponent)
            if (qty * unit).quantize(step, ROUND_HALF_UP) == amount:
                return float(qty), float(unit)
        return 1.0, float(amount)

    def _create_invoices(self, items, invoice_date):
        """One invoice (or credit note when its total is negative) per customer and
        currency, a section per cloud account. Returns (invoices, {customer id: note})."""
        Move = self.env["account.move"].sudo()
        if not items:
            return Move, {}
        journal = self._journal()
        by_invoice = defaultdict(list)
        for item in items:
            by_invoice[item["partner_id"], item["currency_id"]].append(item)
        partners = self.env["res.partner"].sudo().browse(sorted({k[0] for k in by_invoice}))
        fiscal_positions = {
            p.id: self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(p)
            for p in partners
        }
        taxes_accounts = {}
        vals_list = []
        messages = {}
        for (partner_id, currency_id), invoice_items in by_invoice.items():
            fiscal_position = fiscal_positions[partner_id]
            total = sum((item["amount"] for item in invoice_items), Decimal(0))
            sign = -1 if total < 0 else 1
            move_type = "out_refund" if sign < 0 else "out_invoice"
            if sign < 0:
                messages[partner_id] = self.env._(
                    "Only credits in the period: a credit note of %s.", -total
                )
            line_commands = []
            product_vals = []
            section = None
            for item in invoice_items:
                if item.get("section") is not None and item["section"] != section:
                    section = item["section"]
                    line_commands.append(Command.create(self._section_vals(section)))
                vals = dict(item["vals"])
                product = self.env["product.product"].browse(vals["product_id"])
                key = (product.id, fiscal_position.id)
                if key not in taxes_accounts:
                    taxes_accounts[key] = self._taxes_and_account(product, fiscal_position)
                taxes, account = taxes_accounts[key]
                amount = item["amount"] * sign
                quantity, price_unit = self._quantity_and_price(
                    item.get("quantity", Decimal(1)) * sign, amount
                )
                vals.update(
                    {
                        "quantity": quantity,
                        "price_unit": price_unit,
                        "tax_ids": [Command.set(taxes.ids)],
                        "account_id": account.id,
                    }
                )
                if sign < 0:
                    vals["billbyte_cost"] = -vals.get("billbyte_cost", 0.0)
                    vals["billbyte_vendor_cost"] = -vals.get("billbyte_vendor_cost", 0.0)
                vals["tax_ids"] = taxes
                product_vals.append(vals)
                line_commands.append(Command.create(vals))
            tax_lines = self._balances_and_tax_lines(
                product_vals, move_type, partners.browse(partner_id), currency_id, invoice_date
            )
            line_commands += [Command.create(vals) for vals in tax_lines]
            vals_list.append(
                {
                    "move_type": move_type,
                    "partner_id": partner_id,
                    "currency_id": currency_id,
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "invoice_date": invoice_date,
                    "fiscal_position_id": fiscal_position.id,
                    "invoice_origin": self.name,
                    "billbyte_run_id": self.id,
                    "line_ids": line_commands,
                }
            )
        # Every line is complete (balances, tax lines): Odoo's line-by-line
        # synchronisation of the invoice form is skipped, then the receivable lines
        # are added from the invoices' own payment terms (`needed_terms`).
        moves = Move.with_context(
            default_move_type="out_invoice", skip_invoice_sync=True, check_move_validity=False
        ).create(vals_list)
        moves = moves.with_env(Move.env)
        self._add_payment_term_lines(moves)
        return moves, messages

    def _add_payment_term_lines(self, moves):
        """The receivable lines of invoices created without them: what Odoo's own
        synchronisation would add, from each invoice's `needed_terms` (its payment
        terms on its totals)."""
        vals_list = []
        for move in moves:
            for key, values in move.needed_terms.items():
                vals_list.append(
                    {
                        **key,
                        **values,
                        "display_type": "payment_term",
                        "currency_id": move.currency_id.id,
                        "partner_id": move.commercial_partner_id.id,
                    }
                )
        self.env["account.move.line"].with_context(skip_invoice_sync=True).create(vals_list)
        moves.invalidate_recordset()
        unbalanced = moves.filtered(
            lambda m: not m.company_currency_id.is_zero(sum(m.line_ids.mapped("balance")))
        )
        if unbalanced:
            raise UserError(
                self.env._("Unbalanced invoices: %s", ", ".join(unbalanced.mapped("display_name")))
            )

    def _balances_and_tax_lines(self, product_vals, move_type, partner, currency_id, invoice_date):
        """Give each product line its balance and tax tags, and return the values of the
        invoice's tax lines: computed by Odoo's own tax engine (the one the invoice form
        runs, `account.tax._prepare_tax_lines`) on the lines in memory, so that creating
        the invoice with all its lines skips Odoo's line-by-line re-synchronisation of
        taxes (see `account.move._sync_tax_lines`: a move created with its tax lines and
        balanced base lines is left as it is)."""
        AccountTax = self.env["account.tax"]
        company = self.company_id
        currency = self.env["res.currency"].browse(currency_id)
        rate = self.env["res.currency"]._get_conversion_rate(
            company.currency_id, currency, company, invoice_date
        )
        sign = 1 if move_type == "out_refund" else -1
        base_lines = []
        for index, vals in enumerate(product_vals):
            taxes = vals["tax_ids"]
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    id=index,
                    product_id=self.env["product.product"].browse(vals["product_id"]),
                    product_uom_id=self.env["uom.uom"].browse(vals["product_uom_id"]),
                    tax_ids=taxes,
                    price_unit=vals["price_unit"],
                    quantity=vals["quantity"],
                    discount=0.0,
                    currency_id=currency,
                    account_id=self.env["account.account"].browse(vals["account_id"]),
                    analytic_distribution=vals.get("analytic_distribution") or None,
                    partner_id=partner,
                    rate=rate,
                    sign=sign,
                    is_refund=move_type == "out_refund",
                )
            )
            vals["tax_ids"] = [Command.set(taxes.ids)]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        AccountTax._add_accounting_data_in_base_lines_tax_details(base_lines, company)
        result = AccountTax._prepare_tax_lines(base_lines, company)
        for base_line, to_update in result["base_lines_to_update"]:
            product_vals[base_line["id"]].update(to_update)
        return [{**tax_vals, "display_type": "tax"} for tax_vals in result["tax_lines_to_add"]]

    def _section_vals(self, section):
        if section._name == "billbyte.cloud.account":
            name = self.env._(
                "%(vendor)s: %(account)s (%(vendor_id)s)",
                vendor=section.vendor_id.name,
                account=section.name,
                vendor_id=section.vendor_account_id,
            )
        else:
            name = section.display_name
        return {"display_type": "line_section", "name": name}

    def _taxes_and_account(self, product, fiscal_position):
        company = self.company_id
        taxes = product.taxes_id.filtered_domain(
            self.env["account.tax"]._check_company_domain(company)
        )
        taxes = fiscal_position.map_tax(taxes)
        accounts = product.product_tmpl_id.with_company(company).get_product_accounts(
            fiscal_pos=fiscal_position
        )
        return taxes, accounts["income"] or self._journal().default_account_id
