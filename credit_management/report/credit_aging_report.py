from odoo import api, fields, models
from odoo.tools import SQL

BUCKETS = ("not_due", "bucket_1", "bucket_2", "bucket_3", "bucket_4", "bucket_5")


class CreditAgingReport(models.Model):
    """Open receivables as of a date, one row per receivable move line.

    The date and the basis come from the context (``credit_aging_date``,
    ``credit_aging_basis``: ``due`` or ``invoice``): payments and reconciliations
    after that date do not count, lines dated after it are left out.
    """

    _name = "credit.aging.report"
    _description = "Receivables Aging"
    _auto = False
    _order = "partner_id, date_maturity, id"
    _rec_name = "move_id"

    line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    grade_id = fields.Many2one("credit.grade", string="Credit Grade", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Company Currency", readonly=True
    )
    line_currency_id = fields.Many2one(
        "res.currency", string="Invoice Currency", readonly=True
    )
    date = fields.Date(string="Accounting Date", readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        string="Days Past Due",
        readonly=True,
        aggregator="max",
        help="Days past the due date at the report's date, whatever the basis.",
    )
    age_days = fields.Integer(
        string="Age (Days)",
        readonly=True,
        aggregator="max",
        help="Days the periods age the item by: from its due date or its invoice "
        "date, as chosen.",
    )
    residual = fields.Monetary(string="Open Amount", readonly=True)
    residual_currency = fields.Monetary(
        string="Open Amount In Currency",
        currency_field="line_currency_id",
        readonly=True,
        help="Meaningful in totals only when grouped by invoice currency.",
    )
    not_due = fields.Monetary(readonly=True)
    bucket_1 = fields.Monetary(string="Period 1", readonly=True)
    bucket_2 = fields.Monetary(string="Period 2", readonly=True)
    bucket_3 = fields.Monetary(string="Period 3", readonly=True)
    bucket_4 = fields.Monetary(string="Period 4", readonly=True)
    bucket_5 = fields.Monetary(string="Older", readonly=True)

    _depends = {  # noqa: RUF012 (Odoo's class attribute, read-only)
        "account.move.line": [
            "account_id",
            "amount_residual",
            "amount_residual_currency",
            "company_id",
            "currency_id",
            "date",
            "date_maturity",
            "invoice_date",
            "move_id",
            "parent_state",
            "partner_id",
            "reconciled",
        ],
        "account.partial.reconcile": [
            "amount",
            "credit_amount_currency",
            "credit_move_id",
            "debit_amount_currency",
            "debit_move_id",
            "max_date",
        ],
    }

    @api.model
    def _credit_aging_bounds(self):
        """Upper bounds in days of periods 1–4: the current company's, for every
        line of the report (the labels and the amounts speak of one set of
        periods, whatever company each line belongs to)."""
        company = self.env.company
        return [
            company.credit_aging_bucket_1,
            company.credit_aging_bucket_2,
            company.credit_aging_bucket_3,
            company.credit_aging_bucket_4,
        ]

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Label the periods with their bounds: 1–30, 31–60, … > 120."""
        result = super().fields_get(allfields, attributes)
        bounds = [0, *self._credit_aging_bounds()]
        labels = {
            f"bucket_{i + 1}": f"{bounds[i] + 1}–{bounds[i + 1]}" for i in range(4)
        }
        labels["bucket_5"] = f"> {bounds[4]}"
        for name, label in labels.items():
            if "string" in result.get(name, {}):
                result[name]["string"] = label
        return result

    @api.model
    def _credit_aging_date(self):
        return fields.Date.to_date(
            self.env.context.get("credit_aging_date")
        ) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        return SQL("%s %s %s", self._select(), self._from(), self._where())

    @api.model
    def _select(self):
        basis = self.env.context.get("credit_aging_basis") or "due"
        reference = (
            SQL("COALESCE(aml.invoice_date, aml.date)")
            if basis == "invoice"
            else SQL("COALESCE(aml.date_maturity, aml.date)")
        )
        as_of = self._credit_aging_date()
        days = SQL("(%s - %s)", as_of, reference)
        # Past due is always counted from the due date, whatever the basis the
        # periods are aged by ("only overdue" means past due).
        past_due = SQL("(%s - COALESCE(aml.date_maturity, aml.date))", as_of)
        b1, b2, b3, b4 = self._credit_aging_bounds()

        def bucket(low, high):
            condition = SQL("%s > %s", days, low)
            if high is not None:
                condition = SQL("%s AND %s <= %s", condition, days, high)
            return SQL("CASE WHEN %s THEN open.residual ELSE 0 END", condition)

        return SQL(
            """
            SELECT aml.id AS id,
                   aml.id AS line_id,
                   aml.move_id,
                   p.commercial_partner_id AS partner_id,
                   cp.user_id,
                   cp.country_id,
                   (cp.credit_grade_id ->> aml.company_id::text)::int AS grade_id,
                   aml.company_id,
                   company.currency_id,
                   aml.currency_id AS line_currency_id,
                   aml.date,
                   aml.invoice_date,
                   aml.date_maturity,
                   GREATEST(%(past_due)s, 0) AS days_overdue,
                   GREATEST(%(days)s, 0) AS age_days,
                   open.residual,
                   open.residual_currency,
                   CASE WHEN %(days)s <= 0 THEN open.residual ELSE 0 END AS not_due,
                   %(b1)s AS bucket_1,
                   %(b2)s AS bucket_2,
                   %(b3)s AS bucket_3,
                   %(b4)s AS bucket_4,
                   %(b5)s AS bucket_5
            """,
            days=days,
            past_due=past_due,
            b1=bucket(0, b1),
            b2=bucket(b1, b2),
            b3=bucket(b2, b3),
            b4=bucket(b3, b4),
            b5=bucket(b4, None),
        )

    @api.model
    def _from(self):
        """The receivable lines with their open amount at the date.

        A line's open amount at the date is its current residual plus what was
        matched with it *after* the date (partials whose ``max_date`` is later;
        usually few). The settled history of the ledger, most of its lines and
        partials, is skipped without being aggregated: a line is kept when it is
        unreconciled now or has such a later partial (see ``_where``).
        """
        return SQL(
            """
              FROM account_move_line aml
              JOIN res_company company ON company.id = aml.company_id
              LEFT JOIN res_partner p ON p.id = aml.partner_id
              LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
              LEFT JOIN (
                   SELECT line_id,
                          SUM(amount) AS amount,
                          SUM(amount_currency) AS amount_currency
                     FROM (SELECT apr.debit_move_id AS line_id,
                                  apr.amount,
                                  apr.debit_amount_currency AS amount_currency
                             FROM account_partial_reconcile apr
                            WHERE apr.max_date > %(as_of)s
                           UNION ALL
                           SELECT apr.credit_move_id,
                                  -apr.amount,
                                  -apr.credit_amount_currency
                             FROM account_partial_reconcile apr
                            WHERE apr.max_date > %(as_of)s) partials
                 GROUP BY line_id
              ) later ON later.line_id = aml.id
              JOIN LATERAL (
                   SELECT aml.amount_residual + COALESCE(later.amount, 0) AS residual,
                          aml.amount_residual_currency
                              + COALESCE(later.amount_currency, 0)
                              AS residual_currency
              ) open ON TRUE
            """,
            as_of=self._credit_aging_date(),
        )

    @api.model
    def _where(self):
        return SQL(
            """
             WHERE aml.account_id = ANY(%(accounts)s)
               AND aml.parent_state = 'posted'
               AND aml.date <= %(as_of)s
               AND (aml.reconciled IS NOT TRUE OR later.line_id IS NOT NULL)
               AND open.residual != 0
            """,
            accounts=self.env["credit.exposure"]._credit_receivable_account_ids_sql(
                literal=True
            ),
            as_of=self._credit_aging_date(),
        )

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "target": "current",
        }
