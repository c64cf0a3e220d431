from odoo import fields, models
from odoo.tools import SQL

from ..models.credit_collection_policy import COLLECTION_STATUSES


class CreditCollectionReport(models.Model):
    """The collections dashboard: one row per company and customer with
    something past due — its collection status, the last level it was told,
    what is overdue, when the next level comes, the promise it made."""

    _name = "credit.collection.report"
    _description = "Collections Dashboard"
    _auto = False
    _order = "max_days_overdue desc, amount_overdue desc, partner_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    collection_status = fields.Selection(COLLECTION_STATUSES, readonly=True)
    excluded = fields.Boolean(readonly=True)
    policy_id = fields.Many2one("credit.collection.policy", readonly=True)
    level_id = fields.Many2one(
        "credit.collection.level", string="Last Level", readonly=True
    )
    last_date = fields.Date(string="Last Reminder", readonly=True)
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    overdue_count = fields.Integer(string="Overdue Items", readonly=True)
    max_days_overdue = fields.Integer(
        string="Days Past Due", readonly=True, aggregator="max"
    )
    next_level_id = fields.Many2one("credit.collection.level", readonly=True)
    next_date = fields.Date(
        string="Next Action",
        readonly=True,
        aggregator="min",
        help="When the oldest overdue item reaches the next level, or the day "
        "after the promise to pay when one pauses the reminders (in the past: at "
        "the next run).",
    )
    promise_date = fields.Date(string="Promise Due", readonly=True, aggregator="min")
    promise_amount = fields.Monetary(string="Promised", readonly=True)

    _depends = {  # noqa: RUF012 (Odoo's class attribute, read-only)
        "account.move.line": [
            "account_id",
            "amount_residual",
            "company_id",
            "date_maturity",
            "parent_state",
            "partner_id",
            "reconciled",
        ],
        "credit.collection.communication": ["partner_id", "level_id", "date", "state"],
        "credit.collection.promise": ["partner_id", "date_promised", "amount", "state"],
        "credit.collection.level": ["days", "policy_id"],
    }

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
        WITH overdue AS (
            SELECT aml.company_id, p.commercial_partner_id AS partner_id,
                   SUM(aml.amount_residual) AS amount_overdue,
                   COUNT(*) AS overdue_count,
                   MIN(aml.date_maturity) AS oldest_due
              FROM account_move_line aml
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE aml.account_id = ANY(%(accounts)s)
               AND aml.parent_state = 'posted'
               AND aml.reconciled IS NOT TRUE
               AND aml.amount_residual > 0
               AND aml.date_maturity < %(today)s
             GROUP BY aml.company_id, p.commercial_partner_id
        )
        SELECT (o.company_id::bigint << 32) | o.partner_id AS id,
               o.partner_id, o.company_id, c.currency_id, p.user_id,
               COALESCE(p.credit_collection_status ->> o.company_id::text, 'normal')
                   AS collection_status,
               COALESCE((p.credit_collection_excluded ->> o.company_id::text)::boolean,
                        FALSE) AS excluded,
               pol.id AS policy_id,
               last.level_id, last.date AS last_date,
               o.amount_overdue, o.overdue_count,
               (%(today)s - o.oldest_due) AS max_days_overdue,
               next.id AS next_level_id,
               -- paused by an open promise: not before the day after it
               GREATEST(o.oldest_due + next.days, promise.date_promised + 1)
                   AS next_date,
               promise.date_promised AS promise_date,
               promise.amount AS promise_amount
          FROM overdue o
          JOIN res_partner p ON p.id = o.partner_id
          JOIN res_company c ON c.id = o.company_id
          LEFT JOIN credit_collection_policy pol
            ON pol.id = COALESCE(
                   (p.credit_collection_policy_id ->> o.company_id::text)::int,
                   c.credit_collection_policy_id)
          LEFT JOIN LATERAL (
              SELECT cc.level_id, cc.date, lv.days
                FROM credit_collection_communication cc
                JOIN credit_collection_level lv ON lv.id = cc.level_id
               WHERE cc.partner_id = o.partner_id AND cc.company_id = o.company_id
                 AND cc.state = 'done'
               ORDER BY cc.date DESC, cc.id DESC
               LIMIT 1
          ) last ON TRUE
          LEFT JOIN LATERAL (
              SELECT lv.id, lv.days
                FROM credit_collection_level lv
               WHERE lv.policy_id = pol.id AND lv.days > COALESCE(last.days, 0)
               ORDER BY lv.days
               LIMIT 1
          ) next ON TRUE
          LEFT JOIN LATERAL (
              SELECT pr.date_promised, pr.amount
                FROM credit_collection_promise pr
               WHERE pr.partner_id = o.partner_id AND pr.company_id = o.company_id
                 AND pr.state = 'open'
               LIMIT 1
          ) promise ON TRUE
            """,
            accounts=self.env["credit.exposure"]._credit_receivable_account_ids_sql(),
            today=today,
        )

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    def action_print_letters(self):
        """Letters waiting to be printed in the current company, in one PDF
        (a header button shown without a selection: ``self`` may be empty)."""
        letters = self.env["credit.collection.communication"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("state", "=", "done"),
                ("letter_state", "=", "to_print"),
            ]
        )
        return letters.action_print_letters()
