from odoo import fields, models


class CreditAgencyGrade(models.Model):
    """One letter rating of an agency's scale and the score 0–100 it maps to."""

    _name = "credit.agency.grade"
    _description = "Credit Agency Letter Rating"
    _order = "agency_id, sequence, id"

    agency_id = fields.Many2one(
        "credit.agency", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Rating", required=True)
    score = fields.Float(
        required=True,
        help="Score 0–100 this rating counts for in the customer's score.",
    )

    _name_agency_uniq = models.Constraint(
        "UNIQUE(agency_id, name)",
        "A letter rating appears once in an agency's scale.",
    )
    _score_range = models.Constraint(
        "CHECK(score >= 0 AND score <= 100)",
        "A letter rating maps to a score between 0 and 100.",
    )
