from datetime import timedelta

from freezegun import freeze_time
from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

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
        approval = order.credit_approval_id
        self.assertEqual(approval.user_id, self.credit_manager)
        self.assertEqual(approval.reason, "Bank guarantee received")
        self.assertEqual(approval.amount, 1000.0)
        self.assertEqual(approval.currency_id, order.currency_id)
        self.assertEqual(approval.exposure, 4500.0)
        self.assertEqual(approval.credit_limit, 5000.0)
        self.assertEqual(approval.rule_codes, "limit")
        self.assertIn("exceeds the credit limit", approval.blocking_reasons)
        self.assertTrue(approval.date)
        self.assertEqual(approval.date_expiry, self.today + timedelta(days=30))
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approvals_are_read_by_readers_of_credit_figures(self):
        """An approval holds the customer's exposure, limit and the reasons
        overridden: any internal user could list every approval over RPC."""
        order = self._order(1000.0)
        self._approve(order, self.credit_manager)
        approval = order.credit_approval_id
        employee = new_test_user(
            self.env,
            login="credit_plain_employee",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["credit.approval"].with_user(employee).search_read(
                [], ["exposure", "credit_limit", "blocking_reasons"]
            )
        # The salesperson still reads the approval of the order, and who
        # approved it and why.
        as_salesman = order.with_user(self.salesman)
        self.assertEqual(as_salesman.credit_approval_id, approval)
        self.assertEqual(as_salesman.credit_approval_ids.exposure, approval.exposure)
        self.assertEqual(as_salesman.credit_approval_user_id, self.credit_manager)
        self.assertEqual(as_salesman.credit_approval_reason, "Bank guarantee received")

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
        self.assertIn(f"covered {self.fmt(1000.0)}", str(caught.exception))

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
        self.assertFalse(order.credit_approval_ids)

    def test_approval_requires_a_reason(self):
        order = self._order(1000.0)
        with self.assertRaises(UserError):
            self._approve(order, self.credit_manager, reason="   ")
        self.assertFalse(order.credit_approval_ids)

    def test_override_group_follows_the_company_setting(self):
        approvers = self.env["res.groups"].create({"name": "Credit approvers"})
        self.company.credit_override_group_id = approvers
        order = self._order(1000.0)
        with self.assertRaises(AccessError):
            self._approve(order, self.credit_manager)
        self.salesman.group_ids = [Command.link(approvers.id)]
        self._approve(order, self.salesman)
        self.assertEqual(order.credit_approval_id.user_id, self.salesman)


@tagged("post_install", "-at_install")
class TestCreditApprovalForgery(CreditCommon):
    """Approvals are records of their own: no path lets a salesman make one."""

    def setUp(self):
        super().setUp()
        self.customer.credit_limit = 100.0

    def _assert_still_blocked(self, order):
        order.invalidate_recordset()
        self.assertFalse(order.sudo().credit_approval_ids)
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()

    def test_salesman_cannot_create_an_approval(self):
        order = self._order(5000.0)
        with self.assertRaises(AccessError):
            self.env["credit.approval"].with_user(self.salesman).create(
                {"order_id": order.id, "reason": "forged"}
            )
        self._assert_still_blocked(order)

    def test_salesman_cannot_create_an_order_with_an_approval(self):
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product_a.id, "price_unit": 5000.0}
                        )
                    ],
                    "credit_approval_ids": [Command.create({"reason": "forged"})],
                }
            )

    def test_salesman_cannot_copy_an_approval(self):
        order = self._order(5000.0)
        order.with_user(self.credit_manager)._credit_approve("approved once")
        copied = order.with_user(self.salesman).copy()
        self.assertFalse(copied.sudo().credit_approval_ids)
        self._assert_still_blocked(copied)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).copy(
                default={"credit_approval_ids": [Command.create({"reason": "forged"})]}
            )

    def test_approval_cannot_be_edited_or_deleted(self):
        order = self._order(5000.0)
        approval = order.with_user(self.credit_manager)._credit_approve("ok")
        for user in (self.salesman, self.credit_manager):
            with self.assertRaises(AccessError):
                approval.with_user(user).write({"amount": 1e9})
            with self.assertRaises(AccessError):
                approval.with_user(user).unlink()
        with self.assertRaises(AccessError):
            approval.sudo().write({"amount": 1e9})
        with self.assertRaises(AccessError):
            approval.sudo().unlink()
        with self.assertRaises(UserError):
            order.sudo().unlink()  # the order keeps its approval for the audit
        self.assertEqual(approval.amount, 5000.0)

    def test_figures_come_from_the_order_not_the_caller(self):
        order = self._order(5000.0)
        approval = (
            self.env["credit.approval"]
            .with_user(self.credit_manager)
            .create(
                {
                    "order_id": order.id,
                    "reason": "ok",
                    "amount": 1e9,
                    "user_id": self.salesman.id,
                    "rule_codes": "hold,limit",
                }
            )
        )
        self.assertEqual(approval.amount, 5000.0)
        self.assertEqual(approval.user_id, self.credit_manager)
        self.assertEqual(approval.rule_codes, "limit")


