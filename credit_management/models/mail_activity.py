from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    credit_warning_code = fields.Char(
        index="btree_not_null",
        help="Early-warning rule that raised this activity; an open activity "
        "with the same rule, customer and user is never duplicated.",
    )
    # The company whose figures raised the warning: a customer is warned about
    # in each company on its own figures (a second company's re-rating
    # rewrote the first one's open warning with its own figures, and raised
    # none of its own). Empty on warnings raised before 19.0.1.7.6, which
    # still match any company.
    credit_warning_company_id = fields.Many2one("res.company", readonly=True)
