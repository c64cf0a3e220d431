from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo import fields
from odoo.tests import tagged

from .common import crash_in_second_batch
from .test_credit_collection import CollectionCommon
from .test_credit_rerate_cron import TestCreditRerateCron


@tagged("post_install", "-at_install")
class TestCreditCollectionCron(CollectionCommon):
    """The daily collection run through Odoo's own cron runner: committed
    batches, once a day, resumable after a crash, one bad customer isolated."""

    _tiny_budget = TestCreditRerateCron._tiny_budget
    _run_cron = TestCreditRerateCron._run_cron

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late = cls.env["res.partner"].create(
            [
                {"name": f"Cron late {i}", "is_company": True, "email": f"l{i}@ex.com"}
                for i in range(5)
            ]
        )
        for i, partner in enumerate(cls.late):
            cls._invoice(100.0 + i, partner=partner, days_ago=20 + 10 * i)
        cls.company.credit_rerate_batch_size = 2
        cls.cron = cls.env.ref("credit_management.ir_cron_credit_collection")
        cls.cron.user_id.tz = cls.env.tz.zone
        cls.env["credit.job.run"].sudo().search([]).unlink()
        cls.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "=", cls.cron.id)]
        ).unlink()

    def _communications(self):
        return self.env["credit.collection.communication"].search(
            [("partner_id", "in", self.late.ids)]
        )

    def _run_for_company(self):
        return self.env["credit.job.run"].search(
            [("job", "=", "collect"), ("company_id", "=", self.company.id)]
        )

    def test_cron_reminds_each_customer_once_a_day(self):
        with self._tiny_budget():
            self._run_cron(self.cron)
        communications = self._communications()
        self.assertEqual(communications.partner_id, self.late)
        self.assertEqual(len(communications), 5)
        run = self._run_for_company()
        self.assertEqual(run.state, "done")
        self.assertEqual(communications.run_id, run)
        # Same day again: no new run, nothing said twice.
        self._run_cron(self.cron)
        self.assertEqual(self._communications(), communications)
        self.assertEqual(self._run_for_company(), run)
        # Next day: a new run, and nobody reached a new level.
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            self._run_cron(self.cron)
        self.assertEqual(self._communications(), communications)
        self.assertEqual(
            len(
                self.env["credit.job.run"].search(
                    [("job", "=", "collect"), ("company_id", "=", self.company.id)]
                )
            ),
            2,
        )
        # Ten days on (30, 40, 50, 60, 70 days): the first reaches 30 days, the
        # third 45; the others stay at the level they were told.
        with freeze_time(fields.Datetime.now() + timedelta(days=10)):
            self._run_cron(self.cron)
        new = self._communications() - communications
        self.assertEqual(new.partner_id, self.late[0] | self.late[2])
        self.assertEqual(
            {c.partner_id: c.level_id for c in new},
            {self.late[0]: self.level_30, self.late[2]: self.level_45},
        )

    def test_cron_resumes_after_a_crash_without_duplicates(self):
        with crash_in_second_batch(self.registry, "credit.collection.run") as calls:
            self._run_cron(self.cron)
        self.assertGreater(len(calls), 3, "the crashed batch was done again")
        communications = self._communications()
        self.assertEqual(len(communications), 5, "each customer once")
        self.assertEqual(communications.partner_id, self.late)
        self.assertEqual(self._run_for_company().state, "done")
        self.assertFalse(self.env["credit.job.failure"].search([]))

    def test_one_bad_customer_does_not_stop_the_run(self):
        service = self.registry["credit.collection.run"]
        original = service._credit_job_process
        bad = self.late[2]

        def fails_for_one(self_, run, partners):
            if bad in partners:
                raise ValueError(f"cannot remind {bad.name}")
            original(self_, run, partners)

        with patch.object(service, "_credit_job_process", fails_for_one):
            self._run_cron(self.cron)
        run = self._run_for_company()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.failure_ids.res_id, bad.id)
        self.assertEqual(self._communications().partner_id, self.late - bad)

    def test_sending_job_queues_the_emails(self):
        self._run_cron(self.cron)
        send = self.env.ref("credit_management.ir_cron_credit_collection_send")
        self._run_cron(send)
        communications = self._communications()
        mailed = communications.filtered("level_id.send_email")
        self.assertEqual(len(mailed), 3, "the 15- and 30-day levels e-mail")
        self.assertEqual(set(mailed.mapped("email_state")), {"queued"})
        self.assertEqual(set(mailed.mail_id.mapped("state")), {"outgoing"})
        self.assertEqual(set((communications - mailed).mapped("email_state")), {"none"})
