import calendar
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from odoo.tests import TransactionCase, tagged

from ..models import credit_kpi_snapshot as kpi_snapshot
from ..models.credit_kpi_snapshot import dso_countback, dso_simple, month_periods
from ..models.credit_prediction import PAYDEX_POINTS, paydex_index
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditKpiFormulas(TransactionCase):
    """DSO by countback and by the simple method, the payment index table."""

    def test_countback_dso_of_the_textbook_example(self):
        # receivables 212,000; monthly sales 100,000 / 80,000 / 70,000, newest
        # first, 30-day months: 30 + 30 + 32,000 / 70,000 x 30 = 73.7 days
        periods = [(100000.0, 30), (80000.0, 30), (70000.0, 30)]
        self.assertAlmostEqual(round(dso_countback(212000.0, periods), 1), 73.7)

    def test_countback_dso_within_the_first_month_and_beyond_the_sales(self):
        periods = [(100000.0, 31), (80000.0, 30)]
        self.assertAlmostEqual(dso_countback(50000.0, periods), 15.5)
        self.assertEqual(dso_countback(0.0, periods), 0.0)
        # more owed than all the periods' sales: every day counted
        self.assertEqual(dso_countback(500000.0, periods), 61.0)

    def test_simple_dso(self):
        periods = [(100000.0, 30), (80000.0, 30), (70000.0, 30)]
        self.assertAlmostEqual(dso_simple(212000.0, periods), 212000.0 / 250000.0 * 90)
        self.assertIsNone(dso_simple(1000.0, [(0.0, 30)]))

    def test_days_delinquent_is_dso_less_best_possible_dso(self):
        periods = [(100000.0, 30), (80000.0, 30), (70000.0, 30)]
        dso = dso_countback(212000.0, periods)
        # 150,000 not yet due: 30 + 50,000 / 80,000 x 30 = 48.75 days
        best = dso_countback(150000.0, periods)
        self.assertAlmostEqual(best, 48.75)
        self.assertAlmostEqual(round(dso - best, 2), round(73.714 - 48.75, 2))

    def test_payment_index_at_each_point_of_the_table(self):
        table = {-30: 100, -20: 90, 0: 80, 15: 70, 22: 60, 30: 50, 60: 40, 90: 30}
        table[120] = 20
        self.assertEqual(
            dict(PAYDEX_POINTS), {float(k): float(v) for k, v in table.items()}
        )
        for days, index in table.items():
            self.assertAlmostEqual(paydex_index(days), index, msg=f"{days} days")

    def test_payment_index_between_and_beyond_the_points(self):
        self.assertAlmostEqual(paydex_index(-25), 95.0)
        self.assertAlmostEqual(paydex_index(7.5), 75.0)
        self.assertAlmostEqual(paydex_index(45), 45.0)
        self.assertEqual(paydex_index(-90), 100.0)
        self.assertLess(paydex_index(150), 20.0)
        self.assertEqual(paydex_index(1000), 1.0)

    def test_month_periods_count_the_current_month_up_to_the_day(self):
        periods = month_periods(
            self.env.cr.now().date().replace(year=2024, month=3, day=10), 3
        )
        self.assertEqual([days for _first, days in periods], [10, 29, 31])


