# Copyright 2026 BillByte
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL


class BillbyteCloudAccount(models.Model):
    _inherit = "billbyte.cloud.account"

    def _usage_lines_changed(self, keys):
        """Usage draws prepaid balances down as it is imported."""
        keys = super()._usage_lines_changed(keys)
        if keys:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT p.commercial_partner_id
                      FROM billbyte_cloud_account ca
                      JOIN res_partner p ON p.id = ca.partner_id
                      JOIN res_partner c ON c.id = p.commercial_partner_id
                     WHERE ca.id = ANY(%s) AND c.billbyte_prepaid
                    """,
                    sorted({key[0] for key in keys}),
                )
            )
            if rows:
                # After the import's commit, in a job of its own: the check may write
                # the customer's wallet state, which a top-up posted at the same moment
                # writes too; the import never waits on (or fails over) that row.
                ids = sorted(row[0] for row in rows)
                self.env["res.partner"].with_delay(
                    channel="root.billbyte_payment",
                    identity_key=f"billbyte-wallet-check-{','.join(map(str, ids))}",
                    description=self.env._("Prepaid balances after an import"),
                )._billbyte_wallet_check(ids)
            self._billbyte_credit_after_usage(sorted({key[0] for key in keys}))
        return keys

    def _billbyte_credit_after_usage(self, account_ids):
        """Usage raises the exposure of customers under a cloud credit limit: check
        them after the import, per company, in a job of its own (like the wallet)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT ca.company_id, array_agg(DISTINCT p.commercial_partner_id ORDER BY
                       p.commercial_partner_id)
                  FROM billbyte_cloud_account ca
                  JOIN res_partner p ON p.id = ca.partner_id
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE ca.id = ANY(%s) AND c.billbyte_credit_control
                 GROUP BY ca.company_id
                """,
                account_ids,
            )
        )
        for company_id, ids in rows:
            company = self.env["res.company"].browse(company_id)
            self.env["res.partner"].with_company(company).with_delay(
                channel="root.billbyte_payment",
                identity_key=f"billbyte-credit-check-{company_id}-{','.join(map(str, ids))}",
                description=self.env._("Credit limits after an import"),
            )._billbyte_credit_check(ids)

    billbyte_requires_deposit = fields.Boolean(
        string="Needs a Paid Deposit",
        tracking=True,
        help="The account is kept suspended at its vendor until the customer's deposit is "
        "paid, and suspended again if the deposit is refunded.",
    )

    def _billbyte_deposit_gate(self):
        """Suspend accounts needing a deposit their customer has not paid; resume
        those the gate suspended once it is paid."""
        for account in self.filtered("billbyte_requires_deposit"):
            customer = account.partner_id.commercial_partner_id
            paid = customer._billbyte_deposit_paid()
            if not paid and account.state == "active" and not account.enforcement_flag:
                account.billbyte_suspend(
                    self.env._("Awaiting the customer's deposit"), origin=customer
                )
            elif paid and (account.state == "suspended" or account.enforcement_flag):
                last = self.env["billbyte.service.action"].search(
                    [
                        ("cloud_account_id", "=", account.id),
                        ("action", "=", "suspend"),
                        ("state", "in", ("done", "not_enforceable")),
                    ],
                    order="id desc",
                    limit=1,
                )
                if last.origin == customer and last.reason == self.env._(
                    "Awaiting the customer's deposit"
                ):
                    account.billbyte_resume(self.env._("Deposit paid"), origin=customer)

    @api.model_create_multi
    def create(self, vals_list):
        accounts = super().create(vals_list)
        accounts.filtered("billbyte_requires_deposit")._billbyte_deposit_gate()
        return accounts

    def write(self, vals):
        res = super().write(vals)
        if vals.get("billbyte_requires_deposit"):
            self._billbyte_deposit_gate()
        return res
