# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
import functools
import json
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..errors import bad_request, forbidden, invalid, not_found

API_USER_GROUP = "billbyte_catalog.group_billbyte_user"
API_MANAGER_GROUP = "billbyte_catalog.group_billbyte_manager"
MAX_PAGE = 200


def rpc_safe(data):
    """None as False, all the way down: XML-RPC has no null."""
    if data is None:
        return False
    if isinstance(data, dict):
        return {key: rpc_safe(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [rpc_safe(value) for value in data]
    return data


def answer(method):
    """A public operation's answer: JSON values for the HTTP API (the controller's
    context says so), with null as false for XML-RPC and JSON-RPC callers."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        data = method(self, *args, **kwargs)
        return data if self.env.context.get("billbyte_api_http") else rpc_safe(data)

    return wrapper


def money(value, currency):
    """An amount as a decimal string at the currency's precision (never a float)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(currency.round(value)))
    return str(value.quantize(Decimal(1).scaleb(-currency.decimal_places)))


class BillbyteApi(models.AbstractModel):
    """The provider's API: the operations of the JSON API under /api/billbyte/v1,
    as public methods that XML-RPC and JSON-RPC call alike. Each runs with the
    caller's rights and company, over the public methods of the other BillByte
    modules, and answers dicts of JSON values (amounts as decimal strings beside
    their currency). Bad input raises ApiError (errors.py) with the HTTP status,
    a stable code and the field at fault."""

    _name = "billbyte.api"
    _description = "BillByte API"

    # ------------------------------------------------------------------ helpers
    @api.model
    def _check_api_user(self, manager=False):
        """403 unless the caller is a Cloud Billing user (administrator for what
        creates customers or purges)."""
        group = API_MANAGER_GROUP if manager else API_USER_GROUP
        if not self.env.user.has_group(group):
            raise forbidden(
                self.env,
                self.env._("Only Cloud Billing administrators may do this.")
                if manager
                else self.env._("The API is for Cloud Billing users: this key's user is none."),
            )

    @api.model
    def _int_id(self, value, field):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number <= 0 or isinstance(value, bool):
            raise invalid(self.env, field, self.env._("%s must be a record id.", field))
        return number

    @api.model
    def _customer(self, customer_id):
        """The customer (a commercial partner) the caller may read, or 404: another
        company's or an unknown one alike."""
        self._check_api_user()
        # The multi-company rule on partners reads the companies' parent path: only
        # that field, not every field of the company.
        self.env.companies.fetch(["parent_path"])
        partner = self.env["res.partner"].search_fetch(
            [("id", "=", self._int_id(customer_id, "customer_id")), ("parent_id", "=", False)],
            ["company_id"],
        )
        if not partner or (partner.company_id and partner.company_id != self.env.company):
            raise not_found(self.env, self.env._("Customer"), customer_id)
        return partner

    @api.model
    def _cloud_account(self, account_id, customer=None):
        """A cloud account the caller may read (of this customer when given), or 404."""
        self._check_api_user()
        account = (
            self.env["billbyte.cloud.account"]
            .with_context(active_test=False)
            .search(
                [
                    ("id", "=", self._int_id(account_id, "account_id")),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        if not account or (
            customer and account.partner_id.commercial_partner_id != customer.commercial_partner_id
        ):
            raise not_found(self.env, self.env._("Cloud account"), account_id)
        return account

    @api.model
    def _customer_accounts(self, customer, field_names=None):
        """The customer's cloud accounts in this company, archived ones too; with
        field_names, these fields read in the same statement."""
        Account = self.env["billbyte.cloud.account"].with_context(active_test=False)
        domain = [
            ("partner_id", "child_of", customer.id),
            ("company_id", "=", self.env.company.id),
        ]
        if field_names:
            return Account.search_fetch(domain, field_names, order="id")
        return Account.search(domain, order="id")

    @api.model
    def _period(self, period, field="period"):
        """(first day, last day) of a month given as YYYY-MM."""
        try:
            first = fields.Date.to_date(f"{period}-01")
        except (TypeError, ValueError):
            first = None
        if not first or not isinstance(period, str) or len(period) != 7:
            raise invalid(self.env, field, self.env._("%s is a month: YYYY-MM.", field))
        return first, first + relativedelta(months=1, days=-1)

    @api.model
    def _page(self, model, domain, limit=None, cursor=None, order="id"):
        """One page of records by id and the cursor of the next one (None at the end)."""
        limit = self._limit(limit)
        after = self._decode_cursor(cursor) if cursor else 0
        records = model.search(domain + [("id", ">", after)], order=order, limit=limit + 1)
        following = None
        if len(records) > limit:
            records = records[:limit]
            following = self._encode_cursor(records[-1].id)
        return records, following

    @api.model
    def _limit(self, limit):
        if limit in (None, ""):
            return 50
        try:
            value = int(limit)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= MAX_PAGE:
            raise bad_request(
                self.env,
                "invalid_limit",
                self.env._("limit is a number from 1 to %s.", MAX_PAGE),
                field="limit",
            )
        return value

    @api.model
    def _encode_cursor(self, value):
        return base64.urlsafe_b64encode(json.dumps({"after": value}).encode()).decode().rstrip("=")

    @api.model
    def _decode_cursor(self, cursor):
        refused = bad_request(
            self.env, "invalid_cursor", self.env._("This cursor is not one we gave."), "cursor"
        )
        try:
            after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
        except (binascii.Error, ValueError, TypeError, KeyError):
            raise refused from None
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise refused
        return after

    @api.model
    def _account_values(self, account):
        """A cloud account as the API shows it."""
        connection = account.sudo().connection_id
        connector = connection._connector() if connection else None
        return {
            "id": account.id,
            "name": account.name,
            "customer_id": account.partner_id.commercial_partner_id.id,
            "vendor": account.vendor_id.code,
            "vendor_account_id": account.vendor_account_id,
            "vendor_customer_id": account.vendor_customer_id or None,
            "currency": account.currency_id.name,
            "billing_cycle": account.billing_cycle,
            "state": account.state,
            "billed_until": fields.Date.to_string(account.billed_until) or None,
            "unbilled_amount": money(account.unbilled_amount, account.currency_id),
            "vendor_portal_url": connector.portal_url(
                account.vendor_account_id, account.vendor_customer_id
            )
            if connector
            else None,
        }

    @api.model
    def _customer_values(self, partner):
        invoice_contact = partner.child_ids.filtered(lambda c: c.type == "invoice")[:1]
        pricelist = partner.property_product_pricelist
        return {
            "id": partner.id,
            "name": partner.name,
            "is_company": partner.is_company,
            "email": partner.email or None,
            "lang": partner.lang or None,
            "currency": pricelist.currency_id.name or self.env.company.currency_id.name,
            "pricing_strategy": {"id": pricelist.id, "name": pricelist.name} if pricelist else None,
            "invoice_day": partner.billbyte_invoice_day,
            "invoiced_externally": partner.billbyte_external_billing,
            "billing_contact": {
                "id": invoice_contact.id,
                "name": invoice_contact.name,
                "email": invoice_contact.email or None,
            }
            if invoice_contact
            else None,
        }

    # ------------------------------------------------------------------ reads
    @api.model
    @answer
    def list_customers(self, limit=None, cursor=None):
        """Customers with cloud accounts or customer invoices, by id, a page at a time."""
        self._check_api_user()
        records, following = self._page(
            self.env["res.partner"],
            [
                ("parent_id", "=", False),
                ("company_id", "in", [False, self.env.company.id]),
                "|",
                ("customer_rank", ">", 0),
                ("billbyte_cloud_account_ids", "!=", False),
            ],
            limit,
            cursor,
        )
        return {"data": [self._customer_values(p) for p in records], "next_cursor": following}

    @api.model
    @answer
    def get_customer(self, customer_id):
        customer = self._customer(customer_id)
        values = self._customer_values(customer)
        values["accounts"] = [self._account_values(a) for a in self._customer_accounts(customer)]
        return values

    @api.model
    @answer
    def list_accounts(self, customer_id, limit=None, cursor=None):
        customer = self._customer(customer_id)
        records, following = self._page(
            self.env["billbyte.cloud.account"].with_context(active_test=False),
            [
                ("partner_id", "child_of", customer.id),
                ("company_id", "=", self.env.company.id),
            ],
            limit,
            cursor,
        )
        return {"data": [self._account_values(a) for a in records], "next_cursor": following}

    @api.model
    @answer
    def get_account(self, account_id):
        return self._account_values(self._cloud_account(account_id))
