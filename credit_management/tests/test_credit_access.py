from dateutil.relativedelta import relativedelta
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditAccess(CreditCommon):
    """Who may see and change credit settings."""

    def test_salesman_reads_credit_figures(self):
        self._invoice(1000.0)
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.credit_limit, 5000.0)
        self.assertEqual(customer.credit_exposure, 1000.0)
        self.assertEqual(customer.credit_grade_id, self.grade_c)

    def test_salesman_cannot_edit_credit_fields(self):
        customer = self.customer.with_user(self.salesman)
        for values in (
            {"credit_limit": 100000.0},
            {"credit_grade_id": False},
            {"credit_hold": True},
            {"credit_hold_reason": "x"},
            {"use_partner_credit_limit": False},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                customer.write(values)
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertFalse(self.customer.credit_hold)

    def test_salesman_cannot_create_customer_with_credit(self):
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "Self Approved", "is_company": True, "credit_limit": 1e6}
            )

    def test_salesman_still_edits_other_partner_fields_and_contacts(self):
        customer = self.customer.with_user(self.salesman)
        customer.phone = "+1 555 0100"
        contact = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .create({"name": "New Buyer", "parent_id": self.customer.id})
        )
        self.assertEqual(contact.credit_limit, 5000.0)
        self.assertEqual(contact.credit_grade_id, self.grade_c)

    def test_credit_manager_edits_credit_fields_with_tracking(self):
        # setUpClass left tracking state for its records in the (never committed)
        # transaction; a credit manager's edit comes in a transaction of its own.
        self.env.cr.precommit.clear()
        customer = self.customer.with_context(
            tracking_disable=False, mail_notrack=False
        )
        customer.with_user(self.credit_manager).write(
            {"credit_limit": 8000.0, "credit_hold": True, "credit_hold_reason": "Audit"}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit time
        self.assertEqual(customer.credit_limit, 8000.0)
        customer.invalidate_recordset(["message_ids"])
        tracking = customer.message_ids.tracking_value_ids
        self.assertEqual(
            set(tracking.field_id.mapped("name")),
            {"credit_limit", "credit_hold", "credit_hold_reason"},
        )
        self.assertLessEqual(
            {"credit_limit", "credit_grade_id", "credit_hold", "credit_hold_reason"},
            set(customer._track_get_fields()),
        )
        limit_change = tracking.filtered(lambda t: t.field_id.name == "credit_limit")
        self.assertEqual(limit_change.old_value_float, 5000.0)
        self.assertEqual(limit_change.new_value_float, 8000.0)
        self.assertEqual(
            limit_change.mail_message_id.author_id, self.credit_manager.partner_id
        )

    def test_salesman_cannot_manage_grades(self):
        with self.assertRaises(AccessError):
            self.env["credit.grade"].with_user(self.salesman).create(
                {"code": "X", "name": "Made up"}
            )
        with self.assertRaises(AccessError):
            self.grade_c.with_user(self.salesman).default_credit_limit = 1e9


@tagged("post_install", "-at_install")
class TestCreditBadInput(CreditCommon):
    """Entry points refuse bad input with a clear error and write nothing."""

    def test_negative_limit_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.customer.credit_limit = -1.0

    def test_external_rating_out_of_range_refused(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.customer.credit_external_rating = 101

    def test_negative_policy_figures_refused(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.company.credit_overdue_days = -1
            self.env.flush_all()

    def test_aging_periods_must_increase(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.company.write({"credit_aging_bucket_2": 10})
            self.env.flush_all()

    def test_aging_date_in_the_future_refused(self):
        with self.assertRaisesRegex(UserError, "future"):
            self.env["credit.aging.wizard"].create(
                {"date": self.today + relativedelta(days=1)}
            )

    def test_factor_breakpoints_must_differ(self):
        factor = self.company.credit_score_factor_ids[:1]
        with self.assertRaisesRegex(ValidationError, "must differ"):
            factor.worst_value = factor.best_value
