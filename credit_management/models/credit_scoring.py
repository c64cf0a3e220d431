import json
from datetime import datetime, time, timedelta

from markupsafe import Markup
from odoo import api, fields, models
from odoo.tools import SQL, format_amount

DAYS_PER_MONTH = 365.25 / 12


class CreditScoring(models.AbstractModel):
    """The rating engine: factors, score, grade, limit, review, early warnings.

    Everything is computed for a whole batch of customers at once: a fixed number
    of grouped SQL queries per batch, whatever its size.
    """

    _name = "credit.scoring"
    _description = "Credit Scoring Engine"

    # ------------------------------------------------------------------
    # Factors
    # ------------------------------------------------------------------
    @api.model
    def _credit_factor_raw_values(self, partners, date=None):
        """Raw factor values of commercial ``partners`` for the current company.

        :return: {partner_id: {factor code: raw value, or None without data}},
            plus the credit figures of each partner under the key ``figures``
            and its 12-month invoiced sales under ``sales_12m``

        Every query reaches the batch's own items through the partner indexes
        (partners given as arrays): a batch costs the same whatever the size of
        the rest of the ledger (joined from account_move, PostgreSQL scanned the
        whole move and move line tables for every batch of the re-rating).
        """
        date = date or fields.Date.context_today(self)
        since = date - timedelta(days=365)
        figures = partners._credit_figures(date)
        company_ids = partners._credit_company_ids()
        partner_ids = partners.ids
        contact_ids = partners._credit_contact_ids_sql(partner_ids)
        for model, names in (
            ("account.move", ["amount_untaxed_signed", "invoice_date"]),
            ("account.move", ["invoice_date_due", "payment_state"]),
            ("account.move", ["commercial_partner_id", "company_id", "partner_id"]),
            ("account.move", ["move_type", "state"]),
            ("account.move.line", ["account_id", "move_id", "partner_id"]),
            ("account.partial.reconcile", ["debit_move_id", "max_date"]),
        ):
            self.env[model].flush_model(names)
        history = {
            row[0]: row[1:]
            for row in self.env.execute_query(
                SQL(
                    """
            SELECT inv.commercial_partner_id,
                   AVG(GREATEST(inv.paid_date - inv.due_date, 0)),
                   100.0 * AVG(CASE WHEN inv.paid_date <= inv.due_date
                                    THEN 1 ELSE 0 END),
                   COUNT(*)
              FROM (SELECT am.commercial_partner_id,
                           am.invoice_date_due AS due_date,
                           MAX(apr.max_date) AS paid_date
                      FROM account_move_line aml
                      JOIN account_move am ON am.id = aml.move_id
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
                     WHERE aml.partner_id = ANY(%(contact_ids)s)
                       AND aml.account_id = ANY(%(account_ids)s)
                       AND am.move_type = 'out_invoice'
                       AND am.state = 'posted'
                       AND am.payment_state IN ('paid', 'in_payment')
                       AND am.company_id = ANY(%(company_ids)s)
                       AND am.commercial_partner_id = ANY(%(partner_ids)s)
                  GROUP BY am.id) inv
             WHERE inv.paid_date > %(since)s
               AND inv.paid_date <= %(date)s
          GROUP BY inv.commercial_partner_id
                    """,
                    company_ids=company_ids,
                    partner_ids=partner_ids,
                    contact_ids=contact_ids,
                    account_ids=partners._credit_receivable_account_ids_sql(),
                    since=since,
                    date=date,
                )
            )
        }
        ledger = {
            row[0]: row[1:]
            for row in self.env.execute_query(
                SQL(
                    """
            SELECT am.commercial_partner_id,
                   MIN(am.invoice_date),
                   SUM(am.amount_untaxed_signed)
                       FILTER (WHERE am.invoice_date > %(since)s)
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund')
               AND am.state = 'posted'
               AND am.invoice_date <= %(date)s
               AND am.company_id = ANY(%(company_ids)s)
               AND am.partner_id = ANY(%(contact_ids)s)
               AND am.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY am.commercial_partner_id
                    """,
                    company_ids=company_ids,
                    partner_ids=partner_ids,
                    contact_ids=contact_ids,
                    since=since,
                    date=date,
                )
            )
        }
        result = {}
        for partner in partners:
            values = figures[partner.id]
            avg_late, on_time, paid_count = history.get(partner.id, (None, None, 0))
            first_invoice, sales = ledger.get(partner.id, (None, None))
            has_ledger = first_invoice is not None
            limit = partner.credit_limit if partner.credit_limit_applies else 0.0
            result[partner.id] = {
                "payment_delay": float(avg_late) if paid_count else None,
                "payment_on_time": float(on_time) if paid_count else None,
                "overdue_days": values["max_days_overdue"] if has_ledger else None,
                "overdue_share": (
                    100.0 * values["receivable_overdue"] / values["receivable_open"]
                    if values["receivable_open"] > 0
                    else None
                ),
                "utilisation": (
                    100.0 * values["credit_exposure"] / limit if limit > 0 else None
                ),
                "relationship": (
                    (date - first_invoice).days / DAYS_PER_MONTH if has_ledger else None
                ),
                "sales_volume": float(sales or 0.0) if has_ledger else None,
                "external_rating": (
                    float(partner.credit_external_rating)
                    if partner.credit_external_rating_date
                    else None
                ),
                "figures": values,
                "sales_12m": float(sales or 0.0),
            }
        return result

    @api.model
    def _credit_score(self, raws, factors, settings=None):
        """Weighted score of one customer.

        :param raws: {code: raw value or None}
        :param factors: credit.score.factor records of the company
        :param settings: optional {factor id: (weight, best, worst)} overriding
            the stored ones (weight preview)
        :return: (score or None when no factor has data, list of line values)
        """
        settings = settings or {
            factor.id: (factor.weight, factor.best_value, factor.worst_value)
            for factor in factors
        }
        weights = {factor_id: values[0] for factor_id, values in settings.items()}
        with_data = [f for f in factors if raws.get(f.code) is not None]
        total = sum(weights[factor.id] for factor in with_data)
        lines, score = [], 0.0
        for factor in factors:
            raw = raws.get(factor.code)
            has_data = raw is not None and total > 0
            normalised = (
                factor._normalise(raw, *settings[factor.id][1:]) if has_data else 0.0
            )
            effective = 100.0 * weights[factor.id] / total if has_data else 0.0
            contribution = normalised * effective / 100.0
            score += contribution
            lines.append(
                {
                    "factor_id": factor.id,
                    "sequence": factor.sequence,
                    "has_data": has_data,
                    "raw_value": raw or 0.0,
                    "normalised_value": round(normalised, 2),
                    "weight": weights[factor.id],
                    "effective_weight": round(effective, 2),
                    "contribution": round(contribution, 2),
                }
            )
        return (round(score, 2) if total > 0 else None), lines

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------
    @api.model
    def _credit_outcome(self, partner, score, lines, raws, grades, factors):
        """What a review of ``partner`` with this score does, written nowhere:
        the grade and limit it proposes, which of them it applies (company limit
        mode, limits set by hand, minimum weight with data) and its notes. The
        review and the weights preview both decide through it.

        :param lines: the factor lines of ``_credit_score``
        :param raws: the partner's raw values (``_credit_factor_raw_values``)
        """
        company = self.env.company
        currency = company.currency_id
        auto = company.credit_limit_mode == "auto"
        grade_before = partner.credit_grade_id
        limit_before = partner.credit_limit
        applies_before = partner.credit_limit_applies
        result = {
            "grade_proposed": grade_before,
            "grade_after": grade_before,
            "limit_proposed": limit_before,
            "limit_after": limit_before,
            "applies_after": applies_before,
            "limit_state": "unchanged",
            "insufficient": False,
            "notes": [],
        }
        total_weight = sum(line["weight"] for line in lines)
        result["data_share"] = data_share = (
            100.0
            * sum(line["weight"] for line in lines if line["has_data"])
            / total_weight
            if total_weight
            else 0.0
        )
        notes = result["notes"]
        missing = [
            factor.name
            for factor, line in zip(factors, lines, strict=True)
            if not line["has_data"]
        ]
        if missing:
            notes.append(
                self.env._(
                    "No data for: %(factors)s (weights re-normalised).",
                    factors=", ".join(missing),
                )
            )
        if score is None:
            result["notes"] = [
                self.env._("No factor has data: score and grade unchanged.")
            ]
            return result
        if data_share < company.credit_min_data_weight:
            result["insufficient"] = True
            notes.append(
                self.env._(
                    "Insufficient data: the factors with data carry %(share)s %% "
                    "of the weight, below the %(required)s %% required; grade "
                    "and limit unchanged.",
                    share=round(data_share, 1),
                    required=company.credit_min_data_weight,
                )
            )
            return result
        grade = grades._credit_grade_for(score)
        limit = grade._credit_default_limit(raws["sales_12m"], company)
        result.update(grade_proposed=grade, limit_proposed=limit)
        if auto:
            result["grade_after"] = grade
        if not applies_before or currency.compare_amounts(limit, limit_before):
            if partner.credit_limit_manual:
                result["limit_state"] = "kept_manual"
                notes.append(
                    self.env._(
                        "The limit %(limit)s was set by hand: it is kept; the "
                        "grade proposes %(proposed)s.",
                        limit=format_amount(self.env, limit_before, currency)
                        if applies_before
                        else self.env._("none"),
                        proposed=format_amount(self.env, limit, currency),
                    )
                )
            elif auto:
                result.update(
                    limit_state="applied", limit_after=limit, applies_after=True
                )
            else:
                result["limit_state"] = "proposed"
        elif grade != grade_before and not auto:
            result["limit_state"] = "proposed"
        return result

    @api.model
    def _credit_rate(self, partners, trigger, run_ref=False):
        """Rate commercial ``partners`` for the current company: write one review
        each, update score, grade and (by the company's limit mode) limit, then
        raise the early warnings.

        :return: the credit.review records created
        """
        company = self.env.company
        partners = partners.with_company(company)
        factors = company.sudo().credit_score_factor_ids.sorted("sequence")
        grades = self.env["credit.grade"]._credit_grades(company)
        raws = self._credit_factor_raw_values(partners)
        now = fields.Datetime.now()
        review_values, review_lines, partner_updates, states = [], [], [], {}
        for partner in partners:
            score, lines = self._credit_score(raws[partner.id], factors)
            outcome = self._credit_outcome(
                partner, score, lines, raws[partner.id], grades, factors
            )
            grade_before = partner.credit_grade_id
            limit_before = partner.credit_limit
            applies_before = partner.credit_limit_applies
            grade_after = outcome["grade_after"]
            grade_proposed = outcome["grade_proposed"]
            limit_proposed = outcome["limit_proposed"]
            limit_state = outcome["limit_state"]
            insufficient = outcome["insufficient"]
            data_share = outcome["data_share"]
            notes = outcome["notes"]
            updates = {"credit_score_date": now}
            if score is not None and not insufficient:
                updates["credit_score"] = score
            if grade_after != grade_before:
                updates["credit_grade_id"] = grade_after.id
            if limit_state == "applied":
                updates["credit_limit"] = limit_proposed
                updates["credit_limit_applies"] = True
            limit_after = outcome["limit_after"]
            applies_after = outcome["applies_after"]
            partner_updates.append((partner, updates))
            review_lines.append(lines)
            states[partner.id] = {
                "score": None if insufficient else score,
                # Warnings speak of the grade the score gives, applied or proposed.
                "grade_after": grade_proposed,
                "limit_after": limit_after,
                "limit_applies": applies_after,
            }
            review_values.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": now,
                    "trigger": trigger,
                    "run_ref": run_ref,
                    "user_id": self.env.user.id,
                    "score": score or 0.0,
                    "has_score": score is not None,
                    "data_share": data_share,
                    "data_insufficient": insufficient,
                    "previous_score": partner.credit_score,
                    "had_previous_score": bool(partner.credit_score_date),
                    "grade_before_id": grade_before.id,
                    "grade_proposed_id": grade_proposed.id,
                    "grade_after_id": grade_after.id,
                    "limit_before": limit_before,
                    "limit_before_applies": applies_before,
                    "limit_proposed": limit_proposed,
                    "limit_after": limit_after,
                    "limit_after_applies": applies_after,
                    "limit_state": limit_state,
                    "note": "\n".join(notes),
                }
            )
        # Scheduled and event runs may raise thousands of activities: they show in
        # the assignees' activity menu without one e-mail each.
        warnings = self.with_context(
            mail_activity_quick_update=trigger != "manual"
        )._credit_warnings(partners, raws, states)
        for review in review_values:
            if review["partner_id"] in warnings:
                review["note"] = "\n".join(
                    filter(None, [review["note"], *warnings[review["partner_id"]]])
                )
        # A review is its own record of what happened: no creation message, no
        # follower, no tracking at creation (changes after it are tracked).
        reviews = (
            self.env["credit.review"]
            .with_context(
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                tracking_disable=True,
            )
            .create(review_values)
        )
        self._credit_insert_review_lines(reviews, factors, review_lines)
        # Iterate the batch recordset itself: its records prefetch together.
        updates_by_id = {partner.id: updates for partner, updates in partner_updates}
        for partner in partners.with_context(credit_review_apply=True):
            partner.write(updates_by_id[partner.id])
        return reviews

    @api.model
    def _credit_insert_review_lines(self, reviews, factors, review_lines):
        """Write the factor lines of new reviews in one INSERT.

        The lines are a frozen record of a review (no compute, no constraint, no
        chatter): through the ORM, its 8 lines per customer were a third of a
        re-rating's time (80,000 ``create`` values for 10,000 customers).

        :param review_lines: for each review, the lines of ``_credit_score``
            (one per factor of ``factors``, in that order)
        """
        self.env["credit.review.line"].check_access("create")
        columns = {
            "review_id": "int4",
            "company_id": "int4",
            "factor_id": "int4",
            "code": "varchar",
            "sequence": "int4",
            "has_data": "bool",
            "raw_value": "float8",
            "normalised_value": "float8",
            "weight": "float8",
            "effective_weight": "float8",
            "contribution": "float8",
        }
        rows = [
            dict(
                line,
                review_id=review.id,
                company_id=review.company_id.id,
                code=factor.code,
            )
            for review, lines in zip(reviews, review_lines, strict=True)
            for factor, line in zip(factors, lines, strict=True)
        ]
        if not rows:
            return
        # One JSON document: encoding tens of thousands of values as SQL
        # literals cost more than the INSERT itself.
        self.env.execute_query(
            SQL(
                """
            INSERT INTO credit_review_line
                   (%(names)s, create_uid, create_date, write_uid, write_date)
            SELECT %(names)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM jsonb_to_recordset(%(rows)s::jsonb) AS line(%(types)s)
                """,
                names=SQL(", ").join(SQL.identifier(name) for name in columns),
                types=SQL(", ").join(
                    SQL("%s %s", SQL.identifier(name), SQL(type_))
                    for name, type_ in columns.items()
                ),
                rows=json.dumps(rows),
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        reviews.invalidate_recordset(["line_ids"])

    # ------------------------------------------------------------------
    # Early warnings
    # ------------------------------------------------------------------
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
        open_items = partners._credit_open_receivables_sql(
            partners._credit_company_ids(),
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
    def _credit_warnings(self, partners, raws, states):
        """Raise a "Credit warning" activity per partner and reason, for the
        salesperson (or the company's credit manager) and the finance contact,
        unless the same warning is already open for that user.

        :return: {partner_id: [warning texts]} for the review notes
        """
        company = self.env.company
        currency = company.currency_id
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
                                threshold=threshold,
                            ),
                        )
                    )
            figures = raws[partner.id]["figures"]
            limit = state["limit_after"]
            if state["limit_applies"] and limit > 0:
                usage = 100.0 * figures["credit_exposure"] / limit
                if usage > company.credit_warn_utilisation:
                    found.append(
                        (
                            "utilisation",
                            self.env._(
                                "Credit usage %(usage)s %% (exposure %(exposure)s of "
                                "limit %(limit)s) is above %(max)s %%.",
                                usage=round(usage, 1),
                                exposure=format_amount(
                                    self.env, figures["credit_exposure"], currency
                                ),
                                limit=format_amount(self.env, limit, currency),
                                max=company.credit_warn_utilisation,
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
                            amount=format_amount(
                                self.env, figures["receivable_overdue"], currency
                            ),
                        ),
                    )
                )
            if found:
                texts[partner.id] = found
        if texts:
            self._credit_schedule_warnings(partners.browse(list(texts)), texts)
        return {pid: [text for _code, text in found] for pid, found in texts.items()}

    @api.model
    def _credit_schedule_warnings(self, partners, warnings):
        company = self.env.company
        activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_warning"
        )
        # Only looked up when a customer has no salesperson.
        fallback = (
            company._credit_manager_user()
            if not all(partner.user_id for partner in partners)
            else self.env["res.users"]
        )
        Activity = self.env["mail.activity"].sudo()  # warnings go to other users
        existing = {
            (activity.res_id, activity.credit_warning_code, activity.user_id.id)
            for activity in Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                    ("credit_warning_code", "!=", False),
                ]
            )
        }
        model_id = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        values = []
        for partner in partners:
            users = (partner.user_id or fallback) | company.credit_finance_user_id
            for code, text in warnings[partner.id]:
                for user in users:
                    key = (partner.id, code, user.id)
                    if key in existing:
                        continue
                    existing.add(key)
                    values.append(
                        {
                            "res_model_id": model_id,
                            "res_id": partner.id,
                            "activity_type_id": activity_type.id,
                            "user_id": user.id,
                            "date_deadline": today,
                            "summary": self.env._(
                                "Credit warning: %(partner)s",
                                partner=partner.display_name,
                            ),
                            "note": Markup("<p>%s</p>") % text,
                            "credit_warning_code": code,
                        }
                    )
        Activity.create(values)

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _credit_candidates_domain(self):
        """Customers of the current company: commercial partners with a posted
        customer invoice or a confirmed sale order in it (one query)."""
        company_ids = self.env["res.partner"]._credit_company_ids()
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "company_id", "move_type", "state"]
        )
        self.env["sale.order"].flush_model(["company_id", "partner_id", "state"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT am.commercial_partner_id
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund')
               AND am.state = 'posted'
               AND am.company_id = ANY(%(company_ids)s)
             UNION
            SELECT p.commercial_partner_id
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.state = 'sale'
               AND so.company_id = ANY(%(company_ids)s)
                """,
                company_ids=company_ids,
            )
        )
        return [("id", "in", [row[0] for row in rows])]

    # The two re-rating jobs, run by credit.job.run._credit_cron. They share
    # the "rating" lock: on one company, one of them writes at a time.
    _credit_job_model = "res.partner"

    @api.model
    def _credit_job_start(self, job, company):
        """Values of a new run of ``job`` for ``company``; None: nothing to do."""
        now = fields.Datetime.now()
        if job == "rerate":
            return {"date_start": now, "run_ref": fields.Datetime.to_string(now)}
        today = fields.Date.context_today(self)
        previous = self.env["credit.job.run"].search(
            [
                ("job", "=", job),
                ("company_id", "=", company.id),
                ("state", "=", "done"),
            ],
            order="date_to desc, id desc",
            limit=1,
        )
        if previous.date_to and previous.date_to >= today:
            return None  # today's pass is done
        return {
            "date_start": now,
            "date_from": previous.date_to or today - timedelta(days=1),
            "date_to": today,
            "run_ref": "event " + fields.Date.to_string(today),
        }

    @api.model
    def _credit_job_domain(self, run):
        """Customers ``run`` still has to rate: candidates not rated since the
        run started (periodic) or since the start of its day (events)."""
        if run.job == "rerate":
            return self._credit_candidates_domain() + [
                "|",
                ("credit_score_date", "=", False),
                ("credit_score_date", "<", run.date_start),
            ]
        days = run.company_id.credit_warn_overdue_days
        since, today = run.date_from, run.date_to
        partners = self.env["res.partner"]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT p.commercial_partner_id
              %(open_items)s
               AND aml.amount_residual > 0
               AND ((aml.date_maturity >= %(since)s
                     AND aml.date_maturity < %(today)s)
                    OR (aml.date_maturity >= %(since_days)s
                        AND aml.date_maturity < %(today_days)s))
                """,
                open_items=partners._credit_open_receivables_sql(
                    partners._credit_company_ids(),
                    join=SQL("JOIN res_partner p ON p.id = aml.partner_id"),
                ),
                since=since,
                today=today,
                since_days=since - timedelta(days=days),
                today_days=today - timedelta(days=days),
            )
        )
        return [
            ("id", "in", [row[0] for row in rows]),
            "|",
            ("credit_score_date", "=", False),
            ("credit_score_date", "<", datetime.combine(today, time.min)),
        ]

    @api.model
    def _credit_job_process(self, run, partners):
        trigger = "scheduled" if run.job == "rerate" else "event"
        self._credit_rate(partners, trigger, run_ref=run.run_ref)

    @api.model
    def _cron_rerate(self, company_ids=None):
        """Periodic re-rating of every customer, in committed batches.

        :param company_ids: restrict the run to these companies (default: all)
        """
        self.env["credit.job.run"]._credit_cron("rerate", company_ids)

    @api.model
    def _cron_rerate_events(self, company_ids=None):
        """Daily light pass: re-rate customers with an invoice that fell overdue,
        or crossed the warning days overdue, since the previous pass."""
        self.env["credit.job.run"]._credit_cron("rerate_event", company_ids)
