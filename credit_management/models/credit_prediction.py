import logging
from datetime import timedelta
from itertools import pairwise

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..tools import regression

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

# The features of an invoice, in the order of the fitted coefficients: code,
# label (what the explanation says). Computed by credit.prediction._credit_features
# (one query), from the customer's invoices settled before the invoice's
# reference date (its issue date when fitting, the prediction's date otherwise).
FEATURES = (
    ("late_share", _lt("customer's share of invoices paid late")),
    ("mean_days_late", _lt("customer's mean days late")),
    ("late_trend", _lt("customer's last 3 payments against its mean days late")),
    ("median_days_late", _lt("customer's median days late")),
    ("median_delay", _lt("customer's median days from due date to payment")),
    ("mean_delay", _lt("customer's mean days from due date to payment")),
    ("delay_trend", _lt("customer's last 3 payments against its mean delay")),
    ("delay_spread", _lt("spread of the customer's payment delays")),
    ("amount_ratio", _lt("invoice size against the customer's usual")),
    ("disputed", _lt("invoice disputed")),
    ("history_size", _lt("number of invoices the customer paid")),
    ("terms_days", _lt("payment terms (days)")),
    ("disputed_late_share", _lt("disputed, by the customer's late share")),
    ("disputed_mean_delay", _lt("disputed, by the customer's mean delay")),
    ("disputed_median_delay", _lt("disputed, by the customer's median delay")),
)
FEATURE_CODES = tuple(code for code, _label in FEATURES)

# D&B's published PAYDEX table: days beyond terms -> index (interpolated
# between the points; 30 days early or earlier is 100; beyond 120 days the last
# slope, 10 points a month, goes on down to 1).
PAYDEX_POINTS = (
    (-30.0, 100.0),
    (-20.0, 90.0),
    (0.0, 80.0),
    (15.0, 70.0),
    (22.0, 60.0),
    (30.0, 50.0),
    (60.0, 40.0),
    (90.0, 30.0),
    (120.0, 20.0),
)
# Months of payments the payment index reads.
PAYDEX_MONTHS = 24
# How a customer without paid or predicted invoices pays
# (see CreditPrediction._credit_payment_habits).
NO_HABITS = {
    "payment_index": None,
    "paid_count": 0,
    "avg_days_late": None,
    "on_time_share": None,
    "late_probability": None,
    "first_invoice": None,
    "sales_12m": None,
}


def paydex_index(days):
    """Payment index 1-100 of an amount-weighted average of ``days`` beyond
    terms (negative: paid early), by D&B's table (``PAYDEX_POINTS``)."""
    if days <= PAYDEX_POINTS[0][0]:
        return PAYDEX_POINTS[0][1]
    for (day_a, index_a), (day_b, index_b) in pairwise(PAYDEX_POINTS):
        if days <= day_b:
            return index_a + (index_b - index_a) * (days - day_a) / (day_b - day_a)
    last_day, last_index = PAYDEX_POINTS[-1]
    return max(last_index - (days - last_day) * 10.0 / 30.0, 1.0)


# Days of payment history the features and the fit read.
HISTORY_DAYS = 730
# Pseudo-count of the company's averages in the customer's (a customer with one
# paid invoice is not "always late").
SMOOTHING = 2
# Invoices the fit reads at most (the most recent): Newton's steps cost n x p^2
# in plain Python.
FIT_SAMPLE = 10000
# Fewer settled invoices than this: no model (and no predictions).
FIT_MINIMUM = 30
# L2 penalty of the three fits (on standardised features).
PENALTY = 1.0


