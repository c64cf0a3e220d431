from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditAgency(models.Model):
    """A bank or credit agency whose ratings the company records, with its
    rating scale mapped to 0–100 (100 the best): a numeric range (either way
    round) or an ordered list of letter ratings."""

    _name = "credit.agency"
    _description = "Credit Rating Agency"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the agency between companies.",
    )
    scale_type = fields.Selection(
        [("numeric", "Numeric range"), ("letter", "Letter ratings")],
        required=True,
        default="numeric",
    )
    scale_best = fields.Float(
        string="Best Rating",
        default=100.0,
        help="Numeric rating that maps to 100 (it may be below the worst one, as "
        "in scales where lower is better).",
    )
    scale_worst = fields.Float(
        string="Worst Rating",
        default=0.0,
        help="Numeric rating that maps to 0.",
    )
    grade_ids = fields.One2many(
        "credit.agency.grade",
        "agency_id",
        string="Letter Ratings",
        copy=True,
    )

    # abs() of NaN is NaN, which PostgreSQL sorts above infinity: both refused.
    _scale_finite = models.Constraint(
        "CHECK(abs(scale_best) < 'Infinity' AND abs(scale_worst) < 'Infinity')",
        "The best and worst ratings of an agency's scale must be numbers.",
    )

    @api.constrains("scale_type", "scale_best", "scale_worst")
    def _check_scale(self):
        for agency in self:
            if (
                agency.scale_type == "numeric"
                and agency.scale_best == agency.scale_worst
            ):
                raise ValidationError(
                    self.env._(
                        "Agency %(agency)s: the best and worst ratings must differ.",
                        agency=agency.name,
                    )
                )

    def _credit_normalise(self, rating):
        """Score 0–100 of the raw ``rating`` on this agency's scale.

        :raise ValidationError: the rating is not on the scale (unknown letter,
            not a number, outside the range)
        """
        self.ensure_one()
        raw = (rating or "").strip()
        if self.scale_type == "letter":
            scores = {grade.name.upper(): grade.score for grade in self.grade_ids}
            if raw.upper() not in scores:
                raise ValidationError(
                    self.env._(
                        "%(rating)s is not a rating of %(agency)s (its ratings: "
                        "%(known)s).",
                        rating=raw or self.env._("an empty rating"),
                        agency=self.name,
                        known=", ".join(self.grade_ids.mapped("name")) or "-",
                    )
                )
            return scores[raw.upper()]
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            raise ValidationError(
                self.env._(
                    "%(rating)s is not a number: %(agency)s rates from %(worst)s to "
                    "%(best)s.",
                    rating=raw or self.env._("An empty rating"),
                    agency=self.name,
                    worst=self.scale_worst,
                    best=self.scale_best,
                )
            ) from None
        low, high = sorted((self.scale_best, self.scale_worst))
        if not low <= value <= high:
            raise ValidationError(
                self.env._(
                    "Rating %(rating)s is outside the scale of %(agency)s "
                    "(%(worst)s worst to %(best)s best).",
                    rating=raw,
                    agency=self.name,
                    worst=self.scale_worst,
                    best=self.scale_best,
                )
            )
        return 100.0 * (value - self.scale_worst) / (self.scale_best - self.scale_worst)
