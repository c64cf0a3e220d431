import io
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.tools import SQL
from psycopg2.extras import Json as PsycopgJson

from ..tools.amounts import AmountFormatter
from .credit_policy import CHECK_PARTNER_FIELDS
from .credit_prediction import NO_HABITS
from .credit_review import REVIEW_WRITER
from .credit_score_factor import Scorecard, ScoreFactor, normalise
from .res_partner import CreditLimitBy

# What a rating writes on every customer it rates: fields without tracking.
UNTRACKED_RATING_FIELDS = {"credit_score", "credit_score_date"}

# COPY's text format: characters written escaped in a text value.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# Fields of the customer a rating reads (its factors, its outcome, its
# warnings): fetched together for the batch, instead of every prefetchable
# field of res.partner at the first company-dependent read.
RATE_PARTNER_FIELDS = [
    *CHECK_PARTNER_FIELDS,
    "credit_limit_manual",
    "credit_score",
    "credit_score_date",
    "user_id",
]

DAYS_PER_MONTH = 365.25 / 12


class CreditScoring(models.AbstractModel):
    """The rating engine: factors, score, grade, limit and review (the early
    warnings are credit.warning, the scheduled passes credit.rerate).

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
        partners.fetch(RATE_PARTNER_FIELDS)
        exposure = self.env["credit.exposure"]
        figures = exposure._credit_figures(partners, date)
        partner_ids = partners.ids
        ratings = self.env["credit.rating"]._credit_external_scores(
            partner_ids, self.env.company.id, date
        )
        statements = self._credit_statement_values(partners, date)
        secured = exposure._credit_secured(
            partners,
            date,
            exposures={
                pid: values["credit_exposure"] for pid, values in figures.items()
            },
        )
        # With the customers' first invoice and 12-month sales, from the same
        # reading of their invoices.
        habits = self.env["credit.prediction"]._credit_payment_habits(
            partner_ids, date, ledger=True
        )
        result = {}
        for partner in partners:
            values = figures[partner.id]
            habit = habits.get(partner.id) or NO_HABITS
            first_invoice, sales = habit["first_invoice"], habit["sales_12m"]
            has_ledger = first_invoice is not None
            limit = partner._credit_limit_on(date) or 0.0
            # Securities count as the company says (on the limit or the exposure).
            net_limit, net_exposure = exposure._credit_secured_terms(
                limit, values["credit_exposure"], secured.get(partner.id, 0.0)
            )
            if not limit:
                net_limit = 0.0
            risk_class = partner.country_id.credit_risk_class
            result[partner.id] = {
                "payment_delay": habit["avg_days_late"],
                "payment_on_time": habit["on_time_share"],
                "overdue_days": values["max_days_overdue"] if has_ledger else None,
                "overdue_share": (
                    100.0 * values["receivable_overdue"] / values["receivable_open"]
                    if values["receivable_open"] > 0
                    else None
                ),
                "utilisation": (
                    100.0 * net_exposure / net_limit if net_limit > 0 else None
                ),
                "relationship": (
                    (date - first_invoice).days / DAYS_PER_MONTH if has_ledger else None
                ),
                "sales_volume": float(sales or 0.0) if has_ledger else None,
                "external_rating": (
                    ratings[partner.id][0] if partner.id in ratings else None
                ),
                "country_risk": float(risk_class) if risk_class else None,
                "payment_index": (
                    habit["payment_index"][1] if habit["payment_index"] else None
                ),
                "late_probability": habit["late_probability"],
                **statements.get(partner.id, {"solvency": None, "liquidity": None}),
                "secured": secured.get(partner.id, 0.0),
                "figures": values,
                "sales_12m": float(sales or 0.0),
            }
        return result

    @api.model
    def _credit_statement_values(self, partners, date):
        """Solvency (Altman Z'') and liquidity (current ratio) of each partner
        from its latest financial statement for the current company ending on or
        before ``date`` (audited before management accounts before agency data
        for the same period): {partner_id: {"solvency", "liquidity",
        "statement_note"}}. A statement older than the company's validity gives
        no value and a note saying so."""
        company = self.env.company
        self.env["credit.statement"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (partner_id)
                   partner_id, period_end, has_altman_z, altman_z,
                   current_liabilities > 0, current_ratio
              FROM credit_statement
             WHERE partner_id = ANY(%(partner_ids)s)
               AND company_id = %(company_id)s
               AND period_end <= %(date)s
          ORDER BY partner_id, period_end DESC,
                   array_position(ARRAY['audited', 'management', 'agency'],
                                  source::text),
                   id DESC
                """,
                partner_ids=partners.ids,
                company_id=company.id,
                date=date,
            )
        )
        oldest = date - relativedelta(months=company.credit_statement_max_age)
        result = {}
        for partner_id, period_end, has_z, z, has_ratio, ratio in rows:
            if period_end < oldest:
                result[partner_id] = {
                    "solvency": None,
                    "liquidity": None,
                    "statement_note": self.env._(
                        "Financial statement of %(date)s too old (older than "
                        "%(months)s months): solvency and liquidity left out.",
                        date=period_end,
                        months=company.credit_statement_max_age,
                    ),
                }
            else:
                result[partner_id] = {
                    "solvency": z if has_z else None,
                    "liquidity": ratio if has_ratio else None,
                }
        return result

    @api.model
    def _credit_scorecard(self, factors, settings=None):
        """The factors as plain values, read once for a batch of customers:
        the score of each customer then reads no record (reading the factors'
        fields through the ORM for each customer was a third of the re-rating's
        read side, bench/ANALYSIS.md).

        :param factors: credit.score.factor records, in their order
        :param settings: optional {factor id: (weight, best, worst)} overriding
            the stored ones (weight preview)
        :return: ``Scorecard``, a tuple of ``ScoreFactor``
        """
        settings = settings or {}
        card = []
        for factor in factors:
            weight, best, worst = settings.get(factor.id) or (
                factor.weight,
                factor.best_value,
                factor.worst_value,
            )
            if best == worst:
                factor._normalise(0.0, best, worst)  # raises: no slope
            card.append(
                ScoreFactor(
                    factor.id, factor.code, factor.sequence, weight, best, worst
                )
            )
        return Scorecard(card)

    @api.model
    def _credit_score(self, raws, factors, settings=None):
        """Weighted score of one customer.

        :param raws: {code: raw value or None}
        :param factors: the scorecard of ``_credit_scorecard`` (a re-rating
            builds it once per batch), or credit.score.factor records
        :param settings: with records, optional {factor id: (weight, best,
            worst)} overriding the stored ones (weight preview)
        :return: (score or None when no factor has data, list of line values)
        """
        if not isinstance(factors, Scorecard):
            factors = self._credit_scorecard(factors, settings)
        # Run for every customer of a re-rating: plain locals, tuple
        # unpacking, the effective weights of the batch's few totals computed
        # once (bench/ANALYSIS.md).
        get = raws.get
        values = [get(factor.code) for factor in factors]
        total = sum(
            factor.weight
            for factor, raw in zip(factors, values, strict=True)
            if raw is not None
        )
        weights = factors.effective_weights(total) if total > 0 else None
        lines, exact = [], 0.0
        for index, (
            (factor_id, _code, sequence, weight, best, worst),
            raw,
        ) in enumerate(zip(factors, values, strict=True)):
            if raw is None or weights is None:
                lines.append(
                    {
                        "factor_id": factor_id,
                        "sequence": sequence,
                        "has_data": False,
                        "raw_value": raw or 0.0,
                        "normalised_value": 0.0,
                        "weight": weight,
                        "effective_weight": 0.0,
                        "contribution": 0.0,
                    }
                )
                continue
            normalised = normalise(raw, best, worst)
            # A clamped value (0 or 100, common) needs no rounding.
            shown = normalised if normalised in (0.0, 100.0) else round(normalised, 2)
            effective, effective_shown = weights[index]
            contribution = normalised * effective / 100.0
            exact += contribution
            lines.append(
                {
                    "factor_id": factor_id,
                    "sequence": sequence,
                    "has_data": True,
                    "raw_value": raw or 0.0,
                    "normalised_value": shown,
                    "weight": weight,
                    "effective_weight": effective_shown,
                    "contribution": round(contribution, 2),
                }
            )
        if not total > 0:
            return None, lines
        # The score is rounded once, and the contributions as shown add up to
        # it: the cent lost or gained by rounding each one goes to the largest
        # (rounded one by one, eleven contributions could add up to 100.01).
        score = round(exact, 2)
        largest = max(lines, key=lambda line: line["contribution"])
        largest["contribution"] = round(
            score - sum(line["contribution"] for line in lines if line is not largest),
            2,
        )
        return score, lines

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------
    @api.model
    def _credit_outcome(
        self, partner, score, lines, raws, grades, factors, amount=None
    ):
        """What a review of ``partner`` with this score does, written nowhere:
        the grade and limit it proposes, which of them it applies (company limit
        mode, limits set by hand, minimum weight with data) and its notes. The
        review and the weights preview both decide through it.

        :param lines: the factor lines of ``_credit_score``
        :param raws: the partner's raw values (``_credit_factor_raw_values``)
        :param amount: an ``AmountFormatter`` of the company's currency for
            the amounts in the notes (made once by a re-rating for its batch)
        """
        company = self.env.company
        currency = company.currency_id
        amount = amount or AmountFormatter(self.env, currency)
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
            "proposal_note": False,
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
        if raws.get("statement_note"):
            notes.append(raws["statement_note"])
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
        result.update(
            grade_proposed=grade,
            limit_proposed=limit,
            proposal_note=grade._credit_limit_explanation(
                score, raws["sales_12m"], limit, company, amount=amount
            ),
        )
        if auto:
            result["grade_after"] = grade
        if not applies_before or currency.compare_amounts(limit, limit_before):
            if partner.credit_limit_manual:
                result["limit_state"] = "kept_manual"
                notes.append(
                    self.env._(
                        "The limit %(limit)s was set by hand: it is kept; the "
                        "grade proposes %(proposed)s.",
                        limit=amount(limit_before)
                        if applies_before
                        else self.env._("none"),
                        proposed=amount(limit),
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
    def _credit_rate(self, partners, trigger, run_ref=False, run=None):
        """Rate commercial ``partners`` for the current company: write one review
        each, update score, grade and (by the company's limit mode) limit, then
        raise the early warnings.

        :return: the credit.review records created
        """
        company = self.env.company
        partners = partners.with_company(company)
        factors = company.sudo().credit_score_factor_ids.sorted("sequence")
        card = self._credit_scorecard(factors)
        grades = self.env["credit.grade"]._credit_grades(company)
        raws = self._credit_factor_raw_values(partners)
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        # The amounts of the notes: the language looked up once for the batch,
        # a grade's limit formatted once.
        amount = AmountFormatter(self.env, company.currency_id)
        review_values, review_lines, partner_updates, states = [], [], [], {}
        for partner in partners:
            score, lines = self._credit_score(raws[partner.id], card)
            outcome = self._credit_outcome(
                partner, score, lines, raws[partner.id], grades, factors, amount
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
                # The usage warning reads the limit in force: a temporary
                # limit, while it lasts, instead of the permanent one.
                "limit_after": (
                    partner.credit_limit_temporary
                    if partner._credit_temporary_on(today)
                    else limit_after
                ),
                "limit_applies": applies_after,
            }
            review_values.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date": now,
                    "trigger": trigger,
                    "run_ref": run_ref,
                    "run_id": run.id if run else False,
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
                    "proposal_note": outcome["proposal_note"],
                    "note": "\n".join(notes),
                }
            )
        # Scheduled and event runs may raise thousands of activities: they show in
        # the assignees' activity menu without one e-mail each.
        warnings = (
            self.env["credit.warning"]
            .with_context(mail_activity_quick_update=trigger != "manual")
            ._credit_warnings(partners, raws, states, amount)
        )
        for review in review_values:
            if review["partner_id"] in warnings:
                review["note"] = "\n".join(
                    filter(None, [review["note"], *warnings[review["partner_id"]]])
                )
        # A review is its own record of what happened: no creation message, no
        # follower, no tracking at creation (changes after it are tracked);
        # the batch's reviews are inserted in one statement.
        reviews = self._credit_insert_reviews(review_values)
        self._credit_insert_review_lines(reviews, factors, review_lines)
        # Most customers get a new score and date only (fields without
        # tracking, decision or sync): written in one UPDATE per batch. The
        # others (grade or limit changed) go through ``write``, which tracks
        # the change in the customer's chatter; customers given the same
        # values are written together.
        quiet, groups = [], defaultdict(list)
        for partner, updates in partner_updates:
            if UNTRACKED_RATING_FIELDS.issuperset(updates):
                quiet.append((partner, updates))
            else:
                groups[tuple(updates.items())].append(partner.id)
        self._credit_write_scores(
            partners.browse([partner.id for partner, _updates in quiet]),
            [updates for _partner, updates in quiet],
        )
        applying = partners.with_context(
            credit_review_apply=True, credit_limit_by=CreditLimitBy(self)
        )
        for items, partner_ids in groups.items():
            # Prefetching with the whole batch: what a write reads of a
            # customer (its contacts, to sync them) is read for the batch at
            # once, not in one query per write.
            applying.browse(partner_ids).with_prefetch(applying._prefetch_ids).write(
                dict(items)
            )
        self._credit_log_decisions(reviews, review_values)
        return reviews

    @api.model
    def _credit_write_scores(self, partners, vals_list):
        """Write the new score and date of rated ``partners``, each its values
        of ``vals_list`` (fields of ``UNTRACKED_RATING_FIELDS`` only), in one
        UPDATE (one per set of fields) for the current company.

        Through ``write``, one call per customer (each its own score) went
        through the partner's whole write (commercial sync, tracking, credit
        decisions) for two fields that need none of it: a tenth of a
        re-rating at L (bench/ANALYSIS.md). Access is checked as ``write``
        checks it, dependent fields are marked as modified, and the cache is
        invalidated.
        """
        if not partners:
            return
        fnames = sorted(UNTRACKED_RATING_FIELDS)
        partners.check_access("write")
        for fname in fnames:
            partners._check_field_access(partners._fields[fname], "write")
        # What the cache holds of these customers goes to the database first:
        # these fields, and their log columns invalidated below.
        partners.flush_recordset()
        company_id = self.env.company.id
        fields_ = partners._fields
        # The company's value of a company-dependent field, as the ORM's flush
        # writes it: merged into the column's JSON by ``_write_multi``.
        partners._write_multi(
            [
                {
                    fname: PsycopgJson(
                        {company_id: fields_[fname].convert_to_column(value, partner)}
                    )
                    for fname, value in vals.items()
                }
                for partner, vals in zip(partners, vals_list, strict=True)
            ]
        )
        logged = [*fnames, "write_date", "write_uid"]
        partners.invalidate_recordset(logged, flush=False)
        partners.modified(logged)

    @api.model
    def _credit_log_decisions(self, reviews, review_values):
        """The grade and limit changes of a re-rating as credit decisions, in
        one batch (the partners' own logging is off for a re-rating)."""
        company = self.env.company
        if not company.credit_control_enabled:
            return
        changed = []
        for review, values in zip(reviews, review_values, strict=True):
            changes = []
            if values["grade_after_id"] != values["grade_before_id"]:
                changes.append(
                    {
                        "kind": "grade",
                        "grade_from_id": values["grade_before_id"],
                        "grade_to_id": values["grade_after_id"],
                    }
                )
            if values["limit_state"] == "applied":
                before = (
                    values["limit_before"] if values["limit_before_applies"] else 0.0
                )
                after = values["limit_after"]
                if not values["limit_before_applies"] or before != after:
                    changes.append(
                        {
                            "kind": "limit",
                            "limit_from": before,
                            "limit_to": after,
                            "limit_increase": after - before,
                        }
                    )
            if changes:
                changed.append((review.id, values["partner_id"], changes))
        # The name of a review (customer and date) is the decision's note: named
        # only for the reviews that changed something, in a recordset of their
        # own (a name computed on the batch's recordset is computed for every
        # review it prefetches, most of them changing nothing).
        named = self.env["credit.review"].browse(
            [review_id for review_id, *_ in changed]
        )
        rows = [
            {
                "company_id": company.id,
                "partner_id": partner_id,
                "source": "review",
                "note": review.display_name,
                **change,
            }
            for review, (_id, partner_id, changes) in zip(named, changed, strict=True)
            for change in changes
        ]
        self.env["credit.decision"]._credit_log(rows)

    @api.model
    def _credit_insert_reviews(self, review_values):
        """Insert the reviews of a batch (``review_values``: the same fields for
        each) in one statement, and return them in that order.

        A review is written once and never recomputed: of the ORM's create,
        only the access checks, the cache and the fields depending on reviews
        apply to it, done here. Through ``create``, its three amounts alone cost
        a new record each to find their currency (related to the company):
        with the rest of ``create``, 30 % of the re-rating at M
        (bench/ANALYSIS.md). When another module adds stored fields to the
        review, their defaults, computations and checks are the ORM's: the
        reviews are created through ``create``.
        """
        Review = self.env["credit.review"]
        if not review_values:
            return Review
        names = list(review_values[0])
        if self._credit_review_other_columns(names):
            return (
                REVIEW_WRITER.on(Review)
                .with_context(
                    mail_create_nolog=True,
                    mail_create_nosubscribe=True,
                    tracking_disable=True,
                )
                .create(review_values)
            )
        Review.check_access("create")
        fields_ = Review._fields
        currency = self.env.company.currency_id
        uid, now = self.env.uid, self.env.cr.now()
        constants = {
            "create_uid": uid,
            "create_date": now,
            "write_uid": uid,
            "write_date": now,
        }

        def column(fname):
            field = fields_[fname]
            values = [vals[fname] for vals in review_values]
            if field.type == "boolean":
                return [bool(value) for value in values]
            if field.type == "monetary":
                return [currency.round(value or 0.0) for value in values]
            if field.type in ("float", "integer"):
                return [value or 0 for value in values]
            # many2one, char, text, selection, datetime: False is NULL
            return [value if value or value == "" else None for value in values]

        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"{Review._table}_id_seq",
                len(review_values),
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                "INSERT INTO %(table)s (id, %(columns)s) SELECT rows.*, %(constants)s "
                "FROM unnest(%(ids)s::int4[], %(arrays)s) AS rows",
                table=SQL.identifier(Review._table),
                columns=SQL(", ").join(
                    SQL.identifier(fname) for fname in [*names, *constants]
                ),
                constants=SQL(", ").join(
                    SQL("%s", value) for value in constants.values()
                ),
                ids=ids,
                arrays=SQL(", ").join(
                    SQL(
                        "%s::%s[]",
                        column(fname),
                        SQL(fields_[fname].column_type[0]),
                    )
                    for fname in names
                ),
            )
        )
        reviews = Review.browse(ids)
        # What the ORM's create does after its INSERT: the one2many of the
        # customers (and runs) read before show the new reviews, and fields
        # depending on reviews are recomputed.
        for fname in names:
            for inverse in self.pool.field_inverses[fields_[fname]]:
                self.env[inverse.model_name].invalidate_model(
                    [inverse.name], flush=False
                )
        reviews.modified(fields_, create=True)
        reviews._validate_fields([*names, *constants])
        # The record rules, as ``create`` checks them on the new records.
        reviews.check_access("create")
        return reviews

    @api.model
    def _credit_review_other_columns(self, names):
        """The stored fields of credit.review with a column that a rating does
        not set (``names``): none but another module's."""
        return [
            fname
            for fname, field in self.env["credit.review"]._fields.items()
            if field.store
            and field.column_type
            and fname not in names
            and fname not in models.MAGIC_COLUMNS
        ]

    @api.model
    def _credit_insert_review_lines(self, reviews, factors, review_lines):
        """Write the factor lines of new reviews in one COPY.

        The lines are a frozen record of a review (no compute, no constraint, no
        chatter): through the ORM, its 8 lines per customer were a third of a
        re-rating's time (80,000 ``create`` values for 10,000 customers).

        :param review_lines: for each review, the lines of ``_credit_score``
            (one per factor of ``factors``, in that order)
        """
        self.env["credit.review.line"].check_access("create")
        columns = [
            "review_id",
            "company_id",
            "factor_id",
            "code",
            "sequence",
            "has_data",
            "raw_value",
            "normalised_value",
            "weight",
            "effective_weight",
            "contribution",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
        ]
        uid, now = self.env.uid, self.env.cr.now()
        # COPY's text format, built with what is the same for every line
        # (its review, its factor's code, the log columns) formatted once: a
        # generic formatter called for each of the 15 values of every line was
        # a tenth of the re-rating's profile at M. The values are numbers and
        # booleans, never NULL; the code is the only text, escaped.
        tail = f"\t{uid}\t{now}\t{uid}\t{now}"
        codes = [factor.code.translate(COPY_ESCAPES) for factor in factors]
        rows = []
        for review, lines in zip(reviews, review_lines, strict=True):
            head = f"{review.id}\t{review.company_id.id}\t"
            rows.extend(
                f"{head}{line['factor_id']}\t{code}\t{line['sequence']}\t"
                f"{'t' if line['has_data'] else 'f'}\t{line['raw_value']}\t"
                f"{line['normalised_value']}\t{line['weight']}\t"
                f"{line['effective_weight']}\t{line['contribution']}{tail}"
                for code, line in zip(codes, lines, strict=True)
            )
        if not rows:
            return
        # COPY, as PostgreSQL's own bulk load: the lines at the speed of the
        # write floor (bench/write_floor.py); one INSERT of a JSON document of
        # them took half as long again, and an ORM create of 80,000 values a
        # third of the whole re-rating.
        self.env.cr.copy_from(
            io.StringIO("\n".join(rows) + "\n"),
            "credit_review_line",
            columns=columns,
        )
        reviews.invalidate_recordset(["line_ids"])
