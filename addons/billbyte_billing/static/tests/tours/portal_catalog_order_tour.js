/** @odoo-module **/
// A portal customer picks a Microsoft license in the cloud catalog, asks for 4 seats,
// signs the quotation in Odoo's quotation portal, and finds the new license with its
// cancellation window on /my/cloud (the order goes to the Partner Center stand-in).
import { registry } from "@web/core/registry";
import { redirect } from "@web/core/utils/urls";

registry.category("web_tour.tours").add("billbyte_portal_catalog_order_tour", {
    url: "/my/cloud-catalog",
    steps: () => [
        {
            content: "Choose the license in the catalog",
            trigger: ".o_billbyte_catalog_item a:contains('Microsoft 365 E3')",
            run: "click",
        },
        {
            content: "Its page shows the customer's price",
            trigger: ".o_billbyte_price:contains('30.00')",
        },
        {
            content: "The seats are for the customer's Microsoft tenant",
            trigger: "select#billbyte_order_cloud_account:contains('Contoso tenant')",
        },
        {
            content: "Ask for 4 seats",
            trigger: "#billbyte_order_quantity",
            run: "edit 4",
        },
        {
            trigger: ".o_billbyte_order_submit",
            run: "click",
        },
        {
            content: "The quotation opens in Odoo's quotation portal",
            trigger: "#quote_content:contains('Microsoft 365 E3')",
        },
        {
            content: "Accept and sign",
            trigger: ".o_portal_sale_sidebar a:contains('Sign')",
            run: "click",
        },
        {
            content: "Signed in the customer's name",
            trigger: ".modal .o_web_sign_name_and_signature input:value(bb_cat_tom)",
        },
        {
            content: "Pick a signature style",
            trigger: ".modal .o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:eq(3)",
            run: "click",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "Confirmed: Microsoft took the order. Back to the portal home",
            trigger: "#quote_content:contains('Thank You')",
            run: () => redirect("/my/home"),
        },
        {
            content: "Open Cloud Usage",
            trigger: "a[href='/my/cloud']",
            run: "click",
        },
        {
            content: "The new license, its seats and its cancellation window",
            trigger: ".o_billbyte_cloud_license:contains('Microsoft 365 E3'):contains('4')",
        },
        {
            trigger: ".o_billbyte_cloud_license .o_billbyte_cancellation_until span:not(:contains('-'))",
        },
    ],
});
