import random
import re
from collections import defaultdict
from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import CreditCommon

WRITE_QUERY = re.compile(r"\s*(INSERT|UPDATE|DELETE|ALTER|CREATE)\b", re.IGNORECASE)


@tagged("post_install", "-at_install")
class TestCreditWhatIf(CreditCommon):
    """What-if replay: a hand-built history replayed as it was on each order's
    date, under the current policy and a candidate one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Overdue rule of today: beyond 120 days (nothing in this history).
        cls.company.credit_overdue_days = 120
        cls.inv1 = cls._invoice(1000.0, days_ago=100)
        cls.inv2 = cls._invoice(2000.0, days_ago=50)
        cls._pay(cls.inv1, 300.0, days_ago=60)
        # Not knowable historically: a draft invoice counts as 0.
        cls._invoice(999.0, days_ago=45, post=False)
        # Paid after both orders: does not lower their exposure.
        cls._pay(cls.inv2, 2000.0, days_ago=10)
        now = fields.Datetime.now()
        cls.order_a = cls._order(1500.0, confirm=True)
        cls.order_a.write({"date_order": now - timedelta(days=40)})
        cls.order_b = cls._order(1200.0, confirm=True)
        cls.order_b.write({"date_order": now - timedelta(days=20)})
        # Order A invoiced after order B's date: still not invoiced for B.
        invoice = cls.order_a._create_invoices()
        invoice.write({"invoice_date": cls.today - timedelta(days=5)})
        invoice.action_post()
        cls.customer2 = cls.env["res.partner"].create(
            {
                "name": "Beta Credit Test",
                "is_company": True,
                "credit_limit": 50000.0,
                "credit_grade_id": cls.grade_a.id,
            }
        )
        cls.order_d = cls._order(2000.0, partner=cls.customer2, confirm=True)
        cls.order_d.write(
            {
                "date_order": now - timedelta(days=40),
                "user_id": cls.credit_manager.id,
            }
        )
        cls.customer2.credit_limit = 1000.0
        cls.orders = cls.order_a | cls.order_b | cls.order_d

    @classmethod
    def _pay(cls, invoice, amount, days_ago):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "amount": amount,
                "payment_date": cls.today - timedelta(days=days_ago),
            }
        )._create_payments()

    def _replay(self, **values):
        wizard = (
            self.env["credit.whatif.wizard"]
            .with_user(self.credit_manager)
            .create(
                {
                    "date_from": self.today - timedelta(days=60),
                    "date_to": self.today,
                    **values,
                }
            )
        )
        wizard.action_replay()
        return wizard

    def _line(self, wizard, order):
        return wizard.line_ids.filtered(lambda line: line.order_id == order)

    def test_exposure_as_of_each_order_date(self):
        figures = self.env["credit.exposure"]._credit_exposure_as_of(
            self.orders.ids, overdue_days=(30, 60)
        )
        a, b, d = (figures[order.id] for order in self.orders)
        # A: invoices 1,000 + 2,000 less 300 paid before; later payment ignored.
        self.assertAlmostEqual(a["receivable"], 2700.0)
        self.assertAlmostEqual(a["orders_uninvoiced"], 0.0)
        self.assertAlmostEqual(a["invoices_draft"], 0.0)
        self.assertAlmostEqual(a["exposure"], 2700.0)
        self.assertAlmostEqual(a["amount"], 1500.0)
        # Due before (date - 30): invoice 1, open 700 that day.
        self.assertEqual(a["overdue_beyond"], {30: 700.0, 60: 0.0})
        # B: order A not invoiced yet on B's date (invoiced 5 days ago).
        self.assertAlmostEqual(b["receivable"], 2700.0)
        self.assertAlmostEqual(b["orders_uninvoiced"], 1500.0)
        self.assertAlmostEqual(b["exposure"], 4200.0)
        self.assertEqual(b["overdue_beyond"], {30: 700.0, 60: 700.0})
        self.assertEqual(b["partner_id"], self.customer.id)
        self.assertAlmostEqual(d["exposure"], 0.0)
        self.assertEqual(d["date"], self.order_d.date_order.date())

    def test_lower_candidate_limit_blocks_more(self):
        wizard = self._replay(limit_mode="factor", limit_factor=0.5)
        line_a = self._line(wizard, self.order_a)
        # 2,700 + 1,500 = 4,200: within 5,000, beyond 2,500.
        self.assertFalse(line_a.blocked_current)
        self.assertTrue(line_a.blocked_candidate)
        self.assertAlmostEqual(line_a.limit_candidate, 2500.0)
        self.assertEqual(
            [self._line(wizard, order).blocked_current for order in self.orders],
            [False, True, True],
        )
        self.assertEqual(wizard.order_count, 3)
        self.assertEqual((wizard.count_current, wizard.count_candidate), (2, 3))
        self.assertAlmostEqual(wizard.amount_current, 3200.0)
        self.assertAlmostEqual(wizard.amount_candidate, 4700.0)

    def test_limit_per_grade(self):
        wizard = self.env["credit.whatif.wizard"].with_user(self.credit_manager)
        wizard = wizard.create(
            {"date_from": self.today - timedelta(days=60), "limit_mode": "grade"}
        )
        wizard.grade_limit_ids.filtered(
            lambda line: line.grade_id == self.grade_a
        ).credit_limit = 3000.0
        wizard.action_replay()
        line_d = self._line(wizard, self.order_d)
        self.assertTrue(line_d.blocked_current)
        self.assertFalse(line_d.blocked_candidate)
        # Grade C keeps its default limit, 5,000.
        self.assertAlmostEqual(self._line(wizard, self.order_a).limit_candidate, 5000.0)

    def test_overdue_rule_with_candidate_days(self):
        wizard = self._replay(block_on_limit=False, overdue_days=30)
        self.assertEqual(
            [self._line(wizard, order).blocked_candidate for order in self.orders],
            [True, True, False],
        )
        self.assertEqual(
            self._line(wizard, self.order_a).reason_candidate, "Overdue items"
        )
        wizard = self._replay(block_on_limit=False, overdue_days=60)
        self.assertEqual(
            [self._line(wizard, order).blocked_candidate for order in self.orders],
            [False, True, False],
        )
        # 700 beyond 60 days on B's date: not above a tolerance of 700.
        wizard = self._replay(
            block_on_limit=False, overdue_days=60, overdue_tolerance=700.0
        )
        self.assertFalse(any(wizard.line_ids.mapped("blocked_candidate")))

    def test_summary_by_grade_salesperson_month(self):
        wizard = self._replay(limit_mode="factor", limit_factor=0.5)
        self.assertEqual(
            wizard._credit_summary("grade_id"),
            {
                self.grade_c: (1, 1200.0, 2, 2700.0),
                self.grade_a: (1, 2000.0, 1, 2000.0),
            },
        )
        self.assertEqual(
            wizard._credit_summary("user_id"),
            {
                self.salesman: (1, 1200.0, 2, 2700.0),
                self.credit_manager: (1, 2000.0, 1, 2000.0),
            },
        )
        expected = defaultdict(lambda: [0, 0.0, 0, 0.0])
        for order, current, candidate in (
            (self.order_a, False, True),
            (self.order_b, True, True),
            (self.order_d, True, True),
        ):
            month = order.date_order.date().replace(day=1)
            expected[month][0] += current
            expected[month][1] += order.amount_total if current else 0.0
            expected[month][2] += candidate
            expected[month][3] += order.amount_total if candidate else 0.0
        self.assertEqual(
            wizard._credit_summary("date_order:month"),
            {month: tuple(values) for month, values in expected.items()},
        )

    def test_replay_writes_nothing(self):
        decisions = self.env["credit.decision"].search_count([])
        before = self.orders.read(["state", "date_order", "write_date", "amount_total"])
        # Every statement of the replay, flushed: it writes its own transient
        # rows only.
        queries = []
        cursor_class = type(self.env.cr)
        execute = cursor_class.execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(query.code if isinstance(query, SQL) else str(query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(cursor_class, "execute", spy):
            self._replay(limit_mode="factor", limit_factor=0.5)
            self.env.flush_all()
        writes = [
            query
            for query in queries
            if WRITE_QUERY.match(query)
            and not re.search(r'\b"?credit_whatif_wizard', query)
        ]
        self.assertTrue(any("credit_whatif_wizard_line" in query for query in queries))
        self.assertEqual(writes, [])
        self.orders.invalidate_recordset()
        self.assertEqual(self.env["credit.decision"].search_count([]), decisions)
        self.assertEqual(
            self.orders.read(["state", "date_order", "write_date", "amount_total"]),
            before,
        )

    def test_period_leaves_out_older_orders(self):
        wizard = self._replay(date_from=self.today - timedelta(days=30))
        self.assertEqual(wizard.line_ids.order_id, self.order_b)

    def test_salesman_cannot_replay(self):
        with self.assertRaises(AccessError):
            self.env["credit.whatif.wizard"].with_user(self.salesman).create({})

    def test_form_defaults_and_results_action(self):
        wizard_form = Form(
            self.env["credit.whatif.wizard"].with_user(self.credit_manager)
        )
        self.assertEqual(wizard_form.date_to, self.today)
        self.assertEqual(wizard_form.overdue_days, 120)
        self.assertTrue(wizard_form.block_on_overdue)
        wizard_form.limit_mode = "factor"
        wizard_form.limit_factor = 0.5
        wizard = wizard_form.save()
        self.assertEqual(
            wizard.grade_limit_ids.mapped("credit_limit"), [20000.0, 5000.0, 0.0]
        )
        wizard.action_replay()
        action = wizard.with_context(
            credit_whatif_groupby="user_id"
        ).action_open_results()
        self.assertEqual(action["res_model"], "credit.whatif.wizard.line")
        self.assertEqual(action["context"]["pivot_row_groupby"], ["user_id"])
        self.assertEqual(
            self.env[action["res_model"]].search_count(action["domain"]), 3
        )

    def test_candidate_policy_follows_the_chosen_company(self):
        """Worked from another company, the wizard set to this one replayed
        this company's orders against the other company's rules."""
        other = self.env["res.company"].create(
            {
                "name": "Other What-If Co",
                "credit_block_on_overdue": False,
                "credit_overdue_days": 5,
                "credit_block_on_limit": False,
            }
        )
        self.credit_manager.company_ids = [Command.link(other.id)]
        wizard_form = Form(
            self.env["credit.whatif.wizard"]
            .with_user(self.credit_manager)
            .with_company(other)
            .with_context(allowed_company_ids=[other.id, self.company.id])
        )
        self.assertEqual(wizard_form.overdue_days, 5)
        wizard_form.company_id = self.company
        self.assertEqual(wizard_form.overdue_days, 120)
        self.assertTrue(wizard_form.block_on_overdue)
        self.assertEqual(wizard_form.block_on_limit, self.company.credit_block_on_limit)
        wizard = wizard_form.save()
        self.assertEqual(
            wizard.grade_limit_ids.mapped("credit_limit"), [20000.0, 5000.0, 0.0]
        )


@tagged("post_install", "-at_install")
class TestCreditWhatIfEqualsLive(CreditCommon):
    """The replay equals the live check: a history built day by day (seeded
    random orders, invoices and payments for three customers), the live check
    run on each order on its day (time frozen there), then the replay of the
    whole period under the current policy must give, order by order, the same
    exposure, the same items overdue beyond the policy's days and the same
    decision.

    Within what the replay states it reads: the ledger as it stood at the start
    of the order's day (so invoices and payments are made on days without
    orders), draft invoices as 0 (so invoices are posted when made), today's
    limits (so they do not change), the limit and overdue rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "credit_limit": limit,
                    "credit_grade_id": cls.grade_c.id,
                }
                for name, limit in (("Delta Replay", 8000.0), ("Echo Replay", 3000.0))
            ]
        )

    def _build_history(self, seed, days=44):
        """{order: (codes of the live check, its figures)}, the orders confirmed
        whatever the check said (the history must go on)."""
        rng = random.Random(seed)
        start = self.today - timedelta(days=days + 5)
        company = self.company
        live = {}
        for day in range(days):
            moment = datetime.combine(start + timedelta(days=day), time(10, 0))
            with freeze_time(moment):
                if day % 2 == 0:
                    for partner in self.customers:
                        if rng.random() < 0.6:
                            order = self._order(
                                rng.choice((400.0, 900.0, 1500.0, 2600.0)),
                                partner=partner,
                            )
                            check = self.env["credit.policy"]._credit_check(order)
                            live[order] = (
                                set(check["codes"]),
                                check["credit_exposure"],
                                check["overdue_beyond_amount"],
                            )
                            company.credit_control_enabled = False
                            order.action_confirm()
                            company.credit_control_enabled = True
                            self.assertEqual(order.date_order, moment)
                    continue
                for order in live:
                    if order.invoice_status == "to invoice" and rng.random() < 0.4:
                        invoice = order._create_invoices()
                        invoice.invoice_date = moment.date()
                        invoice.invoice_date_due = moment.date() + timedelta(
                            days=rng.choice((0, 10, 20))
                        )
                        invoice.action_post()
                invoices = self.env["account.move"].search(
                    [
                        ("partner_id", "in", self.customers.ids),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("payment_state", "in", ("not_paid", "partial")),
                    ]
                )
                for invoice in invoices:
                    if rng.random() < 0.15:
                        amount = invoice.amount_residual * rng.choice((0.5, 1.0))
                        self.env["account.payment.register"].with_context(
                            active_model="account.move", active_ids=invoice.ids
                        ).create(
                            {"amount": amount, "payment_date": moment.date()}
                        )._create_payments()
        return live, start

    def test_replay_equals_live_check(self):
        labels = {"limit": "Credit limit", "overdue": "Overdue items"}
        for seed in (7,):
            with self.subTest(seed=seed), self.env.cr.savepoint(flush=False) as sp:
                live, start = self._build_history(seed)
                self.assertGreater(len(live), 25)
                blocked = [order for order, (codes, *__) in live.items() if codes]
                # The history says something: some orders blocked, some not,
                # for each rule.
                self.assertTrue(0 < len(blocked) < len(live))
                for code in labels:
                    self.assertTrue(any(code in codes for codes, *__ in live.values()))
                wizard = (
                    self.env["credit.whatif.wizard"]
                    .with_user(self.credit_manager)
                    .create({"date_from": start, "date_to": self.today})
                )
                wizard.action_replay()
                self.assertEqual(wizard.order_count, len(live))
                for order, (codes, exposure, overdue) in live.items():
                    line = wizard.line_ids.filtered(lambda x, o=order: x.order_id == o)
                    self.assertTrue(codes <= set(labels), codes)
                    self.assertEqual(
                        (
                            round(line.exposure, 2),
                            round(line.overdue_current, 2),
                            line.blocked_current,
                        ),
                        (round(exposure, 2), round(overdue, 2), bool(codes)),
                        f"order {order.name} of {order.date_order}",
                    )
                    # Both name the overdue items first when both rules block.
                    if codes:
                        first = "overdue" if "overdue" in codes else "limit"
                        self.assertEqual(line.reason_current, labels[first])
                self.assertEqual(wizard.count_current, len(blocked))
                sp.rollback()
