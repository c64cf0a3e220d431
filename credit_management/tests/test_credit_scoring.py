from contextlib import contextmanager
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, format_amount, mute_logger
from psycopg2 import IntegrityError

from ..models.credit_score_factor import WEIGHTS_BATCH
from ..models.credit_scoring import UNTRACKED_RATING_FIELDS
from ..tools.amounts import AmountFormatter
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditScoring(CreditCommon):
    """Factors, weighted score, grade bands, reviews and limit adjustment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.factors = cls.company.credit_score_factor_ids
        cls.factor = {factor.code: factor for factor in cls.factors}
        # Three factors only, to compute the expected score by hand.
        cls._set_weights(
            {"payment_delay": 50, "overdue_days": 30, "external_rating": 20}
        )
        cls.customer.credit_limit_manual = False

    @classmethod
    def _set_weights(cls, weights):
        WEIGHTS_BATCH.on(cls.factors).write({"weight": 0})
        for code, weight in weights.items():
            WEIGHTS_BATCH.on(cls.factor[code]).weight = weight
        cls.company._credit_check_weight_sum()

    def _rate(self, partner=None):
        partner = partner or self.customer
        return self.env["credit.scoring"]._credit_rate(partner, "manual")

    def _rated_externally(self, *ratings):
        """A company for each agency rating, rated today (with the external
        rating the only weighted factor, its score is that rating)."""
        return self.env["res.partner"].create(
            [
                {
                    "name": f"Rated {n} ({rating})",
                    "is_company": True,
                    "credit_external_rating": rating,
                    "credit_external_rating_date": self.today,
                }
                for n, rating in enumerate(ratings)
            ]
        )

    @contextmanager
    def _calls(self, model, method):
        """The records and arguments (dictionaries copied) of each call of
        ``method`` of ``model`` in the block, the method still running."""
        calls = []
        Model = self.registry[model]
        original = getattr(Model, method)

        def spy(records, *args):
            calls.append(
                (records, *(dict(a) if isinstance(a, dict) else a for a in args))
            )
            return original(records, *args)

        with patch.object(Model, method, spy):
            yield calls

    def _paid_late_history(self):
        """Invoice of 1,000 due 40 days ago, paid 10 days ago (30 days late);
        invoice of 500 due 5 days ago, open. External rating 80."""
        paid = self._invoice(1000.0, days_ago=40)
        self._register_payment(paid, payment_date=self.today - relativedelta(days=10))
        self._invoice(500.0, days_ago=5)
        self.customer.write(
            {"credit_external_rating": 80, "credit_external_rating_date": self.today}
        )

    def _raw_values_queries(self):
        """The SQL queries of reading the factor values of a batch (the
        customer and another), each as an SQL object with its parameters. Two
        customers, as a re-rating's batch: one customer's exposure statement
        is a prepared one, whose text the EXECUTE does not show."""
        self._paid_late_history()
        batch = self.customer | self.env["res.partner"].create(
            {"name": "Second Customer Of The Batch", "is_company": True}
        )
        self.env.invalidate_all()
        queries = []
        cr = self.env.cr
        execute = cr.execute

        def spy(query, params=None, log_exceptions=True):
            queries.append(query if params is None else SQL(query, *params))
            return execute(query, params, log_exceptions)

        with patch.object(cr, "execute", spy):
            raws = self.env["credit.scoring"]._credit_factor_raw_values(batch)
        self.assertEqual(raws[self.customer.id]["payment_delay"], 30.0)
        return [query for query in queries if isinstance(query, SQL)]

    def test_factor_values_read_moves_by_the_batch_contacts(self):
        """Every query of the factor values reaches invoices and journal items
        through the contacts of the batch's customers (the partner indexes):
        the late-probability factor filtered on the commercial partner only,
        which has no index, and PostgreSQL read every invoice of the company
        for each batch of the re-rating (38 ms a batch at 10,000 customers,
        bench/ANALYSIS.md). A test database is too small for its plans to
        show it: the queries are checked for the contacts' array."""
        contacts = self.env["credit.exposure"]._credit_contact_ids_sql([0]).code
        contacts = contacts[: contacts.index("%s")]
        queries = [
            query.code
            for query in self._raw_values_queries()
            if "account_move" in query.code
        ]
        # Two statements: the exposure (open items, orders not invoiced,
        # draft invoices), and the payment habits (payment delay and
        # punctuality, payment index, late probability, with the first
        # invoice and the invoiced sales, from one reading of the invoices:
        # they were four queries reading them).
        self.assertEqual(len(queries), 2, queries)
        for query in queries:
            # (The exposure's draft invoices are read by the addon's partial
            # index on their commercial partner, its other parts by contacts.)
            self.assertIn(contacts, query)

    def test_factor_values_read_only_the_customer_fields_they_need(self):
        """The customer's fields are read in one narrow query for the batch: the
        first read of a company-dependent field fetched every prefetchable
        field of res.partner (pricelist, accounts, barcode...)."""
        partner_reads = [
            query.code
            for query in self._raw_values_queries()
            if query.code.lstrip().startswith('SELECT "res_partner"."id"')
            and '"res_partner"."credit_limit"' in query.code
        ]
        self.assertEqual(len(partner_reads), 1, partner_reads)
        for column in ("barcode", "property_product_pricelist", "property_account"):
            self.assertNotIn(column, partner_reads[0])

    def test_score_and_grade_match_hand_computation(self):
        self._paid_late_history()
        review = self._rate()
        # payment delay 30 days: (30 - 60) / (0 - 60) = 50 points, weight 50 %
        # max days overdue 5: (5 - 90) / (0 - 90) = 94.44 points, weight 30 %
        # external rating 80: 80 points, weight 20 %
        self.assertAlmostEqual(review.score, 0.5 * 50 + 0.3 * 850 / 9 + 0.2 * 80, 1)
        # The score shown is the sum of the contributions shown, to the cent.
        self.assertEqual(
            round(sum(review.line_ids.mapped("contribution")), 2), review.score
        )
        self.assertEqual(review.grade_after_id, self.grade_c)  # 69.33 < 70
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertAlmostEqual(self.customer.credit_score, 69.33, 2)
        lines = {line.code: line for line in review.line_ids}
        self.assertEqual(lines["payment_delay"].raw_value, 30.0)
        self.assertEqual(lines["payment_delay"].normalised_value, 50.0)
        self.assertEqual(lines["overdue_days"].raw_value, 5.0)
        self.assertAlmostEqual(lines["overdue_days"].normalised_value, 94.44, 2)
        self.assertEqual(lines["external_rating"].contribution, 16.0)

    def test_grade_a_when_everything_is_good(self):
        self.customer.write(
            {"credit_external_rating": 100, "credit_external_rating_date": self.today}
        )
        paid = self._invoice(1000.0, days_ago=20)
        self._register_payment(paid, payment_date=self.today - relativedelta(days=25))
        review = self._rate()
        self.assertEqual(review.score, 100.0)
        # Propose mode (the default): the grade is proposed, not applied.
        self.assertEqual(review.grade_proposed_id, self.grade_a)
        self.assertEqual(review.grade_after_id, self.grade_c)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertEqual(review.limit_state, "proposed")
        review.with_user(self.credit_manager).action_apply_limit()
        self.assertEqual(self.customer.credit_grade_id, self.grade_a)
        self.assertEqual(self.customer.credit_limit, 20000.0)
        self.assertEqual(review.grade_after_id, self.grade_a)

    def test_missing_factors_are_renormalised(self):
        self.customer.write(
            {"credit_external_rating": 60, "credit_external_rating_date": self.today}
        )
        review = self._rate()  # no invoice at all: only the external rating
        self.assertEqual(review.score, 60.0)
        lines = {line.code: line for line in review.line_ids}
        self.assertTrue(lines["external_rating"].has_data)
        self.assertEqual(lines["external_rating"].effective_weight, 100.0)
        self.assertFalse(lines["payment_delay"].has_data)
        self.assertFalse(lines["overdue_days"].has_data)
        self.assertIn("No data for", review.note)
        self.assertIn(self.factor["payment_delay"].name, review.note)

    def test_no_data_leaves_grade_unchanged(self):
        review = self._rate()
        self.assertFalse(review.has_score)
        self.assertEqual(review.grade_after_id, self.grade_c)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertIn("No factor has data", review.note)

    def test_review_records_every_factor(self):
        self._paid_late_history()
        review = self._rate()
        self.assertEqual(len(review.line_ids), len(self.factors))
        self.assertEqual(review.trigger, "manual")
        self.assertEqual(review.user_id, self.env.user)
        self.assertEqual(review.grade_before_id, self.grade_c)
        self.assertEqual(review.limit_before, 5000.0)
        self.assertEqual(sum(review.line_ids.mapped("weight")), 100.0)
        self.assertAlmostEqual(
            sum(review.line_ids.mapped("contribution")), review.score, 1
        )
        self.assertEqual(self.customer.credit_review_count, 1)
        # written in one INSERT: every column as the ORM would have set it
        factors = self.factors.sorted("sequence")
        self.assertEqual(review.line_ids.factor_id, factors)
        self.assertEqual(review.line_ids.mapped("code"), factors.mapped("code"))
        self.assertEqual(review.line_ids.company_id, self.company)
        self.assertEqual(review.line_ids.create_uid, self.env.user)
        self.assertTrue(all(review.line_ids.mapped("create_date")))
        paid = review.line_ids.filtered(lambda line: line.code == "payment_delay")
        self.assertTrue(paid.has_data)
        self.assertGreater(paid.raw_value, 0.0)

    def test_rating_writes_score_and_date_without_tracking_machinery(self):
        """A rating writes the score and its date on every customer without the
        tracking machinery (they are not tracked); a grade or limit it changes
        is written with tracking on, for the customer's chatter."""
        tracked = self.env["res.partner"]._track_get_fields()
        self.assertFalse(UNTRACKED_RATING_FIELDS & tracked)
        self.assertIn("credit_grade_id", tracked)
        self._paid_late_history()
        self.company.credit_limit_mode = "auto"
        other = self.env["res.partner"].create(
            {"name": "Same Grade", "is_company": True}
        )
        self._invoice(100.0, partner=other)
        self.customer.credit_grade_id = self.grade_a
        customers = (self.customer | other).with_context(tracking_disable=False)
        with self._calls("res.partner", "write") as calls:
            reviews = self.env["credit.scoring"]._credit_rate(customers, "scheduled")
        writes = [
            (records.ids, set(vals), records.env.context) for records, vals in calls
        ]
        self.assertEqual(reviews.grade_after_id.ids.count(self.grade_c.id), 1)
        # the customer whose grade changed: one tracked write
        graded = [w for w in writes if self.customer.id in w[0]]
        self.assertEqual(len(graded), 1, graded)
        self.assertIn("credit_grade_id", graded[0][1])
        self.assertFalse(graded[0][2].get("tracking_disable"))
        # the other, score and date only: no write at all
        self.assertFalse([w for w in writes if other.id in w[0]], writes)
        self.assertTrue(other.credit_score_date)

    def test_scores_and_dates_are_written_in_one_statement(self):
        """The customers a rating gives a new score and date only are updated in
        one statement for the batch, not through the partner's write (one per
        customer, each with its commercial sync and credit decisions: a tenth
        of a re-rating at L). The values are the rating company's own: the
        other company's are kept; what was read before shows the new values;
        a change of the customer not yet written is kept."""
        self._set_weights({"external_rating": 100})
        other_company = self.setup_other_company()["company"]
        rated = self._rated_externally(80, 55)
        bare = self.env["res.partner"].create({"name": "No Data", "is_company": True})
        customers = rated | bare
        customers.with_company(other_company).write(
            {"credit_score": 33.0, "credit_score_date": "2026-01-02 03:04:05"}
        )
        self.env.flush_all()
        self.assertEqual(customers.mapped("credit_score"), [0.0, 0.0, 0.0])
        # A change not yet flushed survives the statement (its log columns are
        # invalidated with the scores).
        bare.ref = "PENDING-1"
        with (
            self._calls("res.partner", "write") as writes,
            self._recording_queries() as queries,
        ):
            reviews = self.env["credit.scoring"]._credit_rate(customers, "scheduled")
        updates = [
            query
            for query in queries
            if query.lstrip().startswith('UPDATE "res_partner"')
            and '"credit_score' in query
        ]
        self.assertEqual(len(reviews), 3)
        self.assertFalse(writes)
        # One statement for the two scored customers, one for the one whose
        # date alone changes (the ORM's low-level write groups by fields).
        self.assertEqual(len(updates), 2, updates)
        self.assertEqual(rated.mapped("credit_score"), [80.0, 55.0])
        self.assertEqual(bare.credit_score, 0.0)
        self.assertEqual(len(set(customers.mapped("credit_score_date"))), 1)
        self.assertTrue(bare.credit_score_date)
        self.assertEqual(rated.credit_grade_id, self.env["credit.grade"])
        elsewhere = customers.with_company(other_company)
        self.assertEqual(elsewhere.mapped("credit_score"), [33.0] * 3)
        self.assertEqual(
            {str(date) for date in elsewhere.mapped("credit_score_date")},
            {"2026-01-02 03:04:05"},
        )
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(rated.mapped("credit_score"), [80.0, 55.0])
        self.assertEqual(bare.ref, "PENDING-1")
        self.assertEqual(
            customers.mapped("credit_score_date"),
            reviews.sorted(lambda r: customers.ids.index(r.partner_id.id)).mapped(
                "date"
            ),
        )

    def test_scores_are_written_only_with_write_access(self):
        """The statement writing the scores checks access as ``write`` does: a
        user who may read credit figures but not write customers is refused,
        and so is one who may write customers but not read credit figures."""
        reader = new_test_user(
            self.env,
            login="credit_reader_only",
            groups="base.group_user,credit_management.group_credit_reader",
        )
        editor = new_test_user(
            self.env, login="partner_editor_only", groups="base.group_partner_manager"
        )
        self.assertFalse(editor.has_group("credit_management.group_credit_reader"))
        for user in (reader, editor):
            scoring = self.env["credit.scoring"].with_user(user)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                scoring._credit_write_scores(
                    self.customer.with_user(user), [{"credit_score": 10.0}]
                )
        self.assertEqual(self.customer.credit_score, 0.0)

    def test_reviews_of_a_batch_are_inserted_without_create(self):
        """A rating inserts its reviews in one statement, not through the ORM's
        create (which built a new record for each of the three amounts of each
        review to find their currency: a third of a re-rating at M); the
        reviews are the same: rounded amounts, log columns, in the order of
        the customers, and a customer's reviews read before show the new one."""
        self._paid_late_history()
        other = self.env["res.partner"].create({"name": "Second", "is_company": True})
        self.customer.credit_limit = 5000.005
        customers = self.customer | other
        self.assertFalse(self.customer.credit_review_ids)  # read: in the cache
        with (
            self._calls("credit.review", "create") as created,
            self._recording_queries() as queries,
        ):
            reviews = self.env["credit.scoring"]._credit_rate(customers, "scheduled")
        self.assertFalse(created)
        inserts = [q for q in queries if q.startswith('INSERT INTO "credit_review"')]
        self.assertEqual(len(inserts), 1, inserts)
        self.assertEqual([r.partner_id for r in reviews], [self.customer, other])
        self.assertEqual(self.customer.credit_review_ids, reviews[0])
        self.env.invalidate_all()
        review = reviews[0]
        self.assertEqual(review.limit_before, 5000.01)
        self.assertEqual(review.currency_id, self.currency)
        self.assertEqual(review.company_id, self.company)
        self.assertEqual(review.trigger, "scheduled")
        # (a limit written by hand is kept)
        self.assertEqual(review.limit_state, "kept_manual")
        self.assertIn("was set by hand", review.note)
        self.assertEqual(review.grade_proposed_id, self.grade_c)
        self.assertEqual(review.create_uid, self.env.user)
        self.assertEqual(review.write_uid, self.env.user)
        self.assertEqual(review.write_date, review.create_date)
        self.assertEqual(review.user_id, self.env.user)
        self.assertTrue(review.create_date)
        self.assertEqual(review.date, self.customer.credit_score_date)
        self.assertIn("fixed limit", review.proposal_note)
        self.assertFalse(reviews[1].has_score)
        self.assertFalse(reviews[1].grade_proposed_id)
        self.assertFalse(reviews[1].proposal_note)
        self.assertFalse(review.message_ids)

    def test_reviews_are_created_through_create_with_other_fields(self):
        """When another module adds stored fields to the review, their defaults
        and computations are the ORM's: the reviews are created through
        ``create``, with the same values."""
        self._paid_late_history()
        scoring = self.env["credit.scoring"]
        with (
            patch.object(
                type(scoring), "_credit_review_other_columns", return_value=["x"]
            ),
            self._calls("credit.review", "create") as created,
        ):
            review = scoring._credit_rate(self.customer, "scheduled")
        self.assertEqual([len(vals_list) for _records, vals_list in created], [1])
        self.assertEqual(review.partner_id, self.customer)
        self.assertEqual(review.grade_proposed_id, self.grade_c)
        self.assertEqual(len(review.line_ids), len(self.factors))
        self.assertFalse(review.message_ids)

    def test_notes_format_each_amount_once_per_batch(self):
        """The notes of a rating's batch format each distinct amount once: the
        fixed limit of a grade, proposed to each of its customers, was
        formatted for each (127,773 calls for 100,000 customers at L)."""
        self._set_weights({"external_rating": 100})
        alike = self._rated_externally(80, 80, 80)
        formatted = []

        def spy(env, amount, currency, lang_code=None):
            formatted.append(amount)
            return format_amount(env, amount, currency, lang_code=lang_code)

        with patch(f"{AmountFormatter.__module__}.format_amount", spy):
            reviews = self.env["credit.scoring"]._credit_rate(alike, "scheduled")
        self.assertEqual(formatted, [20000.0])
        limit = format_amount(self.env, 20000.0, self.currency)
        for review in reviews:
            self.assertEqual(review.grade_proposed_id, self.grade_a)
            self.assertIn(f"fixed limit {limit}", review.proposal_note)

    def test_customers_given_the_same_values_are_written_together(self):
        """A rating writes the customers it gives the same grade and limit (and
        score and date) in one write, not one write per customer."""
        self._set_weights({"external_rating": 100})
        self.company.credit_limit_mode = "auto"
        alike = self._rated_externally(80, 80, 80)
        with self._calls("res.partner", "write") as calls:
            reviews = self.env["credit.scoring"]._credit_rate(alike, "scheduled")
        writes = [(records.ids, vals) for records, vals in calls if records & alike]
        self.assertEqual(len(reviews), 3)
        self.assertEqual(len(writes), 1, writes)
        self.assertEqual(sorted(writes[0][0]), sorted(alike.ids))
        self.assertEqual(writes[0][1]["credit_grade_id"], self.grade_a.id)
        self.assertEqual(alike.credit_grade_id, self.grade_a)
        self.assertEqual(alike.mapped("credit_limit"), [20000.0] * 3)
        self.assertEqual(len(set(alike.mapped("credit_score_date"))), 1)
        self.assertTrue(alike[0].credit_score_date)

    def test_decisions_name_only_the_reviews_that_changed_something(self):
        """The credit decisions of a re-rating are noted with the name of their
        review; the names of the reviews that changed nothing are not computed
        (a batch's recordset computed every review's name)."""
        self._paid_late_history()
        self.company.credit_limit_mode = "auto"
        self.customer.credit_grade_id = self.grade_a
        self.customer.credit_limit_manual = True
        same = self.env["res.partner"].create({"name": "Unchanged", "is_company": True})
        named = []
        Review = self.registry["credit.review"]
        compute = Review._compute_display_name

        def spy(records):
            named.extend(records.ids)
            return compute(records)

        with patch.object(Review, "_compute_display_name", spy):
            reviews = self.env["credit.scoring"]._credit_rate(
                self.customer | same, "scheduled"
            )
        changed = reviews.filtered(lambda r: r.partner_id == self.customer)
        unchanged = reviews - changed
        self.assertNotEqual(changed.grade_after_id, self.grade_a)
        self.assertEqual(unchanged.grade_after_id, unchanged.grade_before_id)
        self.assertEqual(named, changed.ids)
        decision = self.env["credit.decision"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("kind", "=", "grade"),
                ("source", "=", "review"),
            ]
        )
        self.assertEqual(decision.note, changed.display_name)
        self.assertFalse(
            self.env["credit.decision"].search(
                [("partner_id", "=", same.id), ("source", "=", "review")]
            )
        )

    def test_weights_must_sum_to_100(self):
        with (
            self.assertRaisesRegex(ValidationError, "sum to 90"),
            self.env.cr.savepoint(),
        ):
            self.factor["payment_delay"].weight = 40
        self.env.invalidate_all()  # the failed write was rolled back
        self.assertEqual(self.factor["payment_delay"].weight, 50.0)
        # The wizard's batch flag, sent over RPC as a plain context value,
        # does not skip the check (it is a marker only the addon's code holds).
        with (
            self.assertRaisesRegex(ValidationError, "sum to 90"),
            self.env.cr.savepoint(),
        ):
            self.factor["payment_delay"].with_context(
                credit_weights_batch=True
            ).weight = 40
        self.env.invalidate_all()
        self.assertEqual(self.factor["payment_delay"].weight, 50.0)
        wizard = Form(self.env["credit.scoring.wizard"])
        with wizard.line_ids.edit(0) as line:
            line.weight = 45
        record = wizard.save()
        self.assertEqual(record.total_weight, 95.0)
        with self.assertRaisesRegex(ValidationError, "sum to 95"):
            record.action_save()
        self.assertEqual(self.factor["payment_delay"].weight, 50.0)

    def test_scoring_wizard_saves_weights_summing_to_100(self):
        wizard = Form(self.env["credit.scoring.wizard"])
        with wizard.line_ids.edit(0) as line:
            line.weight = 40
        with wizard.line_ids.edit(1) as line:
            line.weight = 10
        wizard.save().action_save()
        self.assertEqual(self.factors.sorted("sequence")[0].weight, 40.0)
        self.assertEqual(self.factors.sorted("sequence")[1].weight, 10.0)

    def test_grade_bands_must_cover_zero(self):
        self.grade_prepay.min_score = 10
        self.customer.write(
            {"credit_external_rating": 5, "credit_external_rating_date": self.today}
        )
        with self.assertRaisesRegex(UserError, "lowest grade must start at 0"):
            self._rate()

    def test_limit_applied_automatically_in_auto_mode(self):
        self.company.credit_limit_mode = "auto"
        self.customer.write({"credit_limit": 1000.0, "credit_limit_manual": False})
        self._paid_late_history()
        review = self._rate()
        self.assertEqual(review.limit_state, "applied")
        self.assertEqual(review.limit_proposed, 5000.0)
        self.assertEqual(self.customer.credit_limit, 5000.0)

    def test_limit_only_proposed_in_propose_mode(self):
        self.company.credit_limit_mode = "propose"
        self.customer.write({"credit_limit": 1000.0, "credit_limit_manual": False})
        self._paid_late_history()
        review = self._rate()
        self.assertEqual(review.limit_state, "proposed")
        self.assertEqual(self.customer.credit_limit, 1000.0)
        review.with_user(self.credit_manager).action_apply_limit()
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertEqual(review.limit_state, "applied")

    def test_reviews_are_the_reratings_own(self):
        """Over RPC, a credit manager created a review proposing any limit (or
        changed the latest review's proposal) and applied it "by a review",
        where the company lets limits change only through requests. Reviews
        and their lines are written by the re-rating and the Apply button."""
        self.customer.write({"credit_limit": 1000.0, "credit_limit_manual": False})
        self.company.write(
            {"credit_limit_mode": "propose", "credit_limit_requests_only": True}
        )
        self._paid_late_history()
        manager = self.credit_manager
        # Re-rate Now, as the credit manager: the review is written as before.
        self.customer.with_user(manager).action_credit_rerate()
        review = self.env["credit.review"].search(
            [("partner_id", "=", self.customer.id)], limit=1
        )
        self.assertEqual(review.limit_state, "proposed")
        self.assertEqual(review.create_uid, manager)
        Review = self.env["credit.review"].with_user(manager)
        with self.assertRaisesRegex(AccessError, "written by the re-rating"):
            Review.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "trigger": "manual",
                    "limit_state": "proposed",
                    "limit_proposed": 999999.0,
                }
            )
        with self.assertRaisesRegex(AccessError, "written by the re-rating"):
            review.with_user(manager).limit_proposed = 999999.0
        with self.assertRaisesRegex(AccessError, "written by the re-rating"):
            review.line_ids[:1].with_user(manager).contribution = 99.0
        with self.assertRaisesRegex(AccessError, "written by the re-rating"):
            self.env["credit.review.line"].with_user(manager).create(
                {
                    "review_id": review.id,
                    "company_id": self.company.id,
                    "factor_id": self.factor["payment_delay"].id,
                    "code": "payment_delay",
                }
            )
        # The chatter stays open, and the proposal is applied by its button.
        review.with_user(manager).message_post(body="Checked with the bank.")
        review.with_user(manager).action_apply_limit()
        self.assertEqual(review.limit_state, "applied")
        self.assertEqual(self.customer.credit_limit, review.limit_proposed)
        self.assertNotEqual(self.customer.credit_limit, 999999.0)

    def test_manual_limit_is_never_lowered_silently(self):
        self.company.credit_limit_mode = "auto"
        self.customer.with_user(self.credit_manager).credit_limit = 8000.0
        self.assertTrue(self.customer.credit_limit_manual)
        self._paid_late_history()
        review = self._rate()
        self.assertEqual(review.limit_state, "kept_manual")
        self.assertEqual(review.limit_proposed, 5000.0)
        self.assertEqual(self.customer.credit_limit, 8000.0)
        self.assertIn("set by hand", review.note)

    def test_prepayment_grade_gets_no_limit(self):
        self.company.credit_limit_mode = "auto"
        self.company.credit_min_data_weight = 0.0  # the external rating alone
        self.customer.write(
            {
                "credit_external_rating": 10,
                "credit_external_rating_date": self.today,
                "credit_limit_manual": False,
            }
        )
        review = self._rate()
        self.assertEqual(review.grade_after_id, self.grade_prepay)
        self.assertEqual(self.customer.credit_limit, 0.0)
        # A computed 0 is a limit of 0, not "no limit": without the prepayment
        # rule, the limit rule still blocks the downgraded customer.
        self.assertTrue(self.customer.credit_limit_applies)
        self.assertTrue(review.limit_after_applies)
        self.company.credit_block_prepayment = False
        order = self._order(100.0)
        self.assertTrue(order.credit_blocked)
        self.assertIn("exceeds the credit limit", order.credit_check_message)

    def test_sales_based_limit_with_cap(self):
        self.grade_c.write(
            {"limit_rule": "sales_percent", "limit_sales_percent": 50, "limit_cap": 600}
        )
        self.assertEqual(self.grade_c._credit_default_limit(1000.0), 500.0)
        self.assertEqual(self.grade_c._credit_default_limit(5000.0), 600.0)

    def test_share_of_sales_must_be_a_number(self):
        """NaN and infinity are refused as a grade's share of sales (the fuzz
        test stored NaN: PostgreSQL sorts NaN above every number, so
        ">= 0" let it through, and every limit of the grade became NaN)."""
        for value in (float("nan"), float("inf")):
            with (
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.grade_c.write(
                    {"limit_rule": "sales_percent", "limit_sales_percent": value}
                )
                self.env.flush_all()

    def test_salesman_cannot_rerate_or_change_weights(self):
        with self.assertRaises(UserError):
            self.customer.with_user(self.salesman).action_credit_rerate()
        with self.assertRaises(UserError):
            self.factor["payment_delay"].with_user(self.salesman).weight = 50

    def test_insufficient_data_leaves_grade_and_limit(self):
        """One factor of 20 % weight with data: the re-normalised score would be
        100 and grade A; below the minimum weight with data nothing changes."""
        self.company.credit_limit_mode = "auto"
        self.customer.write(
            {
                "credit_external_rating": 100,
                "credit_external_rating_date": self.today,
                "credit_limit_manual": False,
            }
        )
        review = self._rate()
        self.assertEqual(review.score, 100.0)
        self.assertTrue(review.data_insufficient)
        self.assertEqual(review.data_share, 20.0)
        self.assertIn("Insufficient data", review.note)
        self.assertEqual(review.grade_after_id, self.grade_c)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertEqual(review.limit_state, "unchanged")
        # With the requirement lowered, the same data rate the customer.
        self.company.credit_min_data_weight = 20.0
        review = self._rate()
        self.assertFalse(review.data_insufficient)
        self.assertEqual(self.customer.credit_grade_id, self.grade_a)

    def test_old_proposal_cannot_be_applied_after_a_newer_review(self):
        self._paid_late_history()
        self.customer.credit_limit = 1000.0
        self.customer.credit_limit_manual = False
        old = self._rate()
        self.assertEqual(old.limit_state, "proposed")
        new = self._rate()
        with self.assertRaisesRegex(UserError, "not the latest"):
            old.with_user(self.credit_manager).action_apply_limit()
        self.assertEqual(self.customer.credit_limit, 1000.0)
        new.with_user(self.credit_manager).action_apply_limit()
        self.assertEqual(self.customer.credit_limit, 5000.0)

    def test_grade_limit_in_its_own_currency(self):
        """A grade's amounts are in its currency: another company reads them at
        the day's rate, never as a bare number in its own currency."""
        other = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        self.grade_c.write({"currency_id": other.id, "default_credit_limit": 5000.0})
        # 5,000 EUR at 2 EUR per company unit: 2,500 of company currency
        self.assertEqual(self.grade_c._credit_default_limit(0.0), 2500.0)
        self.grade_c.write(
            {"limit_rule": "sales_percent", "limit_sales_percent": 50, "limit_cap": 600}
        )
        self.assertEqual(self.grade_c._credit_default_limit(1000.0), 300.0)
        no_rate = self.env["res.currency"].create({"name": "XCR", "symbol": "¤"})
        self.grade_c.currency_id = no_rate
        with self.assertRaisesRegex(UserError, "No exchange rate for XCR"):
            self.grade_c._credit_default_limit(1000.0)

    def test_review_explains_its_proposal(self):
        self._paid_late_history()
        self.customer.credit_limit = 1000.0
        self.customer.credit_limit_manual = False
        review = self._rate()
        self.assertEqual(review.limit_state, "proposed")
        self.assertIn("Score 69.33 ≥ 40.0: grade TC - Test Fair", review.proposal_note)
        self.assertIn(f"fixed limit {self.fmt(5000.0)}", review.proposal_note)
