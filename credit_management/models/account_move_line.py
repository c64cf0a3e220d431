from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # The open items of a customer, read by every credit check, re-rating and
    # aging report, straight from the index (index-only scan): the cost follows
    # the customer's open items, never its settled history. Core's
    # _unreconciled_index has the same keys but makes PostgreSQL visit the table
    # for every open line.
    _credit_open_items_idx = models.Index(
        "(account_id, partner_id)"
        " INCLUDE (company_id, parent_state, currency_id, move_id, date_maturity,"
        " amount_residual, amount_residual_currency)"
        " WHERE reconciled IS NOT TRUE"
    )
