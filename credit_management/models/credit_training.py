import itertools
import logging

from dateutil.relativedelta import relativedelta
from odoo import Command, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# The situations of the training company, in the order they are built: each is
# a method ``_credit_training_<key>(company, partner, ctx)`` that gives the
# customer its history and leaves what a trainee practises on (a quotation, a
# request, a promise...). ``grade`` is the code of the customer's grade.
TRAINING_SITUATIONS = (
    ("good", "A"),
    ("near_limit", "B"),
    ("over_limit", "C"),
    ("waiting_review", "C"),
    ("limit_request", "C"),
    ("approved", "C"),
    ("overdue", "B"),
    ("secured", "C"),
    ("hold", "B"),
    ("prepayment", "E"),
    ("foreign", "B"),
    ("reminded", "B"),
    ("promise", "C"),
    ("legal", "D"),
    ("new", None),
)

_NAMES = (
    "Alder",
    "Basalt",
    "Cedar",
    "Delta",
    "Elm",
    "Fjord",
    "Granite",
    "Heath",
    "Iris",
    "Juniper",
    "Kestrel",
    "Larch",
    "Maple",
    "Nimbus",
    "Oakridge",
    "Poplar",
    "Quartz",
    "Riverbend",
    "Sierra",
    "Tundra",
)
_TRADES = (
    "Trading",
    "Supplies",
    "Foods",
    "Logistics",
    "Retail",
    "Works",
    "Industries",
    "Builders",
)


