from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..tools.amounts import AmountFormatter
from .credit_statement import ALTMAN_DISTRESS


class CreditWarning(models.AbstractModel):
    """Early warnings after a review: the rules (grade fell, score dropped or
    fell below a threshold, limit nearly used, invoices newly overdue) and the
    "Credit warning" activities they raise, never two open for the same
    customer, rule and user."""

    _name = "credit.warning"
    _description = "Credit Early Warnings"

    @api.model
    def _credit_new_overdue(self, partners):
        """Invoices that crossed the company's warning days overdue since each
        partner's previous review: {partner_id: (count, oldest due date)}."""
        company = self.env.company
        today = fields.Date.context_today(self)
        days = company.credit_warn_overdue_days
        previous = [
            fields.Date.to_date(partner.credit_score_date) for partner in partners
        ]
        exposure = self.env["credit.exposure"]
        open_items = exposure._credit_open_receivables_sql(
            exposure._credit_company_ids(),
            commercial_ids=partners.ids,
            join=SQL(
                """
              JOIN res_partner p ON p.id = aml.partner_id
              JOIN unnest(%s::int[], %s::date[]) AS prev(partner_id, review_date)
                ON prev.partner_id = p.commercial_partner_id""",
                partners.ids,
                previous,
            ),
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.commercial_partner_id,
                   COUNT(DISTINCT aml.move_id),
                   MIN(aml.date_maturity)
              %(open_items)s
               AND aml.amount_residual > 0
               AND aml.date_maturity < %(limit_date)s
               AND (prev.review_date IS NULL
                    OR aml.date_maturity >= prev.review_date - %(days)s)
          GROUP BY p.commercial_partner_id
                """,
                open_items=open_items,
                limit_date=today - timedelta(days=days),
                days=days,
            )
        )
        return {row[0]: row[1:] for row in rows}

    @api.model
    def _credit_warnings(self, partners, raws, states, amount=None):
        """Raise a "Credit warning" activity per partner and reason, for the
        salesperson (or the company's credit manager) and the finance contact,
        unless the same warning is already open for that user.

        :param amount: the ``AmountFormatter`` of the rating's batch, whose
            limits the warnings quote too
        :return: {partner_id: [warning texts]} for the review notes
        """
        company = self.env.company
        amount = amount or AmountFormatter(self.env, company.currency_id)
        new_overdue = self._credit_new_overdue(partners)
        texts = {}
        for partner in partners:
            state = states[partner.id]
            score, before = state["score"], partner.credit_score
            had_score = bool(partner.credit_score_date)
            grade_before, grade_after = partner.credit_grade_id, state["grade_after"]
            found = []
            if score is not None:
                if (
                    grade_before
                    and grade_after
                    and grade_after.min_score < grade_before.min_score
                ):
                    found.append(
                        (
                            "grade_down",
                            self.env._(
                                "Grade fell from %(before)s to %(after)s "
                                "(score %(score)s).",
                                before=grade_before.display_name,
                                after=grade_after.display_name,
                                score=score,
                            ),
                        )
                    )
                if had_score and before - score > company.credit_warn_score_drop:
                    found.append(
                        (
                            "score_drop",
                            self.env._(
                                "Score dropped by %(drop)s points, from %(before)s "
                                "to %(score)s.",
                                drop=round(before - score, 2),
                                before=before,
                                score=score,
                            ),
                        )
                    )
                threshold = company.credit_warn_score_threshold
                if score < threshold and (not had_score or before >= threshold):
                    found.append(
                        (
                            "score_below",
                            self.env._(
                                "Score %(score)s fell below %(threshold)s.",
                                score=score,
                                threshold=f"{threshold:g}",
                            ),
                        )
                    )
            figures = raws[partner.id]["figures"]
            limit = state["limit_after"]
            if state["limit_applies"] and limit > 0:
                net_limit, net_exposure = self.env[
                    "credit.exposure"
                ]._credit_secured_terms(
                    limit, figures["credit_exposure"], raws[partner.id]["secured"]
                )
                usage = 100.0 * net_exposure / net_limit
                if usage > company.credit_warn_utilisation:
                    found.append(
                        (
                            "utilisation",
                            self.env._(
                                "Credit usage %(usage)s %% (exposure %(exposure)s of "
                                "limit %(limit)s) is above %(max)s %%.",
                                usage=round(usage, 1),
                                # as counted with securities (limit or exposure)
                                exposure=amount(net_exposure),
                                limit=amount(net_limit),
                                max=f"{company.credit_warn_utilisation:g}",
                            ),
                        )
                    )
            if partner.id in new_overdue:
                count, oldest = new_overdue[partner.id]
                found.append(
                    (
                        "new_overdue",
                        self.env._(
                            "%(count)s invoice(s) became more than %(days)s days "
                            "overdue (oldest due on %(date)s); overdue in all: "
                            "%(amount)s.",
                            count=count,
                            days=company.credit_warn_overdue_days,
                            date=oldest,
                            amount=amount(figures["receivable_overdue"]),
                        ),
                    )
                )
            if found:
                texts[partner.id] = found
        if texts:
            self._credit_schedule_warnings(partners.browse(list(texts)), texts)
        return {pid: [text for _code, text in found] for pid, found in texts.items()}

    @api.model
    def _credit_schedule_warnings(self, partners, warnings, with_manager=False):
        """Create the warning activities of ``warnings`` ({partner_id: [(code,
        text)]}) for the salesperson (or the credit manager) and the finance
        contact; ``with_manager``: for the company's credit manager too."""
        company = self.env.company
        activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_warning"
        )
        # Only looked up when a customer has no salesperson.
        fallback = (
            company._credit_manager_user()
            if with_manager or not all(partner.user_id for partner in partners)
            else self.env["res.users"]
        )
        Activity = self.env["mail.activity"].sudo()  # warnings go to other users
        existing = {}
        for activity in Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", activity_type.id),
                ("credit_warning_code", "!=", False),
                ("credit_warning_company_id", "in", [company.id, False]),
            ]
        ):
            key = (activity.res_id, activity.credit_warning_code, activity.user_id.id)
            # this company's own rather than one raised before the company
            # was recorded
            if key not in existing or activity.credit_warning_company_id:
                existing[key] = activity
        several = len(self.env.user.company_ids) > 1 or (
            self.env["res.company"].sudo().search_count([], limit=2) > 1
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        values = []
        for partner in partners:
            users = (partner.user_id or fallback) | company.credit_finance_user_id
            if with_manager:
                users |= fallback
            for code, text in warnings[partner.id]:
                for user in users:
                    key = (partner.id, code, user.id)
                    note = Markup("<p>%s</p>") % text
                    if key in existing:
                        # Still open: never a second one, but its figures are
                        # today's (not "96 %" when usage is now 132 %).
                        if existing[key] and existing[key].note != note:
                            existing[key].note = note
                        continue
                    existing[key] = None
                    values.append(
                        {
                            "res_model_id": model_id,
                            "res_id": partner.id,
                            "activity_type_id": activity_type.id,
                            "user_id": user.id,
                            "date_deadline": today,
                            "summary": self.env._(
                                "Credit warning: %(partner)s (%(company)s)",
                                partner=partner.display_name,
                                company=company.name,
                            )
                            if several
                            else self.env._(
                                "Credit warning: %(partner)s",
                                partner=partner.display_name,
                            ),
                            "note": Markup("<p>%s</p>") % text,
                            "credit_warning_code": code,
                            "credit_warning_company_id": company.id,
                        }
                    )
        Activity.create(values)

    # ------------------------------------------------------------------
    # Credit information: ratings, statements, countries
    # ------------------------------------------------------------------
    @api.model
    def _credit_rating_warnings(self, ratings, before):
        """Warn on new ratings that lower a customer's external rating by more
        than the company's points, or would move it down a grade.

        :param before: {company_id: {partner_id: (score, date)}} before the
            ratings were recorded
        """
        # Ids first: a union of recordsets per rating is quadratic on an import.
        by_company = defaultdict(dict)
        for rating in ratings:
            by_company[rating.company_id][rating.partner_id.id] = True
        for company, partner_ids in by_company.items():
            self_company = self.with_company(company)
            partners = (
                self.env["res.partner"].with_company(company).browse(list(partner_ids))
            )
            after = self.env["credit.rating"]._credit_external_scores(
                partners.ids, company.id
            )
            previous = before.get(company.id, {})
            found = {}
            changed = partners.browse(
                partner_id
                for partner_id, (score, _date) in after.items()
                if partner_id not in previous or score != previous[partner_id][0]
            )
            for partner in changed:
                if partner.id not in previous:
                    continue
                drop = previous[partner.id][0] - after[partner.id][0]
                if drop > company.credit_warn_rating_drop:
                    found.setdefault(partner.id, []).append(
                        self.env._(
                            "External rating fell by %(drop)s points, from "
                            "%(before)s to %(after)s (rating of %(date)s).",
                            drop=round(drop, 1),
                            before=round(previous[partner.id][0], 1),
                            after=round(after[partner.id][0], 1),
                            date=after[partner.id][1],
                        )
                    )
            moves = self_company._credit_grade_moves(changed)
            # One warning per customer and rating: a grade move is the review's
            # "grade fell" warning (the review then finds it open and does not
            # raise it twice); a drop in points alone is a rating drop.
            warnings = {
                partner_id: [
                    (
                        "grade_down" if partner_id in moves else "rating_drop",
                        " ".join(
                            found.get(partner_id, []) + [moves.get(partner_id, "")]
                        ).strip(),
                    )
                ]
                for partner_id in set(found) | set(moves)
            }
            if warnings:
                self_company._credit_schedule_warnings(
                    partners.browse(list(warnings)), warnings
                )

    @api.model
    def _credit_grade_moves(self, partners):
        """Customers whose grade the score of today's information would lower
        (no review is written: the next re-rating records it):
        {partner_id: warning text}."""
        scoring = self.env["credit.scoring"]
        partners = partners.filtered("credit_grade_id")
        if not partners:
            return {}
        company = self.env.company
        factors = company.sudo().credit_score_factor_ids.sorted("sequence")
        try:
            grades = self.env["credit.grade"]._credit_grades(company)
        except UserError:
            return {}  # grades misconfigured: the next review says so
        card = scoring._credit_scorecard(factors)
        raws = scoring._credit_factor_raw_values(partners)
        texts = {}
        for partner in partners:
            score, _lines = scoring._credit_score(raws[partner.id], card)
            if score is None:
                continue
            grade = grades._credit_grade_for(score)
            if grade and grade.min_score < partner.credit_grade_id.min_score:
                texts[partner.id] = self.env._(
                    "With the new rating the score would be %(score)s: grade "
                    "%(after)s instead of %(before)s.",
                    score=score,
                    after=grade.display_name,
                    before=partner.credit_grade_id.display_name,
                )
        return texts

    @api.model
    def _credit_statement_warnings(self, statements):
        """Warn on a new latest statement in the Altman distress zone."""
        latest_by_company = defaultdict(dict)
        for statement in statements.sorted("period_end"):
            latest_by_company[statement.company_id][statement.partner_id.id] = statement
        for company, latest in latest_by_company.items():
            newer = {
                statement.partner_id.id
                for statement in self.env["credit.statement"].search(
                    [
                        ("company_id", "=", company.id),
                        ("partner_id", "in", list(latest)),
                        ("id", "not in", statements.ids),
                    ]
                )
                if statement.period_end > latest[statement.partner_id.id].period_end
            }
            found = {
                partner_id: [
                    (
                        "statement_distress",
                        self.env._(
                            "Financial statement of %(date)s in the distress zone: "
                            "Altman Z'' %(z)s (below %(limit)s).",
                            date=statement.period_end,
                            z=round(statement.altman_z, 2),
                            limit=ALTMAN_DISTRESS,
                        ),
                    )
                ]
                for partner_id, statement in latest.items()
                if partner_id not in newer and statement.altman_zone == "distress"
            }
            if found:
                self.with_company(company)._credit_schedule_warnings(
                    self.env["res.partner"].browse(list(found)), found
                )

    @api.model
    def _credit_country_warnings(self, countries):
        """Warn on the customers of countries whose risk class went up, in
        every company under credit control."""
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("credit_control_enabled", "=", True)])
        )
        for company in companies:
            # sudo: a country is re-classed once for all companies, including
            # companies the credit manager does not work in.
            warning = self.sudo().with_company(company)
            candidates = warning.env["credit.rerate"]._credit_candidates_domain()
            partners = warning.env["res.partner"].search(
                candidates
                + [
                    ("country_id", "in", countries.ids),
                    ("country_id", "!=", company.country_id.id),
                ]
            )
            found = {
                partner.id: [
                    (
                        "country_up",
                        self.env._(
                            "%(country)s was re-classed to country risk class "
                            "%(class)s.",
                            country=partner.country_id.name,
                            **{"class": partner.country_id.credit_risk_class},
                        ),
                    )
                ]
                for partner in partners
            }
            if found:
                warning._credit_schedule_warnings(partners, found)

    @api.model
    def _credit_security_warnings(self, securities):
        """One warning per security ending soon (its own rule code: a customer
        with two securities ending gets two), for the salesperson (or the
        credit manager) and the finance contact; never twice while open."""
        found = defaultdict(list)
        for security in securities:
            found[security.partner_id.id].append(
                (
                    f"security_end:{security.id}",
                    self.env._(
                        "%(type)s %(name)s of %(amount)s ends on %(date)s: the "
                        "credit it secures will no longer be available.",
                        type=dict(
                            security._fields["security_type"]._description_selection(
                                self.env
                            )
                        )[security.security_type],
                        name=security.name,
                        amount=format_amount(
                            self.env, security.amount, security.currency_id
                        ),
                        date=security.date_to,
                    ),
                )
            )
        self._credit_schedule_warnings(securities.partner_id, found, with_manager=True)
