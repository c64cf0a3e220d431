from xmlrpc.client import Fault

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CreditStockCommon

RPC_FAULT_CODE_ACCESS_ERROR = 4  # odoo/addons/rpc/controllers/xmlrpc.py


class CreditStockAccessCommon(CreditStockCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order, cls.delivery = cls._shipped_order(1000.0)
        cls._hold()


@tagged("post_install", "-at_install")
class TestCreditDeliveryAccess(CreditStockAccessCommon):
    """Who may release a blocked delivery."""

    def _assert_cannot_release(self, user):
        delivery = self.delivery.with_user(user)
        self.assertTrue(delivery.credit_blocked)
        self.assertFalse(delivery.credit_can_release)
        with self.assertRaises(AccessError):
            delivery.action_credit_release()
        with self.assertRaises(AccessError):
            self.env["credit.delivery.release.wizard"].with_user(user).create(
                {"picking_id": self.delivery.id, "reason": "Self-released"}
            ).action_release()
        with self.assertRaises(AccessError):
            self.env["credit.delivery.release"].with_user(user).create(
                {"picking_id": self.delivery.id, "reason": "Self-released"}
            )
        with self.assertRaises(AccessError):
            delivery.write(
                {"credit_release_ids": [Command.create({"reason": "Self-released"})]}
            )
        self.assertFalse(self.delivery.credit_release_ids)
        self.assertTrue(self.delivery.credit_blocked)

    def test_stock_user_cannot_release(self):
        self._assert_cannot_release(self.stock_user)

    def test_salesman_cannot_release(self):
        self._assert_cannot_release(self.salesman)

    def test_credit_manager_releases(self):
        self._release(self.delivery, reason="Customer paid the disputed invoice")
        self.assertEqual(self.delivery.credit_release_id.user_id, self.credit_manager)
        self._validate(self.delivery)
        self.assertEqual(self.delivery.state, "done")

    def test_company_override_group_releases(self):
        approvers = self.env["res.groups"].create({"name": "Credit Approvers"})
        self.company.credit_override_group_id = approvers
        with self.assertRaises(AccessError):
            self._release(self.delivery)
        self.stock_user.group_ids = [Command.link(approvers.id)]
        message = self.delivery.with_user(self.salesman).credit_block_message
        self.assertIn('a credit approver (group "Credit Approvers")', message)
        self._release(self.delivery, user=self.stock_user)
        self._validate(self.delivery)
        self.assertEqual(self.delivery.state, "done")

    def test_release_needs_a_reason_and_a_blocked_delivery(self):
        with self.assertRaises(UserError):
            self.env["credit.delivery.release"].with_user(self.credit_manager).create(
                {"picking_id": self.delivery.id, "reason": "  "}
            )
        _order, free = self._shipped_order(
            100.0,
            partner=self.env["res.partner"].create(
                {"name": "Free Customer", "is_company": True}
            ),
        )
        with self.assertRaises(UserError):
            self._release(free)
        self._release(self.delivery)
        with self.assertRaises(UserError):
            self._release(self.delivery)

    def test_release_cannot_be_changed_or_deleted(self):
        self._release(self.delivery)
        release = self.delivery.credit_release_id
        for user in (self.credit_manager, self.env.user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    release.with_user(user).write({"reason": "Something else"})
                with self.assertRaises(AccessError):
                    release.with_user(user).unlink()
        with self.assertRaises(AccessError):
            release.sudo().write({"user_id": self.salesman.id})
        self.assertEqual(release.user_id, self.credit_manager)
        self.delivery.action_cancel()
        with self.assertRaises(UserError):
            self.delivery.unlink()

    def test_portal_reads_no_credit_field_of_a_delivery(self):
        portal = new_test_user(
            self.env,
            login="credit_stock_portal",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        for field in ("credit_blocked", "credit_block_message", "credit_release_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                self.delivery.with_user(portal).read([field])


@tagged("post_install", "-at_install")
class TestCreditDeliveryCrossCompany(CreditStockCommon):
    """The delivery's company decides: its policy, its approvers, its records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company()["company"]
        cls.env.user.company_ids = [Command.link(cls.company_b.id)]
        cls.company_b.credit_control_enabled = True
        cls.customer.with_company(cls.company_b).write(
            {"credit_hold": True, "credit_hold_reason": "B's dispute"}
        )
        cls.delivery_b = cls._manual_delivery(company=cls.company_b)
        cls.delivery_a = cls._manual_delivery()

    def test_hold_of_the_delivery_company_decides(self):
        self.assertFalse(self.delivery_a.credit_blocked)
        self.assertTrue(self.delivery_b.credit_blocked)
        self.assertIn("B's dispute", self.delivery_b.credit_block_message)
        self._validate(self.delivery_a)
        self.assertEqual(self.delivery_a.state, "done")

    def test_credit_manager_of_another_company_cannot_release(self):
        manager_a = self.credit_manager  # companies: A only
        with self.assertRaises(AccessError):
            self.delivery_b.with_user(manager_a).read(["name"])
        with self.assertRaises(AccessError):
            self.env["credit.delivery.release"].with_user(manager_a).create(
                {"picking_id": self.delivery_b.id, "reason": "not mine"}
            )
        self.assertFalse(self.delivery_b.credit_release_ids)

    def test_releases_of_another_company_are_invisible(self):
        self.delivery_b._credit_release("Released in B")
        env = self.env(user=self.credit_manager)
        self.assertFalse(env["credit.delivery.release"].search([]))
        with self.assertRaises(AccessError):
            self.delivery_b.credit_release_id.with_user(self.credit_manager).read(
                ["reason"]
            )


@tagged("post_install", "-at_install")
class TestCreditDeliveryRpc(CreditStockAccessCommon, HttpCase):
    """The same refusals through the external API (XML-RPC)."""

    @mute_logger("odoo.addons.rpc.controllers.xmlrpc", "odoo.http")
    def _rpc(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def _assert_refused(self, user, model, method, *args, **kwargs):
        with self.assertRaises(Fault) as refusal:
            self._rpc(user, model, method, *args, **kwargs)
        self.assertEqual(refusal.exception.faultCode, RPC_FAULT_CODE_ACCESS_ERROR)
        return refusal.exception

    def test_stock_user_cannot_release_over_rpc(self):
        for user in (self.stock_user, self.salesman):
            with self.subTest(user=user.login):
                self._assert_refused(
                    user, "stock.picking", "action_credit_release", [self.delivery.id]
                )
                self._assert_refused(
                    user,
                    "credit.delivery.release",
                    "create",
                    {"picking_id": self.delivery.id, "reason": "x"},
                )
                self._assert_refused(
                    user,
                    "stock.picking",
                    "write",
                    [self.delivery.id],
                    {"credit_release_ids": [(0, 0, {"reason": "x"})]},
                )
        self.delivery.invalidate_recordset()
        self.assertFalse(self.delivery.credit_release_ids)

    def test_validation_refused_over_rpc_with_the_credit_message(self):
        with self.assertRaises(Fault) as refusal:
            self._rpc(
                self.stock_user, "stock.picking", "button_validate", [self.delivery.id]
            )
        self.assertIn("cannot be validated", refusal.exception.faultString)
        self.assertIn("on credit hold", refusal.exception.faultString)
        self.delivery.invalidate_recordset()
        self.assertEqual(self.delivery.state, "assigned")

    def test_credit_manager_releases_over_rpc(self):
        self._rpc(
            self.credit_manager,
            "credit.delivery.release",
            "create",
            {"picking_id": self.delivery.id, "reason": "Paid"},
        )
        self._rpc(
            self.stock_user, "stock.picking", "button_validate", [self.delivery.id]
        )
        self.delivery.invalidate_recordset()
        self.assertEqual(self.delivery.state, "done")
