from collections import Counter

from markupsafe import Markup, escape
from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_amount


class CreditScoringWizard(models.TransientModel):
    _name = "credit.scoring.wizard"
    _description = "Credit Scoring Weights"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many("credit.scoring.wizard.line", "wizard_id")
    total_weight = fields.Float(compute="_compute_total_weight", string="Total (%)")
    preview_html = fields.Html(
        string="Preview", readonly=True, sanitize=False, compute=False
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(
            values.get("company_id") or self.env.company.id
        )
        if "line_ids" in fields_list:
            values["line_ids"] = [
                Command.create(
                    {
                        "factor_id": factor.id,
                        "weight": factor.weight,
                        "best_value": factor.best_value,
                        "worst_value": factor.worst_value,
                    }
                )
                for factor in company.credit_score_factor_ids.sorted("sequence")
            ]
        return values

    @api.depends("line_ids.weight")
    def _compute_total_weight(self):
        for wizard in self:
            wizard.total_weight = sum(wizard.line_ids.mapped("weight"))

    def _check_total(self):
        self.ensure_one()
        if float_compare(self.total_weight, 100.0, 2):
            raise ValidationError(
                self.env._(
                    "The weights must sum to 100 %%; they sum to %(total)s %%.",
                    total=round(self.total_weight, 2),
                )
            )

    def action_save(self):
        self.ensure_one()
        self._check_total()
        for line in self.line_ids:
            line.factor_id.with_context(credit_weights_batch=True).write(
                {
                    "weight": line.weight,
                    "best_value": line.best_value,
                    "worst_value": line.worst_value,
                }
            )
        self.company_id._credit_check_weight_sum()
        return True

    def action_preview(self):
        """Show how customers would move between grades with these weights, and
        the total limit change, without writing anything."""
        self.ensure_one()
        self._check_total()
        self.preview_html = self._credit_preview_html(self._credit_preview())
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Scoring Weights"),
        }

    def _credit_preview(self):
        """Migration matrix {(grade before, grade after): count} and limit change
        for every customer of the company, set-based, read-only."""
        self.ensure_one()
        company = self.company_id
        scoring = self.env["credit.scoring"].with_company(company)
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .search(scoring._credit_candidates_domain())
        )
        grades = self.env["credit.grade"].with_company(company)._credit_grades(company)
        factors = company.credit_score_factor_ids.sorted("sequence")
        settings = {
            line.factor_id.id: (line.weight, line.best_value, line.worst_value)
            for line in self.line_ids
        }
        matrix, limit_change = Counter(), 0.0
        raws = scoring._credit_factor_raw_values(partners)
        for partner in partners:
            score, _lines = scoring._credit_score(raws[partner.id], factors, settings)
            before = partner.credit_grade_id
            if score is None:  # no data: a review would leave grade and limit
                matrix[before, before] += 1
                continue
            after = grades._credit_grade_for(score)
            matrix[before, after] += 1
            sales = raws[partner.id]["sales_12m"]
            limit_change += after._credit_default_limit(sales) - partner.credit_limit
        return {
            "matrix": matrix,
            "grades": grades,
            "limit_change": limit_change,
            "count": len(partners),
        }

    def _credit_preview_html(self, preview):
        grades = preview["grades"].sorted("sequence")
        rows_grades = grades | preview["grades"].browse(
            [before.id for before, _after in preview["matrix"] if before]
        )
        none = self.env._("No grade")
        header = Markup("").join(
            Markup("<th class='text-end'>%s</th>") % grade.code for grade in grades
        )
        rows = []
        for before in [*rows_grades.sorted("sequence"), self.env["credit.grade"]]:
            cells = [preview["matrix"].get((before, after), 0) for after in grades]
            if not any(cells):
                continue
            rows.append(
                Markup("<tr><th>%s</th>%s</tr>")
                % (
                    before.code or none,
                    Markup("").join(
                        Markup("<td class='text-end'>%s</td>") % cell for cell in cells
                    ),
                )
            )
        moved = sum(
            count
            for (before, after), count in preview["matrix"].items()
            if before != after
        )
        summary = self.env._(
            "%(moved)s of %(count)s customer(s) would change grade; total limit "
            "change %(change)s. Nothing has been written.",
            moved=moved,
            count=preview["count"],
            change=format_amount(
                self.env, preview["limit_change"], self.company_id.currency_id
            ),
        )
        return Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th>%s</tr>"
            "</thead><tbody>%s</tbody></table>"
        ) % (
            escape(summary),
            self.env._("Now \\ New"),
            header,
            Markup("").join(rows),
        )


class CreditScoringWizardLine(models.TransientModel):
    _name = "credit.scoring.wizard.line"
    _description = "Credit Scoring Weight"

    wizard_id = fields.Many2one(
        "credit.scoring.wizard", required=True, ondelete="cascade"
    )
    factor_id = fields.Many2one("credit.score.factor", required=True)
    name = fields.Char(related="factor_id.name")
    unit = fields.Char(related="factor_id.unit")
    weight = fields.Float(string="Weight (%)")
    best_value = fields.Float()
    worst_value = fields.Float()

    @api.constrains("weight")
    def _check_weight(self):
        for line in self:
            if not 0 <= line.weight <= 100:
                raise ValidationError(
                    self.env._(
                        "The weight of %(factor)s must lie between 0 and 100.",
                        factor=line.name,
                    )
                )
