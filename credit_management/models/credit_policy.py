from odoo import api, models
from odoo.tools import format_amount, format_date

from .credit_collection_policy import COLLECTION_HOLD_STATUSES
from .credit_exposure import SECURITY_ROWS

# The rules of the credit policy, in the order they are evaluated and listed.
# Each is one method ``_credit_rule_<code>(check)`` returning None (the rule
# passes) or {"reason": why it blocks, "action": what to do about it, and any
# figure of its own, as the limit's "excess", added to the result}; a new rule
# is one method, its code here and its setting on the company.
CREDIT_RULES = (
    "collection",
    "hold",
    "prepayment",
    "country",
    "terms",
    "overdue",
    "limit",
)


class CreditCheck(dict):
    """What the rules read: the order, its company, customer and figures.

    ``details()`` adds the counts and ages of overdue invoices (a sort of every
    open item): only the rules and messages that show them ask for them.
    """

    def details(self):
        figures = self["figures"]
        if "overdue_invoice_count" in figures:
            return figures
        partner = self["partner"]
        detailed = partner.env["credit.exposure"]._credit_figures(partner)[partner.id]
        figures.update(
            {name: value for name, value in detailed.items() if name not in figures}
        )
        return figures

    def fmt(self, value):
        return format_amount(self["env"], value, self["currency"])


# Fields of the customer read by the check and its rules (its commercial
# entity by the exposure: without it, the ORM read every column of res.partner
# for a contact's customer).
CHECK_PARTNER_FIELDS = [
    "commercial_partner_id",
    "country_id",
    "credit_limit",
    "credit_limit_applies",
    "credit_limit_temporary",
    "credit_limit_temporary_from",
    "credit_limit_temporary_to",
    "credit_grade_id",
    "credit_hold",
    "credit_hold_reason",
    "credit_hold_by_collection",
    "credit_collection_status",
    "credit_collection_status_date",
]


