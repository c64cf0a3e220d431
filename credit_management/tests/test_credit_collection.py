from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger
from psycopg2 import IntegrityError

from ..exceptions import CreditBlockedError
from .common import CreditCommon


class CollectionCommon(CreditCommon):
    """A collection policy with four levels (15 days e-mail; 30 days e-mail,
    letter and call; 45 days final notice and hold; 90 days legal from 500)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            login="credit_collector",
            groups="base.group_user,base.group_partner_manager,"
            "credit_management.group_credit_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        template = cls.env.ref(
            "credit_management.mail_template_credit_collection_reminder"
        )
        cls.policy = cls.env["credit.collection.policy"].create(
            {
                "name": "Test collection",
                "company_id": cls.company.id,
                "user_id": cls.collector.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Reminder",
                            "days": 15,
                            "send_email": True,
                            "mail_template_id": template.id,
                            "collection_status": "reminded",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Call",
                            "days": 30,
                            "send_email": True,
                            "mail_template_id": template.id,
                            "print_letter": True,
                            "letter_text": "<p>Please pay the invoices below.</p>",
                            "schedule_call": True,
                            "collection_status": "reminded",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Final notice",
                            "days": 45,
                            "put_on_hold": True,
                            "collection_status": "final_notice",
                        }
                    ),
                    Command.create(
                        {
                            "name": "Legal",
                            "days": 90,
                            "min_amount": 500.0,
                            "collection_status": "legal",
                        }
                    ),
                ],
            }
        )
        cls.level_15, cls.level_30, cls.level_45, cls.level_90 = (
            cls.policy._credit_levels()
        )
        cls.company.credit_collection_policy_id = cls.policy
        cls.customer.email = "acme@example.com"
        cls.company.external_report_layout_id = cls.env.ref(
            "web.external_layout_standard"
        )

    def _customer(self, name, **vals):
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, "email": f"{name}@example.com", **vals}
        )

    def _run(self, partners=None, date=None):
        """The collection run for ``partners`` (default: every candidate) on
        ``date``: :return: the communications made"""
        run = self.env["credit.collection.run"].with_company(self.company)
        date = date or self.today
        if partners is None:
            partners = self.env["res.partner"].browse(
                run._credit_collection_candidate_ids(date)
            )
        return run._credit_collection_apply(
            run._credit_collection_plan(partners, date), date
        )

    def _status(self, partner):
        partner.invalidate_recordset()
        return partner.with_company(self.company).credit_collection_status


@tagged("post_install", "-at_install")
class TestCreditCollectionLevels(CollectionCommon):
    def test_level_boundaries_29_30_31_days(self):
        days_29, days_30, days_31 = (
            self._customer(f"Late {days}") for days in (29, 30, 31)
        )
        self._invoice(200.0, partner=days_29, days_ago=29)
        self._invoice(200.0, partner=days_30, days_ago=30)
        self._invoice(200.0, partner=days_31, days_ago=31)
        communications = self._run(days_29 | days_30 | days_31)
        level_of = {c.partner_id: c.level_id for c in communications}
        self.assertEqual(level_of[days_29], self.level_15)
        self.assertEqual(level_of[days_30], self.level_30)
        self.assertEqual(level_of[days_31], self.level_30)
        self.assertEqual(len(communications), 3, "one communication per customer")

    def test_not_yet_overdue_or_below_first_level_says_nothing(self):
        partner = self._customer("Early")
        self._invoice(200.0, partner=partner, days_ago=14)
        self._invoice(200.0, partner=partner, days_ago=0)
        self.assertFalse(self._run(partner))
        self.assertEqual(self._status(partner), "normal")

    def test_second_run_same_day_makes_no_duplicate(self):
        partner = self._customer("Twice")
        self._invoice(300.0, partner=partner, days_ago=31)
        first = self._run(partner)
        self.assertEqual(len(first), 1)
        self.assertFalse(self._run(partner), "nothing new: nothing said twice")
        self.assertFalse(self._run(), "not through the candidates either")
        # A new item reaching the same level is new: one more, with all items.
        invoice = self._invoice(100.0, partner=partner, days_ago=30)
        second = self._run(partner)
        self.assertEqual(second.level_id, self.level_30)
        self.assertIn(
            invoice.line_ids.filtered("date_maturity"), second.line_ids.move_line_id
        )
        self.assertEqual(len(second.line_ids), 2)
        self.assertEqual(second.line_ids.level_id, self.level_30)

    def test_items_below_the_customers_level_are_not_spoken_of_twice(self):
        """Found by the bench: a customer at the legal level (one item 95 days
        past due) with another item 50 days past due got the legal letter, then,
        the same day, a final notice about the other item."""
        partner = self._customer("Two levels")
        old = self._invoice(600.0, partner=partner, days_ago=95)
        recent = self._invoice(300.0, partner=partner, days_ago=50)
        first = self._run(partner)
        self.assertEqual(first.level_id, self.level_90)
        level_of = {line.move_id: line.level_id for line in first.line_ids}
        self.assertEqual(level_of, {old: self.level_90, recent: self.level_45})
        self.assertAlmostEqual(first.amount_overdue, 900.0)
        self.assertFalse(self._run(partner), "the same day: nothing new")
        # 40 days on, the recent item reaches the legal level: spoken of again.
        later = self._run(partner, date=self.today + timedelta(days=40))
        self.assertEqual(later.level_id, self.level_90)
        self.assertEqual(later.line_ids.level_id, self.level_90)

    def test_highest_level_with_new_items_and_next_day_escalates(self):
        partner = self._customer("Escalates")
        self._invoice(300.0, partner=partner, days_ago=44)
        self.assertEqual(self._run(partner).level_id, self.level_30)
        # The same item, the next day, 45 days past due: the final notice.
        final = self._run(partner, date=self.today + timedelta(days=1))
        self.assertEqual(final.level_id, self.level_45)
        self.assertEqual(self._status(partner), "final_notice")

    def test_minimum_amount_of_a_level(self):
        small, large = self._customer("Small"), self._customer("Large")
        self._invoice(499.0, partner=small, days_ago=95)
        self._invoice(500.0, partner=large, days_ago=95)
        communications = self._run(small | large)
        level_of = {c.partner_id: c.level_id for c in communications}
        self.assertEqual(level_of[small], self.level_45, "below the legal minimum")
        self.assertEqual(level_of[large], self.level_90)
        self.assertEqual(self._status(large), "legal")
        self.assertEqual(self._status(small), "final_notice")

    def test_status_and_hold_follow_the_levels_and_payment(self):
        partner = self._customer("Holder")
        invoice = self._invoice(400.0, partner=partner, days_ago=50)
        communication = self._run(partner)
        self.assertEqual(communication.level_id, self.level_45)
        self.assertTrue(communication.hold_set)
        partner.invalidate_recordset()
        partner = partner.with_company(self.company)
        self.assertTrue(partner.credit_hold)
        self.assertTrue(partner.credit_hold_by_collection)
        self.assertIn("Final notice", partner.credit_hold_reason)
        decisions = self.env["credit.decision"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertEqual(
            set(decisions.mapped("kind")), {"collection", "hold"}, decisions
        )
        status_row = decisions.filtered(lambda d: d.kind == "collection")
        self.assertEqual(
            (status_row.collection_status_from, status_row.collection_status_to),
            ("normal", "final_notice"),
        )
        self.assertEqual(status_row.source, "collection")
        # Paid: back to normal, the hold released (and logged).
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertFalse(self._run(partner))
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_collection_status, "normal")
        self.assertFalse(partner.credit_hold)
        self.assertTrue(
            self.env["credit.decision"].search_count(
                [("partner_id", "=", partner.id), ("kind", "=", "release")]
            )
        )

    def test_manual_hold_is_not_released_by_the_run(self):
        partner = self._customer("Manual hold", credit_hold=True)
        partner.credit_hold_reason = "bankruptcy rumours"
        self._invoice(100.0, partner=partner, days_ago=20)
        self._run(partner)
        partner.invalidate_recordset()
        self.assertTrue(partner.with_company(self.company).credit_hold)
        self.assertEqual(partner.credit_hold_reason, "bankruptcy rumours")

    def test_excluded_customer_gets_nothing(self):
        partner = self._customer("Excluded")
        self._invoice(900.0, partner=partner, days_ago=120)
        with self.assertRaises(ValidationError):
            partner.credit_collection_excluded = True  # no reason given
        partner.write(
            {
                "credit_collection_excluded": True,
                "credit_collection_exclusion_reason": "Disputed delivery",
            }
        )
        self.assertFalse(self._run(partner))
        self.assertEqual(self._status(partner), "normal")
        self.assertFalse(partner.credit_hold)

    def test_customer_following_another_policy(self):
        other = self.env["credit.collection.policy"].create(
            {
                "name": "Key accounts",
                "level_ids": [
                    Command.create(
                        {"name": "Key call", "days": 60, "schedule_call": True}
                    )
                ],
            }
        )
        partner = self._customer("Key account", credit_collection_policy_id=other.id)
        self._invoice(900.0, partner=partner, days_ago=50)
        self.assertFalse(self._run(partner), "its policy starts at 60 days")
        communication = self._run(partner, date=self.today + timedelta(days=10))
        self.assertEqual(communication.level_id.name, "Key call")

    def test_legal_status_blocks_confirmation_with_its_message(self):
        partner = self._customer("In court", credit_limit=100000.0)
        self._invoice(1000.0, partner=partner, days_ago=100)
        self.company.credit_block_on_overdue = False
        self._run(partner)
        self.assertEqual(self._status(partner), "legal")
        order = self._order(100.0, partner=partner)
        with self.assertRaises(CreditBlockedError) as caught:
            order.action_confirm()
        message = str(caught.exception)
        self.assertIn("is in legal collection since", message)
        self.assertNotIn("on credit hold", message, "said once, by the collection rule")
        self.assertEqual(order.state, "draft")

    def test_legal_by_hand_needs_a_credit_manager_and_holds(self):
        partner = self._customer("By hand")
        partner_as_collector = partner.with_user(self.collector)
        partner_as_collector.credit_collection_status = "reminded"
        with self.assertRaises(AccessError):
            partner_as_collector.credit_collection_status = "legal"
        with self.assertRaises(AccessError):
            partner.with_user(self.salesman).credit_collection_status = "final_notice"
        partner.with_user(self.credit_manager).credit_collection_status = "legal"
        partner.invalidate_recordset()
        self.assertTrue(partner.credit_hold)
        self.assertTrue(partner.credit_hold_by_collection)
        order = self._order(10.0, partner=partner)
        with self.assertRaises(CreditBlockedError):
            order.action_confirm()
        # Taken back by hand: the hold the collections set goes with it.
        partner.with_user(self.credit_manager).credit_collection_status = "normal"
        partner.invalidate_recordset()
        self.assertFalse(partner.credit_hold)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_leaving_legal_by_hand_keeps_the_level_hold(self):
        """Found in the browser: back to Normal by hand released the hold a
        level had set, while the items were still 50 days past due."""
        partner = self._customer("Level hold")
        self._invoice(400.0, partner=partner, days_ago=50)
        self._run(partner)
        partner.invalidate_recordset()
        self.assertIn("Final notice", partner.credit_hold_reason)
        manager_partner = partner.with_user(self.credit_manager)
        manager_partner.credit_collection_status = "legal"
        self.assertTrue(partner.credit_hold)
        self.assertIn("Legal Collection", partner.credit_hold_reason)
        manager_partner.credit_collection_status = "normal"
        partner.invalidate_recordset()
        self.assertTrue(partner.credit_hold, "the level still holds the customer")
        self.assertIn("Final notice", partner.credit_hold_reason)
        decision = self.env["credit.decision"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "collection")], limit=1
        )
        self.assertEqual(decision.why, "Legal Collection → Normal")

    def test_collector_taking_a_paid_customer_back_releases_the_level_hold(self):
        """A collector (not a credit manager) sets the status back by hand
        after the customer paid: the hold the final notice had set goes with
        it, as it does for a credit manager, instead of an access error on
        the hold fields the collector may not type."""
        partner = self._customer("Paid since")
        invoice = self._invoice(400.0, partner=partner, days_ago=50)
        self._run(partner)
        partner.invalidate_recordset()
        self.assertTrue(partner.credit_hold_by_collection)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        as_collector = partner.with_user(self.collector).with_company(self.company)
        as_collector.credit_collection_status = "normal"
        partner.invalidate_recordset()
        self.assertFalse(partner.credit_hold)
        self.assertFalse(partner.credit_hold_reason)
        self.assertFalse(partner.credit_hold_by_collection)
        release = self.env["credit.decision"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "release")]
        )
        self.assertEqual(release.user_id, self.collector, "logged as the collector's")
        # Still 50 days late on another invoice: the hold stays, and the
        # collector still cannot lift it by typing it away.
        late = self._customer("Still late")
        self._invoice(400.0, partner=late, days_ago=50)
        self._run(late)
        late_as_collector = late.with_user(self.collector).with_company(self.company)
        late_as_collector.credit_collection_status = "reminded"
        late.invalidate_recordset()
        self.assertTrue(late.credit_hold)
        self.assertIn("Final notice", late.credit_hold_reason)
        with self.assertRaises(AccessError):
            late_as_collector.credit_hold = False

    def test_written_off_stays_until_changed_by_hand(self):
        partner = self._customer("Written off")
        partner.credit_collection_status = "written_off"
        self._run(partner)
        self.assertEqual(self._status(partner), "written_off")
        self.assertTrue(partner.credit_hold)

    def test_bad_levels_are_refused(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.level_90.collection_status = "reminded"  # milder after legal
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["credit.collection.level"].create(
                {
                    "policy_id": self.policy.id,
                    "name": "After legal, mild",
                    "days": 120,
                    "collection_status": "reminded",
                }
            )
        with mute_logger("odoo.sql_db"):
            for values in (
                {"name": "Negative", "days": -5},
                {"name": "Due today", "days": 0},
                {"name": "Negative minimum", "days": 20, "min_amount": -1.0},
            ):
                with self.assertRaises(IntegrityError), self.cr.savepoint():
                    self.env["credit.collection.level"].create(
                        {"policy_id": self.policy.id, **values}
                    )


@tagged("post_install", "-at_install")
class TestCreditCollectionChannels(CollectionCommon):
    def test_email_queued_with_the_statement_attached(self):
        partner = self._customer("Mailed", lang="en_US")
        invoice = self._invoice(250.0, partner=partner, days_ago=20)
        communication = self._run(partner)
        self.assertEqual(communication.email_state, "to_send")
        communication._credit_send()
        self.assertEqual(communication.email_state, "queued")
        mail = communication.mail_id
        self.assertEqual(mail.state, "outgoing", "in the mail queue, not sent")
        self.assertEqual(mail.recipient_ids, partner)
        self.assertIn("payment reminder", mail.subject)
        self.assertEqual(mail.attachment_ids, communication.statement_attachment_id)
        statement = communication.statement_attachment_id.raw.decode()
        self.assertIn(invoice.name, statement)
        self.assertIn("Statement of account", statement)

    def test_customer_without_email_is_reported(self):
        partner = self._customer("No mail")
        partner.email = False
        self._invoice(250.0, partner=partner, days_ago=20)
        communication = self._run(partner)
        communication._credit_send()
        self.assertEqual(communication.email_state, "failed")
        self.assertIn("no e-mail address", communication.email_error)
        self.assertFalse(communication.mail_id)

    def test_letters_of_a_batch_in_one_pdf_and_call_activity(self):
        first, second = self._customer("Letter one"), self._customer("Letter two")
        self._invoice(300.0, partner=first, days_ago=35)
        self._invoice(400.0, partner=second, days_ago=40)
        communications = self._run(first | second)
        self.assertEqual(set(communications.mapped("letter_state")), {"to_print"})
        action = communications.action_print_letters()
        self.assertEqual(
            action["report_name"], "credit_management.report_credit_collection_letter"
        )
        self.assertEqual(
            set(communications.mapped("letter_state")),
            {"to_print"},
            "still to post: printing the PDF is not posting the letter",
        )
        communications.with_user(self.collector).action_mark_posted()
        self.assertEqual(set(communications.mapped("letter_state")), {"printed"})
        self.assertTrue(all(communications.mapped("date_printed")))
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "credit_management.report_credit_collection_letter", communications.ids
        )
        html = html.decode()
        self.assertIn("Letter one", html)
        self.assertIn("Letter two", html)
        self.assertIn("Please pay the invoices below.", html)
        # Calls: one activity each for the policy's collector, never two open.
        self.assertEqual(communications.activity_id.user_id, self.collector)
        self.assertEqual(len(communications.activity_id), 2)
        self._invoice(100.0, partner=first, days_ago=30)
        again = self._run(first)
        self.assertEqual(
            again.activity_id,
            communications.filtered(lambda c: c.partner_id == first).activity_id,
        )
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", first.id),
                    ("user_id", "=", self.collector.id),
                ]
            ),
            1,
        )

    def test_statement_lists_open_items_with_aging(self):
        partner = self._customer("Statement")
        old = self._invoice(300.0, partner=partner, days_ago=70)
        new = self._invoice(200.0, partner=partner, days_ago=0)
        data = partner.with_company(self.company)._credit_statement_data()
        self.assertEqual(data["lines"].move_id, old | new)
        self.assertAlmostEqual(data["total"], 500.0)
        self.assertAlmostEqual(data["overdue"], 300.0)
        self.assertAlmostEqual(data["buckets"][0], 200.0, msg="not due")
        self.assertAlmostEqual(sum(data["buckets"]), 500.0)
        self.assertAlmostEqual(data["buckets"][3], 300.0, msg="61-90 days")

    def test_statement_counts_the_branches_invoices(self):
        """A branch shares its company's accounting, and the customer's
        figures count its invoices: the statement said "nothing is open"."""
        partner = self._customer("Branch customer")
        branch = self.env["res.company"].create(
            {"name": "Statement Branch", "parent_id": self.company.id}
        )
        invoice = self._invoice(700.0, partner=partner)
        # Stored as a branch's invoice is (the test chart of accounts cannot
        # post in a branch made here without its fiscal setup).
        self.env.flush_all()
        for table in ("account_move", "account_move_line"):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET company_id = %s WHERE %s = %s",
                    SQL.identifier(table),
                    branch.id,
                    SQL.identifier("id" if table == "account_move" else "move_id"),
                    invoice.id,
                )
            )
        self.env.invalidate_all()
        self.assertEqual(invoice.sudo().company_id, branch)
        partner = partner.with_company(self.company)
        self.assertEqual(partner.credit_exposure, 700.0)
        data = partner._credit_statement_data()
        self.assertEqual(data["lines"].move_id.ids, invoice.ids)
        self.assertAlmostEqual(data["total"], 700.0)

    def test_statement_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_management"], ["zh_CN"], overwrite=True
        )
        chinese = self._customer("Chinese", lang="zh_CN")
        english = self._customer("English", lang="en_US")
        for partner in chinese | english:
            self._invoice(100.0, partner=partner, days_ago=20)
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "credit_management.report_credit_statement", (chinese | english).ids
        )
        html = html.decode()
        self.assertEqual(html.count("对账单"), 1, "the Chinese customer's page")
        self.assertEqual(html.count("Statement of account"), 1)

    def test_communication_facts_cannot_be_changed(self):
        partner = self._customer("Facts")
        self._invoice(300.0, partner=partner, days_ago=20)
        communication = self._run(partner).with_user(self.collector)
        for vals in (
            {"amount_overdue": 1.0},
            {"level_id": self.level_90.id},
            {"line_ids": [Command.clear()]},
            {"state": "cancelled"},
            {"letter_state": "printed"},
        ):
            with self.assertRaises(AccessError):
                communication.write(vals)
        with self.assertRaises(AccessError):
            communication.with_user(self.salesman).read(["amount_overdue"])

    def test_cancelled_communication_lets_the_level_speak_again(self):
        partner = self._customer("Cancelled")
        self._invoice(300.0, partner=partner, days_ago=20)
        communication = self._run(partner)
        communication.with_user(self.collector).action_cancel()
        self.assertEqual(communication.state, "cancelled")
        self.assertEqual(self._run(partner).level_id, self.level_15)


@tagged("post_install", "-at_install")
class TestCreditCollectionPromise(CollectionCommon):
    def _promise(self, partner, amount, days):
        return (
            self.env["credit.collection.promise"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": partner.id,
                    "amount": amount,
                    "date_promised": self.today + timedelta(days=days),
                }
            )
        )

    def test_promise_sets_the_status_in_its_own_company(self):
        """A collector working in another company records a promise for the
        first one: the payment plan was set in the company he worked in, and
        the first company went on reminding the customer."""
        partner = self._customer("Two companies")
        self._invoice(600.0, partner=partner, days_ago=31)
        other = self.env["res.company"].create({"name": "Other Promise Co"})
        self.collector.company_ids = [Command.link(other.id)]
        self.env["credit.collection.promise"].with_user(self.collector).with_company(
            other
        ).with_context(allowed_company_ids=[other.id, self.company.id]).create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "amount": 600.0,
                "date_promised": self.today + timedelta(days=5),
            }
        )
        self.assertEqual(self._status(partner), "payment_plan")
        partner.invalidate_recordset()
        self.assertEqual(
            partner.with_company(other).credit_collection_status or "normal", "normal"
        )

    def test_promise_pauses_then_broken_resumes(self):
        partner = self._customer("Promiser")
        self._invoice(600.0, partner=partner, days_ago=31)
        promise = self._promise(partner, 600.0, 5)
        self.assertEqual(self._status(partner), "payment_plan")
        row = self.env["credit.collection.report"].search(
            [("partner_id", "=", partner.id)]
        )
        self.assertEqual(row.promise_date, self.today + timedelta(days=5))
        self.assertEqual(
            row.next_date,
            self.today + timedelta(days=6),
            "the next action waits for the promise",
        )
        self.assertFalse(self._run(partner), "paused until the promised date")
        self.assertFalse(
            self._run(partner, date=self.today + timedelta(days=5)),
            "still paused on the promised day",
        )
        self.assertEqual(promise.state, "open")
        # The day after, not paid: broken, the collector told, levels resume.
        later = self.today + timedelta(days=6)
        communication = self._run(partner, date=later)
        self.assertEqual(promise.state, "broken")
        self.assertEqual(communication.level_id, self.level_30)
        self.assertEqual(self._status(partner), "reminded")
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref(
                        "credit_management.mail_activity_type_credit_collection_promise"
                    ).id,
                ),
            ]
        )
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("promised", str(activity.note))

    def test_promise_kept_when_paid(self):
        partner = self._customer("Keeper")
        invoice = self._invoice(600.0, partner=partner, days_ago=31)
        promise = self._promise(partner, 400.0, 5)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 400.0})._create_payments()
        self._run(partner, date=self.today + timedelta(days=1))
        self.assertEqual(promise.state, "kept")
        self.assertAlmostEqual(promise.amount_received, 400.0)

    def test_promise_state_only_through_buttons_and_one_open(self):
        partner = self._customer("Buttons")
        self._invoice(600.0, partner=partner, days_ago=31)
        promise = self._promise(partner, 100.0, 3)
        with self.assertRaises(UserError):
            promise.state = "kept"
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self._promise(partner, 50.0, 4)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self._promise(self._customer("Past"), 50.0, -1)
        with self.assertRaises(UserError):
            promise.write({"amount_received": 100.0})
        # The flag the buttons set cannot be sent over RPC as a plain value:
        # a collector marked a promise kept with it.
        for flag in (True, 1, "credit_promise_state"):
            with self.subTest(flag=flag), self.assertRaises(UserError):
                promise.with_user(self.collector).with_context(
                    credit_promise_state=flag
                ).write({"state": "kept", "amount_received": 100.0})
        reminded = self._customer("Reminded")
        self._invoice(600.0, partner=reminded, days_ago=31)
        communication = self._run(reminded)
        self.assertEqual(communication.email_state, "to_send")
        with self.assertRaises(AccessError):
            communication.with_user(self.collector).with_context(
                credit_communication_state=True
            ).write({"email_state": "queued"})
        with self.assertRaises(UserError), self.cr.savepoint():
            self.env["credit.collection.promise"].create(
                {
                    "partner_id": self._customer("Forged").id,
                    "amount": 10.0,
                    "date_promised": self.today,
                    "state": "kept",
                }
            )
        promise.action_cancel()
        self.assertEqual(promise.state, "cancelled")
        with self.assertRaises(AccessError):
            self.env["credit.collection.promise"].with_user(self.salesman).create(
                {
                    "partner_id": partner.id,
                    "amount": 10.0,
                    "date_promised": self.today,
                }
            )


@tagged("post_install", "-at_install")
class TestCreditCollectionWizard(CollectionCommon):
    def test_preview_then_run_and_dashboard(self):
        first, second = self._customer("Wizard one"), self._customer("Wizard two")
        self._invoice(300.0, partner=first, days_ago=20)
        self._invoice(300.0, partner=second, days_ago=35)
        wizard = (
            self.env["credit.collection.wizard"]
            .with_user(self.collector)
            .create({"partner_ids": [Command.set((first | second).ids)]})
        )
        wizard.action_preview()
        self.assertEqual(len(wizard.line_ids), 2)
        line_second = wizard.line_ids.filtered(lambda l: l.partner_id == second)
        self.assertEqual(line_second.level_id, self.level_30)
        self.assertTrue(line_second.print_letter)
        self.assertFalse(
            self.env["credit.collection.communication"].search(
                [("partner_id", "in", (first | second).ids)]
            ),
            "a preview writes nothing",
        )
        wizard.line_ids.filtered(lambda l: l.partner_id == first).selected = False
        wizard.action_run()
        self.assertEqual(wizard.communication_ids.partner_id, second)
        self.assertEqual(wizard.communication_ids.email_state, "queued")
        # The dashboard shows both, the one reminded with its level.
        rows = self.env["credit.collection.report"].search(
            [("partner_id", "in", (first | second).ids)]
        )
        self.assertEqual(len(rows), 2)
        row_second = rows.filtered(lambda r: r.partner_id == second)
        self.assertEqual(row_second.level_id, self.level_30)
        self.assertEqual(row_second.next_level_id, self.level_45)
        self.assertEqual(row_second.max_days_overdue, 35)
        self.assertEqual(
            row_second.next_date, self.today - timedelta(days=35) + timedelta(days=45)
        )
        self.assertAlmostEqual(row_second.amount_overdue, 300.0)
        row_first = rows.filtered(lambda r: r.partner_id == first)
        self.assertFalse(row_first.level_id)
        self.assertEqual(row_first.next_level_id, self.level_15)

    def test_dashboard_prints_the_letters_to_post_as_the_web_client_calls_it(self):
        """The header button calls the method with no record (the web client
        sends an empty list of ids): it failed with a TypeError."""
        partner = self._customer("Dashboard letter")
        self._invoice(300.0, partner=partner, days_ago=35)
        communication = self._run(partner)
        action = call_kw(
            self.env["credit.collection.report"].with_user(self.collector),
            "action_print_letters",
            [[]],
            {},
        )
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["context"]["active_ids"], communication.ids)

    def test_the_run_is_todays_whatever_the_client_sends(self):
        """Over RPC, a collector gave the wizard a date 100 days ahead (the
        form shows it read-only): a customer 15 days late went to legal
        collection and on hold, which only a credit manager may decide."""
        partner = self._customer("Dated")
        self._invoice(600.0, partner=partner, days_ago=15)
        other = self.env["res.company"].create({"name": "Other Collections Co"})
        self.collector.company_ids = [Command.link(other.id)]
        Wizard = self.env["credit.collection.wizard"].with_user(self.collector)
        wizard = Wizard.create(
            {
                "partner_ids": [Command.set(partner.ids)],
                "date": self.today + timedelta(days=100),
                "company_id": other.id,
            }
        )
        self.assertEqual(wizard.date, self.today)
        self.assertEqual(wizard.company_id, self.company)
        wizard.write({"date": self.today + timedelta(days=100)})
        self.assertEqual(wizard.date, self.today)
        wizard.action_preview()
        wizard.action_run()
        self.assertEqual(wizard.communication_ids.level_id, self.level_15)
        self.assertEqual(self._status(partner), "reminded")
        partner.invalidate_recordset()
        self.assertFalse(partner.credit_hold)

    def test_salesman_cannot_run_collections(self):
        with self.assertRaises(AccessError):
            self.env["credit.collection.wizard"].with_user(self.salesman).create({})

    def test_salesman_cannot_give_collection_settings_at_creation(self):
        """Changing them later was refused to a salesman; creating the
        customer with them was not."""
        Partner = self.env["res.partner"].with_user(self.salesman)
        for values in (
            {
                "credit_collection_excluded": True,
                "credit_collection_exclusion_reason": "VIP",
            },
            {"credit_portal_visible": True},
            {"credit_collection_policy_id": self.policy.id},
            {"credit_collection_status": "reminded"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                Partner.create({"name": "New customer", "is_company": True, **values})
        # As the form sends them, and as a collector may.
        Partner.create(
            {
                "name": "Plain customer",
                "is_company": True,
                "credit_collection_status": "normal",
                "credit_portal_visible": False,
            }
        )
        created = (
            self.env["res.partner"]
            .with_user(self.collector)
            .create(
                {
                    "name": "Shown customer",
                    "is_company": True,
                    "credit_portal_visible": True,
                }
            )
        )
        self.assertTrue(created.credit_portal_visible)

    def test_partner_form_shows_collection_settings(self):
        partner = self._customer("Form")
        with Form(partner.with_user(self.collector)) as form:
            form.credit_collection_status_step = "reminded"
        self.assertEqual(self._status(partner), "reminded")
        self.assertEqual(
            partner.with_company(self.company).credit_collection_status_date,
            self.today,
        )

    def test_collector_is_offered_only_the_statuses_he_may_set(self):
        """Found in the browser: a collector was offered Legal Collection and
        Written Off in the status dropdown, then refused them at the save."""
        as_collector = self.env["res.partner"].with_user(self.collector)
        offered = as_collector.fields_get(["credit_collection_status_step"])[
            "credit_collection_status_step"
        ]["selection"]
        self.assertEqual(
            [value for value, _label in offered],
            ["normal", "reminded", "final_notice", "payment_plan"],
        )
        partner = self._customer("Offered")
        with Form(partner.with_user(self.collector)) as form:
            with self.assertRaises(AssertionError, msg="a manager's field, hidden"):
                form.credit_collection_status = "legal"
            form.credit_collection_status_step = "payment_plan"
        self.assertEqual(self._status(partner), "payment_plan")
        # In legal collection: shown as it is, read-only, and the collector's
        # dropdown is not there to take the customer out of it.
        partner.with_user(self.credit_manager).credit_collection_status = "legal"
        with Form(partner.with_user(self.collector)) as form:
            self.assertEqual(form.credit_collection_status, "legal")
            with self.assertRaises(AssertionError):
                form.credit_collection_status = "normal"
            with self.assertRaises(AssertionError):
                form.credit_collection_status_step = "normal"
        # Written empty (over RPC), the step leaves a status it cannot show.
        partner.with_user(self.collector).credit_collection_status_step = False
        self.assertEqual(self._status(partner), "legal")
        # A credit manager picks any status on the one field.
        with Form(partner.with_user(self.credit_manager)) as form:
            form.credit_collection_status = "written_off"
        self.assertEqual(self._status(partner), "written_off")
