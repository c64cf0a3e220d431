from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import html2plaintext

EXPECTED_CODES = {
    "good": [],
    "near_limit": [],
    "over_limit": ["limit"],
    "waiting_review": ["limit"],
    "limit_request": ["limit"],
    "overdue": ["overdue"],
    "secured": [],
    "hold": ["hold"],
    "prepayment": ["prepayment"],
    "foreign": ["country"],
    "legal": ["collection", "overdue", "limit"],
}


@tagged("post_install", "-at_install")
class TestCreditTraining(TransactionCase):
    """The training company: a company of its own, customers in every situation
    (each quotation blocked or not as its situation says), nothing of the other
    companies touched, administrators only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.env.ref("base.ar").credit_risk_class = "6"
        cls.trainee = new_test_user(
            cls.env, login="credit_trainee", groups="sales_team.group_sale_salesman"
        )

    def _counts(self, company):
        return {
            model: self.env[model].search_count([("company_id", "=", company.id)])
            for model in (
                "res.partner",
                "sale.order",
                "account.move",
                "credit.decision",
            )
        }

    def test_training_company_has_every_situation(self):
        main = self.env.company
        before = self._counts(main)
        wizard = (
            self.env["credit.training.wizard"]
            .with_user(self.admin)
            .create(
                {
                    "company_name": "Training Co Test",
                    "per_situation": 2,
                    "user_ids": [(4, self.trainee.id)],
                }
            )
        )
        self.assertIn("Over the limit", wizard.situation_list)
        action = wizard.action_build()
        self.assertEqual(action["params"]["type"], "success")
        company = self.env["res.company"].search([("name", "=", "Training Co Test")])
        self.assertEqual(len(company), 1)
        # Nothing of the other company changed.
        self.assertEqual(self._counts(main), before)
        self.assertIn(company, self.admin.company_ids)
        self.assertIn(company, self.trainee.company_ids)
        self.assertTrue(company.chart_template)
        self.assertTrue(company.credit_control_enabled)
        self.assertTrue(company.credit_collection_policy_id.level_ids)
        situations = self.env["credit.training"]._credit_training_situations()
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        Partner = env["res.partner"].with_company(company)
        policy = env["credit.policy"].with_company(company)
        for key, (label, practise) in situations.items():
            with self.subTest(situation=key):
                partners = Partner.search(
                    [
                        ("category_id.name", "=", f"Training: {label}"),
                        ("company_id", "=", company.id),
                    ]
                )
                self.assertEqual(len(partners), 2)
                self.assertEqual(
                    [html2plaintext(note) for note in partners.mapped("comment")],
                    [practise] * 2,
                )
                quotations = partners.sale_order_ids.filtered(
                    lambda o: o.state == "draft"
                )
                if key in EXPECTED_CODES:
                    self.assertEqual(len(quotations), 2)
                    for order in quotations:
                        self.assertEqual(
                            policy._credit_check(order)["codes"], EXPECTED_CODES[key]
                        )
                        self.assertEqual(order.company_id, company)
                if key == "waiting_review":
                    self.assertTrue(all(quotations.mapped("credit_review_pending")))
                if key == "limit_request":
                    requests = env["credit.limit.request"].search(
                        [("partner_id", "in", partners.ids)]
                    )
                    self.assertEqual(requests.mapped("state"), ["submitted"] * 2)
                if key == "approved":
                    orders = partners.sale_order_ids.filtered(
                        lambda o: o.credit_approval_id
                    )
                    self.assertEqual(orders.mapped("state"), ["sale"] * 2)
                if key == "promise":
                    self.assertEqual(
                        partners.mapped("credit_collection_status"),
                        ["payment_plan"] * 2,
                    )
                if key == "legal":
                    self.assertEqual(
                        partners.mapped("credit_collection_status"), ["legal"] * 2
                    )
                if key == "new":
                    self.assertFalse(partners.credit_grade_id)

    def test_training_company_refused(self):
        manager = new_test_user(
            self.env,
            login="credit_manager_training",
            groups="sales_team.group_sale_manager,credit_management.group_credit_manager",
        )
        with self.assertRaises(AccessError):
            self.env["credit.training.wizard"].with_user(manager).create({})
        with self.assertRaises(UserError):
            self.env["credit.training"].with_user(
                manager
            )._credit_build_training_company("Nope")
        Training = self.env["credit.training"].with_user(self.admin)
        with self.assertRaisesRegex(UserError, "exists already"):
            Training._credit_build_training_company(self.env.company.name)
        with self.assertRaisesRegex(UserError, "Between 1 and 50"):
            Training._credit_build_training_company("Too Big", per_situation=500)
