from odoo import api, fields, models

from .credit_review import check_review_writer
from .credit_score_factor import FACTOR_CODES


class CreditReviewLine(models.Model):
    _name = "credit.review.line"
    _description = "Credit Review Factor"
    _order = "review_id, sequence, id"

    review_id = fields.Many2one(
        "credit.review", required=True, index=True, ondelete="cascade"
    )
    # Written with the line by the re-rating (its review's company, its factor's
    # code), not related fields: those were computed after the INSERT and
    # written by an UPDATE of every line, a quarter of a re-rating's time.
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    factor_id = fields.Many2one("credit.score.factor", required=True)
    code = fields.Selection(
        FACTOR_CODES,
        required=True,
        readonly=True,
    )
    sequence = fields.Integer()
    has_data = fields.Boolean(
        help="Whether the customer had data for this factor; factors without data "
        "are left out and the other weights re-normalised."
    )
    raw_value = fields.Float()
    normalised_value = fields.Float(string="Score (0–100)")
    weight = fields.Float(string="Weight (%)", help="Configured weight.")
    effective_weight = fields.Float(
        string="Effective Weight (%)",
        help="Weight after re-normalisation over the factors with data.",
    )
    contribution = fields.Float(help="Points this factor adds to the score.")
    unit = fields.Char(compute="_compute_unit")

    @api.depends("factor_id.unit", "company_id")
    def _compute_unit(self):
        # Amounts are in the company's currency: say which.
        for line in self:
            unit = line.factor_id.unit
            line.unit = line.company_id.currency_id.name if unit == "amount" else unit

    # The re-rating writes the lines (in one COPY, after its access check);
    # through the ORM, only as the reviews are (credit.review).
    @api.model_create_multi
    def create(self, vals_list):
        check_review_writer(self)
        return super().create(vals_list)

    def write(self, vals):
        check_review_writer(self)
        return super().write(vals)
