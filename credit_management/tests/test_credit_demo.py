from odoo.tests import TransactionCase, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditDemoPayment(CreditCommon):
    """The demo data's payments: a share of the invoice paid on its invoice date,
    through the payment register."""

    def test_demo_payment_pays_the_share_on_the_invoice_date(self):
        invoice = self._invoice(800.0, days_ago=20)
        invoice._credit_demo_register_payment(0.5)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 400.0)
        payment = invoice.matched_payment_ids
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.date, invoice.invoice_date)
        self.assertAlmostEqual(payment.amount, 400.0)

    def test_demo_payment_in_full_settles_the_invoice(self):
        invoice = self._invoice(1200.0, days_ago=60)
        invoice._credit_demo_register_payment()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))


@tagged("post_install", "-at_install")
class TestCreditDemoData(TransactionCase):
    """The demo data registers Northwind's payments at install (a <function> of the
    demo file, in place of the post-init hook of earlier versions)."""

    def test_demo_invoices_paid_at_install(self):
        paid = self.env.ref(
            "credit_management.demo_invoice_good_paid", raise_if_not_found=False
        )
        if not paid:
            self.skipTest("the database has no demo data")
        partial = self.env.ref("credit_management.demo_invoice_good_partial")
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        self.assertTrue(paid.currency_id.is_zero(paid.amount_residual))
        self.assertEqual(partial.payment_state, "partial")
        self.assertAlmostEqual(partial.amount_residual, partial.amount_total / 2)
        self.assertEqual(paid.matched_payment_ids.mapped("date"), [paid.invoice_date])
        self.assertEqual(
            partial.matched_payment_ids.mapped("date"), [partial.invoice_date]
        )
