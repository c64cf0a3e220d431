from datetime import timedelta

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditLimitRequest(CreditCommon):
    """Limits change through requests signed by one or two people, temporary
    limits end by themselves, and a company may refuse any other way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["credit.limit.request"]
        cls.Decision = cls.env["credit.decision"]
        cls.company.write(
            {
                "credit_manager_user_id": cls.credit_manager.id,
                "credit_request_level1_amount": 10000.0,
                "credit_request_level1_percent": 20.0,
            }
        )
        cls.second_manager = new_test_user(
            cls.env,
            login="credit_manager_two",
            groups="sales_team.group_sale_salesman_all_leads,"
            "credit_management.group_credit_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.director = new_test_user(
            cls.env,
            login="credit_director",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer.user_id = cls.salesman

    def _request(self, limit, user=None, **values):
        request = self.Request.with_user(user or self.salesman).create(
            {
                "partner_id": self.customer.id,
                "limit_requested": limit,
                "reason": "Seasonal orders",
                **values,
            }
        )
        request.action_submit()
        return request

    def setUp(self):
        super().setUp()
        # Rows of the test's own decisions (the fixtures' are before it).
        self.first_id = (self.Decision.search([], limit=1).id or 0) + 1

    def _decisions(self, **domain):
        return self.Decision.search(
            [("partner_id", "=", self.customer.id), ("id", ">=", self.first_id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_small_increase_one_signature(self):
        request = self._request(6000.0)
        self.assertEqual(request.approval_level, 1)
        self.assertEqual(request.limit_current, 5000.0)
        activity = request.activity_ids
        self.assertEqual(activity.user_id, self.credit_manager)
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "applied")
        self.assertEqual(self.customer.credit_limit, 6000.0)
        self.assertFalse(request.activity_ids)
        decision = self._decisions(kind="limit")
        self.assertEqual(len(decision), 1)
        self.assertEqual(
            (
                decision.source,
                decision.limit_from,
                decision.limit_to,
                decision.approval_level,
            ),
            ("request", 5000.0, 6000.0, "1"),
        )
        self.assertEqual(decision.request_id, request)
        self.assertEqual(decision.user_id, self.credit_manager)
        # The requester is told.
        told = request.message_ids.filtered(
            lambda m: self.salesman.partner_id in m.partner_ids
        )
        self.assertIn("was approved", told[:1].body)

    def test_first_limit_for_a_customer_without_one(self):
        self.customer.credit_limit_applies = False
        request = self._request(3000.0)
        self.assertEqual((request.limit_current, request.approval_level), (0.0, 1))
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "applied")
        self.assertTrue(self.customer.credit_limit_applies)
        self.assertEqual(self.customer.credit_limit, 3000.0)
        # What was asked stays as it was asked, the limit applied since.
        request.invalidate_recordset()
        self.assertEqual((request.limit_current, request.increase), (0.0, 3000.0))
        removed, given = self._decisions(kind="limit").sorted("id")
        self.assertEqual((removed.source, removed.limit_to), ("manual", 0.0))
        self.assertEqual(
            (given.source, given.limit_from, given.limit_to), ("request", 0.0, 3000.0)
        )
        self.assertIn("had no credit limit", given.note)

    def test_large_increase_needs_two_signatures(self):
        request = self._request(50000.0)
        self.assertEqual(request.approval_level, 2)
        request.with_user(self.credit_manager).action_approve()
        # The first approver alone does not apply it.
        self.assertEqual(request.state, "submitted")
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertFalse(self._decisions(kind="limit"))
        self.assertEqual(request.first_approver_id, self.credit_manager)
        self.assertIn(self.director, request.activity_ids.user_id)
        # Not twice the same person, and not a mere credit manager.
        with self.assertRaisesRegex(AccessError, "already approved"):
            request.with_user(self.credit_manager).action_approve()
        with self.assertRaisesRegex(AccessError, "second approval"):
            request.with_user(self.second_manager).action_approve()
        request.with_user(self.director).action_approve()
        self.assertEqual(request.state, "applied")
        self.assertEqual(self.customer.credit_limit, 50000.0)
        decision = self._decisions(kind="limit")
        self.assertEqual(len(decision), 1)
        self.assertEqual(decision.approval_level, "2")
        # Both signatures are in the row.
        self.assertEqual(decision.user_id, self.director)
        self.assertEqual(decision.first_signer_id, self.credit_manager)

    def test_percentage_keeps_a_large_customer_at_one_signature(self):
        self.customer.credit_limit = 100000.0
        request = self._request(115000.0)  # +15 %: above 10,000, below 20 %
        self.assertEqual(request.approval_level, 1)

    def test_requester_can_never_approve(self):
        request = self._request(6000.0, user=self.credit_manager)
        with self.assertRaisesRegex(AccessError, "cannot approve or refuse it"):
            request.with_user(self.credit_manager).action_approve()
        with self.assertRaisesRegex(AccessError, "credit manager"):
            request.with_user(self.salesman).action_approve()
        request.with_user(self.second_manager).action_approve()
        self.assertEqual(request.state, "applied")

    def test_refusal(self):
        request = self._request(9000.0)
        with self.assertRaisesRegex(ValidationError, "why the request is refused"):
            request.with_user(self.credit_manager).action_refuse()
        request.with_user(self.credit_manager).decision_note = "Payments too late"
        request.with_user(self.credit_manager).action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertEqual(request.refused_by_id, self.credit_manager)
        self.assertEqual(self.customer.credit_limit, 5000.0)
        refused = self._decisions(kind="request_refused")
        self.assertEqual(len(refused), 1)
        self.assertEqual(refused.note, "Payments too late")
        self.assertFalse(self._decisions(kind="limit"))
        told = request.message_ids.filtered(
            lambda m: self.salesman.partner_id in m.partner_ids
        )
        self.assertIn("Payments too late", told[:1].body)
        with self.assertRaises(AccessError):
            request.with_user(self.credit_manager).action_approve()

    def test_submitted_request_is_frozen(self):
        request = self._request(6000.0)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            request.with_user(self.salesman).limit_requested = 90000.0
        with self.assertRaisesRegex(AccessError, "only through its buttons"):
            request.with_user(self.salesman).write({"state": "approved"})
        with self.assertRaisesRegex(AccessError, "only through its buttons"):
            request.with_user(self.salesman).write(
                {"first_approver_id": self.credit_manager.id}
            )
        with self.assertRaisesRegex(UserError, "Only draft"):
            request.with_user(self.credit_manager).unlink()

    def test_signatures_cannot_be_given_at_creation(self):
        """Over RPC, a salesman created a request with a credit manager's
        first signature (and its level and current limit) already filled in:
        submitted, it waited for one signature less, and the decision log
        named a signer who never signed. Only the requester's fields are
        taken at creation, given as values or as defaults of the context."""
        now = "2026-01-01 10:00:00"
        Request = self.Request.with_user(self.salesman)
        for forged in (
            {"first_approver_id": self.credit_manager.id, "first_approval_date": now},
            {"second_approver_id": self.second_manager.id},
            {"approval_level": 1},
            {"limit_current": 900000.0},
            {"refused_by_id": self.credit_manager.id},
            {"state": "approved"},
        ):
            values = {
                "partner_id": self.customer.id,
                "limit_requested": 500000.0,
                "reason": "Forged",
            }
            with self.subTest(forged=forged):
                if "state" in forged:
                    # As before: the state is always the new request's own.
                    request = Request.create({**values, **forged})
                    self.assertEqual(request.state, "draft")
                    continue
                with self.assertRaisesRegex(AccessError, "only through its buttons"):
                    Request.create({**values, **forged})
                defaults = {f"default_{name}": value for name, value in forged.items()}
                with self.assertRaisesRegex(AccessError, "only through its buttons"):
                    Request.with_context(**defaults).create(values)
        # A default for a field the requester does not give (a related one,
        # another model's) is no forgery.
        Request.with_context(
            default_currency_id=self.company.currency_id.id, default_move_type="entry"
        ).create({**values, "reason": "Defaults"})
        request = self._request(500000.0)
        self.assertEqual(request.approval_level, 2)
        self.assertFalse(request.first_approver_id)
        self.assertEqual(request.limit_current, 5000.0)

    def test_request_from_an_order_is_in_the_orders_company(self):
        """A salesman working in another company asks for a limit from a
        blocked order of the first one: the request is the order's company's
        (it was the current company's, where the limit would not help)."""
        other = self.env["res.company"].create({"name": "Other Credit Co"})
        self.salesman.company_ids = [Command.link(other.id)]
        self._invoice(4000.0)
        order = self._order(3000.0)
        self.assertTrue(order.credit_blocked)
        action = (
            order.with_user(self.salesman)
            .with_company(other)
            .with_context(allowed_company_ids=[other.id, self.company.id])
            .action_credit_request_limit()
        )
        self.assertEqual(action["context"]["default_company_id"], self.company.id)
        form = Form(
            self.Request.with_user(self.salesman)
            .with_company(other)
            .with_context(
                allowed_company_ids=[other.id, self.company.id], **action["context"]
            )
        )
        request = form.save()
        self.assertEqual(request.company_id, self.company)
        self.assertEqual(request.order_id, order)

    def test_temporary_limit_applied_and_restored(self):
        self._invoice(4000.0)
        order = self._order(3000.0)  # 4,000 + 3,000 > 5,000
        self.assertTrue(order.credit_blocked)
        end = self.today + timedelta(days=10)
        request = self._request(
            8000.0, limit_type="temporary", date_from=self.today, date_to=end
        )
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "applied")
        self.assertEqual(self.customer.credit_limit, 5000.0)  # permanent unchanged
        self.assertEqual(self.customer.credit_limit_temporary, 8000.0)
        self.assertTrue(self.customer.credit_limit_temporary_active)
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)
        decision = self._decisions(kind="limit")
        self.assertEqual(
            (
                decision.temporary,
                decision.limit_from,
                decision.limit_to,
                decision.date_to,
            ),
            (True, 5000.0, 8000.0, end),
        )
        # On its end date the check no longer uses it, the job not run yet.
        with freeze_time(end):
            order.invalidate_recordset()
            self.customer.invalidate_recordset()
            self.assertFalse(self.customer.credit_limit_temporary_active)
            self.assertTrue(order.credit_blocked)
            self.assertIn("5,000", order.credit_check_message)
            self.Request._cron_temporary_limits()
        self.assertEqual(request.state, "expired")
        self.assertFalse(self.customer.credit_limit_temporary_to)
        ended = self._decisions(kind="limit", source="expiry")
        self.assertEqual(len(ended), 1)
        self.assertEqual((ended.limit_from, ended.limit_to), (8000.0, 5000.0))

    def test_future_temporary_limit_starts_with_the_job(self):
        start = self.today + timedelta(days=5)
        request = self._request(
            7000.0,
            limit_type="temporary",
            date_from=start,
            date_to=start + timedelta(days=5),
        )
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertFalse(self.customer.credit_limit_temporary_to)
        with freeze_time(start):
            self.Request._cron_temporary_limits()
            self.assertEqual(request.state, "applied")
            self.customer.invalidate_recordset()
            self.assertTrue(self.customer.credit_limit_temporary_active)

    def test_temporary_limit_needs_dates_and_a_limit(self):
        with self.assertRaisesRegex(ValidationError, "start and end dates"):
            self.Request.create(
                {
                    "partner_id": self.customer.id,
                    "limit_requested": 7000.0,
                    "reason": "x",
                    "limit_type": "temporary",
                    "date_to": False,
                }
            )
        self.customer.credit_limit_applies = False
        with self.assertRaisesRegex(UserError, "has no credit limit"):
            self._request(
                7000.0,
                limit_type="temporary",
                date_from=self.today,
                date_to=self.today + timedelta(days=3),
            )

    def test_temporary_limit_only_through_a_request(self):
        for user in (self.salesman, self.credit_manager):
            with self.assertRaisesRegex(AccessError, "approved limit request"):
                self.customer.with_user(user).write({"credit_limit_temporary": 90000.0})
        # A forged "source" in the context (RPC sends no records) does not pass.
        with self.assertRaisesRegex(AccessError, "approved limit request"):
            self.customer.with_user(self.credit_manager).with_context(
                credit_limit_by={"id": 1}
            ).write({"credit_limit_temporary": 90000.0})

    def test_requests_only_refuses_direct_edits(self):
        self.company.credit_limit_requests_only = True
        partner = self.customer.with_user(self.credit_manager)
        # As through RPC: the error rolls the change back.
        for forged, vals in [
            ({}, {"credit_limit": 9000.0}),
            ({}, {"credit_limit_applies": False}),
            ({}, {"use_partner_credit_limit": False}),
            ({"credit_limit_by": "credit.limit.request"}, {"credit_limit": 9000.0}),
            ({"credit_review_apply": True}, {"credit_limit": 9000.0}),
        ]:
            with (
                self.subTest(vals=vals, context=forged),
                self.assertRaisesRegex(UserError, "only through limit requests"),
                self.env.cr.savepoint(),
            ):
                partner.with_context(**forged).write(vals)
        # The form shows the limit read-only.
        with Form(partner) as form, self.assertRaisesRegex(AssertionError, "readonly"):
            form.credit_limit = 9000.0
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertFalse(self._decisions(kind="limit"))
        # Writing the same limit again is no change; other fields are free.
        partner.write({"credit_limit": 5000.0, "credit_hold": False})
        # A request still changes it.
        request = self._request(6000.0)
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(self.customer.credit_limit, 6000.0)

    def test_request_from_a_blocked_quotation_is_prefilled(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        action = order.with_user(self.salesman).action_credit_request_limit()
        self.assertEqual(action["res_model"], "credit.limit.request")
        context = action["context"]
        self.assertEqual(context["default_partner_id"], self.customer.id)
        self.assertEqual(context["default_order_id"], order.id)
        # Exactly what makes the quotation pass: 4,000 + 3,000.
        self.assertEqual(context["default_limit_requested"], 7000.0)
        with Form(
            self.Request.with_user(self.salesman).with_context(**context)
        ) as form:
            self.assertEqual(form.limit_requested, 7000.0)
        request = form.record
        request.action_submit()
        request.with_user(self.credit_manager).action_approve()
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)

    def test_request_on_a_changed_limit_cannot_be_signed(self):
        request = self._request(6000.0)
        self.customer.with_user(self.credit_manager).credit_limit = 8000.0
        with self.assertRaisesRegex(UserError, "changed since request"):
            request.with_user(self.credit_manager).action_approve()
        self.assertEqual(self.customer.credit_limit, 8000.0)
        self.assertEqual(request.state, "submitted")

    def test_one_waiting_request_per_customer_and_withdraw(self):
        first = self._request(6000.0)
        with self.assertRaisesRegex(UserError, "already waiting"):
            self._request(7000.0)
        other_salesman = new_test_user(
            self.env,
            login="credit_salesman_two",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        # The button is offered to whoever may press it only: the requester
        # and the credit managers (it was shown to anyone, then refused).
        self.assertFalse(first.with_user(other_salesman).can_withdraw)
        self.assertTrue(first.with_user(self.salesman).can_withdraw)
        self.assertTrue(first.with_user(self.credit_manager).can_withdraw)
        with self.assertRaisesRegex(AccessError, "can withdraw"):
            first.with_user(other_salesman).action_withdraw()
        first.with_user(self.salesman).action_withdraw()
        self.assertFalse(first.with_user(self.salesman).can_withdraw)
        self.assertEqual(first.state, "cancelled")
        self.assertFalse(first.activity_ids)
        second = self._request(7000.0)
        self.assertEqual(second.state, "submitted")
        with self.assertRaisesRegex(UserError, "already decided"):
            first.with_user(self.salesman).action_withdraw()

    def test_one_waiting_request_whoever_made_it(self):
        """A salesperson who does not follow the customer (his record rules
        hide the others' requests) asked again while another salesperson's
        request was waiting: two requests for one limit."""
        first = self._request(6000.0)
        other_salesman = new_test_user(
            self.env,
            login="credit_salesman_two",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(
            self.Request.with_user(other_salesman).search([("id", "=", first.id)])
        )
        with self.assertRaisesRegex(UserError, "already waiting"):
            self._request(7000.0, user=other_salesman)

    def test_no_dialog_for_a_second_request(self):
        """Request Limit Change on a customer whose request is waiting: the
        dialog's request was saved, then refused at its submission, and left
        as a stray draft. The button says so before the dialog opens."""
        self._request(6000.0)
        before = self.Request.search_count([])
        with self.assertRaisesRegex(UserError, "already waiting"):
            self.customer.with_user(self.salesman).action_credit_limit_request()
        self.assertEqual(self.Request.search_count([]), before)

    def test_same_limit_is_not_a_request(self):
        with self.assertRaisesRegex(UserError, "already has a limit"):
            self._request(5000.0)

    def test_own_request_goes_to_another_credit_manager(self):
        request = self._request(6000.0, user=self.credit_manager)
        asked = request.activity_ids.user_id
        self.assertTrue(asked)
        self.assertNotIn(self.credit_manager, asked)
        self.assertIn(self.second_manager, asked)

    def test_a_group_of_its_own_signs_second(self):
        """A company named a group of its own (a CFO group, members in no
        credit group) as Second Approvers: its member got the activity, then
        could not open the request. The group is made to read credit figures
        when it is chosen."""
        cfo_group = self.env["res.groups"].create({"name": "Chief Financial Officers"})
        cfo = new_test_user(
            self.env,
            login="credit_cfo",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        cfo.group_ids = [Command.link(cfo_group.id)]
        self.env["res.config.settings"].create(
            {"credit_request_group_id": cfo_group.id}
        ).execute()
        self.assertEqual(self.company.credit_request_group_id, cfo_group)
        self.assertTrue(cfo.has_group("credit_management.group_credit_reader"))
        request = self._request(50000.0)
        request.with_user(self.credit_manager).action_approve()
        self.assertIn(cfo, request.activity_ids.user_id)
        as_cfo = request.with_user(cfo)
        self.assertTrue(as_cfo.can_sign)
        self.assertEqual(as_cfo.limit_requested, 50000.0)
        as_cfo.action_approve()
        self.assertEqual(request.state, "applied")
        self.assertEqual(request.second_approver_id, cfo)
        self.assertEqual(self.customer.credit_limit, 50000.0)
        # Not every employee, though.
        with self.assertRaisesRegex(ValidationError, "Every employee belongs"):
            self.company.credit_request_group_id = self.env.ref("base.group_user")

    def test_nobody_for_the_second_signature_is_said(self):
        empty = self.env["res.groups"].create({"name": "Nobody signs"})
        self.company.credit_request_group_id = empty
        request = self._request(50000.0)
        request.with_user(self.credit_manager).action_approve()
        self.assertFalse(request.activity_ids)
        self.assertTrue(
            any("Nobody else in" in body for body in request.message_ids.mapped("body"))
        )
        self.assertIn("Nobody signs", request.waiting_for)
        # The first signer is told why he cannot sign again.
        self.assertIn(
            "already approved", request.with_user(self.credit_manager).sign_hint
        )

    def test_quotation_shows_the_waiting_request(self):
        self._invoice(4000.0)
        order = self._order(3000.0)
        self.assertFalse(order.credit_limit_request_id)
        request = self._request(7000.0, order_id=order.id)
        order.invalidate_recordset()
        self.assertEqual(
            order.with_user(self.salesman).credit_limit_request_id, request
        )

    def test_access(self):
        request = self._request(6000.0)
        # The salesman sees the requests of his customers, not of others'.
        other_customer = self.env["res.partner"].create(
            {"name": "Other Customer", "is_company": True, "credit_limit": 1000.0}
        )
        other_request = self.Request.with_user(self.credit_manager).create(
            {"partner_id": other_customer.id, "limit_requested": 2000.0, "reason": "x"}
        )
        visible = self.Request.with_user(self.salesman).search([])
        self.assertIn(request, visible)
        self.assertNotIn(other_request, visible)
        self.assertIn(
            other_request, self.Request.with_user(self.credit_manager).search([])
        )
        # Portal users have no access at all.
        portal = new_test_user(
            self.env, login="credit_portal_req", groups="base.group_portal"
        )
        with self.assertRaises(AccessError):
            self.Request.with_user(portal).search([])
        with self.assertRaises(AccessError):
            self.Request.with_user(portal).create(
                {"partner_id": self.customer.id, "limit_requested": 1.0, "reason": "x"}
            )
        # Another company's credit manager does not see them.
        other = self.setup_other_company()["company"]
        stranger = self.credit_manager.copy(
            {
                "login": "credit_manager_other_req",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
            }
        )
        self.assertFalse(self.Request.with_user(stranger).search([]))
