import math
from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.account_move import fill_credit_paid_dates
from ..models.credit_prediction import FEATURE_CODES
from ..tools import regression
from .common import CreditCommon, CronRunner, crash_in_second_batch


class PredictionLedger(CreditCommon):
    """A hand-built ledger: a customer that always pays 20 days late, one that
    always pays on the due date, and open invoices of both."""

    PAID = 16  # paid invoices per customer

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late_customer = cls.env["res.partner"].create(
            {"name": "Always Late", "is_company": True}
        )
        cls.punctual = cls.env["res.partner"].create(
            {"name": "Always On Time", "is_company": True}
        )
        for index in range(cls.PAID):
            days_ago = 300 - 15 * index
            for partner, delay in ((cls.late_customer, 20), (cls.punctual, 0)):
                invoice = cls._invoice(1000.0, partner=partner, days_ago=days_ago)
                cls._register_payment(
                    invoice,
                    payment_date=invoice.invoice_date_due + timedelta(days=delay),
                )
        # Open invoices, due in 10 days, one of each customer, and one of the
        # late customer already 12 days overdue.
        cls.open_late = cls._open_invoice(2000.0, cls.late_customer, issued=5)
        cls.open_punctual = cls._open_invoice(1000.0, cls.punctual, issued=5)
        cls.overdue = cls._open_invoice(500.0, cls.late_customer, issued=52)
        cls.service = cls.env["credit.prediction"]

    @classmethod
    def _open_invoice(cls, amount, partner, issued):
        invoice = cls.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=cls.today - timedelta(days=issued),
            amounts=[amount],
            taxes=[],
        )
        invoice.invoice_date_due = invoice.invoice_date + timedelta(days=15)
        invoice.action_post()
        return invoice