@tagged("post_install", "-at_install")
class TestCreditApprovalScope(CreditCommon):
    """An approval covers the reasons it saw, expires, dies with a cancel and
    compares amounts in the order's currency."""

    def setUp(self):
        super().setUp()
        self._invoice(4500.0)

    def test_hold_placed_after_the_approval_blocks_again(self):
        order = self._order(1000.0)
        order.with_user(self.credit_manager)._credit_approve("limit ok")
        self.assertFalse(order.credit_blocked)
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Lawsuit"})
        order.invalidate_recordset()
        self.assertTrue(order.credit_blocked)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn("on credit hold", str(caught.exception))
        self.assertIn("a reason came up after it: hold", str(caught.exception))

    def test_approval_expires(self):
        self.company.credit_approval_validity_days = 10
        order = self._order(1000.0)
        order.with_user(self.credit_manager)._credit_approve("limit ok")
        with freeze_time(fields.Date.today() + timedelta(days=10)):
            self.env.invalidate_all()
            self.assertFalse(order.credit_blocked)
        with freeze_time(fields.Date.today() + timedelta(days=11)):
            self.env.invalidate_all()
            self.assertTrue(order.credit_blocked)
            self.assertEqual(order.credit_approval_id.state, "expired")
            with self.assertRaises(UserError) as caught:
                order.action_confirm()
            self.assertIn("it expired on", str(caught.exception))

    def test_cancel_revokes_the_approval(self):
        order = self._order(1000.0)
        approval = order.with_user(self.credit_manager)._credit_approve("ok")
        order._action_cancel()
        self.assertEqual(approval.state, "revoked")
        order.action_draft()
        self.assertTrue(order.credit_blocked)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn("revoked", str(caught.exception))

    def test_amount_compared_in_order_currency(self):
        """A rate that moves after the approval does not change what it covers:
        the approved amount is the order's own total in its currency."""
        # 1,000 EUR = 2,000 of company currency: over the limit.
        currency = self.setup_other_currency("EUR", rates=[("2020-01-01", 0.5)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": currency.id}
        )
        order = self._order(1000.0, pricelist=pricelist)
        self.assertTrue(order.credit_blocked)
        order.with_user(self.credit_manager)._credit_approve("ok")
        approval = order.credit_approval_id
        self.assertEqual(approval.currency_id, currency)
        self.assertEqual(approval.amount, 1000.0)
        self.env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": self.today, "rate": 0.4}
        )
        # Now 2,500 in company currency: the approved 1,000 EUR still cover it.
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)
        order.action_confirm()
        self.assertEqual(order.state, "sale")


@tagged("post_install", "-at_install")
class TestCreditApprovalRequest(CreditCommon):
    """A blocked salesman asks for an approval and hears of the decision."""

    def setUp(self):
        super().setUp()
        self._invoice(4500.0)
        self.company.credit_manager_user_id = self.credit_manager
        self.activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_approval"
        )

    def _requests(self, order):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_request_then_approval_notifies_the_salesman(self):
        order = self._order(1000.0)
        action = order.with_user(self.salesman).action_credit_request_approval()
        self.assertIn(self.credit_manager.name, action["params"]["message"])
        request = self._requests(order)
        self.assertEqual(request.user_id, self.credit_manager)
        self.assertIn("exceeds the credit limit", request.note)
        self.assertTrue(order.credit_review_pending)
        # Asking twice raises no second activity.
        order.with_user(self.salesman).action_credit_request_approval()
        self.assertEqual(len(self._requests(order)), 1)
        order.with_user(self.credit_manager)._credit_approve("Guarantee received")
        self.assertFalse(self._requests(order))
        self.assertFalse(order.credit_review_pending)
        message = order.message_ids.filtered(lambda m: "Credit approved by" in m.body)
        self.assertIn("Guarantee received", message.body)
        self.assertIn(self.salesman.partner_id, message.partner_ids)

    def test_refused_request_tells_the_salesman(self):
        order = self._order(1000.0)
        order.with_user(self.salesman).action_credit_request_approval()
        with self.assertRaises(AccessError):
            order.with_user(self.salesman)._credit_refuse_request("no")
        order.with_user(self.credit_manager)._credit_refuse_request(
            "Too much overdue already"
        )
        self.assertFalse(order.credit_review_pending)
        self.assertFalse(self._requests(order))
        self.assertTrue(order.credit_blocked)
        message = order.message_ids.filtered(lambda m: "refused by" in m.body)
        self.assertIn("Too much overdue already", message.body)
        self.assertIn(self.salesman.partner_id, message.partner_ids)

    def test_cancel_closes_the_request(self):
        order = self._order(1000.0)
        order.with_user(self.salesman).action_credit_request_approval()
        self.assertTrue(self._requests(order))
        order._action_cancel()
        self.assertFalse(order.credit_review_pending)
        self.assertFalse(self._requests(order))
