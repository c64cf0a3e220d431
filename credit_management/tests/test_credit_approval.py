from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditApproval(CreditCommon):
    """A credit manager's override of a blocked order, and its audit trail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(4500.0)

    def _approve(self, order, user, reason="Bank guarantee received"):
        wizard_action = order.with_user(user).action_credit_approve()
        wizard = Form(
            self.env[wizard_action["res_model"]]
            .with_user(user)
            .with_context(**wizard_action["context"])
        )
        wizard.reason = reason
        return wizard.save().action_approve()

    def test_confirm_passes_after_manager_approval(self):
        order = self._order(1000.0)
        self.assertTrue(order.with_user(self.credit_manager).credit_can_approve)
        self._approve(order, self.credit_manager)
        self.assertTrue(order.credit_approval_valid)
        self.assertFalse(order.credit_blocked)
        self.assertEqual(order.credit_approval_user_id, self.credit_manager)
        self.assertEqual(order.credit_approval_reason, "Bank guarantee received")
        self.assertEqual(order.credit_approval_amount, 1000.0)
        self.assertEqual(order.credit_approval_exposure, 4500.0)
        self.assertEqual(order.credit_approval_limit, 5000.0)
        self.assertIn(
            "exceeds the credit limit", order.credit_approval_blocking_reasons
        )
        self.assertTrue(order.credit_approval_date)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_is_posted_in_the_chatter(self):
        order = self._order(1000.0)
        self._approve(order, self.credit_manager, reason="CFO promised payment")
        message = order.message_ids[0]
        self.assertEqual(message.author_id, self.credit_manager.partner_id)
        self.assertIn("CFO promised payment", message.body)
        self.assertIn("exposure $&nbsp;4,500.00", message.body)

    def test_approval_covers_only_that_order(self):
        approved = self._order(1000.0)
        other = self._order(1000.0)
        self._approve(approved, self.credit_manager)
        self.assertTrue(other.credit_blocked)
        with self.assertRaises(UserError):
            other.action_confirm()

    def test_approval_invalidated_by_amount_increase(self):
        order = self._order(1000.0)
        self._approve(order, self.credit_manager)
        order.order_line.product_uom_qty = 2
        self.assertFalse(order.credit_approval_valid)
        self.assertTrue(order.credit_blocked)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn("needs a new approval", str(caught.exception))
        self.assertIn(self.fmt(2000.0), str(caught.exception))

    def test_approval_survives_amount_decrease(self):
        order = self._order(1000.0)
        self._approve(order, self.credit_manager)
        order.order_line.price_unit = 800.0
        self.assertTrue(order.credit_approval_valid)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_invalidated_by_customer_change(self):
        order = self._order(1000.0)
        self._approve(order, self.credit_manager)
        other = self.env["res.partner"].create(
            {"name": "Other Co", "is_company": True, "credit_hold": True}
        )
        order.partner_id = other
        self.assertFalse(order.credit_approval_valid)
        with self.assertRaises(UserError):
            order.action_confirm()

    def test_salesman_cannot_approve(self):
        order = self._order(1000.0)
        self.assertFalse(order.with_user(self.salesman).credit_can_approve)
        with self.assertRaises(AccessError):
            self._approve(order, self.salesman)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write(
                {"credit_approval_user_id": self.salesman.id}
            )
        self.assertFalse(order.credit_approval_user_id)

    def test_approval_requires_a_reason(self):
        order = self._order(1000.0)
        with self.assertRaises(UserError):
            self._approve(order, self.credit_manager, reason="   ")
        self.assertFalse(order.credit_approval_user_id)

    def test_override_group_follows_the_company_setting(self):
        approvers = self.env["res.groups"].create({"name": "Credit approvers"})
        self.company.credit_override_group_id = approvers
        order = self._order(1000.0)
        with self.assertRaises(AccessError):
            self._approve(order, self.credit_manager)
        self.salesman.group_ids = [Command.link(approvers.id)]
        self._approve(order, self.salesman)
        self.assertEqual(order.credit_approval_user_id, self.salesman)
