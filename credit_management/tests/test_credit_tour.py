from odoo.tests import HttpCase, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditTour(CreditCommon, HttpCase):
    """In the browser (Chromium): a salesman is blocked at confirmation and sees
    why, a credit manager approves with a reason, the salesman confirms."""

    def test_blocked_approved_confirmed(self):
        self.customer.credit_limit = 5000.0
        order = self._order(6000.0)
        url = f"/odoo/sales/{order.id}"
        self.start_tour(
            url, "credit_management_salesman_blocked", login="credit_salesman"
        )
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.credit_approval_user_id)

        self.start_tour(
            url, "credit_management_manager_approves", login="credit_manager"
        )
        self.assertEqual(order.credit_approval_user_id, self.credit_manager)
        self.assertEqual(
            order.credit_approval_reason, "Deposit of 2,000 received by bank transfer"
        )
        self.assertEqual(order.state, "draft")

        self.start_tour(
            url, "credit_management_salesman_confirms", login="credit_salesman"
        )
        self.assertEqual(order.state, "sale")
