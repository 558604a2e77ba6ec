# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "BillByte Server",
    "summary": "Server-wide hooks: a server out of database connections answers "
    "503 with Retry-After instead of 500",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/billbyte/billbyte-odoo",
    "author": "BillByte",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["base"],
    "post_load": "post_load",
}
