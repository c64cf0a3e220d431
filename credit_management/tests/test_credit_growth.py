from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditGrowth(CreditCommon):
    """A confirmed order that grows goes through the same credit check."""

    def setUp(self):
        super().setUp()
        self.customer.credit_limit = 1000.0
        self.order = self._order(800.0, confirm=True)
        self.assertEqual(self.order.state, "sale")

    def _add_line(self, order, amount, user):
        order.with_user(user).write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ]
            }
        )

    def test_line_added_over_the_limit_is_refused(self):
        with self.assertRaises(UserError) as caught:
            self._add_line(self.order, 5000.0, self.salesman)
        message = str(caught.exception)
        self.assertIn(f"cannot grow by {self.fmt(5000.0)}", message)
        self.assertIn("exceeds the credit limit", message)
        self.assertIn(f"Exposure {self.fmt(800.0)} + this order", message)
        self.order.invalidate_recordset()
        self.assertEqual(self.order.amount_total, 800.0)
        self.assertEqual(self.customer.credit_exposure, 800.0)

    def test_growth_refusal_figures_add_up(self):
        """The exposure a growth refusal shows is without the increase (the
        limit's reason adds it apart): its parts said so too. They read the
        order with the increase, so "Exposure 800 = confirmed orders not
        invoiced 5,800" did not add up."""
        with self.assertRaises(UserError) as caught:
            self._add_line(self.order, 5000.0, self.salesman)
        line = next(
            text
            for text in str(caught.exception).splitlines()
            if text.startswith("Exposure ")
        )
        self.assertEqual(
            line,
            f"Exposure {self.fmt(800.0)} = confirmed orders not invoiced "
            f"{self.fmt(5800.0)} - this increase {self.fmt(5000.0)}.",
        )

    def test_quantity_raised_over_the_limit_is_refused(self):
        with self.assertRaises(UserError):
            self.order.order_line.with_user(self.salesman).product_uom_qty = 3
        with self.assertRaises(UserError):
            self.order.order_line.with_user(self.salesman).price_unit = 2000.0
        self.order.invalidate_recordset()
        self.assertEqual(self.order.amount_total, 800.0)

    def test_increase_within_the_limit_and_decrease_pass(self):
        self._add_line(self.order, 150.0, self.salesman)
        self.assertEqual(self.order.amount_total, 950.0)
        self.order.order_line[0].with_user(self.salesman).price_unit = 500.0
        self.assertEqual(self.order.amount_total, 650.0)

    def test_hold_blocks_any_increase(self):
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Dispute"})
        with self.assertRaises(UserError) as caught:
            self._add_line(self.order, 10.0, self.salesman)
        self.assertIn("on credit hold", str(caught.exception))

    def test_approver_increase_passes_and_is_recorded(self):
        self._add_line(self.order, 5000.0, self.credit_manager)
        self.assertEqual(self.order.amount_total, 5800.0)
        approval = self.order.credit_approval_id
        self.assertEqual(approval.user_id, self.credit_manager)
        self.assertEqual(approval.amount, 5800.0)
        self.assertEqual(approval.rule_codes, "limit")
        self.assertIn("increased by", approval.reason)
        # Up to the approved total, the salesman may change it again.
        self.order.order_line[1].with_user(self.salesman).price_unit = 4000.0
        self.order.order_line[1].with_user(self.salesman).price_unit = 5000.0
        with self.assertRaises(UserError):
            self.order.order_line[1].with_user(self.salesman).price_unit = 5001.0
