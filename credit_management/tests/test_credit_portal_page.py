from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditPortalPage(CreditCommon, HttpCase):
    """My Account › Credit: a customer's contacts see its own figures and
    statement, where the company and the customer opted in; nothing about its
    score, grade or notes, nothing about other customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_portal_enabled = True
        cls.customer.write(
            {"credit_portal_visible": True, "comment": "Internal: slow payer"}
        )
        cls.rival = cls.env["res.partner"].create(
            {
                "name": "Rival Corp",
                "is_company": True,
                "credit_limit": 7777.0,
                "credit_portal_visible": True,
            }
        )
        cls.quiet = cls.env["res.partner"].create(
            {"name": "Quiet Ltd", "is_company": True, "credit_limit": 3000.0}
        )
        cls.overdue = cls._invoice(1200.0, days_ago=40)
        cls.due_soon = cls._invoice(800.0, days_ago=-10)
        cls.rival_invoice = cls._invoice(4321.0, partner=cls.rival, days_ago=5)
        cls._invoice(100.0, partner=cls.quiet, days_ago=5)
        cls.users = {}
        for key, partner in (
            ("acme", cls.customer),
            ("rival", cls.rival),
            ("quiet", cls.quiet),
        ):
            user = new_test_user(
                cls.env,
                login=f"portal_{key}",
                groups="base.group_portal",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            user.partner_id.parent_id = partner
            cls.users[key] = user

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def _counters(self):
        return self.make_jsonrpc_request(
            "/my/counters", {"counters": ["credit_count"]}
        )["credit_count"]

    def test_contact_sees_its_own_credit_only(self):
        self.authenticate("portal_acme", "portal_acme")
        self.assertEqual(self._counters(), 1)
        response = self._get("/my/credit")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for expected in (
            "Acme Credit Test",
            "5,000.00",  # the limit
            "3,000.00",  # available: 5,000 - 1,200 - 800
            "1,200.00",  # past due
            "2,000.00",  # open
            self.due_soon.name,
            "Statement of account",
            # Past due items hold orders whatever the available credit says.
            "until these are paid",
        ):
            self.assertIn(expected, page)
        self.assertNotIn(self.overdue.name, page.split("next 30 days")[-1])
        for secret in (
            "Rival",
            "7,777",
            "4,321",
            self.grade_c.name,
            "score",
            "Internal: slow payer",
        ):
            self.assertNotIn(secret, page)
        statement = self._get("/my/credit/statement")
        self.assertEqual(statement.status_code, 200)
        self.assertIn(self.overdue.name, statement.text)
        self.assertNotIn(self.rival_invoice.name, statement.text)

    def test_other_customer_sees_its_own(self):
        self.authenticate("portal_rival", "portal_rival")
        page = self._get("/my/credit").text
        self.assertIn("7,777.00", page)
        self.assertIn("Rival Corp", page)
        self.assertNotIn("Acme", page)
        # Its invoice is past due: orders may wait, whatever is available.
        self.assertIn("until these are paid", page)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.rival_invoice.ids
        ).create({})._create_payments()
        page = self._get("/my/credit").text
        self.assertNotIn("until these are paid", page)
        self.assertNotIn(self.overdue.name, self._get("/my/credit/statement").text)

    def test_customer_without_opt_in_sees_nothing(self):
        self.authenticate("portal_quiet", "portal_quiet")
        self.assertEqual(self._counters(), 0)
        self.assertEqual(self._get("/my/credit").status_code, 404)
        self.assertEqual(self._get("/my/credit/statement").status_code, 404)

    def test_statement_is_not_printed_through_the_report_route(self):
        """Odoo's /report route does not check the report's groups: a plain
        employee printed any customer's statement there, and a portal
        contact its own where the customer or the company had not opted in."""
        employee = new_test_user(
            self.env,
            login="plain_employee",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        for login, partner in (
            ("plain_employee", self.customer),
            ("portal_quiet", self.quiet),
            ("portal_acme", self.customer),
        ):
            self.authenticate(login, login)
            for kind in ("html", "pdf"):
                with self.subTest(login=login, kind=kind):
                    response = self._get(
                        f"/report/{kind}/credit_management.report_credit_statement/"
                        f"{partner.id}"
                    )
                    self.assertNotEqual(response.status_code, 200)
                    self.assertNotIn(self.overdue.name, response.text)
        with self.assertRaises(AccessError):
            self.customer.with_user(employee)._credit_statement_data()
        # Readers of credit figures print it as before.
        data = self.customer.with_user(self.salesman)._credit_statement_data()
        self.assertIn(self.overdue, data["lines"].move_id)

    def test_company_without_opt_in_shows_nothing(self):
        self.company.credit_portal_enabled = False
        self.authenticate("portal_acme", "portal_acme")
        self.assertEqual(self._counters(), 0)
        self.assertEqual(self._get("/my/credit").status_code, 404)

    def test_opt_in_is_for_credit_users(self):
        with self.assertRaises(AccessError):
            self.quiet.with_user(self.salesman).credit_portal_visible = True