@tagged("post_install", "-at_install")
class TestCreditKpiSnapshot(CreditCommon):
    """Snapshot rows on a hand-built ledger, the payment index of a customer,
    the cash-in forecast."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create(
            {"name": "KPI Buyer", "is_company": True}
        )
        first = cls.today.replace(day=1)
        previous = first - relativedelta(months=1)
        older = first - relativedelta(months=2)
        cls.current = cls._dated(1000.0, first, cls.today + timedelta(days=30))
        cls.overdue = cls._dated(3000.0, previous, previous)
        cls.paid_late = cls._dated(2000.0, previous, previous)
        cls._register_payment(cls.paid_late, payment_date=previous + timedelta(days=10))
        cls.paid_on_time = cls._dated(4000.0, older, older + timedelta(days=5))
        cls._register_payment(cls.paid_on_time, payment_date=older + timedelta(days=5))
        cls.previous_days = calendar.monthrange(previous.year, previous.month)[1]

    @classmethod
    def _dated(cls, amount, invoice_date, due):
        invoice = cls.init_invoice(
            "out_invoice",
            partner=cls.buyer,
            invoice_date=invoice_date,
            amounts=[amount],
            taxes=[],
        )
        invoice.invoice_date_due = due
        invoice.action_post()
        return invoice

    def test_customer_and_company_rows_on_a_hand_built_ledger(self):
        Snapshot = self.env["credit.kpi.snapshot"]
        rows, company = Snapshot._credit_kpi_values(self.buyer, self.today)
        row = rows[self.buyer.id]
        self.assertEqual(row["receivable"], 4000.0)
        self.assertEqual(row["overdue"], 3000.0)
        self.assertEqual(row["sales_3m"], 10000.0)
        # countback: this month's 1,000 over its days so far, then 3,000 of the
        # previous month's 5,000
        expected = self.today.day + self.previous_days * 3000.0 / 5000.0
        self.assertAlmostEqual(row["dso_countback"], expected)
        # best possible: the 1,000 not yet due, this month's sales
        self.assertAlmostEqual(row["best_dso"], self.today.day)
        self.assertAlmostEqual(row["days_delinquent"], expected - self.today.day)
        self.assertAlmostEqual(row["overdue_share"], 75.0)
        older_days = sum(days for _first, days in month_periods(self.today, 3))
        self.assertAlmostEqual(row["dso_simple"], 4000.0 / 10000.0 * older_days)
        self.assertEqual(company["receivable"], 4000.0)
        self.assertAlmostEqual(company["dso_countback"], expected)

    def test_payment_index_of_the_customer(self):
        # 2,000 paid 10 days late, 4,000 on time: 10 x 2,000 / 6,000 days beyond
        days = 10.0 * 2000.0 / 6000.0
        [(found_days, index)] = (
            self.env["credit.prediction"]._credit_payment_index(self.buyer.ids).values()
        )
        self.assertAlmostEqual(found_days, days)
        self.assertAlmostEqual(index, 80.0 - 10.0 * days / 15)
        # shown on the customer, rounded as the fields are
        self.assertAlmostEqual(self.buyer.credit_days_beyond_terms, days, places=1)
        self.assertEqual(self.buyer.credit_payment_index, round(index))
        # Each company's own: read again in a company without these invoices
        # (the value computed for the first company was served from the cache).
        elsewhere = self.buyer.with_company(self.setup_other_company()["company"])
        self.assertEqual(elsewhere.credit_payment_index, 0)
        self.assertEqual(elsewhere.credit_days_beyond_terms, 0)
        self.assertEqual(self.buyer.credit_payment_index, round(index))
        raws = self.env["credit.scoring"]._credit_factor_raw_values(
            self.buyer | self.customer
        )
        self.assertAlmostEqual(raws[self.buyer.id]["payment_index"], paydex_index(days))
        self.assertIsNone(raws[self.customer.id]["payment_index"])
        # The other factors read from the same pass over the invoices: two
        # paid in the last 12 months, one 10 days late, one on time.
        self.assertAlmostEqual(raws[self.buyer.id]["payment_delay"], 5.0)
        self.assertAlmostEqual(raws[self.buyer.id]["payment_on_time"], 50.0)
        self.assertIsNone(raws[self.customer.id]["payment_delay"])
        habits = self.env["credit.prediction"]._credit_payment_habits(
            (self.buyer | self.customer).ids
        )
        self.assertEqual(habits[self.buyer.id]["paid_count"], 2)
        self.assertNotIn(self.customer.id, habits)

    def test_snapshot_job_writes_one_row_per_company_customer_and_month(self):
        Snapshot = self.env["credit.kpi.snapshot"]
        Run = self.env["credit.job.run"].sudo()
        start = Snapshot.with_company(self.company)._credit_job_start(
            "kpi_snapshot", self.company
        )
        run = Run.create(dict(start, job="kpi_snapshot", company_id=self.company.id))
        service = run._credit_service()
        customers = self.env["res.partner"].search(service._credit_job_domain(run))
        self.assertIn(self.buyer, customers)
        service._credit_job_process(run, customers)
        self.assertFalse(
            self.env["res.partner"].search(service._credit_job_domain(run))
        )
        month = self.today.replace(day=1)
        rows = Snapshot.search(
            [("company_id", "=", self.company.id), ("month", "=", month)]
        )
        self.assertEqual(len(rows.filtered(lambda r: r.level == "company")), 1)
        self.assertEqual(
            rows.filtered(lambda r: r.level == "customer").partner_id, customers
        )
        # a rerun of the month replaces its rows
        service._credit_job_process(run, self.buyer)
        self.assertEqual(
            Snapshot.search_count(
                [("company_id", "=", self.company.id), ("month", "=", month)]
            ),
            len(rows),
        )
        buyer_row = Snapshot.search([("partner_id", "=", self.buyer.id)])
        self.assertEqual(buyer_row.receivable, 4000.0)
        self.assertFalse(Snapshot.with_user(self.salesman).has_access("read"))

    def test_company_row_chunk_by_chunk_is_the_same(self):
        """The company's row of the month is summed chunk by chunk (memory
        flat in the number of customers): the same figures as at once."""
        second = self.env["res.partner"].create({"name": "KPI Two", "is_company": True})
        self._invoice(700.0, partner=second)
        Snapshot = self.env["credit.kpi.snapshot"]
        customers = self.buyer | second
        _rows, at_once = Snapshot._credit_kpi_values(customers, self.today)
        with patch.object(kpi_snapshot, "KPI_CHUNK", 1):
            rows, chunked = Snapshot._credit_kpi_values(
                customers, self.today, keep_rows=False
            )
        self.assertFalse(rows)
        self.assertEqual(chunked, at_once)
        self.assertEqual(at_once["receivable"], 4700.0)

    def test_snapshot_job_takes_each_batch_once(self):
        """Through the job's batches (one customer each): every customer of
        the company gets its row in one call, each batch taken once. The job's
        domain lists the customers without a row, computed once per call: the
        job took its first batch again and again until its time ran out (one
        batch per call of the scheduler, each call as long as its time
        limit)."""
        Snapshot = self.env["credit.kpi.snapshot"]
        self.company.credit_rerate_batch_size = 1
        for name in ("KPI Second", "KPI Third"):
            partner = self.env["res.partner"].create({"name": name, "is_company": True})
            self._invoice(100.0, partner=partner)
        customers = self.env["res.partner"].search(
            self.env["credit.rerate"]._credit_candidates_domain()
        )
        self.assertGreaterEqual(len(customers), 3)
        calls = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            calls.append(processed)
            return 3600.0 if len(calls) < 3 * len(customers) + 5 else 0.0

        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", commit_progress
        ):
            Snapshot._cron_snapshot(self.company.ids)
        run = self.env["credit.job.run"].search(
            [("job", "=", "kpi_snapshot"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.done_count, len(customers))
        self.assertEqual(sum(calls), len(customers))
        rows = Snapshot.search(
            [("company_id", "=", self.company.id), ("level", "=", "customer")]
        )
        self.assertEqual(rows.partner_id, customers)
        self.assertEqual(len(rows), len(customers))

    def test_cash_in_forecast_predicted_against_due_dates(self):
        self.current.credit_predicted_date = self.today + timedelta(days=45)
        Forecast = self.env["credit.cashin.forecast"]
        rows = Forecast.search([("move_id", "in", (self.current | self.overdue).ids)])
        self.assertEqual(len(rows), 4)
        by_key = {(row.move_id, row.basis): row for row in rows}
        self.assertEqual(
            by_key[self.current, "predicted"].date, self.today + timedelta(days=45)
        )
        self.assertEqual(
            by_key[self.current, "due"].date, self.today + timedelta(days=30)
        )
        # overdue without prediction: expected today on both bases
        self.assertEqual(by_key[self.overdue, "due"].date, self.today)
        self.assertEqual(by_key[self.overdue, "predicted"].date, self.today)
        self.assertEqual(sum(rows.mapped("amount")), 2 * 4000.0)
        self.assertFalse(rows.filtered(lambda r: r.move_id == self.paid_late))
        due = Forecast._credit_weekly("due")
        predicted = Forecast._credit_weekly("predicted")
        self.assertEqual(sum(due.values()), sum(predicted.values()))
        self.assertNotEqual(due, predicted)


@tagged("post_install", "-at_install")
class TestCreditJobCompanies(CreditCommon):
    def test_a_company_that_cannot_start_leaves_the_others_their_pass(self):
        """A missing exchange rate in one company (its row of the month could
        not be computed) stopped the monthly snapshot of every company, at
        every call."""
        other = self.env["res.company"].create({"name": "Other KPI Co"})
        Snapshot = type(self.env["credit.kpi.snapshot"])
        start = Snapshot._credit_job_start

        def failing_start(service, job, company):
            if company == other:
                raise ValueError("No exchange rate for EUR in Other KPI Co")
            return start(service, job, company)

        Run = self.env["credit.job.run"]
        with (
            patch.object(Snapshot, "_credit_job_start", failing_start),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 1
            ),
            self.assertLogs(
                "odoo.addons.credit_management.models.credit_job_run", "ERROR"
            ) as logged,
        ):
            runs = Run._credit_runs("kpi_snapshot", [self.company.id, other.id])
        self.assertEqual(runs.company_id, self.company)
        self.assertIn("Other KPI Co could not start", "\n".join(logged.output))
