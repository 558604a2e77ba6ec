# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models

from odoo.addons.billbyte_catalog.vendor_api.errors import VendorError, VendorUnavailable
from odoo.addons.billbyte_usage.focus.schema import normalize_account_id

from ..errors import ApiError, bad_request, invalid, missing
from .api import answer

CUSTOMER_FIELDS = {
    "name",
    "is_company",
    "email",
    "phone",
    "street",
    "city",
    "zip",
    "country",
    "vat",
    "lang",
    "currency",
    "pricing_strategy_id",
    "billing_cycle",
    "invoice_day",
    "invoiced_externally",
    "billing_contact",
    "portal_access",
    "create_at_vendor",
    "accounts",
}
ACCOUNT_FIELDS = {
    "vendor",
    "name",
    "vendor_account_id",
    "vendor_customer_id",
    "billing_cycle",
    "connection_id",
    "email",
    "domain",
    "offer_id",
}


class BillbyteApi(models.AbstractModel):
    _inherit = "billbyte.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ validation
    @api.model
    def _text(self, values, key, field, required=False):
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise missing(self.env, field)
            return None
        if not isinstance(value, str):
            raise invalid(self.env, field, self.env._("%s must be text.", field))
        return value.strip()

    @api.model
    def _flag(self, values, key, field):
        value = values.get(key, False)
        if not isinstance(value, bool):
            raise invalid(self.env, field, self.env._("%s must be true or false.", field))
        return value

    @api.model
    def _unknown_keys(self, values, allowed, prefix=""):
        unknown = sorted(set(values) - allowed)
        if unknown:
            field = f"{prefix}{unknown[0]}"
            raise invalid(
                self.env, field, self.env._("Unknown field %s.", field), code="unknown_field"
            )

    @api.model
    def _billing_cycle(self, value, field):
        if value is None:
            return None
        cycles = dict(
            self.env["billbyte.cloud.account"]
            ._fields["billing_cycle"]
            ._description_selection(self.env)
        )
        if value not in cycles:
            raise invalid(
                self.env,
                field,
                self.env._(
                    "%(field)s is one of %(values)s.", field=field, values=", ".join(cycles)
                ),
            )
        return value

    @api.model
    def _validate_customer(self, values):
        """The creation request checked as a whole, before anything is made: the
        first fault raises ApiError naming its field."""
        env = self.env
        if not isinstance(values, dict):
            raise bad_request(env, "invalid_body", env._("The body must be a JSON object."))
        self._unknown_keys(values, CUSTOMER_FIELDS)
        result = {
            "name": self._text(values, "name", "name", required=True),
            "is_company": self._flag(
                {"is_company": values.get("is_company", True)}, "is_company", "is_company"
            ),
            "invoiced_externally": self._flag(values, "invoiced_externally", "invoiced_externally"),
            "portal_access": self._flag(values, "portal_access", "portal_access"),
            "create_at_vendor": self._flag(values, "create_at_vendor", "create_at_vendor"),
        }
        for key in ("email", "phone", "street", "city", "zip", "vat"):
            result[key] = self._text(values, key, key)
        country_code = self._text(values, "country", "country")
        result["country"] = env["res.country"]
        if country_code:
            result["country"] = env["res.country"].search([("code", "=", country_code.upper())])
            if not result["country"]:
                raise invalid(env, "country", env._("Unknown country code %s.", country_code))
        lang = self._text(values, "lang", "lang")
        if lang and not env["res.lang"]._lang_get(lang):
            raise invalid(env, "lang", env._("Language %s is not installed.", lang))
        result["lang"] = lang
        result["billing_cycle"] = self._billing_cycle(values.get("billing_cycle"), "billing_cycle")
        invoice_day = values.get("invoice_day", 1)
        if (
            not isinstance(invoice_day, int)
            or isinstance(invoice_day, bool)
            or not 1 <= invoice_day <= 28
        ):
            raise invalid(env, "invoice_day", env._("invoice_day is a day from 1 to 28."))
        result["invoice_day"] = invoice_day
        result["pricelist"] = self._validate_pricelist(values)
        contact = values.get("billing_contact")
        if contact is not None:
            if not isinstance(contact, dict):
                raise invalid(env, "billing_contact", env._("billing_contact is an object."))
            self._unknown_keys(contact, {"name", "email", "phone"}, "billing_contact.")
            contact = {
                "name": self._text(contact, "name", "billing_contact.name", required=True),
                "email": self._text(contact, "email", "billing_contact.email"),
                "phone": self._text(contact, "phone", "billing_contact.phone"),
            }
        result["billing_contact"] = contact
        if result["portal_access"] and not ((contact or {}).get("email") or result["email"]):
            raise missing(env, "billing_contact.email")
        accounts = values.get("accounts", [])
        if not isinstance(accounts, list):
            raise invalid(env, "accounts", env._("accounts is a list."))
        result["accounts"] = [
            self._validate_account(account, f"accounts[{index}].", result, accounts[:index])
            for index, account in enumerate(accounts)
        ]
        return result

    @api.model
    def _validate_pricelist(self, values):
        env = self.env
        Pricelist = env["product.pricelist"]
        company_domain = [("company_id", "in", [False, env.company.id])]
        strategy_id = values.get("pricing_strategy_id")
        currency_code = self._text(values, "currency", "currency")
        currency = env["res.currency"]
        if currency_code:
            currency = env["res.currency"].search([("name", "=", currency_code.upper())])
            if not currency:
                raise invalid(
                    env, "currency", env._("Unknown or inactive currency %s.", currency_code)
                )
        if strategy_id is not None:
            pricelist = Pricelist.search(
                [("id", "=", self._int_id(strategy_id, "pricing_strategy_id"))] + company_domain
            )
            if not pricelist:
                raise invalid(
                    env,
                    "pricing_strategy_id",
                    env._("Pricing strategy %s not found.", strategy_id),
                    code="not_found",
                )
            if currency and pricelist.currency_id != currency:
                raise invalid(
                    env,
                    "currency",
                    env._(
                        "The pricing strategy %(strategy)s bills in %(currency)s.",
                        strategy=pricelist.name,
                        currency=pricelist.currency_id.name,
                    ),
                )
            return pricelist
        if currency:
            pricelist = Pricelist.search(
                [("currency_id", "=", currency.id), ("billbyte_strategy", "!=", False)]
                + company_domain,
                order="sequence, id",
                limit=1,
            )
            if not pricelist:
                raise invalid(
                    env,
                    "currency",
                    env._(
                        "No pricing strategy bills in %s: name one (pricing_strategy_id).",
                        currency.name,
                    ),
                )
            return pricelist
        return Pricelist

    @api.model
    def _validate_account(self, account, prefix, customer, earlier):
        env = self.env
        if not isinstance(account, dict):
            raise invalid(env, prefix[:-1], env._("%s is an object.", prefix[:-1]))
        self._unknown_keys(account, ACCOUNT_FIELDS, prefix)
        code = self._text(account, "vendor", f"{prefix}vendor", required=True)
        vendor = env["billbyte.cloud.vendor"].search([("code", "=", code)], limit=1)
        if not vendor:
            raise invalid(
                env, f"{prefix}vendor", env._("Unknown vendor %s.", code), code="unknown_vendor"
            )
        result = {
            "vendor": vendor,
            "name": self._text(account, "name", f"{prefix}name")
            or f"{customer['name']} {vendor.name}",
            "vendor_customer_id": self._text(
                account, "vendor_customer_id", f"{prefix}vendor_customer_id"
            ),
            "billing_cycle": self._billing_cycle(
                account.get("billing_cycle"), f"{prefix}billing_cycle"
            )
            or customer["billing_cycle"],
            "email": self._text(account, "email", f"{prefix}email"),
            "domain": self._text(account, "domain", f"{prefix}domain"),
            "offer_id": self._text(account, "offer_id", f"{prefix}offer_id"),
        }
        result["connection"] = self._account_connection(account, vendor, prefix, customer)
        vendor_account_id = self._text(
            account,
            "vendor_account_id",
            f"{prefix}vendor_account_id",
            required=not customer["create_at_vendor"],
        )
        if customer["create_at_vendor"] and vendor_account_id:
            raise invalid(
                env,
                f"{prefix}vendor_account_id",
                env._("The vendor gives the account id when it creates the account."),
            )
        result["vendor_account_id"] = vendor_account_id
        if vendor_account_id:
            key = normalize_account_id(vendor_account_id)
            twice = any(
                isinstance(other, dict)
                and other.get("vendor") == code
                and isinstance(other.get("vendor_account_id"), str)
                and normalize_account_id(other["vendor_account_id"].strip()) == key
                for other in earlier
            )
            existing = (
                env["billbyte.cloud.account"]
                .sudo()
                ._search_vendor_accounts(env.company, vendor.id, [vendor_account_id])
            )
            if twice or existing:
                raise invalid(
                    env,
                    f"{prefix}vendor_account_id",
                    env._(
                        "%(vendor)s account %(id)s is already a cloud account of this company.",
                        vendor=vendor.name,
                        id=vendor_account_id,
                    )
                    if existing
                    else env._("%s is twice in this request.", vendor_account_id),
                    code="duplicate",
                )
        return result

    @api.model
    def _account_connection(self, account, vendor, prefix, customer):
        """The connection an account goes through: the one named, else the company's
        only active one of its vendor; one that can create accounts when asked to."""
        env = self.env
        Connection = env["billbyte.connection"].sudo()
        if account.get("connection_id") is not None:
            connection = Connection.search(
                [
                    ("id", "=", self._int_id(account["connection_id"], f"{prefix}connection_id")),
                    ("company_id", "=", env.company.id),
                    ("vendor_id", "=", vendor.id),
                ]
            )
            if not connection:
                raise invalid(
                    env,
                    f"{prefix}connection_id",
                    env._("No connection %s of this vendor.", account["connection_id"]),
                    code="not_found",
                )
        else:
            connection = Connection.search(
                [("company_id", "=", env.company.id), ("vendor_id", "=", vendor.id)]
            )
            connection = connection if len(connection) == 1 else Connection
        if customer["create_at_vendor"]:
            connector = connection._connector() if connection else None
            if not connector or not connector.creates_accounts:
                raise invalid(
                    env,
                    f"{prefix}connection_id",
                    env._(
                        "No connection of %s here can create accounts at the vendor: name one "
                        "(connection_id) of a kind that can.",
                        vendor.name,
                    ),
                    code="cannot_create_at_vendor",
                )
        return connection

    # ------------------------------------------------------------------ creation
    @api.model
    @answer
    def create_customer(self, values):
        """A customer in one call: the partner (company or person) with its billing
        contact, currency and pricing strategy, invoice day and language, its cloud
        accounts per vendor (created at the vendor first with create_at_vendor) and
        portal access (an invitation email). All or nothing within Odoo: bad input
        makes nothing; see the README for the vendor side."""
        self._check_api_user(manager=True)
        checked = self._validate_customer(values)
        created_at_vendor = [
            self._create_at_vendor(account, checked, index) if checked["create_at_vendor"] else None
            for index, account in enumerate(checked["accounts"])
        ]
        partner = self._create_partner(checked)
        accounts = self.env["billbyte.cloud.account"]
        for account, vendor_answer in zip(checked["accounts"], created_at_vendor, strict=True):
            ids = vendor_answer or {}
            vals = {
                "name": account["name"],
                "vendor_id": account["vendor"].id,
                "vendor_account_id": ids.get("vendor_account_id") or account["vendor_account_id"],
                "vendor_customer_id": ids.get("vendor_customer_id")
                or account["vendor_customer_id"]
                or False,
                "partner_id": partner.id,
                "company_id": self.env.company.id,
            }
            if account["connection"]:
                vals["connection_id"] = account["connection"].id
            if account["billing_cycle"]:
                vals["billing_cycle"] = account["billing_cycle"]
            accounts |= accounts.create(vals)
        portal = self._grant_portal(partner, checked) if checked["portal_access"] else None
        result = self.get_customer(partner.id)
        answers = {
            account.id: answer for account, answer in zip(accounts, created_at_vendor, strict=True)
        }
        for values in result["accounts"]:
            answer = answers.get(values["id"])
            values["created_at_vendor"] = bool(answer)
            if answer:
                values["vendor_answer"] = answer.get("answer")
                values["vendor_portal_url"] = (
                    answer.get("portal_url") or values["vendor_portal_url"]
                )
        result["portal"] = portal
        return result

    @api.model
    def _create_partner(self, checked):
        Partner = self.env["res.partner"]
        vals = {
            "name": checked["name"],
            "is_company": checked["is_company"],
            "company_id": self.env.company.id,
            "customer_rank": 1,
            "billbyte_invoice_day": checked["invoice_day"],
            "billbyte_external_billing": checked["invoiced_externally"],
        }
        for key in ("email", "phone", "street", "city", "zip", "vat", "lang"):
            if checked[key]:
                vals[key] = checked[key]
        if checked["country"]:
            vals["country_id"] = checked["country"].id
        if checked["pricelist"]:
            vals["property_product_pricelist"] = checked["pricelist"].id
        contact = checked["billing_contact"]
        if contact:
            vals["child_ids"] = [
                Command.create(
                    {
                        "type": "invoice",
                        "name": contact["name"],
                        "email": contact["email"] or False,
                        "phone": contact["phone"] or False,
                        "lang": checked["lang"] or False,
                    }
                )
            ]
        return Partner.create(vals)

    @api.model
    def _create_at_vendor(self, account, checked, index):
        contact = checked["billing_contact"] or {}
        first, _sep, last = (contact.get("name") or checked["name"]).partition(" ")
        values = {
            "name": account["name"],
            "account_name": account["name"],
            "email": account["email"] or contact.get("email") or checked["email"],
            "domain": account["domain"],
            "offer_id": account["offer_id"],
            "country": checked["country"].code if checked["country"] else None,
            "city": checked["city"],
            "street": checked["street"],
            "zip": checked["zip"],
            "phone": checked["phone"],
            "first_name": first,
            "last_name": last or first,
            "language": checked["lang"] or self.env.lang,
        }
        values["name"] = (
            checked["name"] if account["vendor"].code == "microsoft" else account["name"]
        )
        try:
            return account["connection"]._connector().create_vendor_account(values)
        except VendorUnavailable as error:
            raise ApiError(503, "vendor_unavailable", str(error), f"accounts[{index}]") from None
        except VendorError as error:
            raise ApiError(502, "vendor_refused", str(error), f"accounts[{index}]") from None

    @api.model
    def _grant_portal(self, partner, checked):
        """Portal access for the billing contact (else the customer): a portal user
        and Odoo's invitation email, as Contacts > Grant portal access does."""
        contact = partner.child_ids.filtered(lambda c: c.type == "invoice")[:1]
        if not (contact and contact.email):
            contact = partner
        wizard = self.env["portal.wizard"].create({"partner_ids": [Command.set(contact.ids)]})
        line = wizard.user_ids.filtered(lambda u: u.partner_id == contact)
        line.action_grant_access()
        user = line.user_id.sudo()
        return {"partner_id": contact.id, "user_id": user.id, "login": user.login, "invited": True}
