import calendar
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.batches import chunks
from .credit_prediction import NO_HABITS

# Months of sales the countback method may go back through.
COUNTBACK_MONTHS = 12
# Months of sales of the simple method (the last three, the current one
# included up to the snapshot's day).
SIMPLE_MONTHS = 3


def dso_countback(receivable, periods):
    """Days sales outstanding by the countback method: the days of the most
    recent periods whose sales the receivable covers, the newest first, and the
    share of the next period it covers in part.

    :param periods: [(sales, days)] newest first
    :return: days (all the periods' days when their sales do not cover the
        receivable; 0 without receivable)
    """
    days = 0.0
    left = receivable
    for sales, length in periods:
        if left <= 0:
            break
        if sales > 0 and sales >= left:
            return days + length * left / sales
        days += length
        left -= max(sales, 0.0)
    return days


def dso_simple(receivable, periods):
    """Days sales outstanding by the simple method: receivable / sales of the
    periods x their days (None without sales)."""
    sales = sum(sales for sales, _days in periods)
    days = sum(days for _sales, days in periods)
    if sales <= 0:
        return None
    return receivable / sales * days


def month_periods(date, months):
    """The calendar months up to ``date``, newest first: (first day, days
    counted), the current month counted up to ``date``."""
    periods = []
    first = date.replace(day=1)
    periods.append((first, date.day))
    for _index in range(1, months):
        first -= relativedelta(months=1)
        periods.append((first, calendar.monthrange(first.year, first.month)[1]))
    return periods


# Customers read at once for the company's row of the month (see
# _credit_kpi_values).
KPI_CHUNK = 2000


def _indicators(receivable, overdue, monthly, periods):
    """Receivable, DSO and delinquency figures of one row, from its open and
    overdue amounts and its sales by month (``periods``: month_periods)."""
    series = [(monthly.get(first, 0.0), days) for first, days in periods]
    simple = dso_simple(receivable, series[:SIMPLE_MONTHS])
    dso = dso_countback(receivable, series)
    best = dso_countback(receivable - overdue, series)
    return {
        "receivable": receivable,
        "overdue": overdue,
        "sales_3m": sum(amount for amount, _days in series[:SIMPLE_MONTHS]),
        "dso_countback": dso,
        "dso_simple": simple or 0.0,
        "best_dso": best,
        "days_delinquent": dso - best,
        "overdue_share": 100.0 * overdue / receivable if receivable > 0 else 0.0,
    }


