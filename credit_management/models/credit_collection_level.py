from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditCollectionLevel(models.Model):
    """One step of a collection policy: reached when a customer's overdue items
    are at least ``days`` past due and amount to ``min_amount``; what it does
    (any of: e-mail with the statement, printed letter, phone call, hold) and
    the collection status it gives the customer."""

    _name = "credit.collection.level"
    _description = "Collection Level"
    _order = "policy_id, days, id"

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one(
        "credit.collection.policy",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    days = fields.Integer(
        string="Days Past Due",
        required=True,
        help="Reached when an overdue item is at least this many days past its "
        "due date.",
    )
    min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        help="Reached only when the items this many days past due amount to at "
        "least this much (company currency).",
    )
    send_email = fields.Boolean(
        string="E-mail",
        help="E-mail the customer's statement with this level's template.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'credit.collection.communication')]",
    )
    print_letter = fields.Boolean(
        string="Letter", help="Print a letter with the statement, to post."
    )
    letter_text = fields.Html(
        translate=True,
        help="Body of the printed letter, above the statement of open items.",
    )
    schedule_call = fields.Boolean(
        string="Phone Call",
        help="Schedule a call activity for the policy's collector.",
    )
    put_on_hold = fields.Boolean(
        help="Put the customer on credit hold: no order on credit is confirmed "
        "until everything overdue is paid or a credit manager releases it.",
    )
    collection_status = fields.Selection(
        [
            ("reminded", "Reminded"),
            ("final_notice", "Final Notice"),
            ("legal", "Legal Collection"),
        ],
        required=True,
        default="reminded",
        help="Collection status of a customer who reached this level. Legal "
        "collection puts the customer on hold.",
    )

    _days_positive = models.Constraint(
        "CHECK(days > 0)",
        "A collection level starts at least one day past due.",
    )
    _min_amount_positive = models.Constraint(
        "CHECK(min_amount >= 0)",
        "The minimum overdue amount of a collection level cannot be negative.",
    )
    _days_unique = models.Constraint(
        "UNIQUE(policy_id, days)",
        "Two levels of a collection policy cannot start on the same day past due.",
    )

    @api.constrains("send_email", "mail_template_id", "print_letter", "letter_text")
    def _check_channels(self):
        for level in self:
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s sends an e-mail: choose its template.",
                        level=level.name,
                    )
                )
            if level.print_letter and not level.letter_text:
                raise ValidationError(
                    self.env._(
                        "Level %(level)s prints a letter: write its text.",
                        level=level.name,
                    )
                )

    @api.constrains("days", "collection_status")
    def _check_policy_order(self):
        for level in self:
            same = level.policy_id.level_ids.filtered(
                lambda other, level=level: other != level and other.days == level.days
            )
            if same:
                raise ValidationError(
                    self.env._(
                        "%(level)s and %(other)s both start at %(days)s days past "
                        "due: give each level of %(policy)s its own day.",
                        level=level.name,
                        other=same[0].name,
                        days=level.days,
                        policy=level.policy_id.name,
                    )
                )
        self.policy_id._check_levels_in_order()
