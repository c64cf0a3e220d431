from datetime import timedelta

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..exceptions import CreditBlockedError
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditDecision(CreditCommon):
    """Each credit decision writes exactly one row, in its own transaction,
    and nobody can change or delete a row."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Decision = cls.env["credit.decision"]
        cls.company.credit_manager_user_id = cls.credit_manager

    def setUp(self):
        super().setUp()
        # Rows of the test's own decisions (the fixtures' are before it).
        self.first_id = (self.Decision.search([], limit=1).id or 0) + 1

    def _decisions(self, **domain):
        return self.Decision.search(
            [("partner_id", "=", self.customer.id), ("id", ">=", self.first_id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_refused_confirmation_from_the_form_is_logged(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        confirm = order.with_user(self.salesman).with_context(
            credit_refusal_dialog=True
        )
        action = confirm.action_confirm()
        # The dialog that says why, on the quotation, which stays a quotation.
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]),
            ("sale.order", order.id, "new"),
        )
        self.assertEqual(order.state, "draft")
        refusal = self._decisions(kind="refusal")
        self.assertEqual(len(refusal), 1)
        self.assertEqual(refusal.user_id, self.salesman)
        self.assertEqual(refusal.salesperson_id, self.salesman)
        self.assertEqual((refusal.order_id, refusal.order_name), (order, order.name))
        self.assertEqual(refusal.amount, 3000.0)
        self.assertEqual(refusal.exposure, 4000.0)
        self.assertEqual(refusal.credit_limit, 5000.0)
        self.assertEqual(refusal.amount_over_limit, 2000.0)
        self.assertIn("limit", refusal.rule_codes)
        self.assertIn("exceeds the credit limit", refusal.reasons)
        # The order deleted, the row keeps its reference.
        order.unlink()
        self.assertFalse(refusal.order_id)
        self.assertTrue(refusal.order_name)

    def test_refusal_raised_to_other_callers_leaves_nothing(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        with self.assertRaises(CreditBlockedError):
            order.with_user(self.salesman).action_confirm()
        self.assertFalse(self._decisions())

    def test_refusal_of_a_signed_quotation_is_logged_once(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        order._validate_order()
        self.assertEqual(order.state, "draft")
        self.assertEqual(len(self._decisions(kind="refusal")), 1)

    def test_approval_is_logged_with_the_amount_over_the_limit(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        approval = order.with_user(self.credit_manager)._credit_approve("deposit")
        decision = self._decisions(kind="approval")
        self.assertEqual(len(decision), 1)
        self.assertEqual(decision.approval_id, approval)
        self.assertEqual(decision.user_id, self.credit_manager)
        self.assertEqual(decision.amount_over_limit, 2000.0)
        self.assertEqual(decision.note, "deposit")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(self._decisions()), 1)

    def test_rolled_back_decision_leaves_no_row(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        with (
            self.assertRaisesRegex(UserError, "later failure"),
            self.env.cr.savepoint(),
        ):
            order.with_user(self.credit_manager)._credit_approve("deposit")
            self.customer.with_user(self.credit_manager).credit_hold = True
            self.assertEqual(len(self._decisions()), 2)
            raise UserError(self.env._("later failure"))
        self.assertFalse(self._decisions())

    def test_limit_changes_by_hand(self):
        partner = self.customer.with_user(self.credit_manager)
        partner.credit_limit = 8000.0
        decision = self._decisions(kind="limit")
        self.assertEqual(len(decision), 1)
        self.assertEqual(
            (
                decision.source,
                decision.limit_from,
                decision.limit_to,
                decision.limit_increase,
            ),
            ("manual", 5000.0, 8000.0, 3000.0),
        )
        self.assertEqual(decision.user_id, self.credit_manager)
        partner.credit_limit = 8000.0  # no change, no row
        partner.credit_limit_applies = False
        removed = self._decisions(kind="limit") - decision
        self.assertEqual(len(removed), 1)
        self.assertEqual((removed.limit_from, removed.limit_to), (8000.0, 0.0))
        self.assertIn("no credit limit", removed.note)
        # A contact synchronised with its company adds nothing.
        self.assertFalse(self.Decision.search([("partner_id", "=", self.contact.id)]))

    def test_limit_through_an_import(self):
        self.customer.with_context(import_file=True).credit_limit = 7000.0
        self.assertEqual(self._decisions(kind="limit").source, "import")

    def test_hold_set_and_released(self):
        partner = self.customer.with_user(self.credit_manager)
        partner.write({"credit_hold": True, "credit_hold_reason": "Cheque bounced"})
        partner.write({"credit_hold": False})
        hold = self._decisions(kind="hold")
        release = self._decisions(kind="release")
        self.assertEqual((len(hold), len(release)), (1, 1))
        self.assertEqual(hold.reasons, "Cheque bounced")

    def test_grade_changes_by_hand_and_by_re_rating(self):
        self.customer.with_user(self.credit_manager).credit_grade_id = self.grade_a
        manual = self._decisions(kind="grade")
        self.assertEqual(len(manual), 1)
        self.assertEqual(
            (manual.grade_from_id, manual.grade_to_id), (self.grade_c, self.grade_a)
        )
        self.company.credit_limit_mode = "auto"
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        rated = self._decisions(source="review")
        kinds = sorted(rated.mapped("kind"))
        grade = self.customer.credit_grade_id
        if grade != self.grade_a:
            self.assertIn("grade", kinds)
            row = rated.filtered(lambda d: d.kind == "grade")
            self.assertEqual(
                (row.grade_from_id, row.grade_to_id), (self.grade_a, grade)
            )
        self.assertEqual(kinds.count("grade"), 1 if grade != self.grade_a else 0)
        self.assertLessEqual(kinds.count("limit"), 1)

    def test_security_events(self):
        bank = self.env["res.partner"].create({"name": "Bank", "is_company": True})
        security = self.env["credit.security"].create(
            {
                "name": "G1",
                "partner_id": self.customer.id,
                "security_type": "bank_guarantee",
                "issuer_id": bank.id,
                "amount": 1000.0,
                "date_from": self.today,
                "date_to": self.today + timedelta(days=3),
            }
        )
        security.with_user(self.credit_manager).action_activate()
        self.assertEqual(len(self._decisions(kind="security_active")), 1)
        with freeze_time(self.today + timedelta(days=3)):
            self.env["credit.security"]._cron_expire()
        expired = self._decisions(kind="security_expired")
        self.assertEqual(len(expired), 1)
        self.assertEqual(expired.security_id, security)

    def test_rows_cannot_be_changed_nor_deleted_by_anyone(self):
        self.customer.with_user(self.credit_manager).credit_limit = 8000.0
        decision = self._decisions(kind="limit")
        admin = self.env.ref("base.user_admin")
        for env in (
            decision.with_user(self.credit_manager),
            decision.with_user(admin),
            decision.sudo(),
        ):
            with self.subTest(user=env.env.user.login, su=env.env.su):
                with self.assertRaisesRegex(AccessError, "cannot be changed"):
                    env.write({"limit_to": 1.0})
                # No unlink right (the access rights refuse first), and
                # the superuser is refused by the model itself.
                with self.assertRaisesRegex(
                    AccessError, "cannot be deleted|not allowed to delete"
                ):
                    env.unlink()
        # Nor forged.
        for env in (
            self.Decision.with_user(admin),
            self.Decision.sudo(),
            self.Decision.with_user(admin).with_context(credit_decision_log=True),
        ):
            with self.assertRaises(AccessError):
                env.create(
                    {
                        "kind": "limit",
                        "company_id": self.company.id,
                        "partner_id": self.customer.id,
                        "user_id": admin.id,
                        "date": "2026-01-01",
                    }
                )
        self.assertEqual(decision.limit_to, 8000.0)

    def test_access(self):
        self.customer.with_user(self.credit_manager).credit_hold = True
        # Credit people and auditors read the log; salespeople and portal not.
        auditor = new_test_user(
            self.env, login="credit_auditor", groups="account.group_account_readonly"
        )
        self.assertTrue(self.Decision.with_user(self.credit_manager).search([]))
        self.assertTrue(self.Decision.with_user(auditor).search([]))
        portal = new_test_user(
            self.env, login="credit_portal_dec", groups="base.group_portal"
        )
        for user in (self.salesman, portal):
            with self.assertRaises(AccessError):
                self.Decision.with_user(user).search([])
        other = self.setup_other_company()["company"]
        stranger = self.credit_manager.copy(
            {
                "login": "credit_manager_other_dec",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
            }
        )
        self.assertFalse(self.Decision.with_user(stranger).search([]))
