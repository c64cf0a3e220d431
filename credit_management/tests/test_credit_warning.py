from odoo.tests import Form, tagged

from ..models.credit_score_factor import WEIGHTS_BATCH
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditWarning(CreditCommon):
    """Early-warning activities after a review."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factors = cls.company.credit_score_factor_ids
        WEIGHTS_BATCH.on(factors).write({"weight": 0})
        factors.filtered(lambda f: f.code == "external_rating").weight = 100
        cls.customer.user_id = cls.salesman
        # Grades follow the score at once: the warnings speak of applied grades.
        cls.company.credit_limit_mode = "auto"
        cls.activity_type = cls.env.ref(
            "credit_management.mail_activity_type_credit_warning"
        )
        cls.company.write(
            {
                "credit_warn_score_drop": 10,
                "credit_warn_score_threshold": 40,
                "credit_warn_utilisation": 90,
                "credit_warn_overdue_days": 30,
            }
        )

    def _rate_with(self, rating, partner=None):
        partner = partner or self.customer
        partner.write(
            {
                "credit_external_rating": rating,
                "credit_external_rating_date": self.today,
            }
        )
        return self.env["credit.scoring"]._credit_rate(partner, "manual")

    def _warnings(self, partner=None):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", (partner or self.customer).id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_grade_fall_warns_the_salesperson_once(self):
        self._rate_with(90)  # grade A
        self.assertFalse(self._warnings())
        self._rate_with(75)  # still A, drop of 15 points
        self.assertEqual(self._warnings().mapped("credit_warning_code"), ["score_drop"])
        self._rate_with(65)  # grade C: grade fell, drop of 10 is not more than 10
        warnings = self._warnings()
        self.assertEqual(
            sorted(warnings.mapped("credit_warning_code")), ["grade_down", "score_drop"]
        )
        grade_down = warnings.filtered(lambda a: a.credit_warning_code == "grade_down")
        self.assertEqual(grade_down.user_id, self.salesman)
        self.assertIn("TA - Test Excellent", grade_down.note)
        self.assertIn("TC - Test Fair", grade_down.note)

    def test_score_below_threshold_warns_once(self):
        self._rate_with(50)
        self.assertFalse(self._warnings())
        self._rate_with(45)
        self.assertFalse(self._warnings())
        self._rate_with(35)  # below 40, and grade TC -> TE
        warnings = self._warnings()
        self.assertEqual(
            sorted(warnings.mapped("credit_warning_code")),
            ["grade_down", "score_below"],
        )
        below = warnings.filtered(lambda a: a.credit_warning_code == "score_below")
        self.assertIn("fell below 40", below.note)
        self._rate_with(30)  # still below: the open warnings are not duplicated
        self.assertEqual(len(self._warnings()), 2)

    def test_utilisation_above_threshold_warns_once(self):
        self._invoice(4600.0)  # 92 % of 5,000
        self._rate_with(50)
        warnings = self._warnings()
        self.assertEqual(warnings.mapped("credit_warning_code"), ["utilisation"])
        self.assertIn("92.0 %", warnings.note)
        self._rate_with(50)
        self.assertEqual(len(self._warnings()), 1)

    def test_each_company_warns_on_its_own_figures(self):
        """A customer warned about in two companies: the second company's
        re-rating rewrote the first one's open warning with its own figures,
        and raised none of its own."""
        other = self.env["res.company"].create({"name": "Other Warning Co"})
        Warning = self.env["credit.warning"]
        for company, text in ((self.company, "usage 95 %"), (other, "usage 90.6 %")):
            Warning.with_company(company)._credit_schedule_warnings(
                self.customer, {self.customer.id: [("utilisation", text)]}
            )
        warnings = self._warnings()
        self.assertEqual(len(warnings), 2)
        by_company = {w.credit_warning_company_id: w for w in warnings}
        self.assertIn("95 %", by_company[self.company].note)
        self.assertIn("90.6 %", by_company[other].note)
        self.assertIn(other.name, by_company[other].summary)
        # Again in the first company: its own warning is updated, no third.
        Warning.with_company(self.company)._credit_schedule_warnings(
            self.customer, {self.customer.id: [("utilisation", "usage 97 %")]}
        )
        self.assertEqual(len(self._warnings()), 2)
        self.assertIn("97 %", by_company[self.company].note)
        self.assertIn("90.6 %", by_company[other].note)

    def test_invoice_crossing_overdue_days_warns_once(self):
        self._invoice(300.0, days_ago=35)
        self._rate_with(50)
        warnings = self._warnings()
        self.assertEqual(warnings.mapped("credit_warning_code"), ["new_overdue"])
        self.assertIn("more than 30 days", warnings.note)
        warnings.action_done()
        self._rate_with(50)  # nothing new since the previous review
        self.assertFalse(self._warnings())

    def test_nothing_changed_no_warning(self):
        self._invoice(1000.0)
        self._rate_with(80)
        self._rate_with(80)
        self.assertFalse(self._warnings())

    def test_fallback_to_credit_manager_and_finance_contact(self):
        self.customer.user_id = False
        self.company.write(
            {
                "credit_manager_user_id": self.credit_manager.id,
                "credit_finance_user_id": self.env.user.id,
            }
        )
        self._rate_with(20)
        warnings = self._warnings()
        self.assertEqual(warnings.user_id, self.credit_manager | self.env.user)
        self.assertEqual(
            set(warnings.mapped("credit_warning_code")), {"score_below", "grade_down"}
        )
        self.assertEqual(len(warnings), 4)  # two rules, two users each


@tagged("post_install", "-at_install")
class TestCreditWeightPreview(CreditCommon):
    """The weights preview compares new weights with the weights in force."""

    def _rate_with(self, rating):
        self.customer.write(
            {
                "credit_external_rating": rating,
                "credit_external_rating_date": self.today,
            }
        )
        return self.env["credit.scoring"]._credit_rate(self.customer, "manual")

    def test_preview_shows_migration_and_writes_nothing(self):
        self._invoice(1000.0)
        factors = self.company.credit_score_factor_ids
        weights_before = factors.mapped("weight")
        review_count = self.env["credit.review"].search_count([])
        wizard = Form(self.env["credit.scoring.wizard"])
        for index, factor in enumerate(factors.sorted("sequence")):
            with wizard.line_ids.edit(index) as line:
                line.weight = 100 if factor.code == "relationship" else 0
        record = wizard.save()
        record.action_preview()
        self.assertIn("Acme Credit Test", record.preview_html)
        self.assertIn("<td>TE</td>", record.preview_html)
        preview = record._credit_preview()
        # A customer of today: relationship alone scores 0, the prepayment grade.
        moved = {row["partner"]: row for row in preview["moved"]}
        row = moved["Acme Credit Test"]
        self.assertEqual(row["grade_new"], self.grade_prepay)
        self.assertNotEqual(row["grade_now"], self.grade_prepay)
        self.assertEqual(row["score_new"], 0.0)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertEqual(factors.mapped("weight"), weights_before)
        self.assertEqual(self.env["credit.review"].search_count([]), review_count)

    def test_preview_with_unchanged_weights_changes_nothing(self):
        """Customers whose stored grade is not what the weights in force give
        today (here: rated long ago) do not count as moved by the preview."""
        self._invoice(1000.0, days_ago=200)
        self._rate_with(90)
        # A grade the weights in force would not give today (set long ago).
        grades = (self.grade_a | self.grade_c | self.grade_prepay).sorted("min_score")
        proposed = self.env["credit.review"].search([], limit=1).grade_proposed_id
        self.customer.credit_grade_id = (grades - proposed)[:1]
        record = Form(self.env["credit.scoring.wizard"]).save()
        preview = record._credit_preview()
        self.assertEqual(preview["moved"], [])
        self.assertEqual(preview["limit_change"], 0.0)
        self.assertIn("Acme Credit Test", preview["stale"])
        record.action_preview()
        self.assertIn("0 of", record.preview_html)
        self.assertIn("(Acme Credit Test)", record.preview_html)
        self.assertIn("older than today", record.preview_html)

    def test_preview_respects_manual_limits_and_propose_mode(self):
        self.company.credit_limit_mode = "propose"
        self.customer.with_user(self.credit_manager).credit_limit = 7777.0
        self._rate_with(10)  # rated low with the weights in force
        wizard = Form(self.env["credit.scoring.wizard"])
        factors = self.company.credit_score_factor_ids.sorted("sequence")
        for index, factor in enumerate(factors):
            with wizard.line_ids.edit(index) as line:
                line.weight = 100 if factor.code == "overdue_days" else 0
        self._invoice(10.0)
        record = wizard.save()
        preview = record._credit_preview()
        row = next(r for r in preview["moved"] if r["partner"] == "Acme Credit Test")
        self.assertEqual(row["state"], "kept_manual")
        # The limit today is the customer's own, set by hand, not its grade's.
        self.assertEqual(row["limit_now"], 7777.0)
        self.assertEqual(preview["limit_change"], 0.0)  # nothing is applied
        record.action_preview()
        self.assertIn("only propose", record.preview_html)
        self.assertIn("Manual limit kept", record.preview_html)
