from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import Command
from odoo.tests import tagged

from ..models.credit_exposure import POLICY_DECISION
from .common import CreditCommon, noon_if_late


@tagged("post_install", "-at_install")
class TestCreditExposure(CreditCommon):
    """Exposure = open receivables + confirmed orders not invoiced + draft
    invoices, in company currency."""

    def test_exposure_counts_open_receivables(self):
        invoice = self._invoice(1200.0)
        self._register_payment(invoice, amount=200.0)
        self.assertEqual(self.customer.receivable_open, 1000.0)
        self.assertEqual(self.customer.credit_exposure, 1000.0)

    def test_exposure_counts_confirmed_uninvoiced_orders(self):
        self._order(700.0, confirm=True)
        self._order(300.0)  # a quotation is no commitment
        self.assertEqual(self.customer.orders_uninvoiced, 700.0)
        self.assertEqual(self.customer.credit_exposure, 700.0)

    def test_exposure_counts_draft_invoices_once(self):
        order = self._order(800.0, confirm=True)
        order.order_line.qty_delivered = 1
        draft = order._create_invoices()
        self.assertEqual(draft.state, "draft")
        self.assertEqual(self.customer.orders_uninvoiced, 0.0)
        self.assertEqual(self.customer.invoices_draft, 800.0)
        self.assertEqual(self.customer.credit_exposure, 800.0)
        draft.action_post()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.invoices_draft, 0.0)
        self.assertEqual(self.customer.receivable_open, 800.0)
        self.assertEqual(self.customer.credit_exposure, 800.0)

    def test_exposure_sums_all_sources(self):
        self._invoice(1000.0)
        self._order(500.0, confirm=True)
        self._invoice(250.0, post=False)
        refund = self._invoice(100.0, post=False)
        refund.move_type = "out_refund"
        self.assertEqual(self.customer.receivable_open, 1000.0)
        self.assertEqual(self.customer.orders_uninvoiced, 500.0)
        self.assertEqual(self.customer.invoices_draft, 150.0)
        self.assertEqual(self.customer.credit_exposure, 1650.0)
        self.assertEqual(self.customer.credit_available, 5000.0 - 1650.0)
        self.assertAlmostEqual(self.customer.credit_usage_percent, 33.0)

    def test_exposure_in_company_currency_for_foreign_documents(self):
        # Rate 2.0: 1 company currency unit = 2 units of the other currency.
        other = self.setup_other_currency("EUR")
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": other.id, "company_id": self.company.id}
        )
        order = self._order(1000.0, pricelist=pricelist, confirm=True)
        self.assertEqual(order.currency_id, other)
        self._invoice(600.0, currency=other)
        self.assertEqual(self.customer.orders_uninvoiced, 500.0)
        self.assertEqual(self.customer.receivable_open, 300.0)
        self.assertEqual(self.customer.credit_exposure, 800.0)

    def test_partly_invoiced_order_counts_what_is_left(self):
        self.product_a.invoice_policy = "delivery"
        order = self._order(400.0)
        order.order_line.write({"product_uom_qty": 3, "price_unit": 400.0})
        order.action_confirm()
        order.order_line.qty_delivered = 1
        order._create_invoices().action_post()
        # nothing delivered is left to invoice: "no", yet 2 of 3 are committed
        self.assertEqual(order.invoice_status, "no")
        self.assertEqual(self.customer.orders_uninvoiced, 800.0)
        self.assertEqual(self.customer.receivable_open, 400.0)
        order.order_line.qty_delivered = 3
        order._create_invoices().action_post()
        self.assertEqual(order.invoice_status, "invoiced")
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.orders_uninvoiced, 0.0)
        self.assertEqual(self.customer.credit_exposure, 1200.0)

    def _down_payment(self, order, amount):
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "fixed", "fixed_amount": amount})
        )
        wizard.create_invoices()
        return order.invoice_ids.filtered(lambda m: m.state == "draft")

    def test_unpaid_down_payment_counts_once(self):
        order = self._order(1000.0, confirm=True)
        down = self._down_payment(order, 300.0)
        self.assertEqual(self.customer.credit_exposure, 1000.0)
        down.action_post()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.receivable_open, 300.0)
        self.assertEqual(self.customer.orders_uninvoiced, 700.0)
        self.assertEqual(self.customer.credit_exposure, 1000.0)

    def test_paid_down_payment_is_deducted(self):
        order = self._order(1000.0, confirm=True)
        down = self._down_payment(order, 300.0)
        down.action_post()
        self._register_payment(down)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.receivable_open, 0.0)
        self.assertEqual(self.customer.credit_exposure, 700.0)
        # The final invoice deducts the down payment: 700 to pay, nothing left.
        final = order._create_invoices(final=True)
        final.action_post()
        self.customer.invalidate_recordset()
        self.assertEqual(final.amount_total, 700.0)
        self.assertEqual(self.customer.orders_uninvoiced, 0.0)
        self.assertEqual(self.customer.credit_exposure, 700.0)

    def test_credit_note_does_not_bring_the_order_back(self):
        order = self._order(1000.0, confirm=True)
        invoice = order._create_invoices()
        invoice.action_post()
        reversal = invoice._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.customer.invalidate_recordset()
        self.assertEqual(order.invoice_status, "to invoice")  # core's view
        self.assertEqual(self.customer.receivable_open, 0.0)
        self.assertEqual(self.customer.orders_uninvoiced, 0.0)
        self.assertEqual(self.customer.credit_exposure, 0.0)

    def test_locked_order_counts_only_what_is_left_to_invoice(self):
        """The rest of a locked order will not be delivered: it leaves the
        exposure (before, it stayed there for good)."""
        self.product_a.invoice_policy = "delivery"
        order = self._order(100.0)
        order.order_line.write({"product_uom_qty": 10, "price_unit": 100.0})
        order.action_confirm()
        order.order_line.qty_delivered = 6
        order._create_invoices().action_post()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.orders_uninvoiced, 400.0)
        order.action_lock()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.orders_uninvoiced, 0.0)
        self.assertEqual(self.customer.credit_exposure, 600.0)
        order.order_line.qty_delivered = 7  # one more delivered after all
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.orders_uninvoiced, 100.0)

    def test_locked_order_keeps_its_rest_where_every_order_is_locked(self):
        """With "Lock Confirmed Sales", a lock says nothing about the rest."""
        self.env.ref("base.group_user").implied_ids = [
            Command.link(self.env.ref("sale.group_auto_done_setting").id)
        ]
        self.product_a.invoice_policy = "delivery"
        order = self._order(100.0)
        order.order_line.write({"product_uom_qty": 10, "price_unit": 100.0})
        order.action_confirm()
        self.assertTrue(order.locked)
        self.assertEqual(self.customer.orders_uninvoiced, 1000.0)

    def test_policy_figures_without_detail_are_the_same(self):
        """The confirmation decides on plain sums (no counts, no ages): they
        are the detailed figures' own values."""
        other = self.setup_other_currency("EUR")
        self._order(500.0, confirm=True)
        self._invoice(400.0, days_ago=45)
        self._invoice(600.0, days_ago=90, currency=other)
        self._invoice(300.0, days_ago=10, partner=self.contact)
        self._invoice(250.0, post=False)
        customers = self.customer | self.env["res.partner"].create(
            {"name": "Nothing Open", "is_company": True}
        )
        exposure = self.env["credit.exposure"]
        detailed = exposure._credit_figures(customers)
        lean = exposure._credit_figures(customers, detail=False)
        for customer in customers:
            self.assertEqual(
                lean[customer.id],
                {name: detailed[customer.id][name] for name in POLICY_DECISION},
            )
        self.assertEqual(lean[self.customer.id]["overdue_beyond_amount"], 700.0)
        # 400 + 600 EUR (300) + 300 of the contact + 250 draft + 500 ordered
        self.assertEqual(lean[self.customer.id]["credit_exposure"], 1750.0)

    def test_overdue_figures(self):
        self._invoice(400.0, days_ago=45)
        self._invoice(300.0, days_ago=10)
        self._invoice(200.0)  # due today: not overdue
        self.assertEqual(self.customer.receivable_overdue, 700.0)
        self.assertEqual(self.customer.overdue_invoice_count, 2)
        self.assertEqual(self.customer.max_days_overdue, 45)

    def test_contacts_share_the_company_figures_and_limit(self):
        self._invoice(900.0, partner=self.contact)
        self.assertEqual(self.contact.credit_limit, 5000.0)
        self.assertEqual(self.contact.credit_grade_id, self.grade_c)
        self.assertEqual(self.customer.receivable_open, 900.0)
        self.assertEqual(self.contact.credit_exposure, 900.0)
        self.customer.credit_limit = 7000.0
        self.assertEqual(self.contact.credit_limit, 7000.0)

    def test_figures_of_other_companies_do_not_count(self):
        other_company = self.setup_other_company()["company"]
        self.env.user.company_ids = [Command.link(other_company.id)]
        self._invoice(1000.0)
        self.assertEqual(self.customer.with_company(other_company).credit_exposure, 0.0)
        self.assertEqual(self.customer.credit_exposure, 1000.0)

    def test_exposure_is_the_same_whatever_companies_the_user_selected(self):
        """A branch family shares one exposure per customer; the company switcher
        of the user who looks must not change it."""
        branch = self.env["res.company"].create(
            {"name": "Credit Branch", "parent_id": self.company.id}
        )
        self.salesman.sudo().company_ids = [Command.link(branch.id)]
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "company_id": branch.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": 900.0,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self._invoice(100.0)
        exposure = (
            self.env["credit.exposure"]
            .with_user(self.salesman)
            .with_company(self.company)
        )
        for allowed in (self.company, self.company | branch):
            figures = exposure.with_context(
                allowed_company_ids=allowed.ids
            )._credit_figures(self.customer)[self.customer.id]
            self.assertEqual(figures["credit_exposure"], 1000.0, allowed.mapped("name"))
        # The branch sees the family's exposure too.
        self.assertEqual(self.customer.with_company(branch).credit_exposure, 1000.0)

    def test_company_family_is_cached_and_follows_new_and_archived_branches(self):
        """The family is read once, not at every confirmation; a branch created
        or archived afterwards still counts, or stops counting, at once."""
        exposure = self.env["credit.exposure"].with_company(self.company)
        family = exposure._credit_company_ids()
        with self.assertQueryCount(0):
            self.assertEqual(exposure._credit_company_ids(), family)
        branch = self.env["res.company"].create(
            {"name": "Credit Branch", "parent_id": self.company.id}
        )
        self.assertEqual(
            sorted(exposure._credit_company_ids()), sorted([*family, branch.id])
        )
        self.assertIn(
            branch.id,
            exposure.with_context(active_test=False)._credit_company_ids(),
        )
        branch.active = False
        self.assertEqual(sorted(exposure._credit_company_ids()), sorted(family))
        # Asked first with inactive records shown, the family still leaves the
        # archived branch out (and the cache keeps no other answer).
        self.assertEqual(
            sorted(exposure.with_context(active_test=False)._credit_company_ids()),
            sorted(family),
        )

    def test_figures_are_computed_set_based(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Set {i}", "is_company": True} for i in range(12)]
        )
        for partner in partners[:6]:
            self._invoice(100.0, partner=partner)
        self.env.flush_all()

        def queries_for(records):
            records.invalidate_recordset()
            before = self.env.cr.sql_log_count
            records.mapped("credit_exposure")
            return self.env.cr.sql_log_count - before

        # Warm the caches that do not depend on size. Two customers, not one:
        # one customer's statement is prepared on the connection and executed
        # in a savepoint (two more queries, whatever the size).
        queries_for(partners[:2])
        self.assertEqual(queries_for(partners[:2]), queries_for(partners))
        self.assertEqual(partners[:6].mapped("receivable_open"), [100.0] * 6)

    def test_the_test_clock_never_reaches_midnight(self):
        """The classes date their ledger in setUpClass and check it later: a
        class started late in the day runs on a clock set back to noon
        (``CreditCommon._credit_keep_the_date``), so that its date, in UTC and
        in the users' zone, holds for the two hours a class is far from
        taking, whenever it starts, summer and winter. Without it,
        test_overdue_figures once failed at 00:00 UTC (900 != 700: an invoice
        due "today" was overdue by then)."""
        zones = (UTC, ZoneInfo("Europe/Brussels"))
        for day in (datetime(2026, 1, 15), datetime(2026, 7, 15)):
            for minutes in range(0, 24 * 60, 15):
                start = day + timedelta(minutes=minutes)
                clock = noon_if_late(start) or start
                self.assertEqual(clock.date(), start.date())
                for zone in zones:
                    with self.subTest(start=start, zone=str(zone)):
                        dates = {
                            moment.replace(tzinfo=UTC).astimezone(zone).date()
                            for moment in (clock, clock + timedelta(hours=2))
                        }
                        self.assertEqual(len(dates), 1)
