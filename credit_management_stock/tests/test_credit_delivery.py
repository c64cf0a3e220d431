from datetime import timedelta

from freezegun import freeze_time
from odoo import Command
from odoo.addons.credit_management.exceptions import CreditBlockedError
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import CreditStockCommon


@tagged("post_install", "-at_install")
class TestCreditDelivery(CreditStockCommon):
    """Which deliveries the credit check refuses, and what it says."""

    def test_delivery_blocked_for_customer_on_hold(self):
        order, delivery = self._shipped_order(1000.0)
        self._hold("Cheque returned unpaid")
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(delivery)
        message = str(refusal.exception)
        self.assertIn(
            f"Delivery {delivery.name} of order {order.name} cannot be validated: "
            "the credit check of Acme Credit Test failed.",
            message,
        )
        self.assertIn(
            "Acme Credit Test is on credit hold: Cheque returned unpaid.", message
        )
        self.assertIn(
            "What to do: have a credit manager release the hold, or ask a credit "
            "manager to release this delivery (Release Credit Hold).",
            message,
        )
        self.assertEqual(delivery.state, "assigned")
        self.assertTrue(delivery.credit_blocked)
        self.assertEqual(
            delivery.credit_block_summary,
            "Delivery blocked by the credit check: customer on credit hold.",
        )

    def test_delivery_passes_after_release(self):
        order, delivery = self._shipped_order(1000.0)
        self._hold()
        self._release(delivery, reason="Paid by wire this morning")
        self.assertFalse(delivery.credit_blocked)
        self.assertTrue(delivery.credit_released)
        release = delivery.credit_release_id
        self.assertEqual(release.user_id, self.credit_manager)
        self.assertEqual(release.reason, "Paid by wire this morning")
        self.assertEqual(release.rule_codes, "hold")
        self.assertEqual(release.order_id, order)
        self.assertEqual(release.partner_id, self.customer)
        self.assertIn("on credit hold", release.blocking_reasons)
        self.assertEqual(delivery.credit_release_user_id, self.credit_manager)
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")
        notes = delivery.message_ids.filtered(
            lambda m: "Credit hold released by" in (m.body or "")
        )
        self.assertEqual(notes.author_id, self.credit_manager.partner_id)
        self.assertIn("Paid by wire this morning", notes.body)
        self.assertTrue(
            order.message_ids.filtered(
                lambda m: "Credit hold released by" in (m.body or "")
            )
        )

    def test_release_is_logged_as_a_credit_decision(self):
        order, delivery = self._shipped_order(1000.0)
        self._hold("Cheque returned unpaid")
        self._release(delivery, reason="Paid by wire this morning")
        decision = self.env["credit.decision"].search(
            [("picking_id", "=", delivery.id)]
        )
        self.assertEqual(decision.kind, "delivery_release")
        self.assertEqual(decision.user_id, self.credit_manager)
        self.assertEqual(decision.partner_id, self.customer)
        self.assertEqual(decision.order_id, order)
        self.assertEqual(decision.amount, 1000.0)
        self.assertEqual(decision.exposure, 1000.0)
        self.assertEqual(decision.rule_codes, "hold")
        self.assertEqual(decision.note, f"{delivery.name}: Paid by wire this morning")
        self.assertIn("Cheque returned unpaid", decision.reasons)
        manual = self._manual_delivery()
        self._release(manual, reason="Samples")
        decision = self.env["credit.decision"].search([("picking_id", "=", manual.id)])
        self.assertEqual(decision.kind, "delivery_release")
        self.assertFalse(decision.order_id)
        self.assertEqual(decision.note, f"{manual.name}: Samples")

    def test_customer_not_held_passes(self):
        _order, delivery = self._shipped_order(1000.0)
        self.assertFalse(delivery.credit_blocked)
        self.assertFalse(delivery.credit_block_message)
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")

    def test_delivery_blocked_when_customer_now_over_limit(self):
        # Confirmed within the limit (4,000 of 5,000); an invoice posted since
        # takes the exposure, this order included, past the limit.
        order, delivery = self._shipped_order(4000.0)
        self._invoice(1500.0)
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(delivery)
        message = str(refusal.exception)
        self.assertIn(
            f"Exposure {self.fmt(1500.0)} + this order {self.fmt(4000.0)} = "
            f"{self.fmt(5500.0)} exceeds the credit limit {self.fmt(5000.0)} of "
            f"Acme Credit Test (grade TC - Test Fair) by {self.fmt(500.0)}.",
            message,
        )
        self.assertIn(f"this order {self.fmt(4000.0)}.", message)
        self.assertIn("request a higher credit limit", message)
        self.assertEqual(
            delivery.credit_block_summary,
            "Delivery blocked by the credit check: over the credit limit by "
            f"{self.fmt(500.0)}.",
        )
        self.assertEqual(order.state, "sale")

    def test_delivery_blocked_when_limit_lowered(self):
        _order, delivery = self._shipped_order(4000.0)
        self.customer.credit_limit = 3000.0
        with self.assertRaises(CreditBlockedError):
            self._validate(delivery)
        self.customer.credit_limit = 4000.0
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")

    def test_delivery_blocked_when_order_grew_past_limit(self):
        # The order grows past the limit with an approver's change (recorded as
        # an approval): the approval covers it while it lasts; when it has
        # expired, the delivery waits for a release.
        order, delivery = self._shipped_order(4000.0)
        order.with_user(self.credit_manager).order_line = [
            Command.create(
                {
                    "product_id": self.product_a.id,
                    "product_uom_qty": 1,
                    "price_unit": 2000.0,
                    "tax_ids": [],
                }
            )
        ]
        delivery = self._delivery(order)
        self.assertTrue(order.credit_approval_id)
        self.assertFalse(delivery.credit_blocked)
        expiry = order.credit_approval_id.date_expiry
        with freeze_time(expiry + timedelta(days=1)):
            self.env.invalidate_all()
            self.assertTrue(delivery.credit_blocked)
            with self.assertRaises(CreditBlockedError) as refusal:
                self._validate(delivery)
            self.assertIn("exceeds the credit limit", str(refusal.exception))
            self.assertIn("no longer covers the order", str(refusal.exception))

    def test_approved_order_passes_while_approval_covers_it(self):
        order = self._order(6000.0)
        order._credit_approve("Known customer, guarantee on its way")
        order.action_confirm()
        delivery = self._delivery(order)
        self.assertFalse(delivery.credit_blocked)
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")

    def test_stock_user_opens_an_approved_order(self):
        """A stock user reads sale orders but not credit figures: the order's
        form shows who approved it and why, without the approvals' figures
        (and without failing on them)."""
        order = self._order(6000.0)
        order._credit_approve("Known customer, guarantee on its way")
        order.action_confirm()
        as_stock_user = order.with_user(self.stock_user)
        self.assertFalse(
            self.stock_user.has_group("credit_management.group_credit_reader")
        )
        # The form as the web client loads it (core's own fields of the form,
        # invoices and the like, are not the stock user's to read).
        view = as_stock_user.get_views([(False, "form")])
        credit_fields = {
            name
            for name in view["models"]["sale.order"]["fields"]
            if name.startswith("credit_")
        }
        self.assertIn("credit_approval_reason", credit_fields)
        self.assertNotIn("credit_approval_ids", credit_fields)
        [values] = as_stock_user.web_read({name: {} for name in credit_fields})
        self.assertEqual(
            values["credit_approval_reason"], "Known customer, guarantee on its way"
        )
        self.assertEqual(as_stock_user.credit_approval_user_id, self.env.user)
        with self.assertRaises(AccessError):
            self.env["credit.approval"].with_user(self.stock_user).search_read(
                [], ["exposure"]
            )

    def test_hold_after_approval_blocks_the_delivery(self):
        order = self._order(6000.0)
        order._credit_approve("Known customer")
        order.action_confirm()
        self._hold()
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(self._delivery(order))
        self.assertIn("a reason came up after it: hold", str(refusal.exception))

    def test_overdue_invoices_block_the_delivery(self):
        _order, delivery = self._shipped_order(1000.0)
        self._invoice(800.0, days_ago=45)
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(delivery)
        self.assertIn("more than 30 days past due", str(refusal.exception))
        self.assertIn("collect the overdue payments", str(refusal.exception))

    def test_paid_order_is_held_back_by_a_hold_only(self):
        # The order is invoiced and paid: it puts nothing at risk any more, so
        # the customer's other debts do not hold its goods back; a hold does.
        order, delivery = self._shipped_order(1000.0)
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self._invoice(5000.0, days_ago=45)
        self.assertFalse(delivery.credit_blocked)
        self._hold()
        delivery.invalidate_recordset()
        self.assertTrue(delivery.credit_blocked)
        self.assertEqual(
            delivery.credit_block_summary,
            "Delivery blocked by the credit check: customer on credit hold.",
        )

    def test_delivery_without_order_blocked_for_customer_on_hold(self):
        delivery = self._manual_delivery(partner=self.contact)
        self._validate(self._manual_delivery())
        self._hold("Lawsuit")
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(delivery)
        message = str(refusal.exception)
        self.assertIn(
            f"Delivery {delivery.name} cannot be validated: the credit check of "
            "Acme Credit Test failed.",
            message,
        )
        self.assertIn("• Acme Credit Test is on credit hold: Lawsuit.", message)
        self._release(delivery)
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")

    def test_company_without_credit_control_never_blocks(self):
        _order, delivery = self._shipped_order(1000.0)
        self._hold()
        self._invoice(9000.0, days_ago=90)
        self.company.credit_control_enabled = False
        self.assertFalse(delivery.credit_blocked)
        self._validate(delivery)
        self.assertEqual(delivery.state, "done")

    def test_returns_are_not_blocked(self):
        _order, delivery = self._shipped_order(1000.0)
        self._validate(delivery)
        self._hold()
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_ids=delivery.ids,
                active_id=delivery.id,
                active_model="stock.picking",
            )
        ).save()
        wizard.product_return_moves.quantity = 1.0
        returned = self.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        self.assertEqual(returned.picking_type_code, "incoming")
        self.assertFalse(returned.credit_blocked)
        self._validate(returned)
        self.assertEqual(returned.state, "done")

    def test_internal_transfers_are_not_blocked(self):
        self._hold()
        location = self.warehouse.lot_stock_id
        transfer = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "partner_id": self.customer.id,
                "location_id": location.id,
                "location_dest_id": location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "product_uom_qty": 1.0,
                            "location_id": location.id,
                            "location_dest_id": location.id,
                        }
                    )
                ],
            }
        )
        transfer.action_confirm()
        self.assertFalse(transfer.credit_blocked)
        self._validate(transfer)
        self.assertEqual(transfer.state, "done")

    def test_backorder_of_released_delivery_is_checked_again(self):
        order, delivery = self._shipped_order(1000.0, qty=2.0)
        self._hold()
        self._release(delivery)
        self._validate(delivery, qty=1.0)
        self.assertEqual(delivery.state, "done")
        backorder = self._delivery(order)
        self.assertEqual(backorder.backorder_id, delivery)
        self.assertFalse(backorder.credit_release_ids)
        self.assertTrue(backorder.credit_blocked)
        with self.assertRaises(CreditBlockedError):
            self._validate(backorder)

    def test_release_covers_only_the_reasons_it_overrode(self):
        _order, delivery = self._shipped_order(1000.0)
        self._hold()
        self._release(delivery)
        self._invoice(800.0, days_ago=45)
        delivery.invalidate_recordset()
        self.assertTrue(delivery.credit_blocked)
        with self.assertRaises(CreditBlockedError) as refusal:
            self._validate(delivery)
        self.assertIn("more than 30 days past due", str(refusal.exception))

    def test_credit_manager_reads_release_wording(self):
        _order, delivery = self._shipped_order(1000.0)
        self._hold()
        message = delivery.with_user(self.credit_manager).credit_block_message
        self.assertIn(
            "or release this delivery yourself (Release Credit Hold).", message
        )
        self.assertTrue(delivery.with_user(self.credit_manager).credit_can_release)
        self.assertFalse(delivery.with_user(self.stock_user).credit_can_release)

    def test_blocked_deliveries_filter(self):
        _order, blocked = self._shipped_order(1000.0)
        _order, free = self._shipped_order(
            500.0,
            partner=self.env["res.partner"].create(
                {"name": "Free Customer", "is_company": True}
            ),
        )
        self._hold()
        found = self.env["stock.picking"].search([("credit_blocked", "=", True)])
        self.assertIn(blocked, found)
        self.assertNotIn(free, found)
        self.assertIn(
            free, self.env["stock.picking"].search([("credit_blocked", "=", False)])
        )
        self.assertNotIn(
            blocked, self.env["stock.picking"].search([("credit_blocked", "!=", True)])
        )
