/** @odoo-module **/
// A portal customer walks through their cloud usage, a budget, their saved payment
// methods and an invoice.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("billbyte_portal_cloud_tour", {
    url: "/my/home",
    steps: () => [
        {
            content: "Open Cloud Usage from the portal home",
            trigger: "a[href='/my/cloud']",
            run: "click",
        },
        {
            content: "The account, its unbilled usage by day and by service",
            trigger: ".o_billbyte_cloud_account:contains('Tour prod')",
        },
        {
            trigger: ".o_billbyte_usage_chart",
        },
        {
            trigger: ".o_billbyte_usage_services td:contains('AmazonEC2')",
        },
        {
            content: "Open the account",
            trigger: ".o_billbyte_cloud_account a:contains('Tour prod')",
            run: "click",
        },
        {
            content: "The account's page",
            trigger: "h3:contains('Tour prod')",
        },
        {
            content: "Back to Cloud Usage",
            trigger: ".breadcrumb a[href='/my/cloud']",
            run: "click",
        },
        {
            content: "Open the budget",
            trigger: ".o_billbyte_cloud_budget a:contains('Tour monthly budget')",
            run: "click",
        },
        {
            content: "Its progress and forecast",
            trigger: ".o_billbyte_budget_detail .progress-bar",
        },
        {
            trigger: ".o_billbyte_budget_forecast",
        },
        {
            content: "Back to Cloud Usage",
            trigger: "a[href='/my/cloud-budgets']",
            run: "click",
        },
        {
            trigger: ".o_billbyte_budget a:contains('Tour monthly budget')",
        },
        {
            content: "Go to the invoices from Cloud Usage",
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
        },
        {
            trigger: "a[href='/my/cloud']",
            run: "click",
        },
        {
            content: "The customer's saved card, masked, with its provider",
            trigger: ".o_billbyte_payment_token:contains('4242'):contains('Stripe')",
        },
        {
            content: "Manage the saved payment methods on Odoo's own page",
            trigger: ".o_billbyte_cloud_payment_methods a[href='/my/payment_method']",
            run: "click",
        },
        {
            trigger: "#o_billbyte_autopay",
        },
        {
            content: "Back to Cloud Usage",
            trigger: ".breadcrumb a[href='/my/home']",
            run: "click",
        },
        {
            trigger: "a[href='/my/cloud']",
            run: "click",
        },
        {
            content: "Open the latest invoice",
            trigger: ".o_billbyte_cloud_invoice a",
            run: "click",
        },
        {
            content: "Odoo's own invoice page",
            trigger: "#portal_sale_content, .o_portal_sidebar, #invoice_content, .o_portal_invoice_sidebar",
        },
    ],
});
