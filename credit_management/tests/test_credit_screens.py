from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.credit_score_factor import WEIGHTS_BATCH
from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditScreens(CreditCommon):
    """What the screens say: the refusal per reader, the customers list, the
    open items behind the Open Invoices figure, the usage level."""

    def test_salesman_reads_whom_to_ask_in_words(self):
        self._invoice(4500.0)
        order = self._order(1000.0).with_user(self.salesman)
        message = order.credit_check_message
        self.assertIn("ask a credit manager to approve the order", message)
        self.assertIn("Request Approval", message)
        self.assertNotIn("a member of", message)
        self.assertNotIn("Credit Manager", message)  # no group used as a noun
        self.assertNotIn("Overdue:", message)  # nothing overdue: no line of zeros
        self.assertIn("over the credit limit by", order.credit_check_summary)

    def test_approver_reads_his_own_what_to_do(self):
        self._invoice(4500.0)
        order = self._order(1000.0).with_user(self.credit_manager)
        self.assertIn("approve the order yourself", order.credit_check_message)
        self.assertNotIn("ask a credit manager", order.credit_check_message)

    def test_custom_approvers_group_is_named_as_such(self):
        approvers = self.env["res.groups"].create({"name": "Credit approvers"})
        self.company.credit_override_group_id = approvers
        self._invoice(4500.0)
        message = self._order(1000.0).with_user(self.salesman).credit_check_message
        self.assertIn('ask a credit approver (group "Credit approvers")', message)

    def test_unsaved_quotation_is_not_called_new(self):
        self._invoice(4500.0)
        form = Form(self.env["sale.order"].with_user(self.salesman))
        form.partner_id = self.customer
        with form.order_line.new() as line:
            line.product_id = self.product_a
            line.price_unit = 1000.0
            line.tax_ids.clear()
        self.assertTrue(form.credit_blocked)
        self.assertIn("This quotation cannot be confirmed", form.credit_check_message)
        self.assertNotIn("Order New", form.credit_check_message)

    def test_open_invoices_figure_equals_the_list_for_a_salesman(self):
        self._invoice(1200.0)
        self._invoice(300.0, days_ago=40)
        # A salesman with "own documents only" sees none of these invoices...
        salesman = self.salesman
        self.assertFalse(
            self.env["account.move"]
            .with_user(salesman)
            .search([("partner_id", "=", self.customer.id)])
        )
        customer = self.customer.with_user(salesman)
        action = customer.action_view_credit_open_invoices()
        self.assertIn("Open Items of", action["display_name"])
        items = (
            self.env[action["res_model"]]
            .with_user(salesman)
            .with_context(**action["context"])
            .search(action["domain"])
        )
        self.assertEqual(len(items), 2)
        self.assertEqual(sum(items.mapped("residual")), customer.receivable_open)
        self.assertEqual(customer.receivable_open, 1500.0)

    def test_usage_level_and_customers_list(self):
        over = self.customer
        self._invoice(6000.0, partner=over)
        nearly = self.env["res.partner"].create(
            {"name": "Nearly Co", "is_company": True, "credit_limit": 1000.0}
        )
        self._invoice(950.0, partner=nearly)
        no_invoice = self.env["res.partner"].create(
            {
                "name": "Cobalt Like",
                "is_company": True,
                "credit_grade_id": self.grade_prepay.id,
            }
        )
        self.assertEqual(over.credit_usage_level, "over")
        self.assertEqual(nearly.credit_usage_level, "warning")
        self.assertEqual(no_invoice.credit_usage_level, "normal")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_partner"
        )
        domain = safe_eval(action["domain"])
        Partner = self.env["res.partner"]
        listed = Partner.search(domain)
        self.assertIn(no_invoice, listed, "a customer without invoices is listed")
        self.assertEqual(
            Partner.search(domain + [("credit_usage_level", "=", "over")])
            & (over | nearly | no_invoice),
            over,
        )
        self.assertEqual(
            Partner.search(domain + [("credit_has_overdue", "=", True)])
            & (over | nearly | no_invoice),
            Partner,
        )
        self._invoice(10.0, partner=nearly, days_ago=3)
        self.assertEqual(
            Partner.search(domain + [("credit_has_overdue", "=", True)]) & nearly,
            nearly,
        )

    def test_rerate_now_says_what_changed(self):
        self.company.credit_limit_mode = "auto"
        self.company.credit_min_data_weight = 0.0
        self.customer.write(
            {
                "credit_external_rating": 100,
                "credit_external_rating_date": self.today,
                "credit_limit_manual": False,
            }
        )
        action = self.customer.with_user(self.credit_manager).action_credit_rerate()
        message = action["params"]["message"]
        self.assertIn("Acme Credit Test re-rated", message)
        self.assertIn("grade TC → TA", message)
        self.assertIn(f"limit set to {self.fmt(20000.0)}", message)
        self.assertIn("no warning", message)
        # Proposed, not applied: the grade stays and the message says so; a
        # limit set by hand is kept and named.
        self.company.credit_limit_mode = "propose"
        self.customer.write(
            {"credit_grade_id": self.grade_c.id, "credit_limit": 3000.0}
        )
        message = self.customer.with_user(self.credit_manager).action_credit_rerate()[
            "params"
        ]["message"]
        self.assertEqual(self.customer.credit_grade_id, self.grade_c)
        self.assertIn(
            "grade TA proposed (TC until a credit manager applies it)", message
        )
        self.assertIn(
            f"limit {self.fmt(3000.0)} kept (set by hand; the grade proposes "
            f"{self.fmt(20000.0)})",
            message,
        )
        # Nothing to score: said as such.
        cobalt = self.env["res.partner"].create({"name": "Cobalt", "is_company": True})
        message = cobalt.with_user(self.credit_manager).action_credit_rerate()[
            "params"
        ]["message"]
        self.assertIn("no factor has data: score, grade and limit unchanged", message)

    def test_open_warning_keeps_todays_figures(self):
        """An open usage warning is updated, not left with old figures."""
        factors = self.company.credit_score_factor_ids
        WEIGHTS_BATCH.on(factors).write({"weight": 0})
        factors.filtered(lambda f: f.code == "utilisation").weight = 100
        self.customer.user_id = self.salesman
        self._invoice(4800.0)
        scoring = self.env["credit.scoring"]
        scoring._credit_rate(self.customer, "manual")
        warning = self.env["mail.activity"].search(
            [
                ("res_id", "=", self.customer.id),
                ("credit_warning_code", "=", "utilisation"),
            ]
        )
        self.assertIn("96.0", warning.note)
        self._invoice(1800.0)
        scoring._credit_rate(self.customer, "manual")
        warnings = self.env["mail.activity"].search(
            [
                ("res_id", "=", self.customer.id),
                ("credit_warning_code", "=", "utilisation"),
            ]
        )
        self.assertEqual(warnings, warning)
        self.assertIn("132.0", warning.note)

    def test_work_queue_lists_blocked_quotations_and_requests(self):
        self.company.credit_manager_user_id = self.credit_manager
        self._invoice(4500.0)
        blocked = self._order(1000.0)
        passing = self._order(100.0)
        Order = self.env["sale.order"]
        queue = Order.search([("credit_blocked", "=", True)])
        self.assertIn(blocked, queue)
        self.assertNotIn(passing, queue)
        self.assertEqual(blocked.credit_amount_over, 500.0)
        # The queue's "Why" column: the reasons only, not the banner's sentence.
        self.assertEqual(
            blocked.credit_check_reasons, f"over the credit limit by {self.fmt(500.0)}"
        )
        self.assertFalse(Order.search([("credit_review_pending", "=", True)]))
        blocked.with_user(self.salesman).action_credit_request_approval()
        self.assertEqual(Order.search([("credit_review_pending", "=", True)]), blocked)
        # The request's note is read by the salesman and the approvers alike: it
        # names who approves, it tells nobody to approve it "yourself".
        note = blocked.activity_ids.note + blocked.message_ids[:1].body
        self.assertNotIn("yourself", note)
        self.assertIn("a credit manager may approve the order", note)
        self.assertIn(
            f"Asked of {self.credit_manager.name}", blocked.message_ids[:1].body
        )
        wizard = self.env["credit.approval.wizard"].with_user(self.credit_manager)
        text = wizard.new({"order_id": blocked.id}).credit_check_message
        self.assertIn("exceeds the credit limit", text)
        self.assertNotIn("yourself", text)

    def test_menu_counts_the_queues_each_user_sees(self):
        blocked_menu = "credit_management.menu_credit_blocked_quotations"
        requests_menu = "credit_management.menu_credit_approval_requests"
        limits_menu = "credit_management.menu_credit_limit_request"
        self._invoice(4500.0)
        blocked = self._order(1000.0)
        self._order(100.0)
        manager_orders = self.env["sale.order"].with_user(self.credit_manager)
        self.assertEqual(
            manager_orders.credit_menu_counts(),
            {blocked_menu: 1, requests_menu: 0, limits_menu: 0},
        )
        blocked.with_user(self.salesman).action_credit_request_approval()
        limit_request = self.env["credit.limit.request"].with_user(self.salesman)
        limit_request.create(
            {"partner_id": self.customer.id, "limit_requested": 9000.0, "reason": "x"}
        ).action_submit()
        self.assertEqual(
            manager_orders.credit_menu_counts(),
            {blocked_menu: 1, requests_menu: 1, limits_menu: 1},
        )
        # A salesman sees no credit menu: nothing is counted for him.
        self.assertEqual(
            self.env["sale.order"].with_user(self.salesman).credit_menu_counts(), {}
        )
        # A credit user sees the blocked quotations, not the managers' requests.
        self.salesman.group_ids += self.env.ref("credit_management.group_credit_user")
        self.assertEqual(
            self.env["sale.order"].with_user(self.salesman).credit_menu_counts(),
            {blocked_menu: 1, limits_menu: 1},
        )

    def test_core_credit_warning_replaced_under_credit_control(self):
        self.company.account_use_credit_limit = True
        self._invoice(4500.0)
        order = self._order(1000.0)
        self.assertFalse(order.partner_credit_warning)
        self.assertTrue(order.credit_blocked)
        self.company.credit_control_enabled = False
        order.invalidate_recordset()
        self.assertTrue(order.partner_credit_warning)  # core's, as before

    def test_aging_title_says_date_and_basis(self):
        wizard = self.env["credit.aging.wizard"].create(
            {"date": self.today, "basis": "invoice"}
        )
        # The web client shows the action's display_name as the title.
        self.assertIn("by invoice date", wizard.action_open()["display_name"])

    def test_message_per_reason_says_only_what_applies(self):
        cases = {
            "hold": lambda: self.customer.write(
                {"credit_hold": True, "credit_hold_reason": "Dispute"}
            ),
            "prepayment": lambda: self.customer.write(
                {"credit_grade_id": self.grade_prepay.id}
            ),
            "overdue": lambda: self._invoice(400.0, days_ago=45),
        }
        for code, setup in cases.items():
            with self.subTest(code=code), self.env.cr.savepoint() as savepoint:
                setup()
                order = self._order(10.0).with_user(self.salesman)
                message = order.credit_check_message
                self.assertTrue(message)
                self.assertNotIn("0 invoice(s)", message)
                self.assertNotIn("$\xa00.00", message)  # no line of zeros
                self.assertNotIn("a member of", message)
                self.assertIn("ask a credit manager", message)
                if code != "overdue":
                    self.assertNotIn("Overdue:", message)
                    self.assertNotIn("Exposure", message)
                savepoint.rollback()
