from odoo import fields, models

from .res_partner import CREDIT_READ_GROUPS


class AccountMove(models.Model):
    _inherit = "account.move"

    # Draft customer invoices count in the exposure; core has no index on the
    # commercial partner of a move. Only drafts are in it: small, and its size
    # does not grow with the posted history.
    _credit_draft_invoice_idx = models.Index(
        "(commercial_partner_id)"
        " WHERE state = 'draft' AND move_type IN ('out_invoice', 'out_refund')"
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