@tagged("post_install", "-at_install")
class TestCreditPrediction(PredictionLedger):
    """Features, fit, predictions and their explanation."""

    def _features(self, rows, move):
        [row] = [row for row in rows if row["id"] == move.id]
        return dict(zip(FEATURE_CODES, row["features"], strict=True)), row

    def test_paid_date_follows_the_reconciliations(self):
        """An invoice's paid date is stored: the day of the latest payment
        reconciled with it once it is fully paid, none while it is open or
        partly paid, none again when a payment is taken back."""
        invoice = self._open_invoice(1000.0, self.punctual, issued=20)
        self.assertFalse(invoice.credit_paid_date)
        first, second = self.today - timedelta(days=9), self.today - timedelta(days=4)
        self._register_payment(invoice, amount=400.0, payment_date=first)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(invoice.credit_paid_date)
        self._register_payment(invoice, amount=600.0, payment_date=second)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.credit_paid_date, second)
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        receivable.matched_credit_ids.filtered(
            lambda partial: partial.max_date == second
        ).unlink()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(invoice.credit_paid_date)
        # Settled by a credit note of today: paid today.
        refund = self.init_invoice(
            "out_refund",
            partner=self.punctual,
            invoice_date=self.today,
            amounts=[600.0],
            taxes=[],
            post=True,
        )
        (
            receivable
            | refund.line_ids.filtered(lambda line: line.display_type == "payment_term")
        ).reconcile()
        self.assertEqual(invoice.credit_paid_date, self.today)
        self.assertFalse(refund.credit_paid_date)  # customer invoices only
        # A column of the customer invoices, hidden by default.
        arch = self.env["account.move"].get_view(
            self.env.ref("account.view_out_invoice_tree").id, "list"
        )["arch"]
        self.assertIn('name="credit_paid_date"', arch)
        habits = self.service._credit_payment_habits(self.punctual.ids)
        self.assertEqual(habits[self.punctual.id]["paid_count"], self.PAID + 1)

    def test_payment_habits_read_no_reconciliation(self):
        """The payment habits read each invoice's stored paid date: their
        statement reads neither journal items nor reconciliations. It looked
        the date up in them for every paid invoice of a batch's history, most
        of the statement's time (bench/ANALYSIS.md)."""
        self.env.flush_all()
        query = self.service._credit_invoices_sql(
            self.env["credit.exposure"]._credit_company_ids(),
            [self.late_customer.id],
            open_amounts=True,
            refunds=True,
        )
        [[plan]] = self.env.execute_query(SQL("EXPLAIN (FORMAT JSON) %s", query))
        tables = set()

        def walk(node):
            if node.get("Relation Name"):
                tables.add(node["Relation Name"])
            for child in node.get("Plans", ()):
                walk(child)

        walk(plan[0]["Plan"])
        self.assertIn("account_move", tables)
        self.assertFalse(
            tables & {"account_move_line", "account_partial_reconcile"}, tables
        )
        habits = self.service._credit_payment_habits(self.late_customer.ids)
        self.assertEqual(habits[self.late_customer.id]["paid_count"], self.PAID)
        self.assertEqual(habits[self.late_customer.id]["avg_days_late"], 20.0)

    def test_paid_dates_are_filled_where_the_column_is_new(self):
        """At install or at the upgrade that adds it, the column is created
        and filled in one statement (``fill_credit_paid_dates``, called by
        account.move's ``_auto_init`` and migrations/19.0.1.8.0), with the
        dates the compute gives: not computed by the ORM invoice by invoice
        over the whole ledger."""
        cr = self.env.cr
        self.env.flush_all()
        query = SQL(
            "SELECT id, credit_paid_date FROM account_move"
            " WHERE commercial_partner_id = ANY(%s) ORDER BY id",
            [self.late_customer.id, self.punctual.id],
        )
        computed = self.env.execute_query(query)
        self.assertEqual(
            sum(1 for _move_id, paid_date in computed if paid_date), 2 * self.PAID
        )
        self.assertFalse(fill_credit_paid_dates(cr))  # the column exists
        cr.execute("ALTER TABLE account_move DROP COLUMN credit_paid_date")
        self.assertTrue(fill_credit_paid_dates(cr))
        self.assertEqual(self.env.execute_query(query), computed)

    def test_habits_with_the_ledger_give_first_invoice_and_sales(self):
        """With ``ledger``, the same reading of the invoices gives the scoring
        the customer's first invoice (relationship) and its untaxed sales of
        the last 12 months, credit notes deducted (sales volume): it was a
        statement of its own reading the same invoices again."""
        self.init_invoice(
            "out_refund",
            partner=self.late_customer,
            invoice_date=self.today - timedelta(days=10),
            amounts=[300.0],
            taxes=[],
            post=True,
        )
        habits = self.service._credit_payment_habits(
            self.late_customer.ids, ledger=True
        )[self.late_customer.id]
        self.assertEqual(habits["first_invoice"], self.today - timedelta(days=300))
        self.assertEqual(habits["sales_12m"], self.PAID * 1000.0 + 2000 + 500 - 300)
        self.assertEqual(habits["paid_count"], self.PAID)
        self.assertEqual(habits["avg_days_late"], 20.0)
        without = self.service._credit_payment_habits(self.late_customer.ids)
        self.assertIsNone(without[self.late_customer.id]["first_invoice"])
        self.assertIsNone(without[self.late_customer.id]["sales_12m"])

    def test_priors_are_the_company_history(self):
        priors = self.service._credit_priors(self.today)
        self.assertEqual(priors["count"], 2 * self.PAID)
        self.assertAlmostEqual(priors["late_share"], 0.5)
        self.assertAlmostEqual(priors["mean_days_late"], 10.0)
        self.assertAlmostEqual(priors["median_delay"], 10.0)
        self.assertAlmostEqual(priors["delay_spread"], 10.0)

    def test_features_of_open_invoices_on_a_hand_built_ledger(self):
        priors = self.service._credit_priors(self.today)
        rows = self.service._credit_features(self.today, priors, target="open")
        self.assertLessEqual(
            set((self.open_late | self.open_punctual | self.overdue).ids),
            {row["id"] for row in rows},
        )
        late, row = self._features(rows, self.open_late)
        n = self.PAID
        # 16 late payments smoothed with 2 "company" invoices (share 0.5, 10 days)
        self.assertAlmostEqual(late["late_share"], (n + 2 * 0.5) / (n + 2))
        self.assertAlmostEqual(late["mean_days_late"], (20 * n + 2 * 10) / (n + 2))
        self.assertAlmostEqual(late["median_delay"], 20.0)
        self.assertAlmostEqual(late["mean_delay"], 20 * n / (n + 2))
        self.assertAlmostEqual(late["delay_spread"], 0.0)
        self.assertAlmostEqual(late["history_size"], math.log(1 + n))
        self.assertAlmostEqual(late["amount_ratio"], math.log(2000.0 / 1000.0))
        self.assertAlmostEqual(late["terms_days"], 15.0)
        self.assertEqual(late["disputed"], 0.0)
        self.assertEqual(row["days_overdue"], 0)
        punctual, _row = self._features(rows, self.open_punctual)
        self.assertAlmostEqual(punctual["late_share"], (0 + 2 * 0.5) / (n + 2))
        self.assertAlmostEqual(punctual["median_delay"], 0.0)
        _features, overdue_row = self._features(rows, self.overdue)
        self.assertEqual(overdue_row["days_overdue"], 52 - 15)

    def test_features_when_fitting_know_only_the_past_of_each_invoice(self):
        priors = self.service._credit_priors(self.today)
        rows = self.service._credit_features(self.today, priors, target="train")
        self.assertEqual(len(rows), 2 * self.PAID)
        oldest = min(
            (row for row in rows if row["partner_id"] == self.late_customer.id),
            key=lambda row: row["invoice_date"],
        )
        values = dict(zip(FEATURE_CODES, oldest["features"], strict=True))
        # nothing settled before its issue: the company's figures
        self.assertEqual(values["history_size"], 0.0)
        self.assertAlmostEqual(values["late_share"], 0.5)
        self.assertAlmostEqual(values["mean_days_late"], 10.0)
        # delays: the due date, the terms agreed
        self.assertAlmostEqual(values["median_delay"], 0.0)
        self.assertAlmostEqual(values["mean_delay"], 0.0)
        # the second invoice (issued 15 days later) knows the first (paid after
        # 20 days)? not yet: paid 5 days after the second's issue
        second = sorted(
            (row for row in rows if row["partner_id"] == self.late_customer.id),
            key=lambda row: row["invoice_date"],
        )[1]
        self.assertEqual(
            dict(zip(FEATURE_CODES, second["features"], strict=True))["history_size"], 0
        )

    def test_disputed_flag_is_a_feature(self):
        self.open_late.credit_disputed = True
        priors = self.service._credit_priors(self.today)
        rows = self.service._credit_features(
            self.today, priors, target="open", move_ids=self.open_late.ids
        )
        values, _row = self._features(rows, self.open_late)
        self.assertEqual(values["disputed"], 1.0)
        self.assertAlmostEqual(values["disputed_median_delay"], 20.0)

    def _refit(self):
        return self.env["credit.prediction.model"]._credit_refit(
            self.company, self.today
        )

    def test_fit_ranks_the_late_customer_above_the_punctual_one(self):
        model = self._refit()
        self.assertTrue(model)
        self.assertEqual(model.sample_count, 2 * self.PAID)
        self.assertAlmostEqual(model.late_share, 50.0)
        self.service._credit_predict(self.open_late | self.open_punctual)
        self.assertGreater(self.open_late.credit_late_probability, 80.0)
        self.assertLess(self.open_punctual.credit_late_probability, 20.0)
        self.assertGreater(
            self.open_late.credit_predicted_date, self.open_late.invoice_date_due
        )
        self.assertLessEqual(
            abs(
                (
                    self.open_punctual.credit_predicted_date
                    - self.open_punctual.invoice_date_due
                ).days
            ),
            3,
        )
        self.assertTrue(self.open_late.credit_prediction_explanation)

    def test_explanation_lists_the_largest_real_contributions(self):
        model = self._refit()
        parameters = model.parameters
        priors = parameters["priors"]
        rows = self.service._credit_features(
            self.today, priors, target="open", move_ids=self.open_late.ids
        )
        [prediction] = self.service._credit_predict_rows(parameters, rows).values()
        standard = regression.scaled(
            rows[0]["features"], parameters["means"], parameters["scales"]
        )
        coefficients = parameters["late"]
        contributions = {
            code: coef * value
            for code, coef, value in zip(
                FEATURE_CODES, coefficients[1:], standard, strict=True
            )
        }
        # the contributions and the intercept give back the probability
        logit = coefficients[0] + sum(contributions.values())
        self.assertAlmostEqual(
            prediction["late"], 100.0 / (1.0 + math.exp(-logit)), places=6
        )
        top = sorted(contributions, key=lambda code: -abs(contributions[code]))[:3]
        self.assertEqual([code for _value, code in prediction["contributions"]], top)
        for value, code in prediction["contributions"]:
            self.assertAlmostEqual(value, contributions[code])
            self.assertIn(f"{abs(value):.2f}", prediction["explanation"])

    def test_overdue_invoice_is_late_for_certain(self):
        self._refit()
        self.service._credit_predict(self.overdue)
        self.assertEqual(self.overdue.credit_late_probability, 100.0)
        self.assertGreaterEqual(self.overdue.credit_predicted_date, self.today)
        self.assertTrue(
            self.overdue.credit_prediction_explanation.startswith(
                "Already 37 days overdue"
            )
        )

    def test_no_model_without_history(self):
        other = self.setup_other_company()["company"]
        model = self.env["credit.prediction.model"]._credit_refit(other, self.today)
        self.assertFalse(model)

    def test_late_probability_is_a_scoring_factor(self):
        self._refit()
        self.service._credit_predict(self.open_late | self.overdue | self.open_punctual)
        raws = self.env["credit.scoring"]._credit_factor_raw_values(
            self.late_customer | self.punctual | self.customer
        )
        expected = (
            self.open_late.credit_late_probability * 2000.0 + 100.0 * 500.0
        ) / 2500.0
        self.assertAlmostEqual(
            raws[self.late_customer.id]["late_probability"], expected, places=1
        )
        self.assertLess(raws[self.punctual.id]["late_probability"], 20.0)
        self.assertIsNone(raws[self.customer.id]["late_probability"])

    def test_salesman_cannot_read_the_models(self):
        model = self._refit()
        with self.assertRaises(AccessError):
            model.with_user(self.salesman).read(["parameters"])
        self.assertTrue(model.with_user(self.credit_manager).read(["parameters"]))


