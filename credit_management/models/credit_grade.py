from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.amounts import AmountFormatter


class CreditGrade(models.Model):
    _name = "credit.grade"
    _description = "Credit Grade"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Short code shown on partners and in messages, e.g. A, B, C.",
    )
    sequence = fields.Integer(
        default=10,
        help="Order of the grades, best first: the first grade is the safest.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the grade between all companies.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the default limit and the cap. A company whose currency "
        "differs reads them converted at the day's rate: a grade shared between "
        "companies means the same amount in each.",
    )
    default_credit_limit = fields.Monetary(
        string="Default Limit",
        currency_field="currency_id",
        help="Credit limit proposed for customers of this grade.",
    )
    requires_prepayment = fields.Boolean(
        help="Customers of this grade get no credit: their orders are blocked at "
        "confirmation when the company policy says so.",
    )
    max_payment_days = fields.Integer(
        string="Longest Payment Terms (days)",
        help="Quotations whose payment terms give more days than this (last "
        "instalment, counted from the order date) are blocked; 0: no cap.",
    )
    down_payment_percent = fields.Float(
        string="Down Payment (%)",
        help="Quotations must ask for at least this share paid online before "
        "confirmation (Online payment on the quotation); 0: none.",
    )
    min_score = fields.Float(
        help="Customers scoring at least this (0–100) get this grade, unless a "
        "better grade also matches. The lowest grade starts at 0.",
    )
    limit_rule = fields.Selection(
        [
            ("fixed", "Fixed amount"),
            ("sales_percent", "% of invoiced sales (12 months)"),
        ],
        default="fixed",
        required=True,
        help="How the limit of a customer of this grade is computed at review.",
    )
    limit_sales_percent = fields.Float(
        string="% Of Sales",
        help="Share of the customer's trailing 12-month invoiced sales.",
    )
    limit_cap = fields.Monetary(
        currency_field="currency_id",
        help="Upper bound of the sales-based limit (0: no cap).",
    )
    color = fields.Integer()
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")

    _code_company_uniq = models.Constraint(
        "UNIQUE(code, company_id)",
        "A grade code must be unique per company.",
    )
    _default_credit_limit_positive = models.Constraint(
        "CHECK(default_credit_limit >= 0)",
        "The default limit of a grade cannot be negative.",
    )

    _min_score_range = models.Constraint(
        "CHECK(min_score >= 0 AND min_score <= 100)",
        "The minimum score of a grade lies between 0 and 100.",
    )
    # PostgreSQL sorts NaN above every number, infinity included: "< 'Infinity'"
    # refuses NaN and infinity, which ">= 0" lets through.
    _limit_cap_positive = models.Constraint(
        "CHECK(limit_cap >= 0 AND limit_sales_percent >= 0"
        " AND limit_sales_percent < 'Infinity')",
        "The limit cap and the share of sales cannot be negative.",
    )

    _down_payment_range = models.Constraint(
        "CHECK(down_payment_percent >= 0 AND down_payment_percent <= 100)",
        "A down payment lies between 0 and 100 %.",
    )
    _max_payment_days_positive = models.Constraint(
        "CHECK(max_payment_days >= 0)",
        "The longest payment terms cannot be negative.",
    )

    @api.onchange("company_id")
    def _onchange_company_id(self):
        if self.company_id:
            self.currency_id = self.company_id.currency_id

    @api.depends_context("company")
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("credit_grade_id", "in", self.ids), ("parent_id", "=", False)],
                ["credit_grade_id"],
                ["__count"],
            )
        )
        for grade in self:
            grade.partner_count = counts.get(grade, 0)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for grade in self:
            grade.display_name = (
                f"{grade.code} - {grade.name}" if grade.code else grade.name
            )

    @api.model
    def _credit_grades(self, company):
        """Active grades of ``company`` (its own and shared ones), best band first.

        Bands must cover the whole 0–100 range without two grades starting at the
        same score: a clear error otherwise, never a customer left without grade.
        """
        grades = self.search(
            [("company_id", "in", (False, company.id))], order="min_score desc, id"
        )
        if not grades:
            raise UserError(
                self.env._(
                    "No credit grade is defined for %(company)s: create the grades "
                    "in Sales › Credit › Credit Grades before rating customers.",
                    company=company.name,
                )
            )
        scores = grades.mapped("min_score")
        if len(set(scores)) != len(scores):
            raise UserError(
                self.env._(
                    "Two credit grades of %(company)s start at the same score: "
                    "give each grade its own minimum score.",
                    company=company.name,
                )
            )
        if scores[-1] > 0:
            raise UserError(
                self.env._(
                    "The credit grades of %(company)s leave scores below "
                    "%(score)s without a grade: the lowest grade must start at 0.",
                    company=company.name,
                    score=scores[-1],
                )
            )
        return grades

    def _credit_grade_for(self, score):
        """The grade of ``score`` among ``self`` (sorted best band first)."""
        return next(grade for grade in self if score >= grade.min_score)

    def _credit_default_limit(self, sales_12m, company=None):
        """Limit this grade gives, in ``company``'s currency (default: the
        current company), to a customer with these 12-month sales (in that
        currency). A rate missing for the grade's currency raises."""
        self.ensure_one()
        company = company or self.env.company
        if self.requires_prepayment:
            return 0.0
        rate = 1.0
        if self.currency_id != company.currency_id:
            rate = (
                self.env["credit.exposure"]
                .with_company(company)
                ._credit_rates(self.currency_id.ids, fields.Date.context_today(self))[
                    self.currency_id.id
                ]
            )
        currency = company.currency_id
        if self.limit_rule == "sales_percent":
            limit = sales_12m * self.limit_sales_percent / 100.0
            if self.limit_cap:
                limit = min(limit, self.limit_cap * rate)
            return currency.round(max(limit, 0.0))
        return currency.round(self.default_credit_limit * rate)

    def _credit_limit_explanation(
        self, score, sales_12m, limit, company=None, amount=None
    ):
        """Why this grade gives ``limit``, in words, for the review that
        proposes it: the band the score falls in and the limit rule.

        :param amount: an ``AmountFormatter`` of the company's currency, when
            the caller has one (a re-rating makes one per batch: the language is
            looked up once, each grade's limit formatted once)
        """
        self.ensure_one()
        company = company or self.env.company
        amount = amount or AmountFormatter(self.env, company.currency_id)

        band = self.env._(
            "Score %(score)s ≥ %(min)s: grade %(grade)s",
            score=score,
            min=self.min_score,
            grade=self.display_name,
        )
        if self.requires_prepayment:
            return self.env._(
                "%(band)s, which requires payment in advance: limit %(limit)s.",
                band=band,
                limit=amount(0.0),
            )
        if self.limit_rule == "sales_percent":
            return self.env._(
                "%(band)s: %(percent)s %% of the 12-month sales %(sales)s, capped at "
                "%(cap)s: limit %(limit)s.",
                band=band,
                percent=self.limit_sales_percent,
                sales=amount(sales_12m),
                cap=amount(self.limit_cap) if self.limit_cap else self.env._("none"),
                limit=amount(limit),
            )
        return self.env._(
            "%(band)s: fixed limit %(limit)s.", band=band, limit=amount(limit)
        )

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.res_partner_action_customer"
        )
        action["domain"] = [("credit_grade_id", "=", self.id)]
        action["context"] = {"search_default_customer": 0}
        return action
