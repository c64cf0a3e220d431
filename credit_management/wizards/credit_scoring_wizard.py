from markupsafe import Markup, escape
from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_amount

from ..models.credit_score_factor import WEIGHTS_BATCH
from ..tools.amounts import AmountFormatter


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
            WEIGHTS_BATCH.on(line.factor_id).write(
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

    # Customers scored per batch by the preview (memory stays flat).
    PREVIEW_BATCH = 1000
    # Customers listed by name in the preview; the counts cover all of them.
    PREVIEW_ROWS = 200

    def _credit_preview(self):
        """What a review would do to every customer with these weights, against
        what it does with the weights in force, both on today's data: only the
        weights differ, so unchanged weights change nothing. Limits set by hand,
        the limit mode (a proposal in propose mode) and the minimum weight with
        data apply to both, as in a review. Read-only, batch by batch."""
        self.ensure_one()
        company = self.company_id
        scoring = self.env["credit.scoring"].with_company(company)
        partner_ids = (
            self.env["res.partner"]
            .with_company(company)
            ._search(
                self.env["credit.rerate"]
                .with_company(company)
                ._credit_candidates_domain(),
                order="id",
            )
        )
        partner_ids = list(partner_ids)
        grades = self.env["credit.grade"].with_company(company)._credit_grades(company)
        factors = company.credit_score_factor_ids.sorted("sequence")
        settings = {
            line.factor_id.id: (line.weight, line.best_value, line.worst_value)
            for line in self.line_ids
        }
        card_now = scoring._credit_scorecard(factors)
        card_new = scoring._credit_scorecard(factors, settings)
        moved, stale, limit_change = [], [], 0.0
        Partner = self.env["res.partner"].with_company(company)
        for start in range(0, len(partner_ids), self.PREVIEW_BATCH):
            partners = Partner.browse(partner_ids[start : start + self.PREVIEW_BATCH])
            raws = scoring._credit_factor_raw_values(partners)
            amount = AmountFormatter(scoring.env, company.currency_id)
            for partner in partners:
                score_now, lines_now = scoring._credit_score(raws[partner.id], card_now)
                now = scoring._credit_outcome(
                    partner,
                    score_now,
                    lines_now,
                    raws[partner.id],
                    grades,
                    factors,
                    amount,
                )
                score_new, lines_new = scoring._credit_score(raws[partner.id], card_new)
                new = scoring._credit_outcome(
                    partner,
                    score_new,
                    lines_new,
                    raws[partner.id],
                    grades,
                    factors,
                    amount,
                )
                if now["grade_proposed"] != partner.credit_grade_id:
                    stale.append(partner.display_name)
                if now["grade_proposed"] == new[
                    "grade_proposed"
                ] and not company.currency_id.compare_amounts(
                    now["limit_proposed"], new["limit_proposed"]
                ):
                    continue
                limit_change += new["limit_after"] - now["limit_after"]
                moved.append(
                    {
                        "partner": partner.display_name,
                        "score_now": score_now,
                        "score_new": score_new,
                        "grade_now": now["grade_proposed"],
                        "grade_new": new["grade_proposed"],
                        # The customer's limit today, and what a review with
                        # the new weights would apply or propose.
                        "limit_now": partner.credit_limit
                        if partner.credit_limit_applies
                        else None,
                        "limit_new": new["limit_proposed"],
                        "state": new["limit_state"],
                    }
                )
            self.env.invalidate_all()  # keep memory flat between batches
        return {
            "moved": moved,
            "count": len(partner_ids),
            "stale": stale,
            "limit_change": limit_change,
            "mode": company.credit_limit_mode,
        }

    def _credit_preview_html(self, preview):
        currency = self.company_id.currency_id
        states = dict(
            self.env["credit.review"]
            ._fields["limit_state"]
            ._description_selection(self.env)
        )
        none = "-"

        def amount(value):
            if value is None:
                return self.env._("no limit")
            return format_amount(self.env, value, currency)

        def score(value):
            return none if value is None else f"{value:.2f}"

        summary = self.env._(
            "%(moved)s of %(count)s customer(s) would get another grade or limit "
            "with these weights than with the weights in force, on today's data.",
            moved=len(preview["moved"]),
            count=preview["count"],
        )
        if preview["mode"] == "auto":
            effect = self.env._(
                "Reviews apply them (automatic mode), except limits set by hand: "
                "the limits applied would change by %(change)s in total.",
                change=amount(preview["limit_change"]),
            )
        else:
            effect = self.env._(
                "Reviews only propose them (Limit Adjustment: Propose to a credit "
                "manager): nothing changes until a credit manager applies a "
                "proposal."
            )
        paragraphs = [summary, effect]
        if preview["stale"]:
            names = ", ".join(preview["stale"][:5])
            if len(preview["stale"]) > 5:
                names += self.env._(
                    ", … (%(more)s more)", more=len(preview["stale"]) - 5
                )
            paragraphs.append(
                self.env._(
                    "Already with the weights in force, %(stale)s customer(s) would "
                    "get another grade than the one they have (%(names)s): their last "
                    "review is older than today's data, or its proposal was not "
                    "applied.",
                    stale=len(preview["stale"]),
                    names=names,
                )
            )
        paragraphs.append(self.env._("Nothing has been written."))
        header = Markup("").join(
            Markup("<th>%s</th>") % label
            for label in (
                self.env._("Customer"),
                self.env._("Score (weights in force)"),
                self.env._("Score (new weights)"),
                self.env._("Grade (weights in force)"),
                self.env._("Grade (new weights)"),
                self.env._("Limit today"),
                self.env._("Grade's limit (new weights)"),
                self.env._("A review would"),
            )
        )
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td>%s</td><td>%s</td>"
                "<td class='text-end'>%s</td><td class='text-end'>%s</td>"
                "<td>%s</td></tr>"
            )
            % (
                row["partner"],
                score(row["score_now"]),
                score(row["score_new"]),
                row["grade_now"].code or none,
                row["grade_new"].code or none,
                amount(row["limit_now"]),
                amount(row["limit_new"]),
                states.get(row["state"], row["state"]),
            )
            for row in preview["moved"][: self.PREVIEW_ROWS]
        )
        more = ""
        if len(preview["moved"]) > self.PREVIEW_ROWS:
            more = self.env._(
                "… and %(more)s more.", more=len(preview["moved"]) - self.PREVIEW_ROWS
            )
        text = Markup("").join(Markup("<p>%s</p>") % escape(p) for p in paragraphs)
        if not preview["moved"]:
            return text
        return Markup(
            "%s<table class='table table-sm'><thead><tr>%s</tr></thead>"
            "<tbody>%s</tbody></table><p>%s</p>"
        ) % (text, header, rows, more)


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

    # abs() of NaN is NaN, which PostgreSQL sorts above infinity: both refused.
    _values_finite = models.Constraint(
        "CHECK(abs(best_value) < 'Infinity' AND abs(worst_value) < 'Infinity')",
        "The best and worst values of a factor must be numbers.",
    )

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