class CreditPrediction(models.AbstractModel):
    """Payment predictions of open customer invoices: the features (SQL, all the
    invoices of a company in one query), the fit of the company's model on its
    settled history (credit.prediction.model), the predictions written on the
    invoices, and the scheduled refit that runs them through
    ``credit.job.run._credit_cron`` (job ``prediction``)."""

    _name = "credit.prediction"
    _description = "Credit Payment Predictions"

    _credit_job_model = "account.move"

    # ------------------------------------------------------------------
    # Features
    # ------------------------------------------------------------------
    @api.model
    def _credit_invoices_sql(
        self, company_ids, partner_ids=None, open_amounts=False, refunds=False
    ):
        """Customer invoices of ``company_ids`` with their settlement: the day
        they were paid (``credit_paid_date``, stored), when fully paid; with
        ``open_amounts``, their residual and predicted late probability too;
        with ``refunds``, credit notes too, and every row's untaxed amount
        (signed), for the customer's invoiced sales."""
        partner_clause = SQL()
        if partner_ids is not None:
            # Through the contacts, so that PostgreSQL reads the moves by the
            # partner index (core has none on the commercial partner): a batch
            # costs its customers' invoices, not a scan of every invoice.
            partner_clause = SQL(
                "AND am.partner_id = ANY(%s) AND am.commercial_partner_id = ANY(%s)",
                self.env["credit.exposure"]._credit_contact_ids_sql(partner_ids),
                list(partner_ids),
            )
        return SQL(
            """
            SELECT am.id,
                   am.commercial_partner_id AS partner_id,
                   am.invoice_date,
                   am.invoice_date_due AS due,
                   ABS(am.amount_total_signed) AS amount,
                   COALESCE(am.credit_disputed, FALSE) AS disputed,
                   am.payment_state,
                   am.credit_paid_date AS paid_date
                   %(open_amounts)s
                   %(refund_columns)s
              FROM account_move am
             WHERE am.move_type IN %(move_types)s
               AND am.state = 'posted'
               AND am.invoice_date IS NOT NULL
               AND am.invoice_date_due IS NOT NULL
               AND am.company_id = ANY(%(company_ids)s)
                   %(partner_clause)s
            """,
            company_ids=company_ids,
            partner_clause=partner_clause,
            move_types=("out_invoice", "out_refund") if refunds else ("out_invoice",),
            open_amounts=SQL(
                ", am.amount_residual_signed AS residual,"
                " am.credit_late_probability AS late_probability"
            )
            if open_amounts
            else SQL(),
            refund_columns=SQL(", am.amount_untaxed_signed AS untaxed")
            if refunds
            else SQL(),
        )

    @api.model
    def _credit_flush(self):
        self.env["account.move"].flush_model(
            ["amount_total_signed", "amount_untaxed_signed", "commercial_partner_id"]
            + ["company_id", "credit_disputed", "credit_paid_date", "invoice_date"]
            + ["invoice_date_due", "move_type", "payment_state", "state"]
        )

    @api.model
    def _credit_priors(self, as_of, company_ids=None):
        """Company-wide figures of the invoices settled in the ``HISTORY_DAYS``
        before ``as_of``: what a customer without history is taken to do.

        :return: dict (late_share, mean_days_late, median_days_late,
            median_delay, mean_delay, delay_spread, count), None without history
        """
        self._credit_flush()
        company_ids = company_ids or self.env["credit.exposure"]._credit_company_ids()
        [row] = self.env.execute_query_dict(
            SQL(
                """
            WITH inv AS MATERIALIZED (%(invoices)s)
            SELECT COUNT(*) AS count,
                   AVG((paid_date > due)::int) AS late_share,
                   AVG(GREATEST(paid_date - due, 0)) AS mean_days_late,
                   PERCENTILE_CONT(0.5) WITHIN GROUP
                       (ORDER BY GREATEST(paid_date - due, 0)) AS median_days_late,
                   PERCENTILE_CONT(0.5) WITHIN GROUP
                       (ORDER BY paid_date - due) AS median_delay,
                   AVG(paid_date - due) AS mean_delay,
                   STDDEV_POP(paid_date - due) AS delay_spread
              FROM inv
             WHERE paid_date < %(as_of)s
               AND paid_date >= %(since)s
                """,
                invoices=self._credit_invoices_sql(company_ids),
                as_of=as_of,
                since=as_of - timedelta(days=HISTORY_DAYS),
            )
        )
        if not row["count"]:
            return None
        return {key: float(value or 0.0) for key, value in row.items()}

    @api.model
    def _credit_features(
        self, as_of, priors, target="open", move_ids=None, limit=None, company_ids=None
    ):
        """Features of customer invoices, one query for all of them.

        What is known of a customer is its invoices settled before the invoice's
        reference date, in the ``HISTORY_DAYS`` before it (an invoice is never
        settled before its own date: it is never part of its own history). The
        history is aggregated once per customer and reference date, not per
        invoice: predicting, every open invoice of a customer shares one
        reference date, and a customer with thousands of open invoices costs
        its history once (per invoice, it cost open invoices x history rows).
        Its shares and days late are smoothed toward the company's
        ``priors``; its delays (payment date less due date) toward 0, the terms
        it agreed to (a customer without history pays on the due date: on IBM's
        sample this did better than the company's mean delay at every cutoff,
        the earlier ones included, see bench/RESULTS.md).

        :param as_of: the day of the prediction: nothing settled on or after it
            is known
        :param target: which invoices: ``train`` the invoices settled before
            ``as_of`` and issued in the ``HISTORY_DAYS`` before it, each with what
            was known when it was issued (the most recent first); ``open`` the
            invoices not paid (fully) today, with what is known on ``as_of``;
            ``issued`` the invoices issued on or after ``as_of``, with what was
            known on ``as_of`` (the evaluation's test set)
        :param move_ids: restrict to these invoices (and read only the history of
            their customers)
        :param limit: at most this many invoices
        :return: list of dicts: id, partner_id, invoice_date, due, paid_date,
            amount, days_overdue (on ``as_of``) and ``features``, the values in
            the order of ``FEATURES``
        """
        self._credit_flush()
        company_ids = company_ids or self.env["credit.exposure"]._credit_company_ids()
        partner_ids = None
        if move_ids is not None:
            partner_ids = list(
                set(self.env["account.move"].browse(move_ids).commercial_partner_id.ids)
            )
        if target == "train":
            target_sql = SQL(
                """SELECT inv.*, inv.invoice_date AS ref FROM inv
                    WHERE inv.paid_date < %(as_of)s
                      AND inv.invoice_date >= %(since)s""",
                as_of=as_of,
                since=as_of - timedelta(days=HISTORY_DAYS),
            )
        elif target == "issued":
            target_sql = SQL(
                "SELECT inv.*, %(as_of)s::date AS ref FROM inv"
                " WHERE inv.invoice_date >= %(as_of)s",
                as_of=as_of,
            )
        else:
            target_sql = SQL(
                "SELECT inv.*, %(as_of)s::date AS ref FROM inv"
                " WHERE inv.payment_state IN ('not_paid', 'partial')",
                as_of=as_of,
            )
        if move_ids is not None:
            target_sql = SQL("%s AND inv.id = ANY(%s)", target_sql, list(move_ids))
        target_sql = SQL(
            "%s ORDER BY inv.invoice_date DESC, inv.id DESC %s",
            target_sql,
            SQL("LIMIT %s", limit) if limit else SQL(),
        )
        rows = self.env.execute_query_dict(
            SQL(
                """
            WITH inv AS MATERIALIZED (%(invoices)s),
                 target AS MATERIALIZED (%(target)s),
                 hist AS (
                     SELECT id, partner_id, paid_date, amount,
                            paid_date - due AS delay,
                            GREATEST(paid_date - due, 0) AS late
                       FROM inv
                      WHERE paid_date < %(as_of)s),
                 keys AS (SELECT DISTINCT partner_id, ref FROM target),
                 pairs AS (
                     SELECT k.partner_id, k.ref, h.late, h.delay, h.amount,
                            ROW_NUMBER() OVER (PARTITION BY k.partner_id, k.ref
                                ORDER BY h.paid_date DESC, h.id DESC) AS recency
                       FROM keys k
                       JOIN hist h
                         ON h.partner_id = k.partner_id
                        AND h.paid_date < k.ref
                        AND h.paid_date >= k.ref - %(history_days)s),
                 stats AS (
                     SELECT partner_id, ref,
                            COUNT(*) AS n,
                            COUNT(*) FILTER (WHERE late > 0) AS late_n,
                            SUM(late) AS sum_late,
                            SUM(delay) AS sum_delay,
                            PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY late)
                                AS med_late,
                            PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY delay)
                                AS med_delay,
                            STDDEV_POP(delay) AS sd_delay,
                            AVG(amount) AS avg_amount,
                            AVG(late) FILTER (WHERE recency <= 3) AS recent_late,
                            AVG(delay) FILTER (WHERE recency <= 3) AS recent_delay
                       FROM pairs
                   GROUP BY partner_id, ref),
                 base AS (
                     SELECT t.id, t.partner_id, t.invoice_date, t.due, t.paid_date,
                            t.amount, t.disputed::int AS disputed,
                            GREATEST(%(as_of)s::date - t.due, 0) AS days_overdue,
                            COALESCE(s.n, 0) AS n,
                            (COALESCE(s.late_n, 0) + %(k)s * %(p_share)s)
                                / (COALESCE(s.n, 0) + %(k)s) AS late_share,
                            (COALESCE(s.sum_late, 0) + %(k)s * %(p_late)s)
                                / (COALESCE(s.n, 0) + %(k)s) AS mean_days_late,
                            COALESCE(s.sum_delay, 0)
                                / (COALESCE(s.n, 0) + %(k)s) AS mean_delay,
                            COALESCE(s.med_late, %(p_med_late)s) AS median_days_late,
                            COALESCE(s.med_delay, 0) AS median_delay,
                            CASE WHEN s.n > 1 THEN s.sd_delay ELSE %(p_spread)s END
                                AS delay_spread,
                            s.recent_late, s.recent_delay, s.avg_amount,
                            t.due - t.invoice_date AS terms_days
                       FROM target t
                  LEFT JOIN stats s
                         ON s.partner_id = t.partner_id AND s.ref = t.ref)
            SELECT id, partner_id, invoice_date, due, paid_date, amount, days_overdue,
                   ARRAY[
                       late_share,
                       mean_days_late,
                       COALESCE(recent_late, mean_days_late) - mean_days_late,
                       median_days_late,
                       median_delay,
                       mean_delay,
                       COALESCE(recent_delay, mean_delay) - mean_delay,
                       delay_spread,
                       LN(GREATEST(amount, 0.01)
                          / GREATEST(COALESCE(avg_amount, amount), 0.01)),
                       disputed,
                       LN(1 + n),
                       terms_days,
                       disputed * late_share,
                       disputed * mean_delay,
                       disputed * median_delay
                   ]::float8[] AS features
              FROM base
          ORDER BY invoice_date DESC, id DESC
                """,
                invoices=self._credit_invoices_sql(company_ids, partner_ids),
                target=target_sql,
                as_of=as_of,
                history_days=HISTORY_DAYS,
                k=float(SMOOTHING),
                p_share=priors["late_share"],
                p_late=priors["mean_days_late"],
                p_med_late=priors["median_days_late"],
                p_spread=priors["delay_spread"],
            )
        )
        return rows

    # ------------------------------------------------------------------
    # Fit
    # ------------------------------------------------------------------
    @api.model
    def _credit_fit_values(self, as_of, company_ids=None, sample=FIT_SAMPLE):
        """Fit the company's three models on the invoices settled before
        ``as_of``: paid late (logistic), paid more than 30 days late (logistic),
        days from due date to payment (median regression).

        :return: values of a credit.prediction.model (without company), or None
            when the history is too short or has a single outcome
        """
        priors = self._credit_priors(as_of, company_ids)
        if not priors:
            return None
        rows = self._credit_features(
            as_of, priors, target="train", limit=sample, company_ids=company_ids
        )
        if len(rows) < FIT_MINIMUM:
            return None
        delays = [(row["paid_date"] - row["due"]).days for row in rows]
        late = [int(delay > 0) for delay in delays]
        late30 = [int(delay > 30) for delay in delays]
        if len(set(late)) < 2:
            return None
        raw = [list(row["features"]) for row in rows]
        means, scales = regression.standardise(raw)
        standard = [regression.scaled(values, means, scales) for values in raw]
        coef_late = regression.fit_logistic(standard, late, penalty=PENALTY)
        # Too few invoices paid beyond 30 days late to fit: no such model, the
        # predictions say 0 (the history gives no ground for more).
        if sum(late30) >= 5 and len(set(late30)) == 2:
            coef_late30 = regression.fit_logistic(standard, late30, penalty=PENALTY)
        else:
            coef_late30 = None
        coef_delay = regression.fit_median(standard, delays, penalty=PENALTY)
        scores = [regression.probability(coef_late, row) for row in standard]
        errors = [
            abs(max(regression.predict(coef_delay, row), 0.0) - max(delay, 0))
            for row, delay in zip(standard, delays, strict=True)
        ]
        return {
            "date_history": as_of,
            "sample_count": len(rows),
            "late_share": 100.0 * sum(late) / len(late),
            "late30_share": 100.0 * sum(late30) / len(late30),
            "train_auc": regression.roc_auc(scores, late) or 0.0,
            "train_mae": sum(errors) / len(errors),
            "parameters": {
                "features": list(FEATURE_CODES),
                "means": means,
                "scales": scales,
                "priors": priors,
                "late": coef_late,
                "late30": coef_late30,
                "delay": coef_delay,
            },
        }

    @api.model
    def _credit_predict_rows(self, parameters, rows):
        """Predictions of feature ``rows`` (``_credit_features``) with a model's
        ``parameters``; an invoice already overdue is late for certain, and its
        chance of passing 30 days late is the model's, given that it is late.

        :return: {move id: dict(late, late30, delay, date, explanation)}; the
            probabilities in %, the delay in days after the due date
        """
        means, scales = parameters["means"], parameters["scales"]
        coef_late = parameters["late"]
        coef_late30 = parameters.get("late30")
        coef_delay = parameters["delay"]
        labels = dict(FEATURES)
        result = {}
        for row in rows:
            standard = regression.scaled(list(row["features"]), means, scales)
            late = regression.probability(coef_late, standard)
            late30 = (
                regression.probability(coef_late30, standard) if coef_late30 else 0.0
            )
            late30 = min(late30, late)
            delay = regression.predict(coef_delay, standard)
            overdue = row["days_overdue"]
            if overdue > 0:
                late30 = 1.0 if overdue > 30 else late30 / max(late, 1e-9)
                late = 1.0
                delay = max(delay, overdue)
            contributions = sorted(
                (
                    (coef * value, code)
                    for code, coef, value in zip(
                        parameters["features"], coef_late[1:], standard, strict=True
                    )
                ),
                key=lambda item: -abs(item[0]),
            )[:3]
            result[row["id"]] = {
                "late": 100.0 * late,
                "late30": 100.0 * min(late30, 1.0),
                "delay": delay,
                "contributions": contributions,
                "explanation": self._credit_explanation(contributions, labels, overdue),
            }
        return result

    @api.model
    def _credit_explanation(self, contributions, labels, overdue):
        """The three features that moved the late probability most, with their
        contribution to its log-odds (positive: towards late)."""
        parts = [
            self.env._(
                "%(feature)s %(sign)s%(value).2f",
                feature=str(labels.get(code, code)),
                sign="+" if value >= 0 else "−",
                value=abs(value),
            )
            for value, code in contributions
        ]
        text = "; ".join(parts)
        if overdue > 0:
            text = self.env._(
                "Already %(days)s days overdue. %(text)s", days=overdue, text=text
            )
        return text

    @api.model
    def _credit_predict(self, moves, model=None, as_of=None):
        """Write the predictions of open invoices ``moves`` (one query for the
        features, one UPDATE) with the current company's model. Invoices with
        no model, or no longer open, get their prediction cleared."""
        as_of = as_of or fields.Date.context_today(self)
        model = model or self.env["credit.prediction.model"]._credit_current()
        predictions = {}
        if model:
            parameters = model.parameters
            rows = self._credit_features(
                as_of,
                parameters["priors"],
                target="open",
                move_ids=moves.ids,
            )
            predictions = self._credit_predict_rows(parameters, rows)
        ids, late, late30, days, dates, texts = [], [], [], [], [], []
        for move in moves:
            prediction = predictions.get(move.id)
            ids.append(move.id)
            if not prediction:
                late.append(None)
                late30.append(None)
                days.append(None)
                dates.append(None)
                texts.append(None)
                continue
            due = move.invoice_date_due
            date = max(due + timedelta(days=round(prediction["delay"])), as_of)
            late.append(round(prediction["late"], 2))
            late30.append(round(prediction["late30"], 2))
            days.append(round(max((date - due).days, 0), 1))
            dates.append(date)
            texts.append(prediction["explanation"])
        if not ids:
            return predictions
        # Plain stored fields that only this job writes, for a whole batch in one
        # statement (a write() per invoice cost one UPDATE each).
        self.env["account.move"].flush_model(PREDICTION_FIELDS)
        self.env.execute_query(
            SQL(
                """
            UPDATE account_move am
               SET credit_late_probability = v.late,
                   credit_late30_probability = v.late30,
                   credit_predicted_days_late = v.days,
                   credit_predicted_date = v.date,
                   credit_prediction_explanation = v.text,
                   credit_predicted_on = %(as_of)s
              FROM unnest(%(ids)s::int[], %(late)s::float8[], %(late30)s::float8[],
                          %(days)s::float8[], %(dates)s::date[], %(texts)s::varchar[])
                   AS v(id, late, late30, days, date, text)
             WHERE am.id = v.id
                """,
                as_of=as_of,
                ids=ids,
                late=late,
                late30=late30,
                days=days,
                dates=dates,
                texts=texts,
            )
        )
        self.env["account.move"].invalidate_model(
            [*PREDICTION_FIELDS, "credit_predicted_on"]
        )
        return predictions

    @api.model
    def _credit_payment_index(self, partner_ids, date=None):
        """Paydex-like payment index of customers of the current company: the
        amount-weighted average days beyond terms of the invoices they paid in
        the ``PAYDEX_MONTHS`` months before ``date``, mapped to 1-100
        (``paydex_index``). One query for all of them.

        :return: {commercial partner id: (days beyond terms, index)}, customers
            with payments in the period only
        """
        return {
            partner_id: habits["payment_index"]
            for partner_id, habits in self._credit_payment_habits(
                partner_ids, date
            ).items()
            if habits["payment_index"]
        }

    @api.model
    def _credit_payment_habits(self, partner_ids, date=None, ledger=False):
        """How customers of the current company pay, from one reading of their
        invoices (a re-rating batch read them three times, once per factor):

        - ``payment_index``: (days beyond terms, index) of the invoices paid
          in the ``PAYDEX_MONTHS`` months before ``date``, amount-weighted
          (see ``_credit_payment_index``), or None;
        - ``paid_count``, ``avg_days_late`` and ``on_time_share`` (%) of the
          invoices paid in the 365 days before ``date`` (days late counted
          from the due date, paying early counts as 0);
        - ``late_probability``: the open-amount-weighted late probability (%)
          of the open invoices with a prediction, or None;
        - with ``ledger``, ``first_invoice``, the date of the customer's first
          invoice or credit note up to ``date``, and ``sales_12m``, its
          untaxed sales (credit notes deducted) of the 365 days before
          ``date``: the scoring's relationship and sales volume, read in the
          same pass over the invoices (None without ``ledger``).

        :return: {commercial partner id: dict}, customers with any of these only
        """
        date = date or fields.Date.context_today(self)
        if not partner_ids:
            return {}
        self._credit_flush()
        self.env["account.move"].flush_model(
            ["amount_residual_signed", "credit_late_probability", "partner_id"]
        )
        company_ids = self.env["credit.exposure"]._credit_company_ids()
        since_index = date - relativedelta(months=PAYDEX_MONTHS)
        since_history = date - timedelta(days=365)
        rows = self.env.execute_query(
            SQL(
                """
            WITH inv AS MATERIALIZED (%(invoices)s),
                 paid AS (SELECT *,
                                 paid_date > %(since_index)s AS in_index,
                                 paid_date > %(since_history)s AS in_history
                            FROM inv
                           WHERE paid_date <= %(date)s
                             AND paid_date > LEAST(%(since_index)s, %(since_history)s)),
                 open AS (SELECT partner_id,
                                 SUM(late_probability * residual)
                                     / NULLIF(SUM(residual), 0) AS late_probability
                            FROM inv
                           WHERE payment_state IN ('not_paid', 'partial')
                             AND late_probability IS NOT NULL
                        GROUP BY partner_id),
                 habits AS (
                          SELECT partner_id,
                                 SUM((paid_date - due) * amount) FILTER (WHERE in_index)
                                     / NULLIF(SUM(amount) FILTER (WHERE in_index), 0)
                                     AS index_days,
                                 COUNT(*) FILTER (WHERE in_history) AS paid_count,
                                 AVG(GREATEST(paid_date - due, 0))
                                     FILTER (WHERE in_history) AS avg_days_late,
                                 100.0 * AVG((paid_date <= due)::int)
                                     FILTER (WHERE in_history) AS on_time_share
                            FROM paid
                        GROUP BY partner_id),
                 ledger AS (%(ledger)s)
            SELECT COALESCE(habits.partner_id, open.partner_id, ledger.partner_id),
                   habits.index_days, COALESCE(habits.paid_count, 0),
                   habits.avg_days_late, habits.on_time_share,
                   open.late_probability, ledger.first_invoice, ledger.sales
              FROM habits
         FULL JOIN open ON open.partner_id = habits.partner_id
         FULL JOIN ledger
                ON ledger.partner_id = COALESCE(habits.partner_id, open.partner_id)
                """,
                # With the ledger, credit notes are read too: they have no paid
                # date (paid invoices only), and no prediction.
                invoices=self._credit_invoices_sql(
                    company_ids, partner_ids, open_amounts=True, refunds=ledger
                ),
                ledger=SQL(
                    """
                          SELECT partner_id,
                                 MIN(invoice_date) AS first_invoice,
                                 SUM(untaxed) FILTER (
                                     WHERE invoice_date > %(since)s) AS sales
                            FROM inv
                           WHERE invoice_date <= %(date)s
                        GROUP BY partner_id""",
                    since=since_history,
                    date=date,
                )
                if ledger
                else SQL(
                    "SELECT NULL::int AS partner_id, NULL::date AS first_invoice,"
                    " NULL::numeric AS sales WHERE FALSE"
                ),
                date=date,
                since_index=since_index,
                since_history=since_history,
            )
        )
        return {
            partner_id: {
                "payment_index": (float(days), paydex_index(float(days)))
                if days is not None
                else None,
                "paid_count": paid_count,
                "avg_days_late": float(late) if paid_count else None,
                "on_time_share": float(on_time) if paid_count else None,
                "late_probability": float(probability)
                if probability is not None
                else None,
                "first_invoice": first_invoice,
                "sales_12m": float(sales) if sales is not None else None,
            }
            for (
                partner_id,
                days,
                paid_count,
                late,
                on_time,
                probability,
                first_invoice,
                sales,
            ) in rows
        }

    # ------------------------------------------------------------------
    # Scheduled refit (credit.job.run, job "prediction")
    # ------------------------------------------------------------------
    @api.model
    def _credit_job_start(self, job, company):
        """Refit the company's model on its history (committed with the run):
        the run then predicts every open invoice with it."""
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env["credit.prediction.model"]._credit_refit(company, today)
        return {
            "date_start": now,
            "date_to": today,
            "run_ref": "prediction " + fields.Date.to_string(today),
        }

    @api.model
    def _credit_job_domain(self, run):
        """Open customer invoices of the company not predicted by this run."""
        return [
            ("company_id", "=", run.company_id.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            "|",
            ("credit_predicted_on", "=", False),
            ("credit_predicted_on", "<", run.date_to),
        ]

    @api.model
    def _credit_job_process(self, run, moves):
        self._credit_predict(moves, as_of=run.date_to)

    @api.model
    def _cron_predict(self, company_ids=None):
        """Refit each company's payment model and predict its open invoices, in
        committed batches (resumable)."""
        self.env["credit.job.run"]._credit_cron("prediction", company_ids)


PREDICTION_FIELDS = [
    "credit_late_probability",
    "credit_late30_probability",
    "credit_predicted_days_late",
    "credit_predicted_date",
    "credit_prediction_explanation",
]
