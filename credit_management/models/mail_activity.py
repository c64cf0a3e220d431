from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    credit_warning_code = fields.Char(
        index="btree_not_null",
        help="Early-warning rule that raised this activity; an open activity "
        "with the same rule, customer and user is never duplicated.",
    )