class CreditPolicy(models.AbstractModel):
    """The company credit policy: the rules and the check that runs them."""

    _name = "credit.policy"
    _description = "Credit Policy"

    @api.model
    def _credit_check(self, order, increase=None):
        """Evaluate the policy of ``order``'s company for ``order``.

        :param increase: for a confirmed order that grew, the increase in company
            currency: it is what the order adds (the exposure, read after the
            change, already holds it and is taken without it)

        The decision needs sums only (``_credit_figures(detail=False)``); the
        counts and ages of overdue invoices that explain a refusal are computed
        only when the order is refused.

        :return: dict with ``reasons``, ``actions`` and ``codes`` of the rules
            that block (empty lists when the order may be confirmed),
            ``shadow_codes`` and ``shadow_reasons`` of the rules that would block
            once enforced (company in shadow mode) and, when the
            policy applies, the customer's figures; all of ``CREDIT_FIGURES``
            are in it when a rule blocks
        """
        company = order.company_id or self.env.company
        result = {"reasons": [], "actions": [], "codes": []}
        if not company.credit_control_enabled:
            return result
        if (
            company.credit_skip_paid_orders
            and order.amount_total > 0
            and order.currency_id.compare_amounts(order.amount_paid, order.amount_total)
            >= 0
        ):
            return result
        partner = order._credit_partner().with_company(company)
        # The company-dependent fields the rules read, in one narrow query (for
        # the customers of the other orders being confirmed too, as the ORM's
        # prefetching would): the first read of one of them would otherwise
        # fetch every company-dependent field of res.partner (pricelist,
        # accounts, payment terms, barcode...), whose SQL alone the ORM takes
        # milliseconds to build (profile of action_confirm, bench/ANALYSIS.md).
        partner._fields["credit_limit_applies"]._to_prefetch(partner).fetch(
            CHECK_PARTNER_FIELDS
        )
        figures = (
            self.env["credit.exposure"]
            .with_company(company)
            ._credit_figures(partner, detail=False, securities_of=order)[partner.id]
        )
        securities = figures.pop(SECURITY_ROWS)
        amount = order._credit_order_amount()
        if increase is not None:
            amount = increase
            figures["credit_exposure"] -= increase
        batch_ids = self.env.context.get("credit_confirm_batch_ids") or []
        if order.id in batch_ids:
            # Orders confirmed together are checked together: each one counts the
            # orders of the same customer that come before it in the batch.
            previous = order.browse(batch_ids[: batch_ids.index(order.id)]).filtered(
                lambda o: o._credit_partner() == partner and o.company_id == company
            )
            figures["credit_exposure"] += sum(
                o._credit_order_amount() for o in previous
            )
        secured = (
            self.env["credit.exposure"]
            .with_company(company)
            ._credit_secured(
                partner,
                exposures={partner.id: figures["credit_exposure"] + amount},
                order=order,
                rows=securities,
            )
            .get(partner.id, 0.0)
        )
        check = CreditCheck(
            env=self.env,
            order=order,
            company=company,
            partner=partner,
            figures=figures,
            amount=amount,
            secured=secured,
            limit=partner._credit_limit_on(),
            grade=partner.credit_grade_id,
            currency=company.currency_id,
        )
        shadow = company._credit_shadow_codes()
        result.update(shadow_codes=[], shadow_reasons=[])
        for code in CREDIT_RULES:
            found = getattr(self, f"_credit_rule_{code}")(check)
            if found and self._credit_lifted_by_securities(check, code):
                found = None
            if found and code in shadow:
                # Shadow mode: checked and told, never blocking.
                result["shadow_codes"].append(code)
                result["shadow_reasons"].append(found["reason"])
                if "excess" in found:
                    result["shadow_excess"] = found["excess"]
            elif found:
                result["codes"].append(code)
                result["reasons"].append(found.pop("reason"))
                result["actions"].append(found.pop("action"))
                result.update(found)  # figures of the rule (the limit's excess)
        if result["codes"] or result["shadow_codes"]:
            check.details()
        result.update(
            increase=increase,
            partner=partner,
            grade=check["grade"],
            limit=check["limit"],
            amount=amount,
            secured=secured,
            currency=check["currency"],
        )
        result.update(figures)
        return result

    @api.model
    def _credit_lifted_by_securities(self, check, code):
        """A hold, prepayment, country or overdue rule gives way to securities
        only where the company says so for that rule, and only when they
        secure all the customer owes with this order."""
        company = check["company"]
        lifting = {
            "hold": company.credit_security_lifts_hold,
            "prepayment": company.credit_security_lifts_prepayment,
            "country": company.credit_security_lifts_prepayment,
            "overdue": company.credit_security_lifts_overdue,
        }
        return bool(
            lifting.get(code)
            and check["secured"] > 0
            and check["currency"].compare_amounts(
                check["secured"], check["figures"]["credit_exposure"] + check["amount"]
            )
            >= 0
        )

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------
    @api.model
    def _credit_rule_collection(self, check):
        """A customer in legal collection or written off buys on credit no more
        (the hold these statuses set says the same: it is not repeated)."""
        partner = check["partner"]
        status = partner.credit_collection_status
        if status not in COLLECTION_HOLD_STATUSES:
            return None
        if status == "legal":
            reason = self.env._(
                "%(partner)s is in legal collection since %(date)s: no order on "
                "credit until the overdue invoices are paid.",
                partner=partner.display_name,
                date=format_date(self.env, partner.credit_collection_status_date),
            )
        else:
            reason = self.env._(
                "The debt of %(partner)s was written off on %(date)s: no order on "
                "credit.",
                partner=partner.display_name,
                date=format_date(self.env, partner.credit_collection_status_date),
            )
        return {
            "reason": reason,
            "action": self.env._("ask the customer to pay in advance"),
        }

    @api.model
    def _credit_rule_hold(self, check):
        partner = check["partner"]
        if not partner.credit_hold:
            return None
        if (
            partner.credit_hold_by_collection
            and partner.credit_collection_status in COLLECTION_HOLD_STATUSES
        ):
            return None  # the collection rule says it
        return {
            "reason": self.env._(
                "%(partner)s is on credit hold: %(reason)s.",
                partner=partner.display_name,
                reason=partner.credit_hold_reason or self.env._("no reason given"),
            ),
            "action": self.env._("have a credit manager release the hold"),
        }

    @api.model
    def _credit_rule_prepayment(self, check):
        grade = check["grade"]
        if not (check["company"].credit_block_prepayment and grade.requires_prepayment):
            return None
        return {
            "reason": self.env._(
                "%(partner)s has grade %(grade)s, which requires payment in advance.",
                partner=check["partner"].display_name,
                grade=grade.display_name,
            ),
            "action": self.env._("ask the customer to pay in advance"),
        }

    @api.model
    def _credit_rule_country(self, check):
        """Customers abroad, in a country at or above the company's risk class,
        pay in advance or need an approval (the company's own country is not
        country risk)."""
        company, partner = check["company"], check["partner"]
        country = partner.country_id
        if not (
            company.credit_block_country
            and country.credit_risk_class
            and country != company.country_id
            and int(country.credit_risk_class) >= company.credit_country_risk_class
        ):
            return None
        return {
            "reason": self.env._(
                "%(partner)s is in %(country)s, country risk class %(class)s: the "
                "policy requires payment in advance or an approval for customers "
                "in countries of class %(min)s and above.",
                partner=partner.display_name,
                country=country.name,
                **{"class": country.credit_risk_class},
                min=company.credit_country_risk_class,
            ),
            "action": self.env._("ask the customer to pay in advance"),
        }

    @api.model
    def _credit_rule_terms(self, check):
        """The customer's grade caps the payment terms and may ask for a down
        payment paid online before confirmation."""
        grade, order = check["grade"], check["order"]
        if not grade or grade.requires_prepayment or check.get("increase") is not None:
            return None
        problems = []
        terms = order.payment_term_id
        if grade.max_payment_days and terms:
            start = order.date_order.date() if order.date_order else None
            start = start or self.env.cr.now().date()
            days = max(
                (line._get_due_date(start) - start).days for line in terms.line_ids
            )
            if days > grade.max_payment_days:
                problems.append(
                    self.env._(
                        "the payment terms %(terms)s give %(days)s days, more than "
                        "the %(max)s days grade %(grade)s allows",
                        terms=terms.display_name,
                        days=days,
                        max=grade.max_payment_days,
                        grade=grade.display_name,
                    )
                )
        if grade.down_payment_percent and (
            not order.require_payment
            or 100.0 * order.prepayment_percent < grade.down_payment_percent
        ):
            problems.append(
                self.env._(
                    "grade %(grade)s asks for a down payment of %(percent)s %% paid "
                    "online before confirmation",
                    grade=grade.display_name,
                    percent=f"{grade.down_payment_percent:g}",
                )
            )
        if not problems:
            return None
        return {
            "reason": self.env._(
                "Credit terms of %(partner)s: %(problems)s.",
                partner=check["partner"].display_name,
                problems="; ".join(problems),
            ),
            "action": self.env._(
                "shorten the payment terms or ask for the down payment online"
            ),
        }

    @api.model
    def _credit_rule_overdue(self, check):
        company, currency = check["company"], check["currency"]
        # tolerance >= 0 (constraint): an amount above it is an overdue item
        if not (
            company.credit_block_on_overdue
            and currency.compare_amounts(
                check["figures"]["overdue_beyond_amount"],
                company.credit_overdue_tolerance,
            )
            > 0
        ):
            return None
        figures = check.details()
        return {
            "reason": self.env._(
                "%(count)s invoice(s) more than %(max_days)s days past due for "
                "%(amount)s, the oldest %(days)s days (the policy tolerates "
                "%(tolerance)s beyond %(max_days)s days; overdue in all: "
                "%(overdue)s in %(overdue_count)s invoice(s)).",
                count=figures["overdue_beyond_count"],
                max_days=company.credit_overdue_days,
                amount=check.fmt(figures["overdue_beyond_amount"]),
                days=figures["max_days_overdue"],
                tolerance=check.fmt(company.credit_overdue_tolerance),
                overdue=check.fmt(figures["receivable_overdue"]),
                overdue_count=figures["overdue_invoice_count"],
            ),
            "action": self.env._("collect the overdue payments"),
        }

    @api.model
    def _credit_rule_limit(self, check):
        currency, limit, amount = check["currency"], check["limit"], check["amount"]
        exposure, secured = check["figures"]["credit_exposure"], check["secured"]
        # An order that adds nothing to the exposure (zero or negative total, such
        # as a free replacement or a return) cannot push the customer over its
        # limit; the hold, prepayment and overdue rules still apply to it.
        # Securities raise the limit or lower the exposure (the company's
        # choice of words): the same decision either way.
        if not (
            check["company"].credit_block_on_limit
            and check["partner"].credit_limit_applies
            and currency.compare_amounts(amount, 0.0) > 0
            and currency.compare_amounts(exposure + amount - secured, limit) > 0
        ):
            return None
        excess = exposure + amount - secured - limit
        values = {
            "exposure": check.fmt(exposure),
            "amount": check.fmt(amount),
            "limit": check.fmt(limit),
            "partner": check["partner"].display_name,
            "grade": check["grade"].display_name or self.env._("none"),
            "excess": check.fmt(excess),
            "secured": check.fmt(secured),
        }
        if not secured:
            reason = self.env._(
                "Exposure %(exposure)s + this order %(amount)s = %(total)s exceeds "
                "the credit limit %(limit)s of %(partner)s (grade %(grade)s) by "
                "%(excess)s.",
                total=check.fmt(exposure + amount),
                **values,
            )
        elif check["company"].credit_security_mode == "exposure":
            reason = self.env._(
                "Exposure %(exposure)s - secured %(secured)s + this order %(amount)s "
                "= %(total)s exceeds the credit limit %(limit)s of %(partner)s "
                "(grade %(grade)s) by %(excess)s.",
                total=check.fmt(exposure - secured + amount),
                **values,
            )
        else:
            reason = self.env._(
                "Exposure %(exposure)s + this order %(amount)s = %(total)s exceeds "
                "the credit limit %(limit)s + secured %(secured)s = %(secured_limit)s "
                "of %(partner)s (grade %(grade)s) by %(excess)s.",
                total=check.fmt(exposure + amount),
                secured_limit=check.fmt(limit + secured),
                **values,
            )
        return {
            "reason": reason,
            "action": self.env._(
                "reduce the order, request a higher credit limit or a security"
            ),
            "excess": excess,
        }
