# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import base64
import io

from PIL import Image

from odoo.tests import Form, tagged
from odoo.tools.misc import file_path

from .common import CatalogCommon, csv_bytes


@tagged("post_install", "-at_install")
class TestViews(CatalogCommon):
    """The screens sales staff and accountants use, driven as a user would."""

    def test_catalog_action_views(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_catalog_products"
        )
        views = self.env["product.template"].get_views(
            [(view_id, mode) for view_id, mode in action["views"]]
            + [(action["search_view_id"][0], "search")]
        )
        kanban = views["views"]["kanban"]["arch"]
        self.assertIn("billbyte_vendor_image", kanban, "vendor logos on the cards")
        search = views["views"]["search"]["arch"]
        for needle in (
            "searchpanel",
            "billbyte_vendor_id",
            "billbyte_segment_ids",
            "billbyte_strategy_pricelist_id",
        ):
            self.assertIn(needle, search)
        catalog = self.env["product.template"].search(ast.literal_eval(action["domain"]))
        self.assertIn(self.vm, catalog)

    def test_bundle_form(self):
        with Form(self.env["product.template"]) as form:
            form.name = "Starter pack"
            form.billbyte_is_bundle = True
            form.billbyte_bundle_pricing = "own"
            form.list_price = 49.0
            with form.billbyte_bundle_line_ids.new() as part:
                part.product_id = self.m365.product_variant_id
                part.quantity = 3
            form.billbyte_visibility = "segments"
            form.billbyte_segment_ids.add(self.enterprise)
        bundle = form.record
        self.assertTrue(bundle.billbyte_is_catalog_item)
        self.assertEqual(bundle.billbyte_bundle_line_ids.quantity, 3)
        self.assertFalse(bundle.billbyte_published)
        bundle.action_billbyte_publish()
        self.assertEqual(bundle._billbyte_filter_visible(self.contoso), bundle)

    def test_vendor_form(self):
        with Form(self.aws) as form:
            form.aws_pricing_service_codes = "AmazonEC2"
            form.price_sync_enabled = True
        self.assertEqual(self.aws._billbyte_aws_service_codes(), ["AmazonEC2"])

    def test_import_wizard_form(self):
        content = csv_bytes(
            [
                [
                    "meterId",
                    "meterName",
                    "meterCategory",
                    "unitOfMeasure",
                    "unitPrice",
                    "currencyCode",
                ],
                ["form-meter", "E2s v5", "Virtual Machines", "1 Hour", "0.126", "USD"],
            ]
        )
        with Form(self.env["billbyte.price.import.wizard"]) as form:
            form.file_format = "azure_meter"
            form.file = base64.b64encode(content)
            self.assertEqual(form.vendor_id, self.microsoft)
        action = form.record.action_import()
        run = self.env["billbyte.price.import"].browse(action["res_id"])
        self.assertEqual(run.created_count, 1)

    def test_simulator_form(self):
        action = self.vm.action_billbyte_price_simulator()
        simulator = self.env[action["res_model"]].browse(action["res_id"])
        with Form(simulator) as form:
            form.partner_id = self.northwind
            form.quantity = 720
        self.assertTrue(simulator.line_ids)
        self.assertEqual(simulator.line_ids[0].pricelist_id, self.cost_plus_eur)

    def test_app_icon_is_drawn(self):
        """The app's menu icon and the portal tile show the cloud-and-coin icon,
        not a plain square."""
        root = self.env.ref("billbyte_catalog.menu_billbyte_root")
        self.assertEqual(root.web_icon, "billbyte_catalog,static/description/icon.png")
        icon = Image.open(io.BytesIO(base64.b64decode(root.web_icon_data))).convert("RGB")
        self.assertEqual(icon.size, (128, 128))
        self.assertGreater(len(icon.getcolors(128 * 128)), 100)
        tile = self.env.ref("billbyte_catalog.portal_my_home_cloud_catalog").arch
        self.assertIn("/billbyte_catalog/static/description/icon.svg", tile)
        with open(file_path("billbyte_catalog/static/description/icon.svg"), "rb") as svg:
            self.assertIn(b"<svg", svg.read(200))
