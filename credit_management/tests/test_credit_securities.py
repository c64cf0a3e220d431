from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditSecurities(CreditCommon):
    """Securities change the credit decision, correctly, and never outlive
    their end date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Security = cls.env["credit.security"]
        cls.bank = cls.env["res.partner"].create(
            {"name": "First Bank", "is_company": True}
        )
        cls.other_currency = cls.setup_other_currency("EUR")  # 2 EUR for 1
        cls.company.credit_manager_user_id = cls.credit_manager
        # Limit 5,000; exposure 4,000: an order of 3,000 is 2,000 over.
        cls.customer.credit_limit = 5000.0
        cls._invoice(4000.0)

    def _security(self, security_type="bank_guarantee", amount=2500.0, **values):
        security = self.Security.create(
            {
                "name": f"SEC-{security_type}-{amount}",
                "partner_id": self.customer.id,
                "security_type": security_type,
                "issuer_id": self.bank.id,
                "amount": amount,
                "date_from": self.today - relativedelta(days=10),
                **values,
            }
        )
        security.action_activate()
        return security

    def test_guarantee_passes_the_order_until_its_end_date(self):
        order = self._order(3000.0)
        self.assertTrue(order.credit_blocked)
        self.assertEqual(order.credit_amount_over, 2000.0)
        guarantee = self._security(
            amount=2500.0, date_to=self.today + relativedelta(days=5)
        )
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)
        self.assertEqual(self.customer.credit_secured, 2500.0)
        self.assertEqual(self.customer.credit_available, 5000.0 + 2500.0 - 4000.0)
        self.assertEqual(self.customer.credit_unsecured, 4000.0 - 2500.0)
        self.assertEqual(self.customer.credit_security_count, 1)
        action = self.customer.action_view_credit_securities()
        self.assertEqual(self.Security.search(action["domain"]), guarantee)
        # On its end date it no longer counts, although the daily expiry did
        # not run: the check reads the dates itself.
        with freeze_time(self.today + timedelta(days=5)):
            order.invalidate_recordset()
            self.customer.invalidate_recordset()
            self.assertEqual(guarantee.state, "active")
            self.assertTrue(order.credit_blocked)
            self.assertEqual(self.customer.credit_secured, 0.0)
        # A draft or released security never counts.
        guarantee.action_release()
        order.invalidate_recordset()
        self.assertTrue(order.credit_blocked)

    def test_usage_factor_and_warning_count_the_securities(self):
        """The review reads the usage the credit tab shows: 4,000 of a limit of
        5,000 secured by 2,500 is 53 %, not 80 %."""
        self.company.credit_warn_utilisation = 70.0
        raws = self.env["credit.scoring"]._credit_factor_raw_values(self.customer)
        self.assertAlmostEqual(raws[self.customer.id]["utilisation"], 80.0, 2)
        self._security(amount=2500.0)
        raws = self.env["credit.scoring"]._credit_factor_raw_values(self.customer)
        self.assertAlmostEqual(
            raws[self.customer.id]["utilisation"], 100 * 4000 / 7500, 2
        )
        self.assertAlmostEqual(self.customer.credit_usage_percent, 100 * 4000 / 7500, 2)
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        self.assertFalse(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer.id),
                    ("credit_warning_code", "=", "utilisation"),
                ]
            )
        )

    def test_insurance_covers_its_share_of_what_is_owed(self):
        order = self._order(3000.0)
        # Insured limit 10,000 at 90 %: min(10,000, 4,000 + 3,000) x 90 % = 6,300.
        self._security("insurance", amount=10000.0, coverage=90.0)
        check = self.env["credit.policy"]._credit_check(order)
        self.assertEqual(check["secured"], 6300.0)
        self.assertFalse(check["codes"])
        # Today's figures on the customer: min(10,000, 4,000) x 90 % = 3,600.
        self.assertEqual(self.customer.credit_secured, 3600.0)

    def test_small_insurance_still_blocks_and_says_so(self):
        order = self._order(3000.0)
        # min(1,000, 7,000) x 50 % = 500 secured: 7,000 - 500 is 1,500 over.
        self._security("insurance", amount=1000.0, coverage=50.0)
        order.invalidate_recordset()
        self.assertTrue(order.credit_blocked)
        self.assertEqual(order.credit_amount_over, 1500.0)
        self.assertIn(
            f"the credit limit {self.fmt(5000.0)} + secured {self.fmt(500.0)}",
            order.credit_check_message,
        )

    def test_security_in_another_currency_is_converted(self):
        self._security(amount=3000.0, currency_id=self.other_currency.id)
        self.assertEqual(self.customer.credit_secured, 1500.0)  # 3,000 EUR at 2
        order = self._order(2500.0)  # 4,000 + 2,500 - 1,500 = 5,000: at the limit
        self.assertFalse(order.credit_blocked)

    def test_both_company_modes_decide_the_same(self):
        order = self._order(3000.0)
        self._security(amount=1000.0)
        for mode, text in [
            ("limit", "+ secured"),
            ("exposure", "- secured"),
        ]:
            with self.subTest(mode=mode):
                self.company.credit_security_mode = mode
                order.invalidate_recordset()
                self.customer.invalidate_recordset()
                self.assertEqual(order.credit_amount_over, 1000.0)
                self.assertIn(text, order.credit_check_message)
                self.assertEqual(self.customer.credit_available, 2000.0)
        # The usage is of the secured limit, or of the net exposure.
        self.company.credit_security_mode = "limit"
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_usage_percent, 100 * 4000 / 6000, 2)
        self.company.credit_security_mode = "exposure"
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_usage_percent, 100 * 3000 / 5000, 2)

    def test_documentary_letter_of_credit_covers_its_order_only(self):
        covered = self._order(3000.0)
        other = self._order(3000.0)
        self._security("documentary_lc", amount=3000.0, order_id=covered.id)
        (covered | other).invalidate_recordset()
        self.assertFalse(covered.credit_blocked)
        self.assertTrue(other.credit_blocked)
        self.assertEqual(self.customer.credit_secured, 0.0)

    def test_hold_lifted_only_where_the_company_says_so(self):
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Dispute"})
        order = self._order(100.0)
        self._security(amount=10000.0)  # all that is owed, and more
        order.invalidate_recordset()
        self.assertTrue(order.credit_blocked)
        self.company.credit_security_lifts_hold = True
        order.invalidate_recordset()
        self.assertFalse(order.credit_blocked)

    def test_expiry_warns_once_and_expires(self):
        self.customer.user_id = self.salesman
        guarantee = self._security(date_to=self.today + relativedelta(days=20))
        activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_warning"
        )

        def warnings():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer.id),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )

        notified = self.env["mail.message"].search_count(
            [("message_type", "=", "user_notification")]
        )
        self.Security._cron_expire()
        self.Security._cron_expire()
        # the salesperson and the credit manager, once each
        self.assertEqual(warnings().user_id, self.salesman | self.credit_manager)
        # in their activity menu, without an e-mail each (a daily job may raise
        # thousands)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("message_type", "=", "user_notification")]
            ),
            notified,
        )
        self.assertIn("ends on", warnings()[0].note)
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("credit_security_expiring", "=", True)]),
        )
        with freeze_time(self.today + timedelta(days=20)):
            self.Security._cron_expire()
            self.assertEqual(guarantee.state, "expired")
        self.assertEqual(len(warnings()), 2)

    def test_salesman_cannot_activate_or_write(self):
        security = self.Security.create(
            {
                "name": "G-1",
                "partner_id": self.customer.id,
                "security_type": "bank_guarantee",
                "amount": 1000.0,
            }
        )
        with self.assertRaises(AccessError):
            security.with_user(self.salesman).action_activate()
        with self.assertRaises(AccessError):
            self.Security.with_user(self.salesman).create(
                {
                    "name": "G-2",
                    "partner_id": self.customer.id,
                    "security_type": "bank_guarantee",
                    "amount": 1000.0,
                }
            )
        self.assertEqual(security.state, "draft")
        security.with_user(self.credit_manager).action_activate()
        self.assertEqual(security.state, "active")

    def test_security_created_active_is_logged(self):
        """A credit manager created a security already active (over RPC, or
        an import of the guarantees held): it counted in the credit check,
        and the decision log had nothing of it."""
        security = self.Security.with_user(self.credit_manager).create(
            {
                "name": "G-imported",
                "partner_id": self.customer.id,
                "security_type": "bank_guarantee",
                "amount": 1000.0,
                "state": "active",
            }
        )
        decision = self.env["credit.decision"].search(
            [("security_id", "=", security.id)]
        )
        self.assertEqual(decision.kind, "security_active")
        self.assertEqual(decision.user_id, self.credit_manager)
        # A draft one says nothing until it is activated.
        draft = self.Security.create(
            {
                "name": "G-draft",
                "partner_id": self.customer.id,
                "security_type": "bank_guarantee",
                "amount": 1000.0,
            }
        )
        self.assertFalse(
            self.env["credit.decision"].search([("security_id", "=", draft.id)])
        )

    def test_bad_input_refused_nothing_written(self):
        count = self.Security.search_count([])
        base = {
            "name": "BAD",
            "partner_id": self.customer.id,
            "security_type": "insurance",
            "amount": 1000.0,
        }
        for values, message in [
            (
                {
                    "date_from": self.today,
                    "date_to": self.today - relativedelta(days=1),
                },
                "ends before it starts",
            ),
            ({"coverage": 150.0}, "coverage lies between 0 and 100"),
            ({"coverage": 0.0}, "coverage lies between 0 and 100"),
            ({"amount": -5.0}, "must be above zero"),
            ({"security_type": "documentary_lc"}, "secures one order"),
            ({"partner_id": self.contact.id}, "belong to the company"),
        ]:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.Security.create(dict(base, **values))
        self.assertEqual(self.Security.search_count([]), count)

    def test_other_company_does_not_see_or_count_them(self):
        self._security(amount=2500.0)
        other = self.setup_other_company()["company"]
        user = self.credit_manager.copy(
            {
                "login": "credit_manager_other_sec",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
            }
        )
        self.assertFalse(self.Security.with_user(user).search([]))
        secured = (
            self.env["credit.exposure"]
            .with_company(other)
            ._credit_secured(self.customer)
        )
        self.assertEqual(secured, {})


@tagged("post_install", "-at_install")
class TestCreditTerms(CreditCommon):
    """A grade caps the payment terms and may ask for a down payment."""

    def test_terms_longer_than_the_grade_allows_block(self):
        self.grade_c.max_payment_days = 30
        order = self._order(100.0)
        order.payment_term_id = self.env.ref("account.account_payment_term_30days")
        self.assertFalse(order.credit_blocked)
        order.payment_term_id = self.env.ref("account.account_payment_term_45days")
        self.assertTrue(order.credit_blocked)
        self.assertIn("give 45 days, more than the 30 days", order.credit_check_message)
        self.assertIn("payment terms or down payment", order.credit_check_summary)

    def test_down_payment_required_by_the_grade(self):
        self.grade_c.down_payment_percent = 30.0
        order = self._order(100.0)
        order.write({"require_payment": False})
        self.assertTrue(order.credit_blocked)
        self.assertIn("down payment of 30 %", order.credit_check_message)
        order.write({"require_payment": True, "prepayment_percent": 0.2})
        self.assertTrue(order.credit_blocked)
        order.write({"prepayment_percent": 0.3})
        self.assertFalse(order.credit_blocked)
