from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class CreditReview(models.Model):
    _name = "credit.review"
    _description = "Credit Review"
    _inherit = "mail.thread"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    trigger = fields.Selection(
        [
            ("scheduled", "Scheduled"),
            ("manual", "Manual"),
            ("event", "Event"),
        ],
        required=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Reviewed By",
        default=lambda self: self.env.user,
        help="The user who asked for the review, or the scheduled action's user.",
    )
    run_ref = fields.Char(
        string="Run",
        index=True,
        help="Scheduled run this review belongs to (its start time).",
    )
    score = fields.Float(help="Weighted score 0–100; empty when no factor had data.")
    has_score = fields.Boolean()
    previous_score = fields.Float()
    had_previous_score = fields.Boolean()
    grade_before_id = fields.Many2one("credit.grade")
    grade_after_id = fields.Many2one("credit.grade")
    limit_before = fields.Monetary(currency_field="currency_id")
    limit_proposed = fields.Monetary(
        currency_field="currency_id",
        help="Limit of the new grade for this customer.",
    )
    limit_after = fields.Monetary(currency_field="currency_id")
    limit_state = fields.Selection(
        [
            ("unchanged", "Unchanged"),
            ("applied", "Applied"),
            ("proposed", "Proposed"),
            ("kept_manual", "Manual limit kept"),
        ],
        string="Limit",
        default="unchanged",
        required=True,
        tracking=True,
    )
    note = fields.Text(help="What the review found: factors without data, warnings.")
    line_ids = fields.One2many(
        "credit.review.line", "review_id", string="Factors", readonly=True
    )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for review in self:
            review.display_name = self.env._(
                "%(partner)s, %(date)s",
                partner=review.partner_id.display_name,
                date=fields.Date.to_string(fields.Date.to_date(review.date)),
            )

    def action_apply_limit(self):
        """Apply the proposed limit (credit managers, through the partner guard)."""
        for review in self:
            if review.limit_state not in ("proposed", "kept_manual"):
                raise UserError(
                    self.env._(
                        "Review %(review)s has no pending limit proposal.",
                        review=review.display_name,
                    )
                )
            partner = review.partner_id.with_company(review.company_id)
            partner.with_context(credit_review_apply=True).write(
                {"credit_limit": review.limit_proposed, "credit_limit_manual": False}
            )
            review.write(
                {"limit_after": review.limit_proposed, "limit_state": "applied"}
            )
            review.message_post(
                body=self.env._(
                    "Limit %(limit)s applied by %(user)s.",
                    limit=format_amount(
                        self.env, review.limit_proposed, review.currency_id
                    ),
                    user=self.env.user.name,
                )
            )
        return True