class CreditTraining(models.AbstractModel):
    """A training company: a new company with customers in every credit
    situation (the demo story, bigger), so new staff practise blocks, approvals,
    limit requests and collections without touching real data. It only creates:
    the company, its chart of accounts, customers, invoices, payments, orders and
    requests in that company, and gives the chosen users access to it."""

    _name = "credit.training"
    _description = "Credit Training Company Builder"

    @api.model
    def _credit_training_situations(self):
        """{key: (label, what a trainee practises)} of the situations."""
        _ = self.env._
        return {
            "good": (
                _("Good payer"),
                _("Confirm the quotation: nothing blocks a customer who pays on time."),
            ),
            "near_limit": (
                _("Near the limit"),
                _(
                    "The usage bar is orange: a small quotation still confirms, "
                    "a large one would not."
                ),
            ),
            "over_limit": (
                _("Over the limit"),
                _(
                    "Confirm the quotation and read why it is blocked; as a credit "
                    "manager, approve it with a reason."
                ),
            ),
            "waiting_review": (
                _("Waiting for credit review"),
                _(
                    "The salesperson asked for an approval: as a credit manager, "
                    "approve or refuse it from the credit menu."
                ),
            ),
            "limit_request": (
                _("Limit request"),
                _("A higher limit was requested: sign or refuse the request."),
            ),
            "approved": (
                _("Approved order"),
                _(
                    "An order over the limit was approved: find the approval and "
                    "the decision log."
                ),
            ),
            "overdue": (
                _("Overdue invoices"),
                _(
                    "An invoice is long past due: the quotation is blocked until "
                    "it is paid; register the payment and confirm again."
                ),
            ),
            "secured": (
                _("Secured by a guarantee"),
                _(
                    "Over its limit without the bank guarantee, within it with the "
                    "guarantee: the quotation confirms."
                ),
            ),
            "hold": (
                _("On credit hold"),
                _("A credit manager put the customer on hold: read the reason."),
            ),
            "prepayment": (
                _("Prepayment grade"),
                _("The lowest grade pays in advance: the quotation is blocked."),
            ),
            "foreign": (
                _("Country risk"),
                _(
                    "A customer in a country of high risk class: the policy asks "
                    "for payment in advance or an approval."
                ),
            ),
            "reminded": (
                _("Due for a reminder"),
                _("Run the collections: the customer gets its first reminder."),
            ),
            "promise": (
                _("Promise to pay"),
                _("The customer promised to pay next week: reminders wait until then."),
            ),
            "legal": (
                _("Legal collection"),
                _("The customer is in legal collection: nothing is confirmed for it."),
            ),
            "new": (
                _("New customer"),
                _(
                    "No grade and no review yet: enter its financial statements "
                    "and re-rate it."
                ),
            ),
        }

    @api.model
    def _credit_build_training_company(
        self, name, per_situation=2, users=None, salesperson=None
    ):
        """Build the training company ``name`` with ``per_situation`` customers
        in each situation; ``users`` (default: the current user) get access to
        it, ``salesperson`` (default: the current user) sells to its customers.

        :return: the new company
        """
        if not self.env.is_admin():
            raise UserError(
                self.env._("Only an administrator can build a training company.")
            )
        name = (name or "").strip()
        if not name:
            raise UserError(self.env._("Give the training company a name."))
        if not 1 <= per_situation <= 50:
            raise UserError(
                self.env._(
                    "Between 1 and 50 customers per situation, not %(count)s.",
                    count=per_situation,
                )
            )
        if self.env["res.company"].sudo().search_count([("name", "=ilike", name)]):
            raise UserError(
                self.env._(
                    'A company named "%(name)s" exists already: choose another name.',
                    name=name,
                )
            )
        users = (users or self.env.user) | self.env.user
        salesperson = salesperson or self.env.user
        current = self.env.company
        # sudo: an administrator builds it (checked above), and the situations
        # need credit manager powers (holds, legal collection, approvals) that
        # the administrator may not hold; it creates records of the new
        # company only.
        builder = self.sudo()
        # The chart is loaded below; without the context the company's country
        # would also install its localisation and load a chart at commit.
        company = (
            builder.env["res.company"]
            .with_context(chart_template_load=True)
            .create(
                {
                    "name": name,
                    "currency_id": current.currency_id.id,
                    "country_id": current.country_id.id,
                }
            )
        )
        users.sudo().write({"company_ids": [Command.link(company.id)]})
        if salesperson not in users:
            salesperson.sudo().write({"company_ids": [Command.link(company.id)]})
        builder.env["account.chart.template"].try_loading(
            current.chart_template or "generic_coa", company, install_demo=False
        )
        builder.with_company(company).with_context(
            allowed_company_ids=company.ids, tracking_disable=True
        )._credit_training_fill(company, per_situation, salesperson)
        _logger.info(
            "credit training company %s (id %s) built with %s customers per situation",
            company.name,
            company.id,
            per_situation,
        )
        return company

    def _credit_training_fill(self, company, per_situation, salesperson):
        foreign = self._credit_training_foreign_country(company)
        policy = self.env.ref(
            "credit_management.credit_collection_policy_default",
            raise_if_not_found=False,
        )
        values = {
            "credit_control_enabled": True,
            "credit_block_on_limit": True,
            "credit_block_on_overdue": True,
            "credit_block_prepayment": True,
            "credit_overdue_days": 30,
            "credit_overdue_tolerance": 500.0,
            "credit_security_mode": "limit",
        }
        if foreign:
            values.update(
                credit_block_country=True,
                credit_country_risk_class=int(foreign.credit_risk_class),
            )
        if policy:
            values["credit_collection_policy_id"] = policy.copy(
                {
                    "name": policy.name,
                    "company_id": company.id,
                    "user_id": self.env.user.id,
                }
            ).id
        company.write(values)
        product = self.env["product.product"].create(
            {
                "name": self.env._("Training goods"),
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100.0,
                "company_id": company.id,
            }
        )
        ctx = {
            "company": company,
            "product": product,
            "salesperson": salesperson,
            "today": fields.Date.context_today(self),
            "foreign": foreign,
            "bank": self.env["res.partner"].create(
                {
                    "name": self.env._("Training Bank"),
                    "is_company": True,
                    "company_id": company.id,
                }
            ),
        }
        situations = self._credit_training_situations()
        names = itertools.cycle(
            f"{first} {trade}" for trade in _TRADES for first in _NAMES
        )
        for key, grade_code in TRAINING_SITUATIONS:
            if key == "foreign" and not foreign:
                continue
            label, practise = situations[key]
            tag = self.env["res.partner.category"].create(
                {"name": self.env._("Training: %(label)s", label=label)}
            )
            for __ in range(per_situation):
                name = next(names)
                partner = self.env["res.partner"].create(
                    {
                        "name": name,
                        "is_company": True,
                        "company_id": company.id,
                        "country_id": (foreign or company.country_id).id
                        if key == "foreign"
                        else company.country_id.id,
                        "email": "accounts@{}.example.com".format(
                            name.lower().replace(" ", "-")
                        ),
                        "user_id": salesperson.id,
                        "category_id": [Command.link(tag.id)],
                        "comment": practise,
                    }
                )
                grade = self._credit_training_grade(grade_code, company)
                if grade:
                    partner.write(
                        {
                            "credit_grade_id": grade.id,
                            "credit_limit": grade.default_credit_limit,
                        }
                    )
                getattr(self, f"_credit_training_{key}")(partner, ctx)

    @api.model
    def _credit_training_grade(self, code, company):
        if not code:
            return self.env["credit.grade"]
        return self.env["credit.grade"].search(
            [("code", "=", code), ("company_id", "in", (False, company.id))],
            limit=1,
        )

    @api.model
    def _credit_training_foreign_country(self, company):
        """The foreign country of highest risk class (None when no country is
        classed: the country situation is then left out)."""
        country = self.env["res.country"].search(
            [("credit_risk_class", "!=", False), ("id", "!=", company.country_id.id)],
            order="credit_risk_class desc, id",
            limit=1,
        )
        if country and int(country.credit_risk_class) > 0:
            return country
        return None

    # ------------------------------------------------------------------
    # Building blocks
    # ------------------------------------------------------------------
    def _credit_training_invoice(self, partner, ctx, amount, days_ago, due_days=30):
        """A posted invoice dated ``days_ago`` days ago, due ``due_days`` later."""
        invoice_date = ctx["today"] - relativedelta(days=days_ago)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": ctx["company"].id,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date + relativedelta(days=due_days),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": ctx["product"].id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _credit_training_pay(self, invoice, amount=None, days_ago=0, ctx=None):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "amount": amount or invoice.amount_residual,
                "payment_date": ctx["today"] - relativedelta(days=days_ago),
            }
        )._create_payments()

    def _credit_training_order(self, partner, ctx, amount, confirm=False):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "company_id": ctx["company"].id,
                "user_id": ctx["salesperson"].id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": ctx["product"].id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def _credit_training_history(self, partner, ctx, amount, count=3):
        """Invoices of the last months, paid on time."""
        for month in range(count, 0, -1):
            invoice = self._credit_training_invoice(
                partner, ctx, amount, days_ago=30 * month + 15
            )
            self._credit_training_pay(invoice, days_ago=30 * month - 10, ctx=ctx)

    # ------------------------------------------------------------------
    # The situations
    # ------------------------------------------------------------------
    def _credit_training_good(self, partner, ctx):
        self._credit_training_history(partner, ctx, 8000.0)
        self._credit_training_invoice(partner, ctx, 6000.0, days_ago=10)
        self._credit_training_order(partner, ctx, 9500.0)

    def _credit_training_near_limit(self, partner, ctx):
        limit = partner.credit_limit or 20000.0
        self._credit_training_history(partner, ctx, limit * 0.3, count=2)
        self._credit_training_invoice(partner, ctx, limit * 0.85, days_ago=5)
        self._credit_training_order(partner, ctx, limit * 0.05)

    def _credit_training_over_limit(self, partner, ctx):
        partner.credit_limit = 5000.0
        self._credit_training_invoice(partner, ctx, 4200.0, days_ago=10)
        self._credit_training_order(partner, ctx, 600.0, confirm=True)
        self._credit_training_order(partner, ctx, 1800.0)

    def _credit_training_waiting_review(self, partner, ctx):
        self._credit_training_over_limit(partner, ctx)
        order = partner.sale_order_ids.filtered(lambda o: o.state == "draft")
        order.with_user(ctx["salesperson"]).action_credit_request_approval()

    def _credit_training_limit_request(self, partner, ctx):
        self._credit_training_over_limit(partner, ctx)
        order = partner.sale_order_ids.filtered(lambda o: o.state == "draft")
        request = self.env["credit.limit.request"].create(
            {
                "partner_id": partner.id,
                "order_id": order.id,
                "requested_by_id": ctx["salesperson"].id,
                "limit_requested": 8000.0,
                "reason": self.env._(
                    "Doubled its monthly volume and pays on time; the new "
                    "quotation needs 8,000."
                ),
            }
        )
        request.action_submit()

    def _credit_training_approved(self, partner, ctx):
        self._credit_training_over_limit(partner, ctx)
        order = partner.sale_order_ids.filtered(lambda o: o.state == "draft")
        order._credit_approve(
            self.env._("Training: a one-off order, paid by the end of the month.")
        )
        order.action_confirm()

    def _credit_training_overdue(self, partner, ctx):
        self._credit_training_invoice(partner, ctx, 6500.0, days_ago=105)
        self._credit_training_invoice(partner, ctx, 2100.0, days_ago=15)
        self._credit_training_order(partner, ctx, 2500.0)

    def _credit_training_secured(self, partner, ctx):
        partner.credit_limit = 5000.0
        self._credit_training_invoice(partner, ctx, 6000.0, days_ago=12)
        self.env["credit.security"].create(
            {
                "name": self.env._("BG-TRAINING-%(id)s", id=partner.id),
                "partner_id": partner.id,
                "company_id": ctx["company"].id,
                "security_type": "bank_guarantee",
                "issuer_id": ctx["bank"].id,
                "amount": 10000.0,
                "date_from": ctx["today"] - relativedelta(months=3),
                "date_to": ctx["today"] + relativedelta(months=6),
                "state": "active",
            }
        )
        self._credit_training_order(partner, ctx, 2000.0)

    def _credit_training_hold(self, partner, ctx):
        self._credit_training_invoice(partner, ctx, 3000.0, days_ago=20)
        partner.write(
            {
                "credit_hold": True,
                "credit_hold_reason": self.env._(
                    "Disputed delivery, awaiting the customer's legal department"
                ),
            }
        )
        self._credit_training_order(partner, ctx, 900.0)

    def _credit_training_prepayment(self, partner, ctx):
        self._credit_training_order(partner, ctx, 1200.0)

    def _credit_training_foreign(self, partner, ctx):
        self._credit_training_history(partner, ctx, 4000.0, count=2)
        self._credit_training_order(partner, ctx, 3000.0)

    def _credit_training_reminded(self, partner, ctx):
        self._credit_training_invoice(partner, ctx, 4800.0, days_ago=65)

    def _credit_training_promise(self, partner, ctx):
        self._credit_training_invoice(partner, ctx, 2600.0, days_ago=50)
        self.env["credit.collection.promise"].create(
            {
                "partner_id": partner.id,
                "company_id": ctx["company"].id,
                "user_id": self.env.user.id,
                "amount": 2600.0,
                "date_promised": ctx["today"] + relativedelta(days=7),
                "note": self.env._(
                    "Their controller confirmed the transfer for next week."
                ),
            }
        )

    def _credit_training_legal(self, partner, ctx):
        self._credit_training_invoice(partner, ctx, 9000.0, days_ago=150)
        partner.credit_collection_status = "legal"
        self._credit_training_order(partner, ctx, 700.0)

    def _credit_training_new(self, partner, ctx):
        self._credit_training_order(partner, ctx, 1500.0)
