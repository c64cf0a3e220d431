from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class CreditRating(models.Model):
    """A rating of a customer by a bank or credit agency on one date, with the
    score 0–100 it maps to on the agency's scale. The external rating factor
    reads the latest valid ratings (the most recent one, or the average of each
    agency's latest, as the company says)."""

    _name = "credit.rating"
    _description = "Customer Credit Rating"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    agency_id = fields.Many2one(
        "credit.agency",
        required=True,
        ondelete="restrict",
        check_company=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    rating = fields.Char(
        required=True,
        help="The rating as the agency gives it (a number or a letter rating).",
    )
    score = fields.Float(
        compute="_compute_score",
        store=True,
        digits=(16, 1),
        help="The rating on a scale of 0 (worst) to 100 (best), by the agency's scale.",
    )
    valid_until = fields.Date(
        help="After this date the rating is no longer used; empty: valid until a "
        "newer rating of the same agency.",
    )
    note = fields.Text()
    import_id = fields.Many2one(
        "credit.rating.import",
        ondelete="set null",
        index=True,
        readonly=True,
        help="The agency file this rating was imported from.",
    )

    @api.depends("rating", "agency_id")
    def _compute_score(self):
        # A rating not on the scale scores nothing here (the form is being
        # filled in); _check_rating refuses to save it, with the reason.
        scores = {}  # by agency and rating: an import repeats a few ratings
        for record in self:
            if not record.agency_id or not (record.rating or "").strip():
                record.score = 0.0
                continue
            key = (record.agency_id, record.rating.strip().upper())
            if key not in scores:
                try:
                    scores[key] = record.agency_id._credit_normalise(record.rating)
                except ValidationError:
                    scores[key] = 0.0
            record.score = scores[key]

    @api.constrains("rating", "agency_id")
    def _check_rating(self):
        checked = set()
        for record in self:
            key = (record.agency_id, (record.rating or "").strip().upper())
            if key not in checked:
                record.agency_id._credit_normalise(record.rating)  # raises
                checked.add(key)

    @api.depends("agency_id", "rating", "date")
    def _compute_display_name(self):
        for record in self:
            record.display_name = (
                f"{record.agency_id.name} {record.rating} ({record.date})"
            )

    @api.constrains("date", "valid_until", "partner_id")
    def _check_dates(self):
        today = fields.Date.context_today(self)
        for record in self:
            # An emptied date is refused as a required field, not compared.
            if record.date and record.date > today:
                raise ValidationError(
                    self.env._(
                        "The rating of %(partner)s by %(agency)s is dated in the "
                        "future (%(date)s).",
                        partner=record.partner_id.display_name,
                        agency=record.agency_id.name,
                        date=record.date,
                    )
                )
            if record.valid_until and record.date and record.valid_until < record.date:
                raise ValidationError(
                    self.env._(
                        "The rating of %(partner)s by %(agency)s ends before it "
                        "starts.",
                        partner=record.partner_id.display_name,
                        agency=record.agency_id.name,
                    )
                )
            record.partner_id._credit_check_commercial(self.env._("Ratings"))

    @api.model_create_multi
    def create(self, vals_list):
        partner_ids = {vals.get("partner_id") for vals in vals_list} - {None, False}
        companies = {
            vals.get("company_id") or self.env.company.id for vals in vals_list
        }
        before = {
            company_id: self._credit_external_scores(list(partner_ids), company_id)
            for company_id in companies
        }
        ratings = super().create(vals_list)
        self.flush_model()
        self.env["credit.warning"]._credit_rating_warnings(ratings, before)
        return ratings

    @api.model
    def _credit_external_scores(self, partner_ids, company_id, date=None):
        """External rating of each commercial partner for ``company_id`` on
        ``date``: {partner_id: (score 0–100, date of the latest rating)}, from
        the ratings valid that day (each agency's latest; the company combines
        agencies by the most recent rating or their average)."""
        if not partner_ids:
            return {}
        date = date or fields.Date.context_today(self)
        company = self.env["res.company"].browse(company_id)
        self.flush_model(["partner_id", "company_id", "agency_id", "date", "score"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (partner_id, agency_id) partner_id, date, score
              FROM credit_rating
             WHERE partner_id = ANY(%(partner_ids)s)
               AND company_id = %(company_id)s
               AND date <= %(date)s
               AND (valid_until IS NULL OR valid_until >= %(date)s)
          ORDER BY partner_id, agency_id, date DESC, id DESC
                """,
                partner_ids=list(partner_ids),
                company_id=company_id,
                date=date,
            )
        )
        by_partner = defaultdict(list)
        for partner_id, rating_date, score in rows:
            by_partner[partner_id].append((rating_date, score))
        result = {}
        for partner_id, ratings in by_partner.items():
            latest = max(rating_date for rating_date, _score in ratings)
            if company.sudo().credit_rating_combination == "average":
                score = sum(score for _date, score in ratings) / len(ratings)
            else:
                score = next(s for rating_date, s in ratings if rating_date == latest)
            result[partner_id] = (score, latest)
        return result
