# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Partner Center connection's price sheets: downloaded as Partner Center
serves them (CSV or zipped) and imported by the catalog's readers and import, as
an uploaded price file is."""

import json
import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.billbyte_catalog.models.price_fetch import vendor_user_error
from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError

_logger = logging.getLogger(__name__)

# Partner Center's price sheet views, the catalog's reader of each, and whether the
# view has announced (timeline=future) prices.
PRICE_SHEET_VIEWS = {
    "updatedlicensebased": ("ms_license", "ms_price_licenses", True),
    "azure_consumption": ("ms_azure_plan", "ms_price_azure", True),
    "azure_reservations": ("ms_reservations", "ms_price_reservations", True),
}


# One file per concern of the connection (usage pulls in connection.py).
class BillbyteConnection(models.Model):
    _inherit = "billbyte.connection"  # pylint: disable=consider-merging-classes-inherited

    ms_price_sync = fields.Boolean(
        string="Sync Price Sheets",
        help="The vendor's price sync downloads this connection's Partner Center price "
        "sheets into the catalog (Cloud Vendors > Price Sync sets when).",
    )
    ms_price_market = fields.Char(
        string="Market",
        size=2,
        default=lambda self: self.env.company.country_id.code,
        help="Two-letter country code of the market the provider sells in (one per "
        "connection: a provider in several markets has a company and a connection each).",
    )
    ms_price_licenses = fields.Boolean(
        string="New Commerce Licenses", default=True, help="View updatedlicensebased."
    )
    ms_price_azure = fields.Boolean(
        string="Azure Plan Meters", default=True, help="View azure_consumption."
    )
    ms_price_reservations = fields.Boolean(
        string="Azure Reservations", help="View azure_reservations (one-year terms)."
    )
    ms_price_announced = fields.Boolean(
        string="Announced Prices",
        default=True,
        help="Also download next month's prices (timeline=future): they wait for their day.",
    )
    ms_price_currency_id = fields.Many2one(
        "res.currency",
        string="Azure Prices In",
        default=lambda self: self.env.company.currency_id,
        help="Partner Center publishes Azure plan prices in USD only: they are converted "
        "with its foreign exchange rate of the month (kept beside each price).",
    )
    ms_partner_api_url = fields.Char(
        string="Partner API",
        default="https://api.partner.microsoft.com",
        groups="base.group_system",
    )
    # Price sheets need a user's sign-in beside the app's (app + user): the refresh
    # token of a Partner Center admin or sales agent's consent.
    ms_refresh_token = fields.Text(groups="base.group_system", copy=False)
    ms_refresh_token_set = fields.Boolean(
        string="Consent Given", compute="_compute_ms_refresh_token_set"
    )
    new_ms_refresh_token = fields.Text(
        string="New Refresh Token",
        compute="_compute_new_ms_refresh_token",
        inverse="_inverse_new_ms_refresh_token",
        groups="base.group_system",
        help="Paste a refresh token of the secure application model (a Partner Center "
        "admin or sales agent's consent), or use 'Grant Consent'.",
    )
    ms_consent_flow = fields.Text(groups="base.group_system", copy=False)

    def _compute_ms_refresh_token_set(self):
        for connection, sudoed in zip(self, self.sudo(), strict=True):
            connection.ms_refresh_token_set = bool(sudoed.ms_refresh_token)

    def _compute_new_ms_refresh_token(self):
        self.new_ms_refresh_token = False

    def _inverse_new_ms_refresh_token(self):
        for connection in self.filtered("new_ms_refresh_token"):
            connection.ms_refresh_token = connection.new_ms_refresh_token.strip()

    @api.constrains("ms_price_sync", "ms_price_market", "kind")
    def _check_ms_price_market(self):
        for connection in self:
            market = connection.ms_price_market or ""
            if connection.ms_price_sync and not (len(market) == 2 and market.isalpha()):
                raise ValidationError(
                    self.env._(
                        "%s: the market of price sheets is a two-letter country code, e.g. US.",
                        connection.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Consent (app + user)
    # ------------------------------------------------------------------

    def action_ms_grant_consent(self):
        """Sign in as a Partner Center admin or sales agent (authorization code flow
        through msal); the callback keeps the refresh token of that consent."""
        self.ensure_one()
        redirect = (
            self.env["ir.config_parameter"].sudo().get_param("web.base.url")
            + "/billbyte/partner-center/consent"
        )
        flow = self._connector().consent_flow(redirect)
        self.sudo().ms_consent_flow = json.dumps(flow)
        return {"type": "ir.actions.act_url", "url": flow["auth_uri"], "target": "self"}

    @api.model
    def _ms_finish_consent(self, params):
        """The consent callback: the connection whose flow has this state keeps the
        refresh token Microsoft gives for the code. Returns the connection."""
        state = params.get("state")
        for connection in self.sudo().search([("ms_consent_flow", "!=", False)]):
            flow = json.loads(connection.ms_consent_flow)
            if state and flow.get("state") == state:
                token = connection._connector().finish_consent(flow, params)
                connection.write({"ms_refresh_token": token, "ms_consent_flow": False})
                return connection
        raise UserError(self.env._("No consent was asked for with this answer."))

    # ------------------------------------------------------------------
    # Price sheets
    # ------------------------------------------------------------------

    def _billbyte_price_sheet_scopes(self):
        """(view, timeline) pairs a sync downloads."""
        self.ensure_one()
        timelines = ["current", "future"] if self.ms_price_announced else ["current"]
        return [
            (view, timeline)
            for view, (_format, flag, has_future) in PRICE_SHEET_VIEWS.items()
            if self[flag]
            for timeline in timelines
            if timeline == "current" or has_future
        ]

    def _billbyte_sync_price_sheets(self, raise_on_error=False):
        """Download and import each price sheet of this connection: one import run
        per view and timeline, through the catalog's readers and import. A sheet
        that cannot be downloaded or read is a failed run with the vendor's words
        (raising with raise_on_error); nothing of it lands."""
        self.ensure_one()
        Import = self.env["billbyte.price.import"].with_company(self.company_id)
        runs = Import
        connector = self._connector()
        market = (self.ms_price_market or "").upper()
        today = fields.Date.context_today(self)
        for view, timeline in self._billbyte_price_sheet_scopes():
            file_format = PRICE_SHEET_VIEWS[view][0]
            next_month = today.replace(day=1) + relativedelta(months=1)
            values = {
                "vendor_id": self.vendor_id.id,
                "source": "partner_center",
                "file_format": file_format,
                "file_name": f"{view} {market} ({timeline})",
                "company_id": self.company_id.id,
                # The current sheet lists every SKU sold now: the SKUs it drops retire.
                "sheet_key": f"partner_center:{view}:{market}" if timeline == "current" else False,
                "effective_date": next_month if timeline == "future" else False,
            }
            try:
                content = connector.price_sheet(market, view, timeline)
                options = {"market": market}
                if view == "updatedlicensebased":
                    options["segment"] = "Commercial"
                if view == "azure_consumption":
                    options["convert"] = self._billbyte_fx_conversion(
                        connector, next_month if timeline == "future" else today
                    )
                run = Import._billbyte_import_file(
                    self.vendor_id,
                    file_format,
                    content,
                    file_name=values["file_name"],
                    run_values=values,
                    **options,
                )
            except (VendorError, UserError) as error:
                if raise_on_error:
                    if isinstance(error, UserError):
                        raise
                    raise vendor_user_error(str(error), error) from error
                _logger.warning("Price sheet %s of %s failed: %s", view, self.name, error)
                run = Import.create(
                    dict(
                        values,
                        state="failed",
                        message=str(error),
                        retry_after=int(getattr(error, "retry_after", None) or 0),
                    )
                )
            runs |= run
        return runs

    def _billbyte_fx_conversion(self, connector, day):
        """(currency code, USD per unit) of the connection's Azure price currency for the
        month of `day` (Partner Center's foreign exchange rates; the month before when
        the month's rates are not out yet), or None for USD."""
        code = (self.ms_price_currency_id or self.company_id.currency_id).name
        if code == "USD":
            return None
        today = fields.Date.context_today(self)
        try:
            rates = connector.fx_rates(day)
        except VendorError as error:
            if day.replace(day=1) <= today.replace(day=1):
                raise
            _logger.info("No exchange rates for %s yet (%s): using this month's", day, error)
            rates = connector.fx_rates(today)
        if code not in rates:
            raise VendorError(
                self.env._(
                    "Partner Center's exchange rates of %(month)s have no rate for %(code)s.",
                    month=day.strftime("%Y-%m"),
                    code=code,
                )
            )
        return code, rates[code]
