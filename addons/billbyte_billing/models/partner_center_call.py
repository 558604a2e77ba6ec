# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class BillbytePartnerCenterCall(models.Model):
    """One write sent to Partner Center (an order, a quantity, status or renewal
    change), one line per attempt: what was asked, what Microsoft answered, and the
    ids Microsoft's support asks for (MS-RequestId, MS-CorrelationId). A retry after
    a timeout is sent with the same request id, so Microsoft applies it once."""

    _name = "billbyte.partner.center.call"
    _description = "Partner Center Call"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Operation", required=True, readonly=True)
    connection_id = fields.Many2one(
        "billbyte.connection", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    license_id = fields.Many2one(
        "billbyte.license", readonly=True, index="btree_not_null", ondelete="set null"
    )
    sale_order_id = fields.Many2one(
        "sale.order", readonly=True, index="btree_not_null", ondelete="set null"
    )
    method = fields.Char(readonly=True)
    url = fields.Char(string="URL", readonly=True)
    request = fields.Text(readonly=True)
    answer = fields.Text(string="Microsoft's Answer", readonly=True)
    status_code = fields.Integer(string="HTTP Status", readonly=True)
    state = fields.Selection(
        [
            ("done", "Done"),
            ("refused", "Refused"),
            ("timeout", "No Answer in Time"),
            ("error", "Not Sent"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    request_id = fields.Char(string="MS-RequestId", readonly=True, index=True)
    correlation_id = fields.Char(string="MS-CorrelationId", readonly=True)

    def _recorder(self, connection, name, license_record=None, order=None):
        """A callback the connector calls once per attempt with what happened."""

        def record(values):
            self.sudo().create(
                {
                    "name": name,
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "license_id": license_record.id if license_record else False,
                    "sale_order_id": order.id if order else False,
                    "method": values.get("method"),
                    "url": values.get("url"),
                    "request": values.get("request"),
                    "answer": values.get("answer"),
                    "status_code": values.get("status_code") or 0,
                    "state": values.get("state"),
                    "request_id": values.get("request_id"),
                    "correlation_id": values.get("correlation_id"),
                }
            )

        return record
