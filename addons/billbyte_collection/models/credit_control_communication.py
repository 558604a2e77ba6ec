# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import models
from odoo.tools.misc import format_amount, format_date

CELL = "padding: 4px 6px; border: 1px solid #999;"


class CreditControlCommunication(models.Model):
    _inherit = "credit.control.communication"

    def _billbyte_open_invoice_lines(self):
        """The invoice lines still open on the communication's invoices (what
        billbyte_payment's allocations leave open), in invoice and line order."""
        self.ensure_one()
        invoices = self.credit_control_line_ids.invoice_id
        lines = invoices.invoice_line_ids.filtered(
            lambda line: (
                line.display_type == "product"
                and not line.currency_id.is_zero(line.billbyte_amount_open)
            )
        )
        return lines.sorted(
            lambda line: (
                line.move_id.invoice_date or line.move_id.date,
                line.move_id.id,
                line.sequence,
                line.id,
            )
        )

    def _billbyte_open_lines_table(self):
        """The open invoice lines as an HTML table, for the emails and the letters."""
        self.ensure_one()
        env = self.env
        headers = [
            env._("Invoice"),
            env._("Due date"),
            env._("Service"),
            env._("Period"),
            env._("Amount"),
            env._("Paid"),
            env._("Credited"),
            env._("Open"),
        ]
        rows = []
        total = 0
        currency = self.currency_id
        for line in self._billbyte_open_invoice_lines():
            move = line.move_id
            period = ""
            if line.start_date and line.end_date:
                period = f"{format_date(env, line.start_date)} – {format_date(env, line.end_date)}"
            cells = [
                move.name,
                format_date(env, move.invoice_date_due),
                line.name or line.product_id.display_name,
                period,
                format_amount(env, line.price_total, line.currency_id),
                format_amount(env, line.billbyte_amount_paid, line.currency_id),
                format_amount(env, line.billbyte_amount_credited, line.currency_id),
                format_amount(env, line.billbyte_amount_open, line.currency_id),
            ]
            total += line.billbyte_amount_open
            currency = line.currency_id
            rows.append(
                Markup("<tr>%s</tr>")
                % Markup("").join(Markup('<td style="%s">%s</td>') % (CELL, cell) for cell in cells)
            )
        head = Markup("").join(Markup('<th style="%s">%s</th>') % (CELL, h) for h in headers)
        foot = Markup(
            '<tr><td colspan="7" style="%s"><b>%s</b></td><td style="%s"><b>%s</b></td></tr>'
        ) % (
            CELL,
            env._("Total open"),
            CELL,
            format_amount(env, total, currency),
        )
        return Markup(
            '<table class="o_billbyte_open_lines" style="border-collapse: collapse;">'
            "<thead><tr>%s</tr></thead><tbody>%s%s</tbody></table>"
        ) % (head, Markup("").join(rows), foot)

    def _get_credit_control_communication_table(self):
        # The detail OCA adds to the mails (whole invoices), then the lines still open.
        table = super()._get_credit_control_communication_table()
        if not self._billbyte_open_invoice_lines():
            return table
        title = Markup("<h3>%s</h3>") % self.env._("Open invoice lines")
        return table + str(title + self._billbyte_open_lines_table())

    def _billbyte_print_letters(self):
        """Letters: the summary PDF of each communication, kept in its chatter for the
        post, and its lines marked done."""
        if not self:
            return
        report = self.env.ref("account_credit_control.credit_control_summary")
        for communication in self:
            content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                report, communication.ids
            )
            communication.message_post(
                body=self.env._(
                    "Letter to post: %(level)s, %(count)s open invoice lines.",
                    level=communication.policy_level_id.name,
                    count=len(communication._billbyte_open_invoice_lines()),
                ),
                attachments=[
                    (
                        f"{communication.policy_level_id.name} - {communication.partner_id.name}.pdf",
                        content,
                    )
                ],
                subtype_xmlid="mail.mt_note",
            )
        self._mark_credit_line_as_sent()
