from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.sale.tests.common import SaleCommon
from odoo.tests import tagged

PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAA"
    "AABJRU5ErkJggg=="
)
INTERNAL_WORDS = ("Exposure", "credit limit", "grade", "overdue", "Overdue")


@tagged("-at_install", "post_install")
class TestCreditCustomerPaths(AccountPaymentCommon, PaymentHttpCommon, SaleCommon):
    """What a customer can trigger on a quotation the credit check blocks: a
    signature on the portal, an online payment. The customer reads customer
    words, the payment is always recorded, the quotation waits for the credit
    team, who get an activity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.sale_order.currency_id
        cls.partner = cls.sale_order.partner_invoice_id
        cls.provider.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == cls.provider
        ).payment_account_id = cls.inbound_payment_method_line.payment_account_id
        cls.env.company.write({"credit_control_enabled": True})
        cls.partner.commercial_partner_id.write(
            {"credit_limit": 10.0, "credit_limit_applies": True}
        )
        cls.credit_manager = cls.env["res.users"].create(
            {
                "name": "Credit Boss",
                "login": "credit_boss",
                "email": "boss@example.com",
                "group_ids": [
                    (4, cls.env.ref("credit_management.group_credit_manager").id),
                    (4, cls.env.ref("sales_team.group_sale_salesman_all_leads").id),
                ],
            }
        )
        cls.env.company.credit_manager_user_id = cls.credit_manager
        cls.activity_type = cls.env.ref(
            "credit_management.mail_activity_type_credit_approval"
        )

    def _review_activities(self, order):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_online_payment_of_a_blocked_quotation_is_recorded(self):
        order = self.sale_order
        self.assertTrue(order.credit_blocked)
        self.amount = order.amount_total
        tx = self._create_transaction(
            flow="redirect", sale_order_ids=[order.id], state="done"
        )
        tx._post_process()  # raised before the fix: no payment, money captured
        self.assertTrue(tx.payment_id, "the payment is recorded")
        self.assertEqual(tx.payment_id.amount, order.amount_total)
        self.assertIn(order.state, ("draft", "sent"))
        self.assertTrue(order.credit_review_pending)
        activity = self._review_activities(order)
        self.assertEqual(activity.user_id, self.credit_manager)
        self.assertIn("paid", activity.note)
        # Approved by the credit team, the order can be confirmed.
        order.with_user(self.credit_manager)._credit_approve("Paid in advance")
        self.assertFalse(order.credit_review_pending)
        self.assertFalse(self._review_activities(order))
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_portal_signature_of_a_blocked_quotation_waits_for_review(self):
        order = self.sale_order
        order.require_payment = False
        order.require_signature = True
        order.action_quotation_sent()
        self.assertTrue(order.credit_blocked)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "name": "Jane Buyer",
                "signature": PNG_1PX,
            },
        )
        self.assertNotIn("error", result, result)
        order.invalidate_recordset()
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.signed_by, "Jane Buyer")
        self.assertTrue(order.credit_review_pending)
        self.assertEqual(len(self._review_activities(order)), 1)
        # The customer's page says it neutrally, without internal figures.
        page = self.url_open(result["redirect_url"]).text
        self.assertIn("Our credit department is reviewing your order", page)
        for word in ("Exposure", "exceeds the credit limit"):
            self.assertNotIn(word, page)

    def test_customer_confirmation_error_is_neutral(self):
        portal_user = self.env["res.users"].create(
            {
                "name": "Portal Buyer",
                "login": "portal_buyer",
                "partner_id": self.partner.id,
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        message = (
            self.sale_order.with_user(portal_user).sudo()._confirmation_error_message()
        )
        self.assertIn("our credit department is reviewing", message)
        for word in INTERNAL_WORDS:
            self.assertNotIn(word, message)
