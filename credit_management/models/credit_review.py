from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

from ..tools.markers import Marker
from .res_partner import CreditLimitBy

# A review is the re-rating's record: written by the re-rating and by its own
# Apply button, which carry this marker. A review created or changed over RPC
# would apply a limit of its own, "by a review", where the company lets limits
# change only through requests.
REVIEW_WRITER = Marker("credit_review_writer")


def check_review_writer(records):
    """Refuse a write of reviews or their lines outside the re-rating."""
    env = records.env
    if env.su or REVIEW_WRITER.is_set(env):
        return
    raise AccessError(
        env._(
            "Credit reviews are written by the re-rating (Re-rate Now on the "
            "customer, or the scheduled re-rating); a review's proposal is "
            "applied with its Apply Proposed Limit button."
        )
    )


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
    run_id = fields.Many2one(
        "credit.job.run",
        string="Scheduled Run",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The scheduled pass this review belongs to.",
    )
    run_ref = fields.Char(
        string="Run",
        index=True,
        help="Scheduled run this review belongs to (its start time).",
    )
    score = fields.Float(help="Weighted score 0–100; empty when no factor had data.")
    has_score = fields.Boolean()
    data_share = fields.Float(
        string="Weight With Data (%)",
        help="Share of the scoring weights carried by factors with data.",
    )
    data_insufficient = fields.Boolean(
        string="Insufficient Data",
        help="Too few factors had data (company setting): the grade and limit "
        "were left as they were.",
    )
    previous_score = fields.Float()
    had_previous_score = fields.Boolean()
    grade_before_id = fields.Many2one("credit.grade")
    grade_proposed_id = fields.Many2one(
        "credit.grade",
        help="The grade the score gives; applied at once in automatic mode, "
        "proposed to a credit manager otherwise.",
    )
    grade_after_id = fields.Many2one("credit.grade")
    limit_before = fields.Monetary(currency_field="currency_id")
    limit_before_applies = fields.Boolean(
        string="Limit Applied Before", help="Unchecked: no credit limit before."
    )
    limit_proposed = fields.Monetary(
        currency_field="currency_id",
        help="Limit of the new grade for this customer.",
    )
    proposal_note = fields.Char(
        string="Why This Limit",
        help="The band the score falls in and the grade's limit rule.",
    )
    limit_after = fields.Monetary(currency_field="currency_id")
    limit_after_applies = fields.Boolean(
        string="Limit Applied After", help="Unchecked: no credit limit after."
    )
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

    # abs() of NaN is NaN, which PostgreSQL sorts above infinity: both refused,
    # whatever path wrote the review (create or the re-rating's INSERT).
    _scores_finite = models.Constraint(
        "CHECK(abs(score) < 'Infinity' AND abs(previous_score) < 'Infinity'"
        " AND abs(data_share) < 'Infinity')",
        "The scores and the weight with data of a review must be numbers.",
    )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for review in self:
            review.display_name = self.env._(
                "%(partner)s, %(date)s",
                partner=review.partner_id.display_name,
                date=fields.Date.to_string(fields.Date.to_date(review.date)),
            )

    def _credit_summary(self, warnings_raised=0):
        """What these reviews changed, in one message (the Re-rate Now
        notification): the figures for one customer, counts for several."""
        if len(self) == 1:
            review = self
            parts = []
            if review.has_score:
                parts.append(
                    self.env._(
                        "score %(before)s → %(after)s",
                        before=review.previous_score
                        if review.had_previous_score
                        else "-",
                        after=review.score,
                    )
                )
            before = review.grade_before_id.code or "-"
            proposed = review.grade_proposed_id.code or "-"
            currency = review.currency_id
            if not review.has_score:
                parts.append(
                    self.env._("no factor has data: score, grade and limit unchanged")
                )
            elif review.data_insufficient:
                parts.append(self.env._("insufficient data: grade and limit kept"))
            elif review.grade_after_id != review.grade_before_id:
                parts.append(
                    self.env._(
                        "grade %(before)s → %(after)s", before=before, after=proposed
                    )
                )
            elif review.grade_proposed_id != review.grade_before_id:
                parts.append(
                    self.env._(
                        "grade %(after)s proposed (%(before)s until a credit manager "
                        "applies it)",
                        before=before,
                        after=proposed,
                    )
                )
            limit = format_amount(self.env, review.limit_proposed, currency)
            if review.limit_state == "applied":
                parts.append(self.env._("limit set to %(limit)s", limit=limit))
            elif review.limit_state == "proposed":
                parts.append(self.env._("limit %(limit)s proposed", limit=limit))
            elif review.limit_state == "kept_manual":
                parts.append(
                    self.env._(
                        "limit %(kept)s kept (set by hand; the grade proposes "
                        "%(limit)s)",
                        kept=format_amount(self.env, review.limit_before, currency)
                        if review.limit_before_applies
                        else self.env._("none"),
                        limit=limit,
                    )
                )
            parts.append(
                self.env._("%(count)s warning(s) raised", count=warnings_raised)
                if warnings_raised
                else self.env._("no warning")
            )
            return self.env._(
                "%(partner)s re-rated: %(changes)s.",
                partner=review.partner_id.display_name,
                changes="; ".join(parts),
            )
        return self.env._(
            "%(count)s customer(s) re-rated: %(grades)s with another grade, "
            "%(applied)s limit(s) applied, %(proposed)s proposal(s) to review, "
            "%(warnings)s warning(s) raised.",
            count=len(self),
            grades=len(
                self.filtered(lambda r: r.grade_proposed_id != r.grade_before_id)
            ),
            applied=len(self.filtered(lambda r: r.limit_state == "applied")),
            proposed=len(
                self.filtered(lambda r: r.limit_state in ("proposed", "kept_manual"))
            ),
            warnings=warnings_raised,
        )

    @api.model_create_multi
    def create(self, vals_list):
        check_review_writer(self)
        return super().create(vals_list)

    def write(self, vals):
        # The chatter (followers, activities, attachments) is everyone's.
        if any(not name.startswith(("message_", "activity_")) for name in vals):
            check_review_writer(self)
        return super().write(vals)

    def action_apply_limit(self):
        """Apply the proposal of the review: its grade and its limit (credit
        managers, through the partner guard). Only the customer's latest review
        may be applied: an older proposal was made on older figures."""
        for review in self:
            if review.limit_state not in ("proposed", "kept_manual"):
                raise UserError(
                    self.env._(
                        "Review %(review)s has no pending proposal.",
                        review=review.display_name,
                    )
                )
            latest = self.search(
                [
                    ("partner_id", "=", review.partner_id.id),
                    ("company_id", "=", review.company_id.id),
                ],
                order="date desc, id desc",
                limit=1,
            )
            if latest != review:
                raise UserError(
                    self.env._(
                        "Review %(review)s is not the latest of %(partner)s: apply "
                        "the proposal of the review of %(date)s instead.",
                        review=review.display_name,
                        partner=review.partner_id.display_name,
                        date=fields.Datetime.to_string(latest.date),
                    )
                )
            partner = review.partner_id.with_company(review.company_id)
            partner.with_context(
                credit_review_apply=True, credit_limit_by=CreditLimitBy(review)
            ).write(
                {
                    "credit_grade_id": review.grade_proposed_id.id,
                    "credit_limit": review.limit_proposed,
                    "credit_limit_applies": True,
                    "credit_limit_manual": False,
                }
            )
            REVIEW_WRITER.on(review).write(
                {
                    "grade_after_id": review.grade_proposed_id.id,
                    "limit_after": review.limit_proposed,
                    "limit_after_applies": True,
                    "limit_state": "applied",
                }
            )
            review.message_post(
                body=self.env._(
                    "Grade %(grade)s and limit %(limit)s applied by %(user)s.",
                    grade=review.grade_proposed_id.display_name,
                    limit=format_amount(
                        self.env, review.limit_proposed, review.currency_id
                    ),
                    user=self.env.user.name,
                )
            )
        return True
