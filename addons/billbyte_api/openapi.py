# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The OpenAPI 3.1 document of the JSON API, served at /api/billbyte/v1/openapi.json
and validated (with the answers of the tests) by openapi-spec-validator."""

from .models.webhook_endpoint import EVENT_CODES

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
                                    "amount_open": AMOUNT,
                                },
                                required=["id", "amount", "amount_open"],
                            ),
                        },
                    }
                ),
            },
            "last_payments": {"type": "array", "items": {"type": "object"}},
            "wallet": nullable({"type": "object"}),
            "imports": {"type": "array", "items": {"type": "object"}},
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

ERRORS = {
    "400": "Malformed JSON, a missing Idempotency-Key, a bad cursor",
    "401": "No API key, or a wrong, expired or revoked one",
    "403": "The key's user lacks the rights",
    "404": "Unknown, or another company's or customer's (never 403)",
    "409": "The Idempotency-Key was used for another call, or the state forbids it",
    "422": "A field is missing or wrong (error.field names it)",
}


def _errors(*codes):
    return {code: {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _json(schema_name, description="OK"):
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


def _csv(description):
    return {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}}}


def _param(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _operation(op_id, summary, ok, params=(), errors=("401", "403", "404"), body=None, tags=()):
    operation = {
        "operationId": op_id,
        "summary": summary,
        "parameters": [_param(p) for p in params],
        "responses": {**ok, **_errors(*errors)},
    }
    if tags:
        operation["tags"] = list(tags)
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": ref(body) if isinstance(body, str) else body}
            },
        }
    return operation


def paths():
    creating = ("400", "401", "403", "404", "409", "422")
    return {
        "/customers": {
            "get": _operation(
                "listCustomers",
                "Customers, a page at a time",
                {"200": _json("CustomerPage")},
                ("Limit", "Cursor"),
                ("400", "401", "403"),
                tags=["customers"],
            ),
            "post": _operation(
                "createCustomer",
                "A customer with its billing contact, cloud accounts (at the vendor with "
                "create_at_vendor) and portal access, in one call",
                {"201": _json("Customer", "Created")},
                ("IdempotencyKey",),
                creating,
                body="CustomerCreate",
                tags=["customers"],
            ),
        },
        "/customers/{customer_id}": {
            "get": _operation(
                "getCustomer",
                "A customer and its cloud accounts",
                {"200": _json("Customer")},
                ("CustomerId",),
                tags=["customers"],
            ),
        },
        "/customers/{customer_id}/overview": {
            "get": _operation(
                "getCustomerOverview",
                "Help-desk overview of a customer",
                {"200": _json("Overview")},
                ("CustomerId",),
                tags=["customers"],
            ),
        },
        "/customers/{customer_id}/accounts": {
            "get": _operation(
                "listAccounts",
                "A customer's cloud accounts",
                {"200": _json("AccountPage")},
                ("CustomerId", "Limit", "Cursor"),
                ("400", "401", "403", "404"),
                tags=["accounts"],
            ),
        },
        "/customers/{customer_id}/usage": {
            "get": _operation(
                "getUnbilledUsage",
                "Unbilled usage now per customer and account, by service and day, as of the "
                "last import, with budget statuses",
                {"200": _json("UnbilledUsage")},
                ("CustomerId", "AccountIdQuery"),
                ("401", "403", "404", "422"),
                tags=["usage"],
            ),
        },
        "/customers/{customer_id}/budgets": {
            "get": _operation(
                "getBudgets",
                "Budget statuses of a customer",
                {"200": _json("Budgets")},
                ("CustomerId",),
                tags=["usage"],
            ),
        },
        "/customers/{customer_id}/charges": {
            "get": _operation(
                "getCharges",
                "The current period's open line items (the next invoice)",
                {"200": _json("Charges")},
                ("CustomerId",),
                tags=["billing"],
            ),
        },
        "/customers/{customer_id}/month-close/{period}": {
            "get": _operation(
                "getMonthClose",
                "A closed period's line items (JSON, or CSV with format=csv)",
                {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": ref("MonthClose")},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    }
                },
                ("CustomerId", "Period", "Format"),
                ("401", "403", "404", "422"),
                tags=["billing"],
            ),
        },
        "/customers/{customer_id}/month-close/{period}/acknowledge": {
            "post": _operation(
                "acknowledgeMonthClose",
                "The provider's own system billed the period: mark its usage billed (once)",
                {
                    "200": _json("MonthClose", "Already acknowledged"),
                    "201": _json("MonthClose", "Acknowledged"),
                },
                ("CustomerId", "Period", "IdempotencyKey"),
                creating,
                body=obj({"reference": {"type": "string"}}, required=[]),
                tags=["billing"],
            ),
        },
        "/customers/{customer_id}/focus/{period}": {
            "get": _operation(
                "getFocusExport",
                "A month of usage as a FOCUS 1.3 CSV file",
                {"200": _csv("FOCUS 1.3 CSV")},
                ("CustomerId", "Period", "AccountIdQuery"),
                ("401", "403", "404", "422"),
                tags=["usage"],
            ),
        },
        "/accounts/{account_id}": {
            "get": _operation(
                "getAccount",
                "A cloud account",
                {"200": _json("Account")},
                ("AccountId",),
                tags=["accounts"],
            ),
        },
        "/accounts/{account_id}/usage": {
            "get": _operation(
                "getAccountUsage",
                "Unbilled usage of one cloud account",
                {"200": _json("UnbilledUsage")},
                ("AccountId",),
                tags=["usage"],
            ),
        },
        **{
            f"/accounts/{{account_id}}/{action}": {
                "post": _operation(
                    f"{action}Account",
                    f"{action.capitalize()} the account at its vendor (service management)",
                    {"202": _json("ServiceAction", "Asked of the vendor")},
                    ("AccountId", "IdempotencyKey"),
                    creating,
                    body=obj({"reason": {"type": "string"}}),
                    tags=["accounts"],
                )
            }
            for action in ("suspend", "resume", "purge")
        },
        "/webhooks": {
            "get": _operation(
                "listWebhooks",
                "Registered webhook endpoints",
                {"200": _json("WebhookPage")},
                ("Limit", "Cursor"),
                ("400", "401", "403"),
                tags=["webhooks"],
            ),
            "post": _operation(
                "registerWebhook",
                "Register a URL for events (answers its secret once)",
                {"201": _json("Webhook", "Registered")},
                ("IdempotencyKey",),
                creating,
                body="WebhookCreate",
                tags=["webhooks"],
            ),
        },
        "/webhooks/{webhook_id}": {
            "get": _operation(
                "getWebhook",
                "A webhook endpoint",
                {"200": _json("Webhook")},
                ("WebhookId",),
                tags=["webhooks"],
            ),
            "delete": _operation(
                "deleteWebhook",
                "Stop sending to an endpoint",
                {"204": {"description": "Deleted"}},
                ("WebhookId",),
                tags=["webhooks"],
            ),
        },
        "/webhooks/{webhook_id}/deliveries": {
            "get": _operation(
                "listWebhookDeliveries",
                "Deliveries and each try's answer",
                {"200": _json("DeliveryPage")},
                ("WebhookId", "Limit", "Cursor"),
                ("400", "401", "403", "404"),
                tags=["webhooks"],
            ),
        },
    }


def _path_id(name, description):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
        "description": description,
    }


PARAMETERS = {
    "CustomerId": _path_id("customer_id", "A customer (a partner) id"),
    "AccountId": _path_id("account_id", "A cloud account id"),
    "WebhookId": _path_id("webhook_id", "A webhook endpoint id"),
    "AccountIdQuery": {
        "name": "account_id",
        "in": "query",
        "schema": {"type": "integer"},
        "description": "One cloud account of the customer only",
    },
    "Period": {
        "name": "period",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
        "description": "A month, YYYY-MM",
    },
    "Format": {
        "name": "format",
        "in": "query",
        "schema": {"type": "string", "enum": ["json", "csv"]},
    },
    "Limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
    },
    "Cursor": {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string"},
        "description": "next_cursor of the previous page",
    },
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 255},
        "description": "The same key and body again answer the first answer; "
        "another body with the key is refused (409).",
    },
}


def openapi_document(server_url):
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BillByte Cloud Billing API",
            "version": "1.0.0",
            "description": "The provider's OSS/BSS API of BillByte for Odoo. Authenticate with an "
            "Odoo API key (Authorization: Bearer <key>); every call runs with the key's user's "
            "rights, in that user's company. Amounts are decimal strings beside their currency.",
        },
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An Odoo API key"}
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {
                f"E{code}": {
                    "description": description,
                    "content": {"application/json": {"schema": ref("Error")}},
                }
                for code, description in ERRORS.items()
            },
        },
    }
