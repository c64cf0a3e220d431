from dateutil.relativedelta import relativedelta
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
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

    def test_accountants_and_auditors_open_a_rated_customer(self):
        """Invoicing users and auditors read credit figures (the aging is
        theirs): the customer form counted the credit reviews as them, which
        they could not read, and failed to open for every customer."""
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        for groups in (
            "account.group_account_invoice",
            "account.group_account_readonly",
        ):
            user = new_test_user(
                self.env,
                login=f"credit_reader_{groups.rsplit('_', 1)[-1]}",
                groups=f"base.group_user,{groups}",
                company_id=self.company.id,
                company_ids=[Command.set(self.company.ids)],
            )
            with self.subTest(groups=groups):
                self.assertFalse(user.has_group("sales_team.group_sale_salesman"))
                customer = self.customer.with_user(user)
                form = Form(customer)
                self.assertEqual(form.credit_review_count, 1)
                self.assertEqual(form.credit_grade_id, self.customer.credit_grade_id)
                reviews = customer.action_view_credit_reviews()
                self.assertTrue(
                    self.env[reviews["res_model"]]
                    .with_user(user)
                    .search(reviews.get("domain") or [])
                    .line_ids
                )
                # The review's scheduled run is named, not a link they could
                # not follow (credit users' records).
                review_arch = (
                    self.env["credit.review"]
                    .with_user(user)
                    .get_views([(False, "form")])["views"]["form"]["arch"]
                )
                self.assertIn("no_open", review_arch)
                # Asking for another limit is for salespeople and credit users.
                arch = customer.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertNotIn('name="action_credit_limit_request"', arch)
        arch = self.customer.with_user(self.salesman).get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertIn('name="action_credit_limit_request"', arch)

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

    def test_salesman_cannot_write_what_reviews_and_collections_record(self):
        """Read-only on the form, but a write over RPC went through: a typed
        score passed for a review's, and a hold marked as the collections'
        was released by the next collection run."""
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Manual"})
        customer = self.customer.with_user(self.salesman)
        for values in (
            {"credit_score": 99.0},
            {"credit_score_date": "2020-01-01 00:00:00"},
            {"credit_hold_by_collection": True},
            {"credit_collection_date": "2020-01-01 00:00:00"},
            {"credit_collection_status_date": "2020-01-01"},
            # Not a number, not a date: still refused as a change, not a crash
            # in the comparison that lets unchanged values pass.
            {"credit_score": "high"},
            {"credit_limit": [1]},
            {"credit_score_date": "yesterday"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                customer.write(values)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.credit_score_date)
        self.assertFalse(self.customer.credit_hold_by_collection)
        # A credit manager still can.
        self.customer.with_user(self.credit_manager).credit_score = 55.0
        self.assertEqual(self.customer.credit_score, 55.0)

    def test_salesman_writes_credit_values_back_unchanged_and_merges(self):
        """A value written again as it is changes nothing, and is not refused:
        Odoo's partner merge writes every field the kept customer has (its
        limit, grade, score and review date included), and so does a
        re-imported export. A change is still refused."""
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        self.customer.invalidate_recordset()
        customer = self.customer.with_user(self.salesman)
        customer.write(
            {
                "credit_limit": self.customer.credit_limit,
                "credit_grade_id": self.customer.credit_grade_id.id,
                "credit_score": self.customer.credit_score,
                "credit_score_date": self.customer.credit_score_date,
                "phone": "+1 555 0101",
            }
        )
        with self.assertRaises(AccessError):
            customer.write({"credit_score": self.customer.credit_score + 1})
        duplicate = self.env["res.partner"].create(
            {"name": "Acme Credit Test (duplicate)", "is_company": True}
        )
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_ids": [Command.set((self.customer | duplicate).ids)],
                    "dst_partner_id": self.customer.id,
                }
            )
        )
        wizard.action_merge()
        self.assertFalse(duplicate.exists())
        self.assertEqual(self.customer.credit_limit, 5000.0)
        self.assertTrue(self.customer.credit_score_date)

    def test_salesman_cannot_launder_a_grade_through_a_parent(self):
        """A salesman with contact rights made a prepayment customer a
        contact of a company with a good grade, then a company again: it kept
        the good grade, which he could not set directly."""
        prepayment = (
            self.env["credit.grade"].search(
                [("requires_prepayment", "=", True)], limit=1
            )
            or self.grade_c
        )
        self.customer.credit_grade_id = prepayment
        shell = self.env["res.partner"].create(
            {"name": "Shell Co", "is_company": True, "credit_grade_id": self.grade_a.id}
        )
        customer = self.customer.with_user(self.salesman)
        with self.assertRaisesRegex(AccessError, "credit settings of its own"):
            customer.write({"is_company": False, "parent_id": shell.id})
        self.assertEqual(self.customer.credit_grade_id, prepayment)
        # A contact of its own customer moves between them as before, and a
        # credit manager may attach the customer.
        self.contact.with_user(self.salesman).parent_id = shell
        self.assertEqual(self.contact.commercial_partner_id, shell)
        self.customer.with_user(self.credit_manager).write(
            {"is_company": False, "parent_id": shell.id}
        )
        self.assertEqual(self.customer.commercial_partner_id, shell)

    def test_salesman_duplicates_a_rated_customer(self):
        """The score is the original's review: a copy starts without one
        (company-dependent fields are not copied), so the manager's check on
        the score does not keep a salesman from duplicating a customer."""
        self.env["credit.scoring"]._credit_rate(self.customer, "manual")
        self.assertTrue(self.customer.credit_score_date)
        copy = self.customer.with_user(self.salesman).copy()
        self.assertFalse(copy.sudo().credit_score_date)
        self.assertFalse(copy.sudo().credit_score)

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

    def test_overlapping_grade_bands_refused_nothing_written(self):
        self.env["credit.grade"].create(
            {"code": "TC2", "name": "Also fair", "min_score": 40}
        )
        reviews = self.env["credit.review"].search_count([])
        with self.assertRaisesRegex(UserError, "start at the same score"):
            self.customer.action_credit_rerate()
        self.assertEqual(self.env["credit.review"].search_count([]), reviews)
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertFalse(self.customer.credit_score_date)

    def test_no_grade_at_all_refused(self):
        self.env["credit.grade"].search([]).active = False
        with self.assertRaisesRegex(UserError, "No credit grade is defined"):
            self.customer.action_credit_rerate()

    def test_partner_without_receivable_account_is_checked(self):
        """Documented fallback: the exposure comes from the receivable lines
        themselves, not from the partner's default account, so a customer
        without one is still checked (and blocked when over its limit)."""
        self._invoice(4000.0)
        self.customer.property_account_receivable_id = False
        self.assertEqual(self.customer.credit_exposure, 4000.0)
        order = self._order(1500.0)
        with self.assertRaisesRegex(UserError, "exceeds the credit limit"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_zero_and_negative_total_orders(self):
        """Orders that add nothing to the exposure pass the limit rule even for a
        customer already over its limit; any positive amount is blocked; a hold
        still blocks them all."""
        self._invoice(6000.0)  # over the limit of 5,000, not overdue
        free, refund = self._order(0.0), self._order(-200.0)
        free.action_confirm()
        refund.action_confirm()
        self.assertEqual((free | refund).mapped("state"), ["sale", "sale"])
        with self.assertRaisesRegex(UserError, "exceeds the credit limit"):
            self._order(0.01).action_confirm()
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Audit"})
        with self.assertRaisesRegex(UserError, "on credit hold"):
            self._order(0.0).action_confirm()

    def test_empty_settings_fall_back_to_documented_defaults(self):
        """Override group left empty: the Credit Manager group approves.
        Overdue days and tolerance left at 0: the first day overdue blocks."""
        self.company.write(
            {
                "credit_override_group_id": False,
                "credit_overdue_days": 0,
                "credit_overdue_tolerance": 0.0,
            }
        )
        self._invoice(10.0, days_ago=1)
        order = self._order(100.0)
        with self.assertRaisesRegex(UserError, "more than 0 days past due"):
            order.action_confirm()
        with self.assertRaises(AccessError):
            order.with_user(self.salesman)._credit_approve("mine")
        order.with_user(self.credit_manager)._credit_approve("Paid by phone")
        order.action_confirm()
        self.assertEqual(order.state, "sale")
