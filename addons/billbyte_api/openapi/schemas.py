# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The schemas of the JSON API's OpenAPI 3.1 document (served at
/api/billbyte/v1/openapi.json and validated, with the answers of the tests, by
openapi-spec-validator)."""

from ..models.webhook_endpoint import EVENT_CODES

AMOUNT = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "A decimal amount as text (never a binary float), beside its currency.",
}
QUANTITY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code."}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "description": "UTC, YYYY-MM-DD HH:MM:SS"}


def nullable(schema):
    schema = dict(schema)
    kind = schema.get("type")
    if kind:
        schema["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties, required=None, **extra):
    schema = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else required
    return schema


def page(item):
    return obj(
        {"data": {"type": "array", "items": ref(item)}, "next_cursor": nullable({"type": "string"})}
    )


SUMMARY = obj(
    {
        "currency": CURRENCY,
        "currency_id": {"type": "integer"},
        "total": AMOUNT,
        "cost": AMOUNT,
        "by_service": {
            "type": "array",
            "items": obj(
                {
                    "product_id": nullable({"type": "integer"}),
                    "service": nullable({"type": "string"}),
                    "amount": AMOUNT,
                    "quantity": QUANTITY,
                }
            ),
        },
        "by_day": {"type": "array", "items": obj({"date": DATE, "amount": AMOUNT})},
    },
    required=["currency", "total", "by_service", "by_day"],
)

SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "status": {"type": "integer"},
                    "field": {"type": "string"},
                },
                required=["code", "message", "status"],
            )
        }
    ),
    "Account": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "customer_id": {"type": "integer"},
            "vendor": {"type": "string"},
            "vendor_account_id": {"type": "string"},
            "vendor_customer_id": nullable({"type": "string"}),
            "currency": CURRENCY,
            "billing_cycle": {"type": "string", "enum": ["monthly", "quarterly", "annually"]},
            "state": {"type": "string", "enum": ["active", "suspended", "purged"]},
            "billed_until": nullable(DATE),
            "unbilled_amount": AMOUNT,
            "vendor_portal_url": nullable({"type": "string"}),
            "created_at_vendor": {"type": "boolean"},
            "vendor_answer": nullable({"type": "string"}),
        },
        required=[
            "id",
            "name",
            "customer_id",
            "vendor",
            "vendor_account_id",
            "currency",
            "billing_cycle",
            "state",
            "unbilled_amount",
        ],
    ),
    "Customer": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "is_company": {"type": "boolean"},
            "email": nullable({"type": "string"}),
            "lang": nullable({"type": "string"}),
            "currency": CURRENCY,
            "pricing_strategy": nullable(
                obj({"id": {"type": "integer"}, "name": {"type": "string"}})
            ),
            "invoice_day": {"type": "integer", "minimum": 1, "maximum": 28},
            "invoiced_externally": {"type": "boolean"},
            "billing_contact": nullable(
                obj(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": nullable({"type": "string"}),
                    }
                )
            ),
            "accounts": {"type": "array", "items": ref("Account")},
            "portal": nullable(
                obj(
                    {
                        "partner_id": {"type": "integer"},
                        "user_id": {"type": "integer"},
                        "login": {"type": "string"},
                        "invited": {"type": "boolean"},
                    }
                )
            ),
        },
        required=["id", "name", "is_company", "currency", "invoice_day", "invoiced_externally"],
    ),
    "CustomerCreate": obj(
        {
            "name": {"type": "string"},
            "is_company": {"type": "boolean", "default": True},
            "email": {"type": "string"},
            "phone": {"type": "string"},
            "street": {"type": "string"},
            "city": {"type": "string"},
            "zip": {"type": "string"},
            "country": {"type": "string", "description": "ISO 3166 code"},
            "vat": {"type": "string"},
            "lang": {"type": "string", "description": "An installed language, e.g. en_US"},
            "currency": CURRENCY,
            "pricing_strategy_id": {"type": "integer"},
            "billing_cycle": {"type": "string", "enum": ["monthly", "quarterly", "annually"]},
            "invoice_day": {"type": "integer", "minimum": 1, "maximum": 28},
            "invoiced_externally": {"type": "boolean"},
            "billing_contact": obj(
                {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "phone": {"type": "string"},
                },
                required=["name"],
            ),
            "portal_access": {"type": "boolean"},
            "create_at_vendor": {"type": "boolean"},
            "accounts": {
                "type": "array",
                "items": obj(
                    {
                        "vendor": {"type": "string", "description": "aws, microsoft, gcp"},
                        "name": {"type": "string"},
                        "vendor_account_id": {"type": "string"},
                        "vendor_customer_id": {"type": "string"},
                        "billing_cycle": {"type": "string"},
                        "connection_id": {"type": "integer"},
                        "email": {"type": "string"},
                        "domain": {"type": "string"},
                        "offer_id": {"type": "string"},
                    },
                    required=["vendor"],
                    additionalProperties=False,
                ),
            },
        },
        required=["name"],
        additionalProperties=False,
    ),
    "BudgetStatus": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "currency": CURRENCY,
            "period_start": nullable(DATE),
            "period_end": nullable(DATE),
            "amount": nullable(AMOUNT),
            "consumed": AMOUNT,
            "remaining": nullable(AMOUNT),
            "forecast": AMOUNT,
            "status": {"type": "string"},
            "thresholds": {"type": "array"},
            "thresholds_fired": {"type": "array"},
            "services": {"type": "array"},
        },
        required=["id", "name", "currency", "consumed", "forecast", "status"],
    ),
    "UsageSummary": SUMMARY,
    "UnbilledUsage": obj(
        {
            "customer_id": {"type": "integer"},
            "as_of": nullable(
                obj(
                    {
                        "import_id": {"type": "integer"},
                        "connection": {"type": "string"},
                        "finished_at": DATETIME,
                    }
                )
            ),
            "total": {"type": "array", "items": ref("UsageSummary")},
            "accounts": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "vendor": {"type": "string"},
                        "vendor_account_id": {"type": "string"},
                        "state": {"type": "string"},
                        "usage": {"type": "array", "items": ref("UsageSummary")},
                    }
                ),
            },
            "budgets": {"type": "array", "items": ref("BudgetStatus")},
        }
    ),
    "Budgets": obj(
        {
            "customer_id": {"type": "integer"},
            "data": {"type": "array", "items": ref("BudgetStatus")},
        }
    ),
    "LineItem": obj(
        {
            "cloud_account_id": {"type": "integer"},
            "cloud_account": {"type": "string"},
            "vendor": {"type": "string"},
            "vendor_account_id": {"type": "string"},
            "service": {"type": "string"},
            "product": {"type": "string"},
            "description": {"type": "string"},
            "period_start": DATE,
            "period_end": DATE,
            "corrected_period": nullable({"type": "string"}),
            "quantity": QUANTITY,
            "unit": {"type": "string"},
            "amount": AMOUNT,
            "currency": CURRENCY,
        }
    ),
    "Totals": {"type": "array", "items": obj({"currency": CURRENCY, "amount": AMOUNT})},
    "Charges": obj(
        {
            "customer_id": {"type": "integer"},
            "as_of": DATE,
            "invoiced_externally": {"type": "boolean"},
            "line_items": {"type": "array", "items": ref("LineItem")},
            "totals": ref("Totals"),
        }
    ),
    "MonthClose": obj(
        {
            "customer_id": {"type": "integer"},
            "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "billing_date": DATE,
            "invoiced_externally": {"type": "boolean"},
            "acknowledged": {"type": "boolean"},
            "reference": nullable({"type": "string"}),
            "acknowledged_on": nullable(DATETIME),
            "line_items": {"type": "array", "items": ref("LineItem")},
            "totals": ref("Totals"),
            "newly_acknowledged": {"type": "boolean"},
            "usage_lines_billed": {"type": "integer"},
        },
        required=[
            "customer_id",
            "period",
            "billing_date",
            "invoiced_externally",
            "acknowledged",
            "line_items",
            "totals",
        ],
    ),
    "ServiceAction": obj(
        {
            "id": {"type": "integer"},
            "account_id": {"type": "integer"},
            "action": {"type": "string", "enum": ["suspend", "resume", "purge"]},
            "state": {"type": "string"},
            "reason": {"type": "string"},
            "requested_by": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
            "requested_on": DATETIME,
            "vendor_answer": nullable({"type": "string"}),
            "account_state": {"type": "string"},
        }
    ),
    "Overview": obj(
        {
            "customer": ref("Customer"),
            "accounts": {"type": "array", "items": ref("Account")},
            "unbilled_usage": {"type": "array", "items": ref("UsageSummary")},
            "unbilled_as_of": nullable({"type": "object"}),
            "budgets": {"type": "array", "items": ref("BudgetStatus")},
            "alerts": {"type": "array", "items": {"type": "object"}},
            "open_invoices": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "number": {"type": "string"},
                        "type": {"type": "string"},
                        "date": nullable(DATE),
                        "due_date": nullable(DATE),
                        "currency": CURRENCY,
                        "amount_total": AMOUNT,
                        "amount_open": AMOUNT,
                        "payment_state": {"type": "string"},
                        "lines": {
                            "type": "array",
                            "items": obj(
                                {
                                    "id": {"type": "integer"},
                                    "description": nullable({"type": "string"}),
                                    "amount": AMOUNT,
                                    "amount_paid": AMOUNT,
                                    "amount_credited": AMOUNT,
                                    "amount_open": AMOUNT,
                                },
                                required=[
                                    "id",
                                    "amount",
                                    "amount_paid",
                                    "amount_credited",
                                    "amount_open",
                                ],
                            ),
                        },
                    }
                ),
            },
            "last_payments": {"type": "array", "items": {"type": "object"}},
            "wallet": nullable({"type": "object"}),
            "imports": {"type": "array", "items": {"type": "object"}},
            "seat_audit": {
                "type": "array",
                "description": "The latest month's seat audit: per cloud account and SKU, "
                "the seats billed against the licenses the tenant holds and has assigned "
                "at Microsoft (Partner Center subscribed SKUs).",
                "items": ref("SeatAudit"),
            },
        }
    ),
    "SeatAudit": obj(
        {
            "month": DATE,
            "cloud_account_id": {"type": "integer"},
            "sku": {"type": "string"},
            "seats_billed": {"type": "integer"},
            "licenses_at_microsoft": {"type": "integer"},
            "assigned_at_microsoft": {"type": "integer"},
            "unused_seats": {"type": "integer"},
            "over_assigned": {"type": "integer"},
            "state": {"type": "string", "enum": ["ok", "unused", "over_assigned"]},
        }
    ),
    "Webhook": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string", "enum": EVENT_CODES}},
            "state": {"type": "string", "enum": ["active", "failing"]},
            "failing_since": nullable(DATETIME),
            "last_error": nullable({"type": "string"}),
            "created_at": DATETIME,
            "secret": {"type": "string", "description": "Only in the answer to the registration."},
        },
        required=["id", "name", "url", "events", "state"],
    ),
    "WebhookCreate": obj(
        {
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string", "enum": EVENT_CODES}},
            "name": {"type": "string"},
            "secret": {"type": "string", "minLength": 16},
        },
        required=["url", "events"],
        additionalProperties=False,
    ),
    "Delivery": obj(
        {
            "id": {"type": "integer"},
            "event": {"type": "string", "enum": EVENT_CODES},
            "event_id": {"type": "string"},
            "state": {"type": "string", "enum": ["pending", "done", "failed"]},
            "attempts": {"type": "integer"},
            "last_status": nullable({"type": "integer"}),
            "created_at": DATETIME,
            "tries": {"type": "array", "items": {"type": "object"}},
        }
    ),
    "WebhookEvent": obj(
        {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": EVENT_CODES},
            "created_at": {"type": "string"},
            "company_id": {"type": "integer"},
            "data": {"type": "object"},
        }
    ),
}
SCHEMAS["CustomerPage"] = page("Customer")
SCHEMAS["AccountPage"] = page("Account")
SCHEMAS["WebhookPage"] = page("Webhook")
SCHEMAS["DeliveryPage"] = page("Delivery")
