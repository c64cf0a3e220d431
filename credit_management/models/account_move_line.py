from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # The open items of a customer, read by every credit check and re-rating,
    # straight from the index (index-only scan): the cost follows the customer's
    # open items, never its settled history. Core's _unreconciled_index has the
    # same keys but makes PostgreSQL visit the table for every open line, and
    # holds every line of a non-reconcilable account too (income, taxes: "not
    # reconciled", with zero residuals), which this one leaves out. A line is
    # reconciled exactly when both its (rounded) residuals are zero, so on a
    # receivable account the condition is "not reconciled";
    # credit.exposure._credit_open_receivables_sql repeats it to use the index.
    _credit_open_items_idx = models.Index(
        "(account_id, partner_id)"
        " INCLUDE (company_id, parent_state, currency_id, move_id, date_maturity,"
        " amount_residual, amount_residual_currency)"
        " WHERE reconciled IS NOT TRUE"
        " AND (amount_residual != 0 OR amount_residual_currency != 0)"
    )
