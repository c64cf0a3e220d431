"""Hostile or foreign users: portal customers, credit managers of another company,
and the same refusals through the external RPC API."""

from xmlrpc.client import Fault

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CreditCommon

RPC_FAULT_CODE_ACCESS_ERROR = 4  # odoo/addons/rpc/controllers/xmlrpc.py

# Internal credit data of a customer: none of it may reach the customer itself.
PARTNER_CREDIT_FIELDS = (
    "credit_limit",
    "use_partner_credit_limit",
    "credit_grade_id",
    "credit_hold",
    "credit_hold_reason",
    "credit_score",
    "credit_score_date",
    "credit_limit_manual",
    "credit_external_rating",
    "credit_external_rating_date",
    "credit_review_ids",
    "credit_review_count",
    "receivable_open",
    "receivable_overdue",
    "overdue_invoice_count",
    "max_days_overdue",
    "orders_uninvoiced",
    "invoices_draft",
    "credit_exposure",
    "credit_available",
    "credit_usage_percent",
)
ORDER_CREDIT_FIELDS = (
    "credit_check_message",
    "credit_blocked",
    "credit_approval_ids",
    "credit_approval_id",
    "credit_approval_user_id",
    "credit_approval_reason",
)


class CreditSecurityCommon(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"credit_hold": True, "credit_hold_reason": "Lawsuit"})
        cls.portal_user = new_test_user(
            cls.env,
            login="credit_portal",
            groups="base.group_portal",
            partner_id=cls.contact.id,
        )
        cls.order = cls._order(100.0)
        cls.order._credit_approve("Known customer")
        # The order is the portal customer's own: core rules let them read it.
        cls.order.message_subscribe(partner_ids=cls.contact.ids)
        cls.order.partner_id = cls.contact


@tagged("post_install", "-at_install")
class TestCreditPortal(CreditSecurityCommon):
    """A customer logged in on the portal sees none of the internal credit data
    about itself, although it may read its own partner and orders."""

    def test_portal_reads_own_partner_but_no_credit_field(self):
        customer = self.customer.with_user(self.portal_user)
        self.assertEqual(customer.read(["name"])[0]["name"], "Acme Credit Test")
        for name in PARTNER_CREDIT_FIELDS:
            with self.subTest(field=name), self.assertRaises(AccessError):
                customer.read([name])
        described = self.env["res.partner"].with_user(self.portal_user).fields_get()
        self.assertFalse(set(PARTNER_CREDIT_FIELDS) & set(described))

    def test_portal_cannot_search_by_credit_fields(self):
        Partner = self.env["res.partner"].with_user(self.portal_user)
        for domain in (
            [("credit_hold", "=", True)],
            [("credit_score", ">", 0)],
            [("credit_grade_id", "!=", False)],
        ):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                Partner.search(domain)

    def test_portal_reads_own_order_but_no_credit_field(self):
        order = self.order.with_user(self.portal_user)
        self.assertEqual(order.read(["name"])[0]["name"], self.order.name)
        for name in ORDER_CREDIT_FIELDS:
            with self.subTest(field=name), self.assertRaises(AccessError):
                order.read([name])

    def test_portal_has_no_access_to_credit_models(self):
        for model in (
            "credit.review",
            "credit.review.line",
            "credit.grade",
            "credit.score.factor",
            "credit.aging.report",
            "credit.aging.wizard",
            "credit.approval.wizard",
            "credit.approval",
            "credit.job.run",
            "credit.job.failure",
            "credit.scoring.wizard",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_user).search_read([], ["id"])

    def test_portal_cannot_approve_or_rerate(self):
        with self.assertRaises(AccessError):
            self.env["credit.approval"].with_user(self.portal_user).create(
                {"order_id": self.order.id, "reason": "self-service"}
            )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.portal_user).action_credit_rerate()


