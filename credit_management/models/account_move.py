from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    # Draft customer invoices count in the exposure; core has no index on the
    # commercial partner of a move. Only drafts are in it: small, and its size
    # does not grow with the posted history.
    _credit_draft_invoice_idx = models.Index(
        "(commercial_partner_id)"
        " WHERE state = 'draft' AND move_type IN ('out_invoice', 'out_refund')"
    )
