from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL
from psycopg2 import errors as pg_errors

from ..models.credit_job_run import _listed_ids, _within
from .common import CreditCommon, CronRunner, crash_in_second_batch


@tagged("post_install", "-at_install")
class TestCreditRerateCron(CronRunner, CreditCommon):
    """Scheduled re-rating through Odoo's own cron runner: batches, committed
    progress, a tiny time budget, two companies, a crash, a bad record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Batch {i}", "is_company": True} for i in range(5)]
        )
        for partner in cls.customers:
            cls._invoice(100.0, partner=partner)
        cls.customers_2 = cls.env["res.partner"].create(
            [{"name": f"Second {i}", "is_company": True} for i in range(5)]
        )
        for partner in cls.customers_2:
            invoice = cls.init_invoice(
                "out_invoice",
                partner=partner,
                invoice_date=cls.today,
                amounts=[100.0],
                taxes=[],
                company=cls.company_2,
            )
            invoice.action_post()
        cls.env["res.company"].sudo().search([]).credit_rerate_batch_size = 2
        cls.cron = cls.env.ref("credit_management.ir_cron_credit_rerate")
        cls.cron_events = cls.env.ref("credit_management.ir_cron_credit_rerate_events")
        cls.cron_helper = cls.env.ref("credit_management.ir_cron_credit_rerate_helper")
        # The jobs see the days of the fixtures (cls.today, in the test's time
        # zone), whatever the time zone of the jobs' user in this database.
        (cls.cron | cls.cron_events | cls.cron_helper).user_id.tz = cls.env.tz.zone
        # Start from no run and no pending call of either job.
        cls.env["credit.job.run"].sudo().search([]).unlink()
        cls.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "in", (cls.cron | cls.cron_events | cls.cron_helper).ids)]
        ).unlink()

    def _candidates(self, company):
        scoring = self.env["credit.rerate"].sudo().with_company(company)
        domain = scoring._credit_candidates_domain()
        return self.env["res.partner"].sudo().search(domain)

    def _reviews(self, partners, trigger="scheduled"):
        return self.env["credit.review"].search(
            [("partner_id", "in", partners.ids), ("trigger", "=", trigger)]
        )

    def _assert_rated_once_per_run(self, runs, trigger="scheduled"):
        for run in runs:
            candidates = self._candidates(run.company_id)
            reviews = (
                self.env["credit.review"]
                .sudo()
                .search(
                    [
                        ("run_ref", "=", run.run_ref),
                        ("company_id", "=", run.company_id.id),
                    ]
                )
            )
            self.assertEqual(reviews.partner_id, candidates, run.display_name)
            self.assertEqual(reviews.run_id, run if candidates else run.browse())
            self.assertEqual(len(reviews), len(candidates), "each customer once")
            self.assertEqual(run.state, "done")
            self.assertEqual(run.done_count, len(candidates))

    def test_cron_rates_every_customer_of_every_company_once_per_period(self):
        Run = self.env["credit.job.run"].sudo()
        with self._tiny_budget():
            calls = self._run_cron(self.cron)
        # A company with nobody to rate (a database without demo data) takes
        # the one call that finds it so.
        batches = sum(
            max(1, -(-len(self._candidates(company)) // 2))
            for company in self.env["res.company"].sudo().search([])
        )
        runs = Run.search([("job", "=", "rerate")])
        self.assertEqual(runs.company_id, self.env["res.company"].sudo().search([]))
        # One batch (2 customers) a call: the period took one call a batch.
        self.assertEqual(calls, batches)
        self._assert_rated_once_per_run(runs)
        self.assertEqual(len(self._reviews(self.customers | self.customers_2)), 10)
        # Next period: everybody again, once, under a new reference.
        with (
            freeze_time(fields.Datetime.now() + timedelta(days=90)),
            self._tiny_budget(),
        ):
            self._run_cron(self.cron)
        runs_2 = Run.search([("job", "=", "rerate")]) - runs
        self.assertEqual(len(runs_2), len(runs))
        self._assert_rated_once_per_run(runs_2)
        self.assertEqual(len(self._reviews(self.customers | self.customers_2)), 20)

    def test_claims_go_back_for_customers_passed_over(self):
        """A worker claims its batches after the highest id it took; a
        customer it passed over (locked by another transaction then: here its
        first claim lets the lowest one go) is claimed at the end of the same
        call, not left for a later one."""
        Run = self.registry["credit.job.run"]
        original = Run._credit_claim
        passed = []

        def claim(self_, Model, domain, size):
            batch = original(self_, Model, domain, size)
            if not passed and batch:
                passed.append(batch[0].id)
                return batch[1:]
            return batch

        with patch.object(Run, "_credit_claim", claim):
            calls = self._run_cron(self.cron)
        self.assertEqual(calls, 1)
        runs = self.env["credit.job.run"].sudo().search([("job", "=", "rerate")])
        # The customer passed over among them.
        self.assertTrue(passed)
        self._assert_rated_once_per_run(runs)

    def test_batch_window_keeps_the_domain_exact(self):
        """A batch is looked for among the next ids of the job's list, every
        id list of the domain cut down to them: the records found are those of
        the whole domain within the window, whatever the other terms."""
        Partner = self.env["res.partner"].sudo()
        ids = sorted((self.customers | self.customers_2).ids)
        rated = self.customers[:2].ids
        window = ids[2:7]
        domains = [
            [("id", "in", ids), ("id", "not in", rated)],
            [("id", "in", ids), "|", ("id", "in", rated), ("name", "like", "Second")],
            [("id", "in", ids), "!", ("id", "in", ids[5:])],
        ]
        for domain in domains:
            self.assertEqual(_listed_ids(domain), ids)
            self.assertEqual(
                Partner.search(_within(domain, window)),
                Partner.search(domain).filtered(lambda p: p.id in window),
                domain,
            )
        self.assertIsNone(_listed_ids(["|", ("id", "in", ids), ("name", "=", "x")]))

    def test_cron_resumes_after_a_crash_without_duplicates(self):
        with crash_in_second_batch(self.registry, "credit.rerate"):
            self._run_cron(self.cron)
        # The second batch was undone; the crash is not a record failure.
        self.assertFalse(self.env["credit.job.failure"].search([]))
        run = self.env["credit.job.run"].search(
            [("job", "=", "rerate"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self._assert_rated_once_per_run(run)

    def test_one_bad_customer_does_not_stop_the_run(self):
        scoring = self.registry["credit.rerate"]
        original = scoring._credit_job_process
        bad = self.customers[2]

        def fails_for_one(self_, run, partners):
            if bad in partners:
                raise ValueError(f"no rate for {bad.name}")
            original(self_, run, partners)

        with patch.object(scoring, "_credit_job_process", fails_for_one):
            self._run_cron(self.cron)
        run = self.env["credit.job.run"].search(
            [("job", "=", "rerate"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.failed_count, 1)
        self.assertEqual(run.failure_ids.res_id, bad.id)
        self.assertIn("no rate for", run.failure_ids.message)
        others = self.customers - bad
        self.assertEqual(self._reviews(others).partner_id, others)
        self.assertFalse(self._reviews(bad))
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", bad.id),
                ("credit_warning_code", "=", "job_failure"),
            ]
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.company._credit_manager_user())

    def test_helper_worker_joins_the_run_and_never_starts_one(self):
        """The second worker of the periodic re-rating: with no run in progress
        it does nothing; started by the periodic job, it rates what is left of
        the run, each customer once, and closes it."""
        Run = self.env["credit.job.run"].sudo()
        self._run_cron(self.cron_helper)
        self.assertFalse(Run.search([("job", "=", "rerate")]))
        self.assertFalse(self._reviews(self.customers | self.customers_2))
        # One call of the periodic job, one batch: the run starts and calls
        # its helpers now.
        Trigger = self.env["ir.cron.trigger"]
        with self._tiny_budget(), self.enter_registry_test_mode():
            job = self.cron.read(load=None)[0]
            job.update(done=0, remaining=0, timed_out_counter=0)
            with self.registry.cursor() as cr:
                self.registry["ir.cron"]._process_job(cr, job)
        self.env.invalidate_all()
        runs = Run.search([("job", "=", "rerate")])
        self.assertTrue(runs)
        self.assertEqual(sum(runs.mapped("done_count")), 2)
        self.assertTrue(
            Trigger.search(
                [
                    ("cron_id", "=", self.cron_helper.id),
                    ("call_at", "<=", fields.Datetime.now()),
                ]
            )
        )
        # The helper alone rates the rest of every company's run.
        with self._tiny_budget():
            self._run_cron(self.cron_helper)
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self._assert_rated_once_per_run(runs)
        self.assertEqual(Run.search([("job", "=", "rerate")]), runs)
        # The periodic job is called again (its last call had work left, the
        # scheduler left it a trigger due now): the period's pass is done, it
        # starts no second one.
        reviews = self.env["credit.review"].sudo().search_count([])
        self._run_cron(self.cron)
        self.assertEqual(Run.search([("job", "=", "rerate")]), runs)
        self.assertEqual(self.env["credit.review"].sudo().search_count([]), reviews)
        # The next period (the scheduled action completed since): a new pass.
        self.cron.invalidate_recordset(["lastcall"])
        self.assertGreaterEqual(self.cron.lastcall, max(runs.mapped("date_start")))
        with freeze_time(fields.Datetime.now() + timedelta(days=90)):
            self._run_cron(self.cron)
        self.assertEqual(len(Run.search([("job", "=", "rerate")]) - runs), len(runs))

    def test_run_of_the_last_complete_call_does_not_end_the_next_period(self):
        """A pass started by the call that completed it (within one second:
        Odoo's ``lastcall`` is that call's last transaction start, to the
        second) belongs to the previous period: the next period's call starts
        a pass. A run started after ``lastcall`` is this period's."""
        Run = self.env["credit.job.run"].sudo()
        Rerate = self.env["credit.rerate"].with_company(self.company)
        second = fields.Datetime.now().replace(microsecond=0)
        Run.create(
            {
                "job": "rerate",
                "company_id": self.company.id,
                "date_start": second,
                "run_ref": fields.Datetime.to_string(second),
                "state": "done",
            }
        )
        self.assertFalse(
            Rerate.with_context(lastcall=second)._credit_period_started(self.company)
        )
        before = second - timedelta(seconds=1)
        self.assertTrue(
            Rerate.with_context(lastcall=before)._credit_period_started(self.company)
        )

    def test_conflict_undoes_the_whole_batch(self):
        """A batch retried record by record that meets a concurrent write (a
        serialization failure) is undone whole, the records it had already
        rated included: the run counts what it committed, no more, no less."""
        scoring = self.registry["credit.rerate"]
        original = scoring._credit_job_process
        calls = []

        def conflict_on_second(self_, run, partners):
            calls.append(partners.ids)
            if len(partners) > 1:
                raise ValueError("batch fails: retried record by record")
            if len(calls) == 3:  # the batch, its first record, its second
                raise pg_errors.SerializationFailure()
            original(self_, run, partners)

        with (
            self._tiny_budget(),
            patch.object(scoring, "_credit_job_process", conflict_on_second),
            self.enter_registry_test_mode(),
        ):
            job = self.cron.read(load=None)[0]
            job.update(done=0, remaining=0, timed_out_counter=0)
            with self.registry.cursor() as cr:
                self.registry["ir.cron"]._process_job(cr, job)
        self.env.invalidate_all()
        self.assertGreaterEqual(len(calls), 3)
        runs = self.env["credit.job.run"].sudo().search([("job", "=", "rerate")])
        # The first company's run met the conflict (runs go by company).
        first = runs.sorted("company_id")[0]
        self.assertEqual(first.state, "running")
        self.assertEqual(first.done_count, 0)
        Review = self.env["credit.review"].sudo()
        self.assertFalse(Review.search([("run_id", "=", first.id)]))
        for run in runs:
            self.assertEqual(
                run.done_count, Review.search_count([("run_id", "=", run.id)])
            )

    def test_busy_company_waits_for_the_next_call(self):
        """While another job holds the company's rating lock, the run rates
        nobody, raises nothing, and asks to be called again a minute later."""
        Run = self.env["credit.job.run"].sudo()
        run_model = self.registry["credit.job.run"]
        with patch.object(
            run_model, "_credit_lock_sql", lambda self_: SQL("SELECT false")
        ):
            self._run_cron(self.cron)
        run = Run.search([("job", "=", "rerate"), ("company_id", "=", self.company.id)])
        self.assertEqual(run.state, "running")
        self.assertFalse(self._reviews(self.customers))
        # Called again through the helper worker, which only finishes runs in
        # progress: the periodic job itself, called after another worker ended
        # the run, would start a new pass.
        later = self.env["ir.cron.trigger"].search(
            [
                ("cron_id", "=", self.cron_helper.id),
                ("call_at", ">", fields.Datetime.now()),
            ]
        )
        self.assertTrue(later)
        self.assertFalse(
            self.env["ir.cron.trigger"].search(
                [
                    ("cron_id", "=", self.cron.id),
                    ("call_at", ">", fields.Datetime.now()),
                ]
            )
        )
        # Next call: the lock is free, the same run goes on to the end.
        self._run_cron(self.cron_helper)
        self.assertEqual(run.state, "done")
        self.assertEqual(self._reviews(self.customers).partner_id, self.customers)

    def test_event_pass_ends_between_local_and_utc_midnight(self):
        """East of Greenwich, after the local midnight and before the UTC one,
        a customer the pass has just rated is rated today: the pass once took
        the local midnight for a UTC one, still found the customer to rate, and
        rated it again and again (seen in CI between 23:00 and 24:00 UTC)."""
        late = self.customers[0]
        self._invoice(300.0, partner=late, days_ago=1)
        day = self.today
        run = (
            self.env["credit.job.run"]
            .sudo()
            .create(
                {
                    "job": "rerate_event",
                    "company_id": self.company.id,
                    "date_start": datetime.combine(day, time(0, 0)),
                    "date_from": day - timedelta(days=1),
                    "date_to": day,
                }
            )
        )
        # 22:00 UTC the day before is 07:00 of ``day`` in Tokyo (UTC+9).
        rated_at = datetime.combine(day - timedelta(days=1), time(22, 0))
        Rerate = self.env["credit.rerate"].with_context(tz="Asia/Tokyo")
        partners = self.env["res.partner"].with_company(self.company)
        self.assertIn(late, partners.search(Rerate._credit_job_domain(run)))
        late.with_company(self.company).credit_score_date = rated_at
        self.assertNotIn(late, partners.search(Rerate._credit_job_domain(run)))

    def test_event_pass_rates_customers_with_new_overdue(self):
        late = self.customers[0]
        self._invoice(300.0, partner=late, days_ago=1)
        self._run_cron(self.cron_events)
        reviews = self._reviews(self.env["res.partner"].search([]), "event")
        self.assertEqual(reviews.partner_id, late)
        self._run_cron(self.cron_events)  # same day: no rerun
        self.assertEqual(len(self._reviews(late, "event")), 1)
        run = self.env["credit.job.run"].search(
            [("job", "=", "rerate_event"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(run), 1)
        self.assertEqual(run.date_to, self.today)
        # The next day looks for events from today on.
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            self._run_cron(self.cron_events)
            run_2 = (
                self.env["credit.job.run"].search(
                    [("job", "=", "rerate_event"), ("company_id", "=", self.company.id)]
                )
                - run
            )
            self.assertEqual(run_2.date_from, self.today)

    def test_customer_with_a_currency_without_rate_is_recorded_and_skipped(self):
        """A real bad record: a confirmed order in a currency without rate."""
        no_rate = self.env["res.currency"].create({"name": "XCR", "symbol": "¤"})
        pricelist = self.env["product.pricelist"].create(
            {"name": "XCR", "currency_id": no_rate.id}
        )
        bad = self.customers[1]
        self.company.credit_control_enabled = False
        self._order(100.0, partner=bad, pricelist=pricelist, confirm=True)
        self.company.credit_control_enabled = True
        self._run_cron(self.cron)
        run = self.env["credit.job.run"].search(
            [("job", "=", "rerate"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.failure_ids.res_id, bad.id)
        self.assertIn("No exchange rate for XCR", run.failure_ids.message)
        others = self.customers - bad
        self.assertEqual(self._reviews(others).partner_id, others)