@tagged("post_install", "-at_install")
class TestCreditPredictionCron(CronRunner, PredictionLedger):
    """The weekly refit through Odoo's own runner: batches, a tiny budget."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.company"].sudo().search([]).credit_rerate_batch_size = 1000
        cls.company.credit_rerate_batch_size = 1
        cls.cron = cls.env.ref("credit_management.ir_cron_credit_prediction")
        cls.cron.user_id.tz = cls.env.tz.zone
        cls.env["credit.job.run"].sudo().search([]).unlink()
        cls.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "=", cls.cron.id)]
        ).unlink()

    def test_cron_predicts_every_open_invoice_one_batch_a_call(self):
        opens = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        with self._tiny_budget():
            calls = self._run_cron(self.cron, max_calls=80)
        run = self.env["credit.job.run"].search(
            [("job", "=", "prediction"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.done_count, len(opens))
        self.assertGreaterEqual(calls, len(opens))
        self.assertEqual(set(opens.mapped("credit_predicted_on")), {self.today})
        self.assertTrue(self.env["credit.prediction.model"]._credit_current())
        self.assertGreater(self.open_late.credit_late_probability, 80.0)

    def test_cron_resumes_after_a_crash(self):
        with crash_in_second_batch(self.registry, "credit.prediction"):
            self._run_cron(self.cron, max_calls=80)
        run = self.env["credit.job.run"].search(
            [("job", "=", "prediction"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertFalse(self.env["credit.job.failure"].search([]))
        # one refit for the run, not one per call
        self.assertEqual(
            self.env["credit.prediction.model"]
            .with_context(active_test=False)
            .search_count([("company_id", "=", self.company.id)]),
            1,
        )
        self.assertTrue(self.open_punctual.credit_predicted_on)
