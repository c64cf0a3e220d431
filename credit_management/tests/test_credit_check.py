from unittest.mock import patch

import psycopg2
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL
from psycopg2 import errors

from ..models import credit_exposure
from ..models.credit_policy import CHECK_PARTNER_FIELDS
from ..tools import prepared
from ..tools.prepared import execute_prepared_dict
from .common import CreditCommon

# A refusal raised by the tests themselves (not a message of the addon).
REFUSED = "refused by the test"


@tagged("post_install", "-at_install")
class TestCreditCheck(CreditCommon):
    """The credit policy at sale order confirmation."""

    def assertBlocked(self, order, *fragments):
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertIn(order.state, ("draft", "sent"))
        return message

    def test_check_reads_only_the_customer_fields_it_needs(self):
        """The check reads the customer's credit fields in one narrow query: the
        first read of a company-dependent field would otherwise fetch every
        company-dependent field of res.partner (pricelist, accounts, barcode...),
        a query whose SQL alone takes the ORM milliseconds to build at each
        confirmation."""
        order = self._order(2000.0)
        self.env.invalidate_all()
        with self._recording_queries() as queries:
            check = order.with_user(self.salesman)._credit_check()
        self.assertFalse(check["codes"])
        partner_reads = [
            query
            for query in queries
            if query.lstrip().startswith('SELECT "res_partner"."id"')
            and '"res_partner"."credit_limit"' in query
        ]
        self.assertEqual(len(partner_reads), 1, partner_reads)
        for column in ("barcode", "property_product_pricelist", "property_account"):
            self.assertNotIn(column, partner_reads[0])

    def test_credit_fields_sql_is_built_once_per_company(self):
        """The SQL of the credit fields kept per company is built once per
        company, not at every read (the ORM looked up each field's fallback
        value at every read: most of the check's own Python time). Values
        stay those of the reading company, rights are checked at every read,
        and a default value set later is read at once."""
        other = self.setup_other_company()["company"]
        self.customer.with_company(other).credit_hold = True
        self.env.flush_all()
        field_class = type(self.env["res.partner"]._fields["credit_hold"])
        fallback = field_class.get_company_dependent_fallback
        looked_up = []

        def spy(field, records):
            looked_up.append(field.name)
            return fallback(field, records)

        def read(company):
            self.env.invalidate_all()
            customer = self.customer.with_company(company)
            customer.fetch(CHECK_PARTNER_FIELDS)
            return customer.credit_hold, customer.credit_collection_status

        read(self.company), read(other)  # built, unless an earlier test did
        with patch.object(field_class, "get_company_dependent_fallback", spy):
            self.assertEqual(read(self.company), (False, "normal"))
            self.assertEqual(read(other), (True, "normal"))
        self.assertFalse(
            [name for name in looked_up if name.startswith("credit_")], looked_up
        )
        # A salesman reads the limit; a portal user may not.
        self.assertEqual(
            self.customer.with_user(self.salesman).credit_limit,
            self.customer.credit_limit,
        )
        portal = self.env["res.users"].create(
            {
                "name": "Portal Reader",
                "login": "portal_reader_sql",
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(portal).search([("credit_limit", ">", 0)])
        # A default set for the company is the value of a customer without one.
        self.env["ir.default"].set(
            "res.partner",
            "credit_collection_status",
            "reminded",
            company_id=other.id,
        )
        self.assertEqual(read(other), (True, "reminded"))
        self.assertEqual(read(self.company), (False, "normal"))

    def _figures(self, plainly=False):
        """The check's figures of the customer, through the prepared statement
        or (``plainly``) planned at the call as before."""
        exposure = self.env["credit.exposure"]
        if not plainly:
            return exposure._credit_figures(self.customer, detail=False)
        with patch.object(
            credit_exposure,
            "execute_prepared_dict",
            lambda env, query, **kwargs: env.execute_query_dict(query),
        ):
            return exposure._credit_figures(self.customer, detail=False)

    def _ledger_of_every_part(self):
        """Open items, a confirmed order not invoiced and a draft invoice."""
        self._invoice(1200.0, days_ago=10)
        self._order(900.0).action_confirm()
        self._invoice(300.0, post=False)

    def test_check_is_planned_once_per_connection(self):
        """The exposure statement of a confirmation is prepared once on the
        connection and executed at every check after: PostgreSQL plans it once
        (the plan was most of the statement's time), and the figures are the
        ones of the statement planned at each call."""
        self._ledger_of_every_part()
        order = self._order(2000.0)
        order._credit_check()  # prepares it, unless an earlier test did
        with self._recording_queries() as queries:
            check = order._credit_check()
        self.assertFalse(check["codes"])
        self.assertFalse([query for query in queries if query.startswith("PREPARE")])
        executes = [query for query in queries if "EXECUTE " in query]
        self.assertEqual(len(executes), 1, queries)
        figures = self._figures()[self.customer.id]
        self.assertEqual(figures, self._figures(plainly=True)[self.customer.id])
        # The statement runs with its one generic plan, the point of preparing
        # it (left to itself, PostgreSQL planned each call again whenever the
        # generic plan's estimate was the higher); the setting that asks for it
        # ends with the call.
        for _ in range(6):
            self._figures()
        [[mode]] = self.env.execute_query(SQL("SHOW plan_cache_mode"))
        self.assertEqual(mode, "auto")
        [[generic_plans]] = self.env.execute_query(
            SQL(
                "SELECT generic_plans FROM pg_prepared_statements WHERE name = %s",
                executes[0].split('EXECUTE "')[1].split('"')[0],
            )
        )
        self.assertGreater(generic_plans, 0)
        self.assertEqual(
            (
                figures["receivable_open"],
                figures["orders_uninvoiced"],
                figures["invoices_draft"],
                figures["credit_exposure"],
            ),
            (1200.0, 900.0, 300.0, 2400.0),
        )

    def test_check_reads_the_securities_in_its_exposure_statement(self):
        """The securities that count for the order come with the exposure, in
        the one prepared statement (a round trip less at every confirmation),
        and secure what they secured when read apart."""
        self._ledger_of_every_part()
        order = self._order(2000.0)
        self.customer.credit_limit = 100000.0
        securities = self.env["credit.security"].create(
            [
                {
                    "name": "INS-1",
                    "partner_id": self.customer.id,
                    "security_type": "insurance",
                    "amount": 10000.0,
                    "coverage": 50.0,
                    "date_from": self.today,
                },
                {
                    "name": "LC-1",
                    "partner_id": self.customer.id,
                    "security_type": "documentary_lc",
                    "amount": 300.0,
                    "order_id": order.id,
                    "date_from": self.today,
                },
            ]
        )
        securities.action_activate()
        self.env.flush_all()
        with self._recording_queries() as queries:
            check = order._credit_check()
        self.assertFalse(
            [query for query in queries if "FROM credit_security" in query], queries
        )
        self.assertEqual(len([q for q in queries if "EXECUTE " in q]), 1, queries)
        # min(10,000, 2,400 + 2,000) x 50 % + the order's letter of credit 300.
        self.assertEqual(check["secured"], 2500.0)
        self.assertEqual(
            self.env["credit.exposure"]._credit_secured(
                self.customer, exposures={self.customer.id: 4400.0}, order=order
            ),
            {self.customer.id: 2500.0},
        )
        self.assertNotIn("security_rows", check)
        # Another order is not covered by this one's letter of credit.
        other = self._order(2000.0)
        self.assertEqual(other._credit_check()["secured"], 2200.0)

    def test_check_groups_the_open_items_without_sorting_them(self):
        """The plan the check keeps groups the customer's open items in a hash
        table: the planner cannot count them (the customer's contacts come
        from a sub-select) and, left to itself, sorted them first, which cost
        a customer with thousands of open items a millisecond at every
        confirmation (bench/ANALYSIS.md)."""
        self._ledger_of_every_part()
        order = self._order(2000.0)
        cr = self.env.cr
        calls = []
        execute = cr.execute

        def spy(query, params=None, log_exceptions=True):
            if "EXECUTE " in str(getattr(query, "code", query)):
                calls.append(query)
            return execute(query, params, log_exceptions)

        with patch.object(cr, "execute", spy):
            order._credit_check()
        [call] = calls
        # The setting that makes the plan ends with the call.
        [[sort]] = self.env.execute_query(SQL("SHOW enable_sort"))
        self.assertEqual(sort, "on")
        start, code = call.code.split("EXECUTE ")
        with cr.savepoint(flush=False) as savepoint:
            # The plan the check runs, under the settings of its call (a plan
            # made again, after an ANALYZE of a table it reads, is made with
            # them).
            for statement in start.split(";"):
                if statement.strip().startswith("SET LOCAL"):
                    cr.execute(statement)
            [[[plan]]] = self.env.execute_query(
                SQL("EXPLAIN (FORMAT JSON) EXECUTE " + code, *call.params)
            )
            savepoint.rollback()

        def nodes(node):
            yield node
            for child in node.get("Plans", ()):
                yield from nodes(child)

        # The open items' aggregate (the other parts group a few rows, in
        # whatever way the planner likes).
        [open_items] = [
            node
            for node in nodes(plan["Plan"])
            if node["Node Type"] == "Aggregate"
            and "aml.partner_id" in node.get("Group Key", ())
        ]
        self.assertEqual(open_items["Strategy"], "Hashed", plan)
        self.assertFalse(
            [node for node in nodes(open_items) if "Sort" in node["Node Type"]], plan
        )

    def test_prepared_call_takes_two_round_trips(self):
        """A call sets its savepoint in the statement that executes, and rolls
        it back and releases it in one more: two round trips to PostgreSQL,
        where a savepoint of the cursor took four (a confirmation's overhead
        is mostly round trips and ORM reads, bench/ANALYSIS.md)."""
        query = SQL("SELECT id FROM res_partner WHERE id = %s", self.customer.id)
        execute_prepared_dict(self.env, query)  # prepares it
        with self._recording_queries() as queries:
            rows = execute_prepared_dict(self.env, query)
        self.assertEqual(rows, [{"id": self.customer.id}])
        self.assertEqual(len(queries), 2, queries)
        self.assertIn("EXECUTE ", queries[0])
        # The savepoint is gone, and the plan setting with it.
        [[mode]] = self.env.execute_query(SQL("SHOW plan_cache_mode"))
        self.assertEqual(mode, "auto")
        with (
            self.assertRaises(errors.InvalidSavepointSpecification),
            self.env.cr.savepoint(flush=False),
        ):
            self.env.cr.execute(
                'RELEASE SAVEPOINT "credit_prepared"', log_exceptions=False
            )

    def test_prepared_call_that_fails_before_its_savepoint_raises_as_it_is(self):
        """A value psycopg2 cannot send fails the call before it reaches
        PostgreSQL: there is no savepoint to roll back to. The call raises the
        error itself, and the transaction stays usable (rolling back to the
        missing savepoint aborted it and hid the error)."""
        query = SQL("SELECT id FROM res_partner WHERE id = %s", self.customer.id)
        execute_prepared_dict(self.env, query)  # prepares it
        unsendable = SQL("SELECT id FROM res_partner WHERE id = %s", object())
        with self.assertRaises(psycopg2.ProgrammingError) as caught:
            execute_prepared_dict(self.env, unsendable)
        self.assertIn("adapt", str(caught.exception))
        self.assertEqual(
            execute_prepared_dict(self.env, query), [{"id": self.customer.id}]
        )

    def test_check_prepares_again_where_the_session_lost_it(self):
        """A connection pooler in transaction mode may hand the next call
        another session, where the statement was never prepared: the check
        prepares it there and gives the same figures, without failing the
        confirmation."""
        self._ledger_of_every_part()
        before = self._figures()
        self.env.cr.execute("DEALLOCATE ALL")  # the session a pooler gave
        with self._recording_queries() as queries:
            after = self._figures()
        self.assertEqual(after, before)
        self.assertTrue([query for query in queries if query.startswith("PREPARE")])
        self.assertEqual(after, self._figures(plainly=True))
        # The other way round: prepared on the session, unknown to the process
        # (PREPARE answers that it exists; the check goes on).
        prepared._PREPARED.pop(self.env.cr.connection, None)
        self.assertEqual(self._figures(), before)
        order = self._order(7000.0)
        self.env.cr.execute("DEALLOCATE ALL")
        self.assertBlocked(order, "credit limit")

    def test_statement_prepared_before_a_column_changed_type_is_prepared_again(
        self,
    ):
        """A connection kept across an upgrade that changed the type of a
        column the statement returns: PostgreSQL refuses the old plan ("cached
        plan must not change result type"); it is prepared again."""
        cr = self.env.cr
        cr.execute("CREATE TEMPORARY TABLE credit_prepared_probe (amount integer)")
        cr.execute("INSERT INTO credit_prepared_probe VALUES (7)")
        query = SQL("SELECT amount FROM credit_prepared_probe WHERE amount >= %s", 0)
        self.assertEqual(execute_prepared_dict(self.env, query), [{"amount": 7}])
        cr.execute("ALTER TABLE credit_prepared_probe ALTER amount TYPE numeric")
        self.assertEqual(execute_prepared_dict(self.env, query), [{"amount": 7}])

    def test_statement_that_cannot_be_prepared_runs_as_it_is(self):
        """A statement PostgreSQL refuses to prepare (here ``IN`` given a list
        of values, which a parameter cannot stand for) runs planned at the call,
        and is not offered to PREPARE again."""
        query = SQL(
            "SELECT id FROM res_partner WHERE id IN %s ORDER BY id",
            (self.customer.id, self.contact.id),
        )
        for _ in range(2):
            with self._recording_queries() as queries:
                rows = execute_prepared_dict(self.env, query)
            self.assertEqual(
                [row["id"] for row in rows], sorted([self.customer.id, self.contact.id])
            )
        self.assertFalse([query for query in queries if query.startswith("PREPARE")])

    def test_confirmation_reads_the_company_once_without_its_other_settings(self):
        """A confirmation reads the company once, with the settings of the
        credit check only: the other credit settings (scoring, warnings,
        requests, portal, aging, who is told) are a prefetch group of their
        own, read when one of them is, not with every read of the company
        (every request reads it). Their values are read as before."""
        company = self.company
        company.write(
            {
                "credit_block_on_overdue": True,
                "credit_block_country": True,
                "credit_shadow_mode": "rules",
                "credit_shadow_terms": True,
            }
        )
        order = self._order(2000.0)
        self.env.invalidate_all()
        with self._recording_queries() as queries:
            order.action_confirm()
        self.assertEqual(order.state, "sale")
        company_reads = [
            query
            for query in queries
            if query.lstrip().startswith('SELECT "res_company"."id", ')
        ]
        self.assertEqual(len(company_reads), 1, company_reads)
        for name in ("credit_control_enabled", "credit_overdue_tolerance"):
            self.assertIn(f'"res_company"."{name}"', company_reads[0])
        settings = [
            name
            for name, field in company._fields.items()
            if field.prefetch == "credit_settings"
        ]
        self.assertIn("credit_warn_utilisation", settings)
        for name in settings:
            self.assertNotIn(f'"res_company"."{name}"', company_reads[0])
        # One of them read: the group, in one query.
        self.env.invalidate_all()
        with self._recording_queries() as queries:
            self.assertEqual(company.credit_rerate_batch_size, 500)
            self.assertEqual(company.credit_aging_bucket_4, 120)
            self.assertEqual(company.credit_warn_utilisation, 90.0)
        self.assertEqual(len(queries), 1, queries)

    def test_confirmation_reads_only_the_customer_fields_it_needs(self):
        """Locking the customer and checking the order read its commercial
        entity and its credit fields, in one query where the order is invoiced
        to the customer itself: finding the commercial entity through the
        ORM's prefetching fetched every column of res.partner (name, e-mail,
        addresses...), which a confirmation never reads, and the credit fields
        were a query of their own (a round trip and the ORM's query building,
        0.7 ms of a confirmation, bench/ANALYSIS.md)."""
        # in the time zone of the web client's context (without it, the user's
        # own partner is read for its time zone)
        to_customer = self._order(2000.0).with_context(tz="Europe/Brussels")
        to_contact = self._order(2000.0).with_context(tz="Europe/Brussels")
        to_contact.partner_invoice_id = self.contact
        for order, reads in ((to_customer, 1), (to_contact, 2)):
            self.env.invalidate_all()
            with self._recording_queries() as queries:
                order._credit_lock_partners()
                check = order._credit_check()
            self.assertFalse(check["codes"])
            self.assertEqual(check["partner"], self.customer)
            self.assertEqual(check["credit_exposure"], 0.0)
            partner_reads = [
                query
                for query in queries
                if query.lstrip().startswith('SELECT "res_partner"."id"')
            ]
            self.assertEqual(len(partner_reads), reads, partner_reads)
            self.assertIn('"res_partner"."commercial_partner_id"', partner_reads[0])
            self.assertIn('"res_partner"."credit_limit"', partner_reads[-1])
            for query in partner_reads:
                self.assertNotIn('"res_partner"."name"', query)
                self.assertNotIn('"res_partner"."email"', query)

    def test_confirmation_reads_the_customer_through_the_orm_if_refused(self):
        """A customer whose narrow read is refused (record rules) is read as
        before, field by field through the ORM, which checks each record: the
        confirmation does not fail on the narrow read."""
        order = self._order(2000.0)
        self.env.invalidate_all()
        Partner = self.registry["res.partner"]
        fetch = Partner.fetch
        refused = []

        def refuse(records, field_names):
            # the lock's read, the first of the confirmation
            if list(field_names) == CHECK_PARTNER_FIELDS and not refused:
                refused.append(records.ids)
                raise AccessError(REFUSED)
            return fetch(records, field_names)

        with patch.object(Partner, "fetch", refuse):
            order.action_confirm()
        self.assertEqual(refused, [self.customer.ids])
        self.assertEqual(order.state, "sale")

    def test_confirm_passes_within_limit(self):
        self._invoice(3000.0)
        order = self._order(2000.0)
        self.assertFalse(order.credit_blocked)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_confirm_blocked_when_limit_exceeded(self):
        self._invoice(3000.0)
        self._order(1000.0, confirm=True)
        order = self._order(1500.0)
        self.assertTrue(order.credit_blocked)
        message = self.assertBlocked(
            order,
            "Acme Credit Test",
            "TC - Test Fair",
            self.fmt(4000.0),  # exposure
            self.fmt(1500.0),  # this order
            self.fmt(5500.0),  # exposure + order
            self.fmt(5000.0),  # limit
            self.fmt(500.0),  # excess
            order.name,
        )
        self.assertIn("open receivables " + self.fmt(3000.0), message)
        # Only what applies: no line of zeros, no draft invoices part.
        self.assertNotIn("Overdue:", message)
        self.assertNotIn("draft invoices", message)
        self.assertIn("confirmed orders not invoiced " + self.fmt(1000.0), message)
        self.assertIn("request a higher credit limit", message)

    def test_message_says_what_each_reader_can_do(self):
        """The message depends on who reads it: read by a salesperson then by
        an approver in one transaction, the approver got the salesperson's
        text (the compute did not depend on the user)."""
        order = self._order(6000.0)
        as_salesman = order.with_user(self.salesman).credit_check_message
        as_manager = order.with_user(self.credit_manager).credit_check_message
        self.assertIn("(Request Approval)", as_salesman)
        self.assertIn("approve the order yourself", as_manager)

    def test_confirm_not_blocked_on_limit_when_rule_is_off(self):
        self.company.credit_block_on_limit = False
        self._invoice(4900.0)
        order = self._order(1500.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_confirm_blocked_by_overdue_rule(self):
        self._invoice(400.0, days_ago=45)
        self._invoice(300.0, days_ago=5)
        order = self._order(100.0)
        message = self.assertBlocked(
            order,
            "1 invoice(s) more than 30 days past due for " + self.fmt(400.0),
            "the oldest 45 days",
            "tolerates " + self.fmt(100.0),
            "overdue in all: " + self.fmt(700.0) + " in 2 invoice(s)",
        )
        self.assertIn("collect the overdue payments", message)

    def test_overdue_within_tolerance_does_not_block(self):
        self._invoice(80.0, days_ago=45)  # under the 100.00 tolerance
        self._invoice(3000.0, days_ago=20)  # under the 30 days tolerance
        order = self._order(100.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_confirm_blocked_on_hold(self):
        self.customer.write(
            {"credit_hold": True, "credit_hold_reason": "Bankruptcy rumours"}
        )
        self._invoice(250.0, days_ago=12)
        order = self._order(10.0)
        self.assertBlocked(
            order,
            "on credit hold",
            "Bankruptcy rumours",
            "credit limit " + self.fmt(5000.0),
            "grade TC - Test Fair",
            "Overdue: 1 invoice(s) for " + self.fmt(250.0) + ", the oldest 12 days",
        )

    def test_confirm_blocked_for_prepayment_grade(self):
        self.customer.credit_grade_id = self.grade_prepay
        order = self._order(10.0)
        self.assertBlocked(order, "TE - Test Prepayment", "payment in advance")

    def test_prepayment_grade_allowed_when_policy_off(self):
        self.company.credit_block_prepayment = False
        self.customer.credit_grade_id = self.grade_prepay
        order = self._order(10.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_contact_order_checked_against_company_limit(self):
        self._invoice(4800.0)
        order = self._order(500.0, partner=self.contact)
        self.assertBlocked(order, "Acme Credit Test", self.fmt(5000.0))

    def test_foreign_currency_order_converted_for_the_check(self):
        other = self.setup_other_currency("EUR")  # 2 EUR = 1 company unit
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": other.id, "company_id": self.company.id}
        )
        self._invoice(4000.0)
        ok = self._order(1800.0, pricelist=pricelist)  # 900 in company currency
        ok.action_confirm()
        blocked = self._order(400.0, pricelist=pricelist)  # 200: 4900 + 200 > 5000
        self.assertBlocked(blocked, self.fmt(4900.0), self.fmt(200.0))

    def test_orders_confirmed_together_are_counted_together(self):
        first = self._order(3000.0)
        second = self._order(3000.0)
        self.assertFalse(first.credit_blocked)
        self.assertFalse(second.credit_blocked)
        with self.assertRaises(UserError) as caught:
            (first | second).action_confirm()
        self.assertIn(second.name, str(caught.exception))
        self.assertIn(self.fmt(6000.0), str(caught.exception))

    def test_order_being_confirmed_is_not_counted_twice(self):
        order = self._order(5000.0)  # exactly the limit
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self.customer.credit_exposure, 5000.0)

    def test_no_check_when_credit_control_disabled(self):
        self.company.credit_control_enabled = False
        self.customer.credit_hold = True
        order = self._order(99999.0)
        self.assertFalse(order.credit_blocked)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_customer_without_limit_is_not_limit_checked(self):
        self.customer.credit_limit_applies = False
        order = self._order(99999.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_limit_of_zero_blocks_every_order(self):
        """A limit of 0 is no credit at all, never "no limit"."""
        self.customer.write({"credit_limit": 0.0, "credit_limit_applies": True})
        order = self._order(10.0)
        self.assertTrue(order.credit_blocked)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn(
            f"exceeds the credit limit {self.fmt(0.0)}", str(caught.exception)
        )
        self.assertEqual(self.customer.credit_available, -0.0)
        self.assertEqual(self.customer.credit_usage_percent, 0.0)

    def test_typed_limit_applies_and_only_unchecking_removes_it(self):
        partner = self.env["res.partner"].create({"name": "New Co", "is_company": True})
        self.assertFalse(partner.credit_limit_applies)
        partner.credit_limit = 300.0
        self.assertTrue(partner.credit_limit_applies)
        partner.credit_limit = 0.0
        self.assertTrue(partner.credit_limit_applies)
        partner.credit_limit_applies = False
        self.assertEqual(self._order(99999.0, partner=partner).credit_blocked, False)

    def test_paid_order_skipped_only_when_policy_says_so(self):
        self.customer.credit_hold = True
        order = self._order(500.0)

        def fully_paid(orders):
            for record in orders:
                record.amount_paid = record.amount_total

        with patch.object(type(order), "_compute_amount_paid", fully_paid):
            order.invalidate_recordset(["amount_paid"])
            self.assertBlocked(order, "on credit hold")
            self.company.credit_skip_paid_orders = True
            order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_missing_exchange_rate_is_reported(self):
        other = self.setup_other_currency("EUR", rates=[])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": other.id, "company_id": self.company.id}
        )
        order = self._order(100.0, pricelist=pricelist)
        with self.assertRaisesRegex(UserError, "No exchange rate for EUR"):
            order.action_confirm()

    def test_blocking_message_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.write({"credit_hold": True, "credit_hold_reason": "Dispute"})
        order = self._order(10.0).with_context(lang="zh_CN")
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn("已被信用冻结：Dispute", str(caught.exception))
        self.assertIn("无法确认", str(caught.exception))


@tagged("post_install", "-at_install")
class TestCreditConfigurationErrors(CreditCommon):
    """A currency without rate: forms open with a banner, confirmation refuses
    with the same clear error."""

    def setUp(self):
        super().setUp()
        self.no_rate = self.env["res.currency"].create(
            {"name": "XCR", "symbol": "¤", "rounding": 0.01}
        )
        self.pricelist = self.env["product.pricelist"].create(
            {"name": "XCR", "currency_id": self.no_rate.id}
        )

    def test_quotation_opens_with_the_error_and_refuses_to_confirm(self):
        order = self._order(100.0, pricelist=self.pricelist)
        with Form(order) as form:
            self.assertTrue(form.credit_blocked)
            self.assertIn("The credit check cannot run", form.credit_check_message)
            self.assertIn("No exchange rate for XCR", form.credit_check_message)
        with self.assertRaisesRegex(UserError, "No exchange rate for XCR"):
            order.action_confirm()

    def test_partner_form_opens_with_the_error(self):
        self.company.credit_control_enabled = False
        self._order(100.0, pricelist=self.pricelist, confirm=True)
        self.company.credit_control_enabled = True
        self.customer.invalidate_recordset()
        with Form(self.customer) as form:
            self.assertIn("No exchange rate for XCR", form.credit_figures_error)
