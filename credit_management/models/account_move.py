from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from .res_partner import CREDIT_READ_GROUPS

# The paid date of an invoice: the day of the latest reconciliation of its
# receivable lines (the ``payment_term`` lines, the invoice's debit side),
# for the invoices fully paid. Shared by the compute and the fill of the
# column at install and upgrade.
PAID_DATES_SQL = """
    SELECT aml.move_id, MAX(apr.max_date)
      FROM account_move_line aml
      JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
     WHERE aml.display_type = 'payment_term'
       AND %s
  GROUP BY aml.move_id
"""


def fill_credit_paid_dates(cr):
    """Create account_move.credit_paid_date and fill it in one statement, where
    it does not exist yet: the ORM would otherwise compute it invoice by
    invoice for the whole ledger, at install and at the upgrade that adds it
    (migrations/19.0.1.8.0)."""
    if column_exists(cr, "account_move", "credit_paid_date"):
        return False
    create_column(cr, "account_move", "credit_paid_date", "date", "Paid On")
    cr.execute(
        SQL(
            """
        UPDATE account_move am
           SET credit_paid_date = paid.max
          FROM (%s) paid
         WHERE paid.move_id = am.id
           AND am.move_type = 'out_invoice'
           AND am.payment_state IN ('paid', 'in_payment')
            """,
            SQL(PAID_DATES_SQL, SQL("TRUE")),
        )
    )
    return True


class AccountMove(models.Model):
    _inherit = "account.move"

    # Draft customer invoices count in the exposure; core has no index on the
    # commercial partner of a move. Only drafts are in it: small, and its size
    # does not grow with the posted history.
    _credit_draft_invoice_idx = models.Index(
        "(commercial_partner_id)"
        " WHERE state = 'draft' AND move_type IN ('out_invoice', 'out_refund')"
    )

    credit_paid_date = fields.Date(
        string="Paid On",
        compute="_compute_credit_paid_date",
        store=True,
        copy=False,
        help="Customer invoices fully paid: the day the last payment was "
        "reconciled with them. The payment habits of the credit scoring and the "
        "payment predictions read it.",
    )
    credit_disputed = fields.Boolean(
        string="Disputed",
        tracking=True,
        copy=False,
        help="The customer disputes this invoice: its payment is expected later "
        "(a feature of the payment predictions).",
    )
    # Payment predictions (credit.prediction), written by the scheduled refit.
    credit_late_probability = fields.Float(
        string="Late Probability (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        groups=CREDIT_READ_GROUPS,
        help="Predicted probability that this invoice is paid after its due date.",
    )
    credit_late30_probability = fields.Float(
        string="> 30 Days Late (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        groups=CREDIT_READ_GROUPS,
        help="Predicted probability that this invoice is paid more than 30 days "
        "after its due date.",
    )
    credit_predicted_days_late = fields.Float(
        string="Predicted Days Late",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        groups=CREDIT_READ_GROUPS,
    )
    credit_predicted_date = fields.Date(
        string="Predicted Payment Date",
        readonly=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
    )
    credit_prediction_explanation = fields.Char(
        string="Prediction Drivers",
        readonly=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
        help="The three features that moved the late probability most, with their "
        "contribution to its log-odds (+: towards late).",
    )
    credit_predicted_on = fields.Date(
        string="Predicted On", readonly=True, copy=False, groups=CREDIT_READ_GROUPS
    )

    def _auto_init(self):
        fill_credit_paid_dates(self.env.cr)
        return super()._auto_init()

    @api.depends("payment_state")
    def _compute_credit_paid_date(self):
        """Stored, so that the scoring reads one column per invoice: looked up
        for every paid invoice of each batch's customers, the reconciliations
        were most of the payment habits' statement (bench/ANALYSIS.md).
        ``payment_state`` is recomputed at every reconciliation or
        unreconciliation of an invoice's receivable lines, and this with it."""
        paid = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.payment_state in ("paid", "in_payment")
                and move._origin.id
            )
        )
        dates = {}
        if paid:
            self.env["account.move.line"].flush_model(["display_type", "move_id"])
            self.env["account.partial.reconcile"].flush_model(
                ["debit_move_id", "max_date"]
            )
            dates = dict(
                self.env.execute_query(
                    SQL(
                        PAID_DATES_SQL,
                        SQL("aml.move_id = ANY(%s)", paid._origin.ids),
                    )
                )
            )
        for move in self:
            move.credit_paid_date = dates.get(move._origin.id, False)

    def _credit_demo_register_payment(self, share=1.0):
        """Pay ``share`` of each invoice's total, dated on its invoice date, through
        the payment register wizard as a user would. Demo data: called by a
        ``<function>`` of demo/credit_demo.xml, which Odoo runs only when the demo
        data is loaded, at install (demo files are ``noupdate``: an update does not
        run it again)."""
        for invoice in self:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {
                    "amount": invoice.amount_total * share,
                    "payment_date": invoice.invoice_date,
                }
            )._create_payments()
        return True
