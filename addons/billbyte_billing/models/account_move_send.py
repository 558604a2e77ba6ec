# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from odoo import api, models

_logger = logging.getLogger(__name__)


class AccountMoveSend(models.AbstractModel):
    """Cloud billing's sending of its invoices through Odoo's own sending: the PDF and
    the customer's e-invoice (account_edi_ubl_cii), by email or portal only as the
    customer prefers, in batches, with a note on each invoice of what went out and why
    not."""

    _inherit = "account.move.send"

    # ------------------------------------------------------------------ errors of a batch

    @api.model
    def _hook_if_errors(self, moves_data, allow_raising=True):
        # Keep the generation errors (an e-invoice that could not be made) for the
        # billing's note and fallback; Odoo still posts them on the chatter.
        errors = self.env.context.get("billbyte_send_errors")
        if errors is not None:
            for move, move_data in moves_data.items():
                errors[move.id] = self._format_error_text(move_data["error"])
        return super()._hook_if_errors(moves_data, allow_raising=allow_raising)

    # ------------------------------------------------------------------ plan

    @api.model
    def _billbyte_edi_missing(self, move, edi_format):
        """Why the customer's e-invoice format cannot be made for this invoice (the
        identifier the format needs is missing), or None."""
        partner = move.partner_id.commercial_partner_id
        Partner = self.env["res.partner"]
        format_name = dict(
            Partner._fields["invoice_edi_format"]._description_selection(self.env)
        ).get(edi_format, edi_format)
        if edi_format in Partner._get_ubl_cii_formats() and edi_format != "facturx":
            if not (partner.peppol_eas and partner.peppol_endpoint):
                return self.env._(
                    "no %(format)s e-invoice: %(partner)s has no Peppol electronic address "
                    "(Peppol EAS and endpoint), which this format needs",
                    format=format_name,
                    partner=partner.display_name,
                )
            if edi_format == "xrechnung" and not partner.ref:
                return self.env._(
                    "no %(format)s e-invoice: %(partner)s has no buyer reference "
                    "(Leitweg-ID, in the partner's Reference), which this format needs",
                    format=format_name,
                    partner=partner.display_name,
                )
        if edi_format == "facturx" and not (partner.vat or partner.company_registry):
            return self.env._(
                "no %(format)s e-invoice: %(partner)s has neither a VAT number nor a "
                "company registry number, one of which this format needs",
                format=format_name,
                partner=partner.display_name,
            )
        return None

    @api.model
    def _billbyte_send_plan(self, move):
        """(sending method, e-invoice format or None, [notes], email recipients) of one
        invoice, from its
        customer's preferences (Invoice sending, eInvoice format) and what the customer
        record allows."""
        partner = move.partner_id.with_company(move.company_id)
        method = self._get_default_sending_method(move)
        edi_format = self._get_default_invoice_edi_format(move) or None
        notes = []
        recipients = partner.browse()
        if edi_format:
            missing = self._billbyte_edi_missing(move, edi_format)
            if missing:
                notes.append(missing)
                edi_format = None
        if method == "email":
            template = self._get_default_mail_template_id(move)
            recipients = self._get_default_mail_partner_ids(
                move, template, self._get_default_mail_lang(move, template)
            )
            recipients = recipients.filtered("email")
            if not recipients:
                notes.append(
                    self.env._(
                        "no email: %(partner)s has no email address",
                        partner=partner.display_name,
                    )
                )
                method = "manual"
        elif method == "manual":
            notes.append(
                self.env._(
                    "no email: %(partner)s asks for its invoices in the portal only "
                    "(Invoice sending: %(method)s)",
                    partner=partner.display_name,
                    method=dict(
                        partner._fields["invoice_sending_method"]._description_selection(self.env)
                    ).get("manual"),
                )
            )
        return method, edi_format, notes, recipients

    # ------------------------------------------------------------------ sending

    @api.model
    def _billbyte_send_invoices(self, moves):
        """Send these posted invoices, each once: grouped by company, sending method and
        e-invoice format, each group in one call of Odoo's sending, in a savepoint so a
        failure of one group (then of one invoice) never stops the others. Returns the
        invoices it sent (whatever the way)."""
        Move = self.env["account.move"].sudo()
        moves = Move.browse(moves.ids)
        if not moves:
            return Move
        self.env.flush_all()
        # Each invoice once, whoever else (a job, the cron) is sending at the same time.
        self.env.cr.execute(
            """
            SELECT id FROM account_move
             WHERE id = ANY(%s) AND state = 'posted' AND billbyte_send_state IS NULL
               AND NOT COALESCE(is_move_sent, false)
               AND move_type IN ('out_invoice', 'out_refund')
             ORDER BY id
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            [moves.ids],
        )
        moves = Move.browse([row[0] for row in self.env.cr.fetchall()])
        if not moves:
            return Move
        plans = {}
        groups = defaultdict(lambda: Move)
        for move in moves:
            try:
                plans[move] = self._billbyte_send_plan(move)
            except Exception as error:  # pylint: disable=broad-except
                _logger.warning("Cloud billing: cannot plan sending %s", move.name, exc_info=True)
                self._billbyte_send_failed(move, error)
                continue
            method, edi_format, _notes, _recipients = plans[move]
            groups[move.company_id, method, edi_format] |= move
        sent = Move
        errors = {}
        sender = self.sudo().with_context(
            billbyte_send_errors=errors,
            mail_notify_force_send=False,
            no_new_invoice=True,
        )
        for (company, method, edi_format), group in groups.items():
            sent |= sender.with_company(company)._billbyte_send_group(group, method, edi_format)
        # E-invoices that could not be made (Odoo's own checks of the format): the PDF
        # alone, as the customer asked (email or portal), and the reason on the note.
        fallback = defaultdict(lambda: Move)
        for move in moves:
            if move in plans and move.id in errors and not move.invoice_pdf_report_id:
                method, edi_format, notes, recipients = plans[move]
                if edi_format:
                    notes.append(
                        self.env._(
                            "no e-invoice: it could not be made (%(errors)s)",
                            errors=errors.pop(move.id).replace("\n", " "),
                        )
                    )
                    plans[move] = (method, None, notes, recipients)
                    fallback[move.company_id, method] |= move
        for (company, method), group in fallback.items():
            sent |= sender.with_company(company)._billbyte_send_group(group, method, None)
        self._billbyte_log_sent(moves, plans, errors)
        return sent

    @api.model
    def _billbyte_send_group(self, moves, method, edi_format):
        """One call of Odoo's sending for invoices of the same settings; on a failure,
        each invoice alone."""
        settings = {"sending_methods": {method}, "invoice_edi_format": edi_format}
        moves = moves.with_env(self.env)
        if len(moves) == 1:
            return self._billbyte_send_one(moves, settings)
        try:
            with self.env.cr.savepoint():
                self._generate_and_send_invoices(moves, allow_raising=False, **settings)
            return moves
        except Exception:  # pylint: disable=broad-except
            _logger.warning(
                "Cloud billing: sending %s invoices at once failed; one by one",
                len(moves),
                exc_info=True,
            )
            self.env.invalidate_all()
        sent = moves.browse()
        for move in moves:
            sent |= self._billbyte_send_one(move, settings)
        return sent

    @api.model
    def _billbyte_send_one(self, move, settings):
        try:
            with self.env.cr.savepoint():
                self._generate_and_send_invoices(move, allow_raising=False, **settings)
            return move
        except Exception as error:  # pylint: disable=broad-except
            _logger.warning("Cloud billing: sending %s failed", move.name, exc_info=True)
            self.env.invalidate_all()
            self._billbyte_send_failed(move, error)
            return move.browse()

    @api.model
    def _billbyte_send_failed(self, move, error):
        note = self.env._("Not sent: %(error)s", error=error)
        move.write({"billbyte_send_state": "failed", "billbyte_send_note": note})
        move.with_context(no_new_invoice=True).message_post(
            body=self.env._("Cloud billing: %(note)s", note=note),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _billbyte_log_sent(self, moves, plans, errors):
        """The note on each invoice (and its sending state) of what went out and why
        not. Invoices without an email are shared the way Odoo shares invoices: an
        access link, and the customer's portal users see them under My Invoices."""
        Users = self.env["res.users"].sudo()
        commercials = moves.partner_id.commercial_partner_id
        portal_partners = set(
            Users.search(
                [("partner_id", "child_of", commercials.ids), ("share", "=", True)]
            ).partner_id.commercial_partner_id.ids
        )
        for move in moves:
            if move not in plans or move.billbyte_send_state == "failed":
                continue
            method, edi_format, notes, recipients = plans[move]
            if not move.invoice_pdf_report_id and not move.is_move_sent:
                error = errors.get(move.id) or self.env._("no PDF was made")
                self._billbyte_send_failed(move, error)
                continue
            files = move.invoice_pdf_report_id.mapped("name")
            if edi_format and move.ubl_cii_xml_id:
                files += move.ubl_cii_xml_id.mapped("name")
            files = ", ".join(files)
            if method == "email":
                state = "email"
                head = self.env._(
                    "Sent by email to %(recipients)s with %(files)s",
                    recipients=", ".join(recipients.mapped("email")),
                    files=files,
                )
            else:
                state = "portal"
                move._portal_ensure_token()
                if move.partner_id.commercial_partner_id.id in portal_partners:
                    where = self.env._("their portal users see it under My Invoices")
                else:
                    where = self.env._(
                        "%(partner)s has no portal user yet: grant portal access, or share "
                        "the invoice link %(url)s",
                        partner=move.partner_id.commercial_partner_id.display_name,
                        url=move.get_base_url() + move.get_portal_url(),
                    )
                head = self.env._(
                    "Not emailed; in the customer's portal with %(files)s (%(where)s)",
                    files=files,
                    where=where,
                )
            note = "; ".join([head, *notes]) + "."
            move.write({"billbyte_send_state": state, "billbyte_send_note": note})
            move.with_context(no_new_invoice=True).message_post(
                body=self.env._("Cloud billing: %(note)s", note=note),
                subtype_xmlid="mail.mt_note",
            )
