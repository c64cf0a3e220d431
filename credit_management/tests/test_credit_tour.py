from odoo.tests import HttpCase, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditTour(CreditCommon, HttpCase):
    """In the browser (Chromium): a salesman is blocked at confirmation, sees
    why and requests an approval; the credit manager finds it in the Approval
    Requests queue (the Credit menu counts it) and approves with a reason; the
    salesman confirms."""

    def test_blocked_approved_confirmed(self):
        self.customer.credit_limit = 5000.0
        self.company.credit_manager_user_id = self.credit_manager
        order = self._order(6000.0)
        url = f"/odoo/sales/{order.id}"
        self.start_tour(
            url, "credit_management_salesman_blocked", login="credit_salesman"
        )
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.credit_approval_user_id)
        self.assertTrue(order.credit_review_pending)
        request = order.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("credit_management.mail_activity_type_credit_approval")
            )
        )
        self.assertEqual(request.user_id, self.credit_manager)
        # The refusal, made through the browser, is in the decision log.
        Decision = self.env["credit.decision"]
        refusal = Decision.search([("order_id", "=", order.id)])
        self.assertEqual(refusal.mapped("kind"), ["refusal"])
        self.assertEqual(refusal.user_id, self.salesman)

        self.start_tour(
            "/odoo/sales",
            "credit_management_manager_approves",
            login="credit_manager",
        )
        self.assertEqual(order.credit_approval_user_id, self.credit_manager)
        self.assertEqual(
            order.credit_approval_reason, "Deposit of 2,000 received by bank transfer"
        )
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.credit_review_pending)
        approval = Decision.search(
            [("order_id", "=", order.id), ("kind", "=", "approval")]
        )
        self.assertEqual(approval.user_id, self.credit_manager)

        self.start_tour(
            url, "credit_management_salesman_confirms", login="credit_salesman"
        )
        self.assertEqual(order.state, "sale")
