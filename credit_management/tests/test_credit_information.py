from dateutil.relativedelta import relativedelta
from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from ..exceptions import CreditBlockedError
from ..models.credit_score_factor import WEIGHTS_BATCH
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditInformation(CreditCommon):
    """The credit information file: financial statements and Altman Z'', agency
    ratings, country risk; the factors they feed, the rule and the warnings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Statement = cls.env["credit.statement"]
        cls.Rating = cls.env["credit.rating"]
        cls.agency = cls.env["credit.agency"].create(
            {
                "name": "Letter Agency",
                "scale_type": "letter",
                "grade_ids": [
                    Command.create({"name": "AAA", "score": 100, "sequence": 1}),
                    Command.create({"name": "A", "score": 80, "sequence": 2}),
                    Command.create({"name": "BBB", "score": 60, "sequence": 3}),
                    Command.create({"name": "B", "score": 30, "sequence": 4}),
                    Command.create({"name": "D", "score": 0, "sequence": 5}),
                ],
            }
        )
        cls.numeric_agency = cls.env["credit.agency"].create(
            # Lower is better, as in some agencies' indexes.
            {"name": "Index Agency", "scale_best": 100, "scale_worst": 600}
        )
        cls.factors = cls.company.credit_score_factor_ids
        cls.factor = {factor.code: factor for factor in cls.factors}
        cls.customer.credit_limit_manual = False
        cls.company.credit_manager_user_id = cls.credit_manager

    @classmethod
    def _set_weights(cls, weights):
        WEIGHTS_BATCH.on(cls.factors).write({"weight": 0})
        for code, weight in weights.items():
            WEIGHTS_BATCH.on(cls.factor[code]).weight = weight
        cls.company._credit_check_weight_sum()

    def _statement(self, **values):
        return self.Statement.create(
            {
                "partner_id": self.customer.id,
                "period_end": self.today - relativedelta(months=3),
                "source": "audited",
                **values,
            }
        )

    def _warnings(self, code=None):
        domain = [
            ("res_model", "=", "res.partner"),
            ("res_id", "=", self.customer.id),
            (
                "activity_type_id",
                "=",
                self.env.ref("credit_management.mail_activity_type_credit_warning").id,
            ),
        ]
        if code:
            domain.append(("credit_warning_code", "=", code))
        return self.env["mail.activity"].search(domain)

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------
    def test_altman_z_by_hand_safe_grey_distress(self):
        safe = self._statement(
            current_assets=500,
            current_liabilities=300,
            total_assets=1000,
            total_liabilities=600,
            retained_earnings=200,
            ebit=100,
            book_equity=400,
        )
        # X1 = 200/1000, X2 = 200/1000, X3 = 100/1000, X4 = 400/600
        # Z'' = 6.56*0.2 + 3.26*0.2 + 6.72*0.1 + 1.05*0.6667 = 3.336
        self.assertAlmostEqual(safe.altman_z, 3.336, 3)
        self.assertEqual(safe.altman_zone, "safe")
        self.assertAlmostEqual(safe.current_ratio, 500 / 300, 4)
        self.assertAlmostEqual(safe.debt_ratio, 0.6, 4)
        self.assertEqual(safe.working_capital, 200)
        grey = self._statement(
            period_end=self.today - relativedelta(months=15),
            current_assets=300,
            current_liabilities=250,
            total_assets=1000,
            total_liabilities=700,
            retained_earnings=50,
            ebit=60,
            book_equity=300,
        )
        # 6.56*0.05 + 3.26*0.05 + 6.72*0.06 + 1.05*300/700 = 1.3442
        self.assertAlmostEqual(grey.altman_z, 1.3442, 4)
        self.assertEqual(grey.altman_zone, "grey")
        distress = self._statement(
            period_end=self.today - relativedelta(months=27),
            current_assets=100,
            current_liabilities=400,
            total_assets=1000,
            total_liabilities=900,
            retained_earnings=-100,
            ebit=-20,
            book_equity=100,
        )
        # 6.56*-0.3 + 3.26*-0.1 + 6.72*-0.02 + 1.05*100/900 = -2.3117
        self.assertAlmostEqual(distress.altman_z, -2.3117, 4)
        self.assertEqual(distress.altman_zone, "distress")

    def test_bad_statements_refused_nothing_written(self):
        good = {
            "current_assets": 100,
            "current_liabilities": 50,
            "total_assets": 1000,
            "total_liabilities": 400,
        }
        self._statement(**good)
        good["period_end"] = self.today - relativedelta(months=15)
        count = self.Statement.search_count([])
        bad_cases = [
            ({"total_assets": 0}, "total assets must be above zero"),
            ({"total_assets": -5}, "total assets must be above zero"),
            ({"total_liabilities": -1}, "cannot be negative"),
            ({"current_liabilities": -1}, "cannot be negative"),
            (
                {"period_end": self.today + relativedelta(days=1)},
                "ends in the future",
            ),
            # same period and source as the first
            (
                {"period_end": self.today - relativedelta(months=3)},
                "has a statement for the period",
            ),
        ]
        for values, message in bad_cases:
            with self.subTest(values=values):
                # The request's transaction is rolled back; here a savepoint.
                with (
                    self.assertRaisesRegex(ValidationError, message),
                    self.env.cr.savepoint(),
                ):
                    self._statement(**dict(good, **values))
                self.assertEqual(self.Statement.search_count([]), count)
        # The same period from another source is another statement.
        self._statement(**dict(good, source="management"))
        self.assertEqual(self.Statement.search_count([]), count + 1)

    def test_statement_feeds_solvency_and_liquidity(self):
        self._set_weights({"solvency": 50, "liquidity": 30, "overdue_days": 20})
        self._invoice(100.0)
        self._statement(
            current_assets=500,
            current_liabilities=250,
            total_assets=1000,
            total_liabilities=600,
            retained_earnings=200,
            ebit=100,
            book_equity=400,
        )
        review = self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        lines = {line.code: line for line in review.line_ids}
        # Z'' = 6.56*0.25 + 3.26*0.2 + 6.72*0.1 + 1.05*0.6667 = 3.664 -> 100
        self.assertAlmostEqual(lines["solvency"].raw_value, 3.664, 3)
        self.assertEqual(lines["solvency"].normalised_value, 100.0)
        # current ratio 2.0 -> 100 (best 2.0)
        self.assertAlmostEqual(lines["liquidity"].raw_value, 2.0, 4)
        self.assertEqual(lines["liquidity"].normalised_value, 100.0)
        self.assertTrue(lines["solvency"].has_data)

    def test_stale_statement_left_out_and_said_why(self):
        self._set_weights({"solvency": 50, "overdue_days": 50})
        self._invoice(100.0)
        old_end = self.today - relativedelta(months=20)
        self._statement(
            period_end=old_end,
            current_assets=500,
            current_liabilities=300,
            total_assets=1000,
            total_liabilities=600,
            retained_earnings=200,
            ebit=100,
            book_equity=400,
        )
        review = self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        lines = {line.code: line for line in review.line_ids}
        self.assertFalse(lines["solvency"].has_data)
        # The weights are re-normalised over the factor with data.
        self.assertEqual(lines["overdue_days"].effective_weight, 100.0)
        self.assertIn(f"statement of {old_end} too old", review.note)
        # Within the company's validity it counts again.
        self.company.credit_statement_max_age = 24
        review = self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        lines = {line.code: line for line in review.line_ids}
        self.assertTrue(lines["solvency"].has_data)
        self.assertNotIn("too old", review.note)

    def test_distress_statement_warns_once(self):
        values = {
            "current_assets": 100,
            "current_liabilities": 400,
            "total_assets": 1000,
            "total_liabilities": 900,
            "retained_earnings": -100,
            "ebit": -20,
            "book_equity": 100,
        }
        self._statement(**values)
        warnings = self._warnings("statement_distress")
        self.assertEqual(len(warnings), 1)  # the salesperson
        self.assertIn("distress zone", warnings.note)
        # An older statement in distress does not speak for today.
        self._statement(**dict(values, period_end=self.today - relativedelta(years=3)))
        self.assertEqual(len(self._warnings("statement_distress")), 1)

    # ------------------------------------------------------------------
    # Ratings
    # ------------------------------------------------------------------
    def test_ratings_normalised_by_the_agency_scale(self):
        letter = self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.agency.id,
                "rating": "bbb",
            }
        )
        self.assertEqual(letter.score, 60.0)
        numeric = self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.numeric_agency.id,
                "rating": "225",
            }
        )
        self.assertEqual(numeric.score, 75.0)  # (225 - 600) / (100 - 600)
        count = self.Rating.search_count([])
        for agency, rating, message in [
            (self.agency, "ZZ", "is not a rating of Letter Agency"),
            (self.numeric_agency, "700", "outside the scale"),
            (self.numeric_agency, "abc", "is not a number"),
        ]:
            with (
                self.subTest(rating=rating),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.Rating.create(
                    {
                        "partner_id": self.customer.id,
                        "agency_id": agency.id,
                        "rating": rating,
                    }
                )
        self.assertEqual(self.Rating.search_count([]), count)

    def test_rating_form_filled_in_any_order(self):
        """Choosing the agency before typing the rating raises nothing; a rating
        off the scale is refused on save."""
        form = Form(self.Rating)
        form.partner_id = self.customer
        form.agency_id = self.agency
        self.assertEqual(form.score, 0.0)
        form.rating = "ZZ"
        with self.assertRaisesRegex(ValidationError, "is not a rating of"):
            form.save()
        form.rating = "A"
        self.assertEqual(form.save().score, 80.0)

    def test_external_rating_latest_or_average_and_validity(self):
        yesterday = self.today - relativedelta(days=1)
        self.Rating.create(
            [
                {
                    "partner_id": self.customer.id,
                    "agency_id": self.agency.id,
                    "rating": "A",
                    "date": yesterday,
                },
                {
                    "partner_id": self.customer.id,
                    "agency_id": self.numeric_agency.id,
                    "rating": "350",
                    "date": self.today,
                },
            ]
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_external_rating, 50.0)
        self.assertEqual(self.customer.credit_external_rating_date, self.today)
        self.company.credit_rating_combination = "average"
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_external_rating, 65.0)
        # An expired rating is not used.
        self.Rating.search([("agency_id", "=", self.numeric_agency.id)]).write(
            {"date": yesterday - relativedelta(days=5), "valid_until": yesterday}
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_external_rating, 80.0)
        raws = self.env["credit.scoring"]._credit_factor_raw_values(self.customer)
        self.assertEqual(raws[self.customer.id]["external_rating"], 80.0)

    def test_typed_rating_is_an_internal_assessment(self):
        self.customer.with_user(self.credit_manager).write(
            {"credit_external_rating": 70, "credit_external_rating_date": self.today}
        )
        rating = self.customer.credit_rating_ids
        self.assertEqual(
            rating.agency_id, self.env.ref("credit_management.credit_agency_internal")
        )
        self.assertEqual((rating.rating, rating.score), ("70", 70.0))

    def test_rating_downgrade_warns_exactly_once(self):
        self.company.credit_warn_rating_drop = 15
        self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.agency.id,
                "rating": "A",
                "date": self.today - relativedelta(days=30),
            }
        )
        self.assertFalse(self._warnings())
        # 80 -> 60: 20 points down, more than 15.
        self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.agency.id,
                "rating": "BBB",
                "date": self.today - relativedelta(days=10),
            }
        )
        warnings = self._warnings()
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings.credit_warning_code, "rating_drop")
        self.assertIn("fell by 20.0 points", warnings.note)
        # The same rating again: nothing new.
        self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.agency.id,
                "rating": "BBB",
                "date": self.today,
            }
        )
        self.assertEqual(len(self._warnings()), 1)

    def test_rating_that_lowers_the_grade_warns_once_with_the_review(self):
        self._set_weights({"external_rating": 100})
        self.customer.credit_grade_id = self.grade_a
        self.Rating.create(
            {
                "partner_id": self.customer.id,
                "agency_id": self.agency.id,
                "rating": "AAA",
                "date": self.today - relativedelta(days=30),
            }
        )
        self.assertFalse(self._warnings())
        self.company.credit_warn_rating_drop = 90  # the points alone do not warn
        self.Rating.create(
            {"partner_id": self.customer.id, "agency_id": self.agency.id, "rating": "B"}
        )
        warnings = self._warnings()
        self.assertEqual(warnings.mapped("credit_warning_code"), ["grade_down"])
        self.assertIn("Test Prepayment", warnings.note)
        # The review that follows finds the warning open: still one.
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        self.assertEqual(len(self._warnings("grade_down")), 1)

    # ------------------------------------------------------------------
    # Country risk
    # ------------------------------------------------------------------
    def test_country_risk_blocks_with_its_reason(self):
        abroad = self.env.ref("base.ar")
        self.company.country_id = self.env.ref("base.us")
        self.company.write(
            {"credit_block_country": True, "credit_country_risk_class": 6}
        )
        abroad.credit_risk_class = "6"
        self.customer.write({"country_id": abroad.id, "credit_limit": 100000.0})
        order = self._order(100.0)
        self.assertTrue(order.credit_blocked)
        self.assertIn("country risk class 6", order.credit_check_message)
        self.assertIn(
            "country risk requires payment in advance", order.credit_check_summary
        )
        with self.assertRaisesRegex(CreditBlockedError, "country risk class 6"):
            order.with_user(self.salesman).action_confirm()
        # Below the class, or at home, the rule does not apply.
        abroad.credit_risk_class = "5"
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)
        self.company.country_id.credit_risk_class = "7"
        self.customer.country_id = self.company.country_id
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)

    def test_country_risk_factor_and_international_class(self):
        self._set_weights({"country_risk": 50, "overdue_days": 50})
        self._invoice(100.0)
        self.company.country_id = self.env.ref("base.us")
        abroad = self.env.ref("base.ar")
        abroad.credit_risk_class = "2"
        self.customer.country_id = abroad
        self.assertTrue(self.customer.credit_is_international)
        self.assertEqual(self.customer.credit_country_risk_class, "2")
        review = self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        line = review.line_ids.filtered(lambda line: line.code == "country_risk")
        self.assertEqual(line.raw_value, 2.0)
        self.assertAlmostEqual(line.normalised_value, 100 * 5 / 7, 2)

    def test_country_reclassed_upward_warns(self):
        # Another company under credit control that the credit manager does not
        # work in: re-classing still works (and warns there too).
        self.setup_other_company()["company"].credit_control_enabled = True
        self.company.country_id = self.env.ref("base.us")
        abroad = self.env.ref("base.ar")
        abroad.credit_risk_class = "3"
        self.customer.country_id = abroad
        self._invoice(100.0)
        self.assertFalse(self._warnings())
        abroad.with_user(self.credit_manager).credit_risk_class = "5"
        warnings = self._warnings("country_up")
        self.assertEqual(len(warnings), 1)
        self.assertIn("class 5", warnings.note)
        abroad.with_user(self.credit_manager).credit_risk_class = "4"  # down: nothing
        self.assertEqual(len(self._warnings("country_up")), 1)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_access_salesman_reads_nothing_writes_nothing(self):
        statement = self._statement(total_assets=1000, total_liabilities=100)
        with self.assertRaises(AccessError):
            self.Statement.with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "period_end": self.today,
                    "total_assets": 10,
                }
            )
        with self.assertRaises(AccessError):
            self.Rating.with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "agency_id": self.agency.id,
                    "rating": "A",
                }
            )
        with self.assertRaises(AccessError):
            statement.with_user(self.salesman).write({"total_assets": 5})
        with self.assertRaises(AccessError):
            self.env.ref("base.ar").with_user(self.salesman).credit_risk_class = "7"
        # A credit manager classifies countries, and changes nothing else of them.
        self.env.ref("base.ar").with_user(self.credit_manager).credit_risk_class = "7"
        with self.assertRaises(AccessError):
            self.env.ref("base.ar").with_user(self.credit_manager).name = "Renamed"

    def test_other_company_cannot_read(self):
        statement = self._statement(total_assets=1000, total_liabilities=100)
        rating = self.Rating.create(
            {"partner_id": self.customer.id, "agency_id": self.agency.id, "rating": "A"}
        )
        other = self.setup_other_company()["company"]
        user = self.credit_manager.copy(
            {
                "login": "credit_manager_other",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
            }
        )
        self.assertFalse(
            self.Statement.with_user(user).search([("id", "=", statement.id)])
        )
        self.assertFalse(self.Rating.with_user(user).search([("id", "=", rating.id)]))
        with self.assertRaises(AccessError):
            statement.with_user(user).read(["altman_z"])