@tagged("post_install", "-at_install")
class TestCreditCrossCompany(CreditCommon):
    """A credit manager of company A has no reach into company B's credit data,
    even for a customer both companies share."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company()["company"]
        cls.company_b.credit_control_enabled = True
        cls.grade_b = cls.env["credit.grade"].create(
            {
                "code": "BX",
                "name": "B only",
                "min_score": 55,
                "company_id": cls.company_b.id,
            }
        )
        cls.env.user.company_ids = [Command.link(cls.company_b.id)]
        cls.shared_b = cls.customer.with_company(cls.company_b)
        cls.shared_b.write(
            {
                "credit_limit": 777.0,
                "credit_grade_id": cls.grade_b.id,
                "credit_hold": True,
                "credit_hold_reason": "B's secret",
            }
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "B's Own Customer", "company_id": cls.company_b.id}
        )
        cls.review_b = (
            cls.env["credit.scoring"]
            .with_company(cls.company_b)
            ._credit_rate(cls.customer, "manual")
        )
        cls.order_b = (
            cls.env["sale.order"]
            .with_company(cls.company_b)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": cls.company_b.id,
                    "order_line": [
                        Command.create(
                            {"product_id": cls.product_a.id, "price_unit": 5000.0}
                        )
                    ],
                }
            )
        )
        cls.manager_a = cls.credit_manager  # companies: A only

    def test_company_b_values_of_a_shared_customer_are_out_of_reach(self):
        customer = self.customer.with_user(self.manager_a)
        self.assertEqual(customer.credit_limit, 5000.0)  # company A's value
        self.assertFalse(customer.credit_hold)
        customer.write({"credit_limit": 1.0, "credit_hold": True})
        self.assertEqual(self.shared_b.credit_limit, 777.0)
        self.assertEqual(self.shared_b.credit_hold_reason, "B's secret")
        with self.assertRaises(AccessError):
            customer.with_company(self.company_b).credit_limit  # noqa: B018
        with self.assertRaises(AccessError):
            customer.with_company(self.company_b).write({"credit_limit": 1e9})
        self.assertEqual(self.shared_b.credit_limit, 777.0)

    def test_company_b_customer_reviews_grades_and_orders_are_invisible(self):
        env = self.env(user=self.manager_a)
        self.assertFalse(env["res.partner"].search([("id", "=", self.customer_b.id)]))
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.manager_a).read(["credit_limit"])
        self.assertFalse(env["credit.review"].search([("id", "=", self.review_b.id)]))
        with self.assertRaises(AccessError):
            self.review_b.with_user(self.manager_a).read(["score"])
        self.assertNotIn(self.grade_b, env["credit.grade"].search([]))
        with self.assertRaises(AccessError):
            self.grade_b.with_user(self.manager_a).default_credit_limit = 1e9
        self.assertFalse(
            env["credit.score.factor"].search([("company_id", "=", self.company_b.id)])
        )
        self.assertFalse(
            env["credit.aging.report"].search([("company_id", "=", self.company_b.id)])
        )

    def test_cannot_approve_company_b_order(self):
        with self.assertRaises(AccessError):
            self.order_b.with_user(self.manager_a).read(["name"])
        with self.assertRaises(AccessError):
            self.env["credit.approval.wizard"].with_user(self.manager_a).create(
                {"order_id": self.order_b.id, "reason": "not mine"}
            ).action_approve()
        self.assertFalse(self.order_b.credit_approval_ids)

    def test_rerating_a_shared_customer_touches_company_a_only(self):
        reviews_before = self.env["credit.review"].search_count([])
        grade_b, score_b = self.shared_b.credit_grade_id, self.shared_b.credit_score
        self.customer.with_user(self.manager_a).action_credit_rerate()
        new = self.env["credit.review"].search([], order="id desc", limit=1)
        self.assertEqual(self.env["credit.review"].search_count([]), reviews_before + 1)
        self.assertEqual(new.company_id, self.company)
        self.assertEqual(self.shared_b.credit_grade_id, grade_b)
        self.assertEqual(self.shared_b.credit_score, score_b)
        self.assertEqual(self.shared_b.credit_limit, 777.0)


@tagged("post_install", "-at_install")
class TestCreditRpc(CreditSecurityCommon, HttpCase):
    """The same refusals through the external API (XML-RPC, as any integration
    or script would call it), not only through the ORM."""

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

    def test_salesman_write_on_credit_fields_is_refused(self):
        self.assertEqual(
            self._rpc(
                self.salesman,
                "res.partner",
                "read",
                [self.customer.id],
                ["credit_limit"],
            )[0]["credit_limit"],
            5000.0,
        )
        for values in (
            {"credit_limit": 1e9},
            {"credit_hold": False},
            {"credit_grade_id": self.grade_a.id},
            {
                "credit_external_rating": 100,
                "credit_external_rating_date": "2026-01-01",
            },
        ):
            with self.subTest(values=values):
                fault = self._assert_refused(
                    self.salesman, "res.partner", "write", [self.customer.id], values
                )
                self.assertIn("credit manager", fault.faultString.lower())
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertTrue(self.customer.credit_hold)

    def test_salesman_cannot_self_approve_or_rerate_over_rpc(self):
        order = self._order(100.0)
        self._assert_refused(
            self.salesman,
            "credit.approval",
            "create",
            {"order_id": order.id, "reason": "x"},
        )
        self._assert_refused(
            self.salesman,
            "sale.order",
            "write",
            [order.id],
            {"credit_approval_ids": [(0, 0, {"reason": "x"})]},
        )
        self._assert_refused(
            self.salesman, "res.partner", "action_credit_rerate", [self.customer.id]
        )
        self._assert_refused(
            self.salesman,
            "credit.score.factor",
            "write",
            self.company.credit_score_factor_ids[:1].ids,
            {"weight": 100},
        )
        order.invalidate_recordset()
        self.assertFalse(order.credit_approval_ids)

    def test_salesman_confirmation_refused_with_the_credit_message(self):
        order = self._order(100.0)
        with self.assertRaises(Fault) as refusal:
            self._rpc(self.salesman, "sale.order", "action_confirm", [order.id])
        self.assertIn("cannot be confirmed", refusal.exception.faultString)
        self.assertIn("on credit hold", refusal.exception.faultString)
        order.invalidate_recordset()
        self.assertEqual(order.state, "draft")

    def test_portal_reads_no_credit_data_over_rpc(self):
        self._assert_refused(
            self.portal_user,
            "res.partner",
            "read",
            [self.customer.id],
            ["credit_score", "credit_hold_reason"],
        )
        self._assert_refused(
            self.portal_user,
            "sale.order",
            "read",
            [self.order.id],
            ["credit_approval_reason"],
        )
        self._assert_refused(self.portal_user, "credit.review", "search_read", [])
