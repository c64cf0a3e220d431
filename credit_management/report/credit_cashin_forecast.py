from odoo import api, fields, models
from odoo.tools import SQL


class CreditCashinForecast(models.Model):
    """Expected receipts of the open customer receivables, twice: on the dates
    the payment model predicts (credit.prediction) and on the due dates alone.
    One row per open receivable item and basis; items expected in the past (due
    or predicted before today) are expected today."""

    _name = "credit.cashin.forecast"
    _description = "Cash-in Forecast"
    _auto = False
    _order = "date, id"
    _rec_name = "move_id"

    basis = fields.Selection(
        [("predicted", "Predicted Dates"), ("due", "Due Dates")],
        readonly=True,
        help="Predicted: the payment model's date for the invoice (its due date "
        "when it has none); due: the due date alone.",
    )
    date = fields.Date(string="Expected On", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    amount = fields.Monetary(string="Expected Amount", readonly=True)
    late_probability = fields.Float(
        string="Late Probability (%)", readonly=True, aggregator="avg"
    )

    _depends = {  # noqa: RUF012 (Odoo's class attribute, read-only)
        "account.move.line": [
            "account_id",
            "amount_residual",
            "company_id",
            "date_maturity",
            "move_id",
            "parent_state",
            "partner_id",
            "reconciled",
        ],
        "account.move": ["credit_late_probability", "credit_predicted_date"],
    }

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        open_items = self.env["credit.exposure"]._credit_open_receivables_sql(
            self.env["credit.exposure"]._credit_company_ids(),
            join=SQL(
                """
              JOIN account_move am ON am.id = aml.move_id
              JOIN res_partner p ON p.id = aml.partner_id
              JOIN res_company company ON company.id = aml.company_id
        CROSS JOIN (VALUES ('predicted', 0), ('due', 1)) AS b(basis, shift)"""
            ),
        )
        return SQL(
            """
            SELECT aml.id * 2 + b.shift AS id,
                   b.basis,
                   GREATEST(CASE WHEN b.basis = 'predicted'
                                 THEN COALESCE(am.credit_predicted_date,
                                               aml.date_maturity, aml.date)
                                 ELSE COALESCE(aml.date_maturity, aml.date)
                            END, %(today)s) AS date,
                   aml.move_id,
                   p.commercial_partner_id AS partner_id,
                   aml.company_id,
                   company.currency_id,
                   aml.date_maturity,
                   aml.amount_residual AS amount,
                   am.credit_late_probability AS late_probability
                   %(open_items)s
               AND aml.amount_residual > 0
               AND am.move_type = 'out_invoice'
            """,
            today=today,
            open_items=open_items,
        )

    @api.model
    def _credit_weekly(self, basis):
        """{first day of the week: expected amount} of ``basis`` (tests, bench)."""
        return {
            week: amount
            for week, amount in self._read_group(
                [("basis", "=", basis)], ["date:week"], ["amount:sum"]
            )
        }
