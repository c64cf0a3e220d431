from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # The reconciliations of a receivable line with their dates, from the
    # index: the what-if replay reads what each customer still owed on a past
    # day through it (credit.exposure._credit_exposure_as_of), and the paid
    # date of an invoice is the latest of them (account.move.credit_paid_date).
    _credit_debit_date_idx = models.Index("(debit_move_id) INCLUDE (max_date)")
