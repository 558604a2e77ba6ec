# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The API's operations, parameters and error answers, and the OpenAPI document."""

from .schemas import SCHEMAS, obj, ref

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
