import os
from contextlib import contextmanager
from datetime import UTC, datetime, time
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.models import ir_cron
from odoo.tests import freeze_time, new_test_user
from odoo.tools import format_amount


def noon_if_late(now, always=False):
    """Noon (UTC) of the day of ``now`` (UTC) when ``now`` is 20:00 or later,
    else None: from noon, no zone the tests' users are in (UTC, Brussels, one
    or two hours ahead) reaches midnight for hours; before 20:00 they are
    more than two hours from it (a class takes seconds to minutes)."""
    if now.hour < 20 and not always:
        return None
    return datetime.combine(now.date(), time(12))


class CreditCommon(AccountTestInvoicingCommon):
    """A company with credit control on, a customer with a limit, and helpers to
    build a ledger: posted invoices, confirmed orders, draft invoices."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref(
            "sales_team.group_sale_manager"
        )

    @classmethod
    def setUpClass(cls):
        cls._credit_keep_the_date()
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.company.write(
            {
                "credit_control_enabled": True,
                "credit_block_on_limit": True,
                "credit_block_on_overdue": True,
                "credit_overdue_days": 30,
                "credit_overdue_tolerance": 100.0,
                "credit_block_prepayment": True,
            }
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        # The tests' own bands: A from 70, C from 40, E (prepayment) from 0.
        cls.env["credit.grade"].search([]).active = False
        Grade = cls.env["credit.grade"]
        cls.grade_a = Grade.create(
            {
                "code": "TA",
                "name": "Test Excellent",
                "sequence": 1,
                "min_score": 70,
                "default_credit_limit": 20000.0,
            }
        )
        cls.grade_c = Grade.create(
            {
                "code": "TC",
                "name": "Test Fair",
                "sequence": 2,
                "min_score": 40,
                "default_credit_limit": 5000.0,
            }
        )
        cls.grade_prepay = Grade.create(
            {
                "code": "TE",
                "name": "Test Prepayment",
                "sequence": 3,
                "min_score": 0,
                "requires_prepayment": True,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Acme Credit Test",
                "is_company": True,
                "credit_limit": 5000.0,
                "credit_grade_id": cls.grade_c.id,
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Jane Buyer", "parent_id": cls.customer.id}
        )
        cls.salesman = new_test_user(
            cls.env,
            login="credit_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="credit_manager",
            groups="sales_team.group_sale_salesman_all_leads,"
            "base.group_partner_manager,credit_management.group_credit_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _credit_keep_the_date(cls):
        """Run the class on a clock that cannot reach midnight.

        The classes build their ledger in setUpClass, with invoices due
        "today", and check it in each test: a class running across midnight
        saw them overdue by a day (a failure seen once, at 00:00 UTC). Late in
        the day the class runs on a clock set back to noon (``noon_if_late``),
        ticking: Python's date stays the date of setUpClass. PostgreSQL's
        clock is not moved: the transaction's timestamp a test cursor gives
        (create_date) is already fixed at the class's start.
        ``CREDIT_TEST_NOON=1`` sets the clock back at any hour, to run the
        suite on it by day.
        """
        now = datetime.now(UTC).replace(tzinfo=None)
        noon = noon_if_late(now, always=os.environ.get("CREDIT_TEST_NOON") == "1")
        if noon:
            cls.startClassPatcher(freeze_time(noon, tick=True))

    @contextmanager
    def _recording_queries(self):
        """The text of every query run in the block, in order."""
        queries = []
        cr = self.env.cr
        execute = cr.execute

        def spy(query, params=None, log_exceptions=True):
            queries.append(str(getattr(query, "code", query)))
            return execute(query, params, log_exceptions)

        with patch.object(cr, "execute", spy):
            yield queries

    @classmethod
    def _invoice(cls, amount, partner=None, days_ago=0, currency=None, post=True):
        """An invoice without taxes, due on its invoice date ``days_ago`` days ago."""
        invoice = cls.init_invoice(
            "out_invoice",
            partner=partner or cls.customer,
            invoice_date=cls.today - relativedelta(days=days_ago),
            amounts=[amount],
            taxes=[],
            currency=currency,
        )
        invoice.invoice_date_due = invoice.invoice_date
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _order(cls, amount, partner=None, pricelist=None, confirm=False):
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "company_id": cls.company.id,
                "pricelist_id": pricelist.id if pricelist else False,
                "user_id": cls.salesman.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product_a.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def fmt(self, amount):
        return format_amount(self.env, amount, self.currency)


class CronRunner:
    """Run a scheduled job through Odoo's own runner in a test, as the
    scheduler would (for ``CreditCommon`` tests)."""

    @contextmanager
    def _tiny_budget(self):
        """Odoo's runner with one call per job run and no time left after the
        first batch: ``_commit_progress`` answers 0 after every batch."""
        with (
            patch.object(ir_cron, "MIN_RUNS_PER_JOB", 1),
            patch.object(ir_cron, "MIN_TIME_PER_JOB", 0),
        ):
            yield

    def _run_cron(self, cron, max_calls=60):
        """Call ``cron`` through Odoo's runner as the scheduler would: again as
        long as the runner leaves it a trigger due now. :return: the calls"""
        Trigger = self.env["ir.cron.trigger"]
        calls = 0
        with self.enter_registry_test_mode():
            while True:
                calls += 1
                self.assertLess(calls, max_calls, "the job never reports itself done")
                job = cron.read(load=None)[0]
                job.update(done=0, remaining=0, timed_out_counter=0)
                with self.registry.cursor() as cr:
                    self.registry["ir.cron"]._process_job(cr, job)
                self.env.invalidate_all()
                now = fields.Datetime.now()
                if not Trigger.search_count(
                    [("cron_id", "=", cron.id), ("call_at", "<=", now)]
                ):
                    return calls


@contextmanager
def crash_in_second_batch(registry, service_name):
    """The job service ``service_name`` crashes (a worker out of memory) right
    after processing its second batch, once; yields the ids of every batch it
    was given, so a test sees the crashed batch done again."""
    service = registry[service_name]
    original = service._credit_job_process
    calls = []

    def process(self_, run, records):
        calls.append(records.ids)
        original(self_, run, records)
        if len(calls) == 2:
            raise MemoryError("worker out of memory in the middle of a batch")

    with patch.object(service, "_credit_job_process", process):
        yield calls
