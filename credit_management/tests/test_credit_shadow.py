from odoo.tests import tagged

from ..exceptions import CreditBlockedError
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditShadowMode(CreditCommon):
    """Shadow mode: the rules run and are logged as "would have blocked", the
    order confirms, the salesperson is told what would happen once enforced."""

    def _shadow_rows(self, order):
        return self.env["credit.decision"].search(
            [("order_id", "=", order.id), ("kind", "=", "shadow")]
        )

    def test_shadow_mode_confirms_and_logs_what_would_have_blocked(self):
        self.company.credit_shadow_mode = "all"
        self._invoice(4500.0)
        order = self._order(1000.0).with_user(self.salesman)
        self.assertFalse(order.credit_blocked)
        self.assertIn("exceeds the credit limit", order.credit_shadow_message)
        order.with_context(credit_refusal_dialog=True).action_confirm()
        self.assertEqual(order.state, "sale")
        row = self._shadow_rows(order)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.salesperson_id, self.salesman)
        self.assertEqual(row.user_id, self.salesman)
        self.assertAlmostEqual(row.amount, 1000.0)
        self.assertAlmostEqual(row.amount_over_limit, 500.0)
        self.assertEqual(row.rule_codes, "limit")
        self.assertIn("over the credit limit", row.why)
        self.assertIn("exceeds the credit limit", order.credit_shadow_reasons)
        self.assertFalse(
            self.env["credit.decision"].search_count(
                [("order_id", "=", order.id), ("kind", "=", "refusal")]
            ),
            "nothing was refused",
        )

    def test_shadow_of_chosen_rules_only(self):
        self.company.write(
            {"credit_shadow_mode": "rules", "credit_shadow_overdue": True}
        )
        self._invoice(200.0, days_ago=60)  # overdue beyond 30 days and 100
        passing = self._order(100.0)
        passing.action_confirm()
        self.assertEqual(passing.state, "sale")
        self.assertEqual(self._shadow_rows(passing).rule_codes, "overdue")
        # The limit is still enforced: over it, refused with the limit alone.
        blocked = self._order(6000.0)
        with self.assertRaises(CreditBlockedError) as caught:
            blocked.action_confirm()
        self.assertIn("exceeds the credit limit", str(caught.exception))
        self.assertNotIn("past due for", str(caught.exception))
        self.assertFalse(self._shadow_rows(blocked))

    def test_no_shadow_row_when_nothing_would_block(self):
        self.company.credit_shadow_mode = "all"
        order = self._order(100.0)
        self.assertFalse(order.credit_shadow_message)
        order.action_confirm()
        self.assertFalse(self._shadow_rows(order))
        self.assertFalse(order.credit_shadow_reasons)

    def test_enforced_mode_still_blocks(self):
        self._invoice(4500.0)
        order = self._order(1000.0)
        self.assertTrue(order.credit_blocked)
        self.assertFalse(order.credit_shadow_message)
        with self.assertRaises(CreditBlockedError):
            order.action_confirm()

    def test_report_by_salesperson_and_rule(self):
        self.company.credit_shadow_mode = "all"
        self._invoice(4500.0)
        for amount in (1000.0, 2000.0):
            self._order(amount).action_confirm()
        action = self.env.ref("credit_management.action_credit_decision_shadow")
        self.assertEqual(action.domain, "[('kind', '=', 'shadow')]")
        groups = self.env["credit.decision"]._read_group(
            [("kind", "=", "shadow")],
            ["salesperson_id", "rule_names"],
            ["amount:sum", "__count"],
        )
        self.assertEqual(len(groups), 1)
        salesperson, why, amount, count = groups[0]
        self.assertEqual(salesperson, self.salesman)
        self.assertEqual(why, "over the credit limit")
        self.assertAlmostEqual(amount, 3000.0)
        self.assertEqual(count, 2)
