from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditRerateCron(CreditCommon):
    """Scheduled re-rating: batches, committed progress, resume after a crash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Batch {i}", "is_company": True} for i in range(5)]
        )
        for partner in cls.customers:
            cls._invoice(100.0, partner=partner)
        cls.others = cls.env["res.partner"].search(
            [("id", "not in", cls.customers.ids), ("customer_rank", ">", 0)]
        )
        cls.company.credit_rerate_batch_size = 2

    @contextmanager
    def _cron_commits(self):
        """Run with ``_commit_progress`` acting as a commit: each call closes a
        savepoint; an exception rolls back to the last one, as a real cron's
        transaction would."""
        savepoint = [self.env.cr.savepoint()]
        calls = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            calls.append((processed, remaining))
            savepoint[0].close(rollback=False)
            savepoint[0] = self.env.cr.savepoint()
            return 3600.0

        with patch.object(
            self.registry["ir.cron"], "_commit_progress", commit_progress
        ):
            try:
                yield calls
            except Exception:
                savepoint[0].close(rollback=True)
                self.env.invalidate_all()
                raise
            savepoint[0].close(rollback=False)

    def _reviews(self):
        return self.env["credit.review"].search(
            [("partner_id", "in", self.customers.ids), ("trigger", "=", "scheduled")]
        )

    def test_cron_rates_every_customer_in_batches(self):
        with self._cron_commits() as calls:
            self.env["credit.scoring"].sudo()._cron_rerate(self.company.ids)
        reviews = self._reviews()
        self.assertEqual(reviews.partner_id, self.customers)
        self.assertEqual(len(reviews), 5)
        batches = [processed for processed, _remaining in calls if processed]
        self.assertTrue(all(size <= 2 for size in batches))
        self.assertEqual(calls[-2][1], 0)  # the last batch reports nothing left
        self.assertFalse(self.company.credit_rerate_cutoff)

    def test_cron_resumes_after_a_crash_without_duplicates(self):
        scoring = self.registry["credit.scoring"]
        original = scoring._credit_rate
        rated = []

        def crash_in_second_batch(self_, partners, trigger, run_ref=False):
            rated.append(partners.ids)
            reviews = original(self_, partners, trigger, run_ref=run_ref)
            if len(rated) == 2:
                raise RuntimeError("worker killed in the middle of a batch")
            return reviews

        # Not self.assertRaises: Odoo's rolls back its block, the "commits" too.
        crashed = False
        try:
            with (
                patch.object(scoring, "_credit_rate", crash_in_second_batch),
                self._cron_commits(),
            ):
                self.env["credit.scoring"].sudo()._cron_rerate(self.company.ids)
        except RuntimeError:
            crashed = True
        self.assertTrue(crashed)
        self.assertEqual(len(self._reviews()), 2)  # batch 1 committed, 2 undone
        cutoff = self.company.credit_rerate_cutoff
        self.assertTrue(cutoff)

        with self._cron_commits():
            self.env["credit.scoring"].sudo()._cron_rerate(self.company.ids)
        reviews = self._reviews()
        self.assertEqual(len(reviews), 5)
        self.assertEqual(reviews.partner_id, self.customers)
        self.assertEqual(set(reviews.mapped("run_ref")), {str(cutoff)})
        self.assertFalse(self.company.credit_rerate_cutoff)

    def test_cron_stops_when_time_is_up_and_resumes(self):
        def out_of_time(cron, processed=0, *, remaining=None, deactivate=False):
            return 0.0

        with patch.object(self.registry["ir.cron"], "_commit_progress", out_of_time):
            self.env["credit.scoring"].sudo()._cron_rerate(self.company.ids)
        self.assertEqual(len(self._reviews()), 2)
        with self._cron_commits():
            self.env["credit.scoring"].sudo()._cron_rerate(self.company.ids)
        self.assertEqual(len(self._reviews()), 5)

    def test_event_pass_rates_customers_with_new_overdue(self):
        late = self.customers[0]
        self._invoice(300.0, partner=late, days_ago=1)
        with self._cron_commits():
            self.env["credit.scoring"].sudo()._cron_rerate_events(self.company.ids)
        reviews = self.env["credit.review"].search([("trigger", "=", "event")])
        self.assertEqual(reviews.partner_id, late)
        with self._cron_commits():
            self.env[
                "credit.scoring"
            ].sudo()._cron_rerate_events()  # same day: no rerun
        self.assertEqual(
            self.env["credit.review"].search_count([("trigger", "=", "event")]), 1
        )