class CreditKpiSnapshot(models.Model):
    """Credit health indicators, one row per company and month and one per
    customer and month, kept as history: DSO by the countback and the simple
    method, best possible DSO, average days delinquent (ADD = DSO - best
    possible DSO, both by countback), overdue share, exposure (by grade through
    the customer rows), payment index, predicted late probability, and the
    orders blocked and approved in the month.

    Written by the monthly job ``kpi_snapshot`` (credit.job.run); a rerun in
    the same month replaces the month's rows.
    """

    _name = "credit.kpi.snapshot"
    _description = "Credit KPI Snapshot"
    _order = "month desc, level, partner_id"
    _rec_name = "month"

    _credit_job_model = "res.partner"

    month = fields.Date(
        required=True, readonly=True, index=True, help="First day of the month."
    )
    date = fields.Date(
        string="Measured On", required=True, readonly=True, help="Day of the figures."
    )
    level = fields.Selection(
        [("company", "Company"), ("customer", "Customer")],
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    grade_id = fields.Many2one("credit.grade", string="Credit Grade", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    receivable = fields.Monetary(string="Open Receivables", readonly=True)
    overdue = fields.Monetary(readonly=True)
    exposure = fields.Monetary(readonly=True)
    sales_3m = fields.Monetary(
        string="Sales (3 Months)",
        readonly=True,
        help="Invoiced sales, credit notes deducted, of the month up to the day "
        "and the two months before.",
    )
    dso_countback = fields.Float(
        string="DSO (Countback)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Days of the most recent sales the open receivables amount to.",
    )
    dso_simple = fields.Float(
        string="DSO (Simple)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Open receivables / sales of the last 3 months x their days.",
    )
    best_dso = fields.Float(
        string="Best Possible DSO",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="DSO of the receivables not yet due (countback): the DSO if every "
        "customer paid on time.",
    )
    days_delinquent = fields.Float(
        string="Average Days Delinquent",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="DSO less best possible DSO (countback): the days that late payments add.",
    )
    overdue_share = fields.Float(
        string="Overdue (%)", readonly=True, digits=(16, 1), aggregator="avg"
    )
    payment_index = fields.Float(
        readonly=True,
        digits=(16, 0),
        aggregator="avg",
        help="Paydex-like index 1-100 (80: on time); 0 without payments.",
    )
    late_probability = fields.Float(
        string="Late Probability (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Open-amount-weighted predicted probability of late payment.",
    )
    blocked_count = fields.Integer(string="Orders Blocked", readonly=True)
    approved_count = fields.Integer(string="Orders Approved", readonly=True)

    _month_uniq = models.UniqueIndex(
        "(company_id, month, COALESCE(partner_id, 0))",
        "One KPI snapshot per company (and customer) and month.",
    )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    @api.model
    def _credit_monthly_sales(self, partner_ids, date):
        """Invoiced sales (credit notes deducted, company currency) of each
        customer per calendar month, over ``COUNTBACK_MONTHS`` up to ``date``.

        :return: {partner id: {first day of month: amount}}
        """
        company_ids = self.env["credit.exposure"]._credit_company_ids()
        self.env["account.move"].flush_model(
            ["amount_total_signed", "commercial_partner_id", "company_id"]
            + ["invoice_date", "move_type", "state"]
        )
        first = month_periods(date, COUNTBACK_MONTHS)[-1][0]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT am.commercial_partner_id,
                   DATE_TRUNC('month', am.invoice_date)::date,
                   SUM(am.amount_total_signed)
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund')
               AND am.state = 'posted'
               AND am.invoice_date BETWEEN %(first)s AND %(date)s
               AND am.company_id = ANY(%(company_ids)s)
               AND am.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY 1, 2
                """,
                first=first,
                date=date,
                company_ids=company_ids,
                partner_ids=list(partner_ids),
            )
        )
        sales = defaultdict(dict)
        for partner_id, month, amount in rows:
            sales[partner_id][month] = float(amount)
        return sales

    @api.model
    def _credit_decision_counts(self, partner_ids, date):
        """Orders refused and approved in ``date``'s month, per customer."""
        start = fields.Datetime.to_datetime(date.replace(day=1))
        end = fields.Datetime.to_datetime(date + timedelta(days=1))
        counts = defaultdict(lambda: {"refusal": 0, "approval": 0})
        for partner, kind, count in (
            self.env["credit.decision"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", self.env.company.id),
                    ("partner_id", "in", list(partner_ids)),
                    ("kind", "in", ("refusal", "approval")),
                    ("date", ">=", start),
                    ("date", "<", end),
                ],
                ["partner_id", "kind"],
                ["__count"],
            )
        ):
            counts[partner.id][kind] = count
        return counts

    @api.model
    def _credit_kpi_values(self, partners, date, keep_rows=True):
        """KPI row values of each commercial partner of ``partners`` for the
        current company on ``date`` (a fixed number of grouped queries per
        chunk of customers), and those of the company as a whole over them.

        :param keep_rows: False when only the company's row is wanted: the
            customers are then read chunk by chunk, the cache emptied between
            chunks (the company's row over 100,000 customers at once took
            440 MB, bench/ANALYSIS.md)
        :return: ({partner id: values}, company values)
        """
        periods = month_periods(date, COUNTBACK_MONTHS)
        month = date.replace(day=1)
        result = {}
        totals = defaultdict(float)
        company_sales = defaultdict(float)
        for chunk in [partners] if keep_rows else chunks(partners, KPI_CHUNK):
            rows = self._credit_kpi_chunk(chunk, date, periods, totals, company_sales)
            if keep_rows:
                result.update(rows)
        company = _indicators(
            totals["receivable"], totals["overdue"], company_sales, periods
        )
        company.update(
            month=month,
            date=date,
            level="company",
            exposure=totals["exposure"],
            late_probability=(
                totals["late_weighted"] / totals["late_weight"]
                if totals["late_weight"]
                else 0.0
            ),
            blocked_count=int(totals["blocked_count"]),
            approved_count=int(totals["approved_count"]),
        )
        return result, company

    @api.model
    def _credit_kpi_chunk(self, partners, date, periods, totals, company_sales):
        """The customer rows of ``partners`` (see _credit_kpi_values), their
        sums added to ``totals`` and their monthly sales to ``company_sales``.

        :return: {partner id: values}
        """
        partner_ids = partners.ids
        month = date.replace(day=1)
        figures = self.env["credit.exposure"]._credit_figures(partners, date)
        sales = self._credit_monthly_sales(partner_ids, date)
        decisions = self._credit_decision_counts(partner_ids, date)
        habits = self.env["credit.prediction"]._credit_payment_habits(partner_ids, date)
        result = {}
        for partner in partners:
            values = figures[partner.id]
            habit = habits.get(partner.id) or NO_HABITS
            monthly = sales.get(partner.id, {})
            for first, amount in monthly.items():
                company_sales[first] += amount
            row = _indicators(
                values["receivable_open"],
                values["receivable_overdue"],
                monthly,
                periods,
            )
            row.update(
                month=month,
                date=date,
                level="customer",
                partner_id=partner.id,
                grade_id=partner.credit_grade_id.id,
                exposure=values["credit_exposure"],
                payment_index=(habit["payment_index"] or (0.0, 0.0))[1],
                late_probability=habit["late_probability"] or 0.0,
                blocked_count=decisions[partner.id]["refusal"],
                approved_count=decisions[partner.id]["approval"],
            )
            result[partner.id] = row
            for key in ("receivable", "overdue", "exposure"):
                totals[key] += row[key]
            totals["blocked_count"] += row["blocked_count"]
            totals["approved_count"] += row["approved_count"]
            if habit["late_probability"] is not None:
                weight = max(values["receivable_open"], 0.0)
                totals["late_weighted"] += habit["late_probability"] * weight
                totals["late_weight"] += weight
        return result

    @api.model
    def _credit_store(self, values_list):
        """Write KPI rows, replacing those of the same company, customer and
        month (a rerun of the month)."""
        company = self.env.company
        for values in values_list:
            values["company_id"] = company.id
        # sudo: snapshots are the job's bookkeeping; users only read them
        Snapshot = self.sudo()
        keys = {(values["month"], values.get("partner_id")) for values in values_list}
        months = list({month for month, _partner in keys})
        # The rows of these customers (and the company's) only: every row of
        # the month was read for each batch of the job (100,000 at the end).
        partner_ids = [partner for _month, partner in keys if partner]
        whose = [("partner_id", "in", partner_ids)]
        if any(partner is None for _month, partner in keys):
            whose = ["|", ("partner_id", "=", False), *whose]
        existing = Snapshot.search(
            [("company_id", "=", company.id), ("month", "in", months), *whose]
        ).filtered(lambda row: (row.month, row.partner_id.id or None) in keys)
        existing.unlink()
        return Snapshot.create(values_list).sudo(False)

    # ------------------------------------------------------------------
    # Monthly job (credit.job.run, job "kpi_snapshot")
    # ------------------------------------------------------------------
    @api.model
    def _credit_job_start(self, job, company):
        """The company's row of the month (over every customer), then a run
        that writes the customers' rows batch by batch; None when this month's
        pass is done."""
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
        if previous.date_to and previous.date_to.replace(day=1) == today.replace(day=1):
            return None
        customers = self.env["res.partner"].search(
            self.env["credit.rerate"]._credit_candidates_domain()
        )
        _rows, company_values = self._credit_kpi_values(
            customers, today, keep_rows=False
        )
        self._credit_store([company_values])
        return {
            "date_start": fields.Datetime.now(),
            "date_to": today,
            "run_ref": "kpi " + fields.Date.to_string(today),
        }

    @api.model
    def _credit_job_domain(self, run):
        """Customers of the company without a row for the run's month."""
        month = run.date_to.replace(day=1)
        # Ids only: the month's rows as records were 100,000 at the end of a
        # pass, read for every call of the job.
        self.flush_model(["company_id", "level", "month", "partner_id"])
        done = self.env.execute_query(
            SQL(
                """
            SELECT partner_id FROM credit_kpi_snapshot
             WHERE company_id = %s AND month = %s AND level = 'customer'
               AND partner_id IS NOT NULL
                """,
                run.company_id.id,
                month,
            )
        )
        return self.env["credit.rerate"]._credit_candidates_domain() + [
            ("id", "not in", [partner_id for [partner_id] in done])
        ]

    @api.model
    def _credit_job_process(self, run, partners):
        rows, _company = self._credit_kpi_values(partners, run.date_to)
        self._credit_store(list(rows.values()))

    @api.model
    def _cron_snapshot(self, company_ids=None):
        """Monthly KPI snapshot of every company and customer, in committed
        batches (resumable)."""
        self.env["credit.job.run"]._credit_cron("kpi_snapshot", company_ids)
