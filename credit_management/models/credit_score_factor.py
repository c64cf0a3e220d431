from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..tools.markers import Marker
from ..tools.numbers import check_finite

# Weights written one by one, their sum checked once all are written (the
# scoring wizard, a company's first factors): a marker, not a plain context
# value a JSON-RPC call could carry to skip the check.
WEIGHTS_BATCH = Marker("credit_weights_batch")


class ScoreFactor(NamedTuple):
    """A factor as the scoring reads it (see credit.scoring._credit_scorecard)."""

    id: int
    code: str
    sequence: int
    weight: float
    best: float
    worst: float


class Scorecard(tuple):
    """The ``ScoreFactor`` of a scoring, in their order, with the effective
    weight of each factor for a given total of the weights with data: the
    customers of a batch share a few totals, computed once for them."""

    def effective_weights(self, total):
        """(exact, rounded) effective weight (%) of each factor when the
        factors with data weigh ``total``."""
        cache = self.__dict__.setdefault("_effective", {})
        weights = cache.get(total)
        if weights is None:
            weights = cache[total] = tuple(
                (exact, round(exact, 2))
                for exact in (100.0 * factor.weight / total for factor in self)
            )
        return weights


def normalise(raw, best, worst):
    """Score 0-100 of a raw value, linear between the breakpoints (which
    differ: the factor's constraint and the scorecard see to it)."""
    ratio = (raw - worst) / (best - worst)
    return min(max(ratio * 100.0, 0.0), 100.0)


# code: (name, default weight %, best raw value, worst raw value, unit)
FACTOR_DEFAULTS = {
    "payment_delay": ("Average days late (paid, 12 months)", 16, 0.0, 60.0, "days"),
    "payment_on_time": ("Share paid on time (12 months)", 8, 100.0, 50.0, "%"),
    "overdue_days": ("Max days overdue now", 16, 0.0, 90.0, "days"),
    "overdue_share": ("Overdue share of open receivables", 8, 0.0, 50.0, "%"),
    "utilisation": ("Credit limit utilisation", 8, 50.0, 100.0, "%"),
    "relationship": ("Relationship length", 8, 60.0, 0.0, "months"),
    "sales_volume": ("Invoiced sales (12 months)", 4, 100000.0, 0.0, "amount"),
    "external_rating": ("External / agency rating", 12, 100.0, 0.0, "points"),
    "solvency": ("Solvency (Altman Z'')", 10, 2.6, 1.1, "Z''"),
    "liquidity": ("Liquidity (current ratio)", 5, 2.0, 0.5, "ratio"),
    "country_risk": ("Country risk class", 5, 0.0, 7.0, "class"),
    # Analytics: weighed at 0 by default (a credit manager decides to use them).
    "payment_index": (
        "Payment index (Paydex-like, 24 months)",
        0,
        80.0,
        40.0,
        "points",
    ),
    "late_probability": (
        "Predicted late probability of open invoices",
        0,
        0.0,
        60.0,
        "%",
    ),
}
# Selection of the factor codes (factors and the review lines that record them).
FACTOR_CODES = [(code, values[0]) for code, values in FACTOR_DEFAULTS.items()]


class CreditScoreFactor(models.Model):
    _name = "credit.score.factor"
    _description = "Credit Scoring Factor"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        FACTOR_CODES,
        required=True,
        readonly=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade"
    )
    weight = fields.Float(
        string="Weight (%)",
        help="Share of this factor in the score; the weights of a company sum to 100.",
    )
    best_value = fields.Float(
        help="Raw value that scores 100; values beyond it also score 100.",
    )
    worst_value = fields.Float(
        help="Raw value that scores 0; values beyond it also score 0. Between the "
        "two breakpoints the score is linear.",
    )
    unit = fields.Char(readonly=True)

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "Each scoring factor exists once per company.",
    )
    _weight_range = models.Constraint(
        "CHECK(weight >= 0 AND weight <= 100)",
        "A factor weight lies between 0 and 100 %.",
    )

    @api.constrains("best_value", "worst_value")
    def _check_breakpoints(self):
        check_finite(self, ("best_value", "worst_value"))
        for factor in self:
            if float_compare(factor.best_value, factor.worst_value, 6) == 0:
                raise ValidationError(
                    self.env._(
                        "Factor %(factor)s: the best and worst values must differ "
                        "(both are %(value)s).",
                        factor=factor.name,
                        value=factor.best_value,
                    )
                )

    @api.constrains("weight", "company_id")
    def _check_weight_sum(self):
        check_finite(self, ("weight",))
        if WEIGHTS_BATCH.is_set(self.env):
            return  # the scoring wizard checks the sum once all weights are written
        self.company_id._credit_check_weight_sum()

    def _normalise(self, raw, best, worst):
        """Score 0–100 of a raw value, linear between the breakpoints."""
        if best == worst:
            raise ValidationError(
                self.env._(
                    "Factor %(factor)s: the best and worst values must differ.",
                    factor=self.name,
                )
            )
        return normalise(raw, best, worst)
