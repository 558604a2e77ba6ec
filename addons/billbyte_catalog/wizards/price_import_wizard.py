# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.price_list_formats import FILE_FORMATS

FORMAT_VENDOR_CODES = {
    "ms_license": "microsoft",
    "ms_azure_plan": "microsoft",
    "ms_reservations": "microsoft",
    "azure_meter": "microsoft",
    "aws_bulk": "aws",
}


class BillbytePriceImportWizard(models.TransientModel):
    """Upload a vendor price list, or pull AWS prices, into the catalog."""

    _name = "billbyte.price.import.wizard"
    _description = "Import Cloud Vendor Prices"

    mode = fields.Selection(
        [
            ("file", "Price List File"),
            ("aws_api", "AWS Price List Query API"),
            ("azure_api", "Azure Retail Prices API"),
        ],
        required=True,
        default="file",
    )
    file_format = fields.Selection(FILE_FORMATS, string="Format", default="ms_license")
    vendor_id = fields.Many2one(
        "billbyte.cloud.vendor",
        compute="_compute_vendor_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    file = fields.Binary(string="Price List")
    file_name = fields.Char()
    effective_date = fields.Date(
        string="Prices Effective From",
        default=fields.Date.context_today,
        help="The day the file's prices take effect, for lines without a start date of their "
        "own (Partner Center's EffectiveStartDate, AWS's EffectiveDate): a price list the "
        "vendor published in advance waits for its day. Today or earlier: at once.",
    )
    segment = fields.Char(
        default="Commercial",
        help="Microsoft license price list: import the prices of this segment only "
        "(Commercial, Education, Charity…). Empty: every segment.",
    )
    market = fields.Char(
        help="Microsoft license price list: import the prices of this market only, e.g. DE. "
        "Empty: every market in the file.",
    )
    aws_service_code = fields.Char(
        string="AWS Service Code",
        help="e.g. AmazonEC2. Empty: every service code set on the vendor.",
    )

    azure_filter = fields.Char(
        help="OData filter of the Azure Retail Prices API, e.g. serviceName eq 'Virtual "
        "Machines' and armRegionName eq 'westeurope'. Empty: the vendor's filter.",
    )

    @api.depends("mode", "file_format")
    def _compute_vendor_id(self):
        Vendor = self.env["billbyte.cloud.vendor"]
        for wizard in self:
            code = {"aws_api": "aws", "azure_api": "microsoft"}.get(
                wizard.mode
            ) or FORMAT_VENDOR_CODES.get(wizard.file_format)
            vendor = Vendor.search([("code", "=", code)], limit=1) if code else Vendor
            wizard.vendor_id = vendor or wizard.vendor_id

    def action_import(self):
        self.ensure_one()
        Import = self.env["billbyte.price.import"].with_company(self.company_id)
        if self.mode == "azure_api":
            runs = Import._billbyte_import_azure_api(
                self.vendor_id, odata_filter=self.azure_filter or None, raise_on_error=True
            )
        elif self.mode == "aws_api":
            codes = (
                [self.aws_service_code.strip()]
                if self.aws_service_code
                else self.vendor_id._billbyte_aws_service_codes()
            )
            if not codes:
                raise UserError(self.env._("Name the AWS service code to pull, e.g. AmazonEC2."))
            runs = Import
            for code in codes:
                runs |= Import._billbyte_import_aws_api(self.vendor_id, code, raise_on_error=True)
        else:
            options = {}
            if self.file_format == "ms_license":
                options = {"segment": self.segment or "", "market": self.market or ""}
            elif self.file_format in ("ms_azure_plan", "ms_reservations"):
                options = {"market": self.market or ""}
            runs = Import._billbyte_import_file(
                self.vendor_id,
                self.file_format,
                base64.b64decode(self.file or b""),
                file_name=self.file_name,
                run_values={"effective_date": self.effective_date},
                **options,
            )
        action = self.env["ir.actions.actions"]._for_xml_id(
            "billbyte_catalog.action_billbyte_price_import"
        )
        if len(runs) == 1:
            action.update({"res_id": runs.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", runs.ids)]
        return action
