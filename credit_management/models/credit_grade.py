from odoo import api, fields, models


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
        compute="_compute_currency_id",
        help="Currency of the default limit: the company's, or the current "
        "company's for a shared grade.",
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

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for grade in self:
            grade.currency_id = (grade.company_id or self.env.company).currency_id

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

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.res_partner_action_customer"
        )
        action["domain"] = [("credit_grade_id", "=", self.id)]
        action["context"] = {"search_default_customer": 0}
        return action
