from odoo import fields, models


class CreditWhatifWizardGrade(models.TransientModel):
    _name = "credit.whatif.wizard.grade"
    _description = "What-If Replay: Candidate Limit of a Grade"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "credit.whatif.wizard", required=True, ondelete="cascade"
    )
    grade_id = fields.Many2one("credit.grade", required=True, readonly=True)
    sequence = fields.Integer(related="grade_id.sequence")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    credit_limit = fields.Monetary(
        string="Candidate Limit",
        help="The limit every customer of this grade would have had.",
    )
