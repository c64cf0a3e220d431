from odoo import fields, models


class CreditReviewLine(models.Model):
    _name = "credit.review.line"
    _description = "Credit Review Factor"
    _order = "review_id, sequence, id"

    review_id = fields.Many2one(
        "credit.review", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="review_id.company_id", store=True)
    factor_id = fields.Many2one("credit.score.factor", required=True)
    code = fields.Selection(related="factor_id.code", store=True)
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
