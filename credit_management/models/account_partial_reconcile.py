from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # The date of each reconciliation of a receivable line, from the index:
    # the paid date of an invoice (credit.prediction._credit_invoices_sql) is
    # the latest of them, looked up for every paid invoice of a re-rating
    # batch's customers (see account.move.line's _credit_payment_term_idx).
    _credit_debit_date_idx = models.Index("(debit_move_id) INCLUDE (max_date)")
