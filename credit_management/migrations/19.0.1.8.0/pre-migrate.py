"""19.0.1.8.0: the paid date of customer invoices is stored.

``account.move.credit_paid_date`` (the day of the latest reconciliation of a
paid invoice's receivable lines) was looked up in the reconciliations for
every paid invoice each time the scoring read a customer's payment habits.
It is now a stored field: the column is created and filled here, in one
statement, before the ORM would compute it invoice by invoice for the whole
ledger. The index that served the lookup (payment-term lines by move) is
dropped: nothing reads through it any more.
"""

import logging

from odoo.addons.credit_management.models.account_move import fill_credit_paid_dates

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if fill_credit_paid_dates(cr):
        _logger.info(
            "credit_management: paid date filled on %s customer invoices",
            cr.rowcount,
        )
    cr.execute("DROP INDEX IF EXISTS account_move_line_credit_payment_term_idx")
