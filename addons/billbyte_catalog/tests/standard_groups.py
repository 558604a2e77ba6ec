# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's standard back-office groups, and opening a view as one of them would."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

# Login suffix -> the groups of a user in that role, as Odoo's own settings give them.
STANDARD_GROUPS = {
    "internal": "base.group_user",
    "invoicing": "account.group_account_invoice",
    "auditor": "account.group_account_readonly",
    "accountant": "account.group_account_user",
    "account_manager": "account.group_account_manager",
    "salesman": "sales_team.group_sale_salesman",
    "sales_manager": "sales_team.group_sale_manager",
}


def standard_users(env, prefix):
    """One user per standard group: {role: user}."""
    return {
        role: new_test_user(
            env, login=f"{prefix}_{role}", groups=groups, context={"no_reset_password": True}
        )
        for role, groups in STANDARD_GROUPS.items()
    }


def open_form(record, view_xmlid=None):
    """Open record's form as its environment's user does: the view as the server
    sends it to that user, then every field it shows read (web_read) at once.

    Returns the Form (its fields: form._view['fields'])."""
    return Form(record, view=view_xmlid)


def open_list(model, view_type="list", view_xmlid=None, domain=None):
    """Load a list (or kanban) view and the records it lists, as the web client does.

    Returns (field names of the view, records' values)."""
    view_id = model.env.ref(view_xmlid).id if view_xmlid else False
    views = model.get_views([(view_id, view_type), (False, "search")])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    # The view's own fields, not those of its x2many sub-views.
    names = {
        node.get("name")
        for node in arch.iter("field")
        if next(node.iterancestors("list", "kanban", "form"), arch) is arch
    }
    specification = {}
    fields = views["models"][model._name]["fields"]
    for name in names:
        if fields.get(name, {}).get("type") == "many2one":
            specification[name] = {"fields": {"display_name": {}}}
        else:
            specification[name] = {}
    values = model.web_search_read(domain or [], specification, limit=80)["records"]
    return names, values


def opens_without_our_views(record, view_xmlid, our_view_xmlids):
    """Whether Odoo's own form opens for record's user once our extensions of it are
    archived: where Odoo's view alone refuses a group, ours cannot be blamed."""
    env = record.env
    ours = env["ir.ui.view"].sudo().browse([env.ref(xmlid).id for xmlid in our_view_xmlids])
    ours.active = False
    try:
        open_form(record, view_xmlid)
        opened = True
    except AccessError:
        opened = False
    finally:
        ours.active = True
    return opened
