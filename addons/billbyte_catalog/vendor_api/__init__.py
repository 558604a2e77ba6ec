# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Talking to cloud vendors, shared by the catalog's price sync and the usage
connectors (billbyte_usage/connectors): the vendor error, one HTTP helper (retries
of 429 and 5xx honouring Retry-After) and one AWS session helper (boto3, STS role,
endpoint, retries)."""
