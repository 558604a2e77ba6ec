# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.billbyte_usage.controllers.portal import BillbyteCloudPortal
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class BillbyteBudgetPortal(CustomerPortal):
    """A customer's budgets: consumption, forecast and thresholds, read with the
    customer's own rights (record rules show only their own)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "billbyte_budget_count" in counters:
            Budget = request.env["billbyte.cloud.budget"]
            values["billbyte_budget_count"] = (
                Budget.search_count([]) if Budget.has_access("read") else 0
            )
        return values

    @http.route(
        ["/my/cloud-budgets", "/my/cloud-budgets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_cloud_budgets(self, page=1, **kwargs):
        Budget = request.env["billbyte.cloud.budget"]
        pager = portal_pager(
            url="/my/cloud-budgets",
            total=Budget.search_count([]),
            page=page,
            step=self._items_per_page,
        )
        budgets = Budget.search([], limit=self._items_per_page, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billbyte_budgets",
                "budgets": budgets,
                "pager": pager,
                "default_url": "/my/cloud-budgets",
            }
        )
        return request.render("billbyte_budget.portal_my_cloud_budgets", values)

    @http.route(["/my/cloud-budgets/<int:budget_id>"], type="http", auth="user", website=True)
    def portal_cloud_budget(self, budget_id, **kwargs):
        # Another customer's budget and a missing one look the same: not found.
        budget = request.env["billbyte.cloud.budget"].search([("id", "=", budget_id)])
        if not budget:
            raise request.not_found()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billbyte_budget",
                "budget": budget,
                "status": budget.get_budget_status()[0],
            }
        )
        return request.render("billbyte_budget.portal_cloud_budget", values)


class BillbyteCloudBudgetSection(BillbyteCloudPortal):
    """The budgets section of /my/cloud."""

    def _billbyte_cloud_values(self, accounts):
        values = super()._billbyte_cloud_values(accounts)
        Budget = request.env["billbyte.cloud.budget"]
        budgets = Budget.search([]) if Budget.has_access("read") else Budget
        if len(accounts) == 1:
            budgets = budgets.filtered(
                lambda b: b.cloud_account_id == accounts or b.scope == "customer"
            )
        values["cloud_budgets"] = budgets
        return values
