from collections import defaultdict

from odoo import fields, models

# The rules that still hold back the goods of an order its customer has paid in
# full: a hold is about the customer, not about what the order still owes.
CREDIT_RULES_PAID = ("collection", "hold")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _credit_delivery_amount(self):
        """What this confirmed order still puts at risk, in company currency
        at today's rate: the part not invoiced yet (order total less what its
        customer invoices carry, as the exposure counts it), and the share of
        its invoices still open (a draft invoice in full, a posted one its
        residual), an invoice shared with other orders counting for this
        order's lines only."""
        self.ensure_one()
        company = self.company_id
        lines = self.order_line.invoice_lines.filtered(
            lambda line: (
                line.move_id.move_type == "out_invoice"
                and line.move_id.state != "cancel"
            )
        )
        by_invoice = defaultdict(float)
        for line in lines:
            by_invoice[line.move_id] += line.price_total
        amounts = defaultdict(float)  # {currency: amount}
        amounts[self.currency_id] += max(
            self.amount_total - sum(by_invoice.values()), 0.0
        )
        for invoice, invoiced in by_invoice.items():
            if not invoice.currency_id.compare_amounts(invoice.amount_total, 0.0):
                continue
            still_open = (
                invoice.amount_residual
                if invoice.state == "posted"
                else invoice.amount_total
            )
            amounts[invoice.currency_id] += still_open * invoiced / invoice.amount_total
        rates = (
            self.env["credit.exposure"]
            .with_company(company)
            ._credit_rates(
                [currency.id for currency in amounts], fields.Date.context_today(self)
            )
        )
        return company.currency_id.round(
            sum(amount * rates[currency.id] for currency, amount in amounts.items())
        )

    def _credit_delivery_check(self):
        """The company's credit policy for this confirmed order when one of its
        deliveries is validated.

        The order is checked on what it still puts at risk
        (``_credit_delivery_amount``) given as an increase: the exposure
        already holds the order, so the limit rule reads "the customer's
        exposure now, this order included, exceeds its limit" (a limit lowered
        since, other orders or invoices, the order grown); the hold,
        prepayment, country and overdue rules apply as at confirmation; the
        payment terms rule, about the quotation, does not. An order that puts
        nothing at risk any more (invoiced and paid) is held back by a credit
        hold only.

        :return: the result of ``credit.policy._credit_check``
        """
        self.ensure_one()
        amount = self._credit_delivery_amount()
        check = self.env["credit.policy"]._credit_check(self, increase=amount)
        paid = self.company_id.currency_id.compare_amounts(amount, 0.0) <= 0
        if check["codes"] and paid:
            keep = [
                index
                for index, code in enumerate(check["codes"])
                if code in CREDIT_RULES_PAID
            ]
            for key in ("codes", "reasons", "actions"):
                check[key] = [check[key][index] for index in keep]
        return check
