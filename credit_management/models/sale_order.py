from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date, format_datetime
from odoo.tools.mail import plaintext2html

CREDIT_APPROVAL_FIELDS = frozenset(
    {
        "credit_approval_user_id",
        "credit_approval_date",
        "credit_approval_reason",
        "credit_approval_amount",
        "credit_approval_partner_id",
        "credit_approval_exposure",
        "credit_approval_limit",
        "credit_approval_blocking_reasons",
    }
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # Confirmed orders with something left to invoice, by invoice address: what
    # the exposure reads. Fully invoiced orders, most of a customer's history,
    # are not in it.
    _credit_open_order_idx = models.Index(
        "(partner_invoice_id)"
        " WHERE state = 'sale' AND invoice_status IS DISTINCT FROM 'invoiced'"
    )

    credit_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    credit_check_message = fields.Text(
        string="Credit Check",
        compute="_compute_credit_check",
        help="Why this order would be blocked by the credit policy at confirmation.",
        groups="base.group_user",
    )
    credit_blocked = fields.Boolean(
        compute="_compute_credit_check",
        groups="base.group_user",
    )
    credit_can_approve = fields.Boolean(
        compute="_compute_credit_can_approve",
        groups="base.group_user",
    )
    credit_approval_valid = fields.Boolean(
        compute="_compute_credit_approval_valid",
        help="The credit approval covers this order as it is now: same customer, "
        "amount not increased since the approval.",
        groups="base.group_user",
    )
    credit_approval_user_id = fields.Many2one(
        "res.users",
        string="Credit Approved By",
        readonly=True,
        copy=False,
        tracking=True,
        groups="base.group_user",
    )
    credit_approval_date = fields.Datetime(
        string="Credit Approved On",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    credit_approval_reason = fields.Text(
        string="Approval Reason",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    credit_approval_partner_id = fields.Many2one(
        "res.partner",
        string="Approved Customer",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    credit_approval_amount = fields.Monetary(
        string="Approved Amount",
        readonly=True,
        copy=False,
        currency_field="credit_currency_id",
        help="Order total in company currency when it was approved.",
        groups="base.group_user",
    )
    credit_approval_exposure = fields.Monetary(
        string="Exposure At Approval",
        readonly=True,
        copy=False,
        currency_field="credit_currency_id",
        groups="base.group_user",
    )
    credit_approval_limit = fields.Monetary(
        string="Limit At Approval",
        readonly=True,
        copy=False,
        currency_field="credit_currency_id",
        groups="base.group_user",
    )
    credit_approval_blocking_reasons = fields.Text(
        string="Blocking Reasons At Approval",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )

    @api.depends(
        "state",
        "partner_id",
        "partner_invoice_id",
        "amount_total",
        "currency_id",
        "company_id",
        "credit_approval_user_id",
        "credit_approval_amount",
    )
    def _compute_credit_check(self):
        for order in self:
            message = False
            if order.state in ("draft", "sent") and order.partner_id:
                message = order._credit_block_message()
            order.credit_check_message = message
            order.credit_blocked = bool(message)

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_credit_can_approve(self):
        for order in self:
            order.credit_can_approve = order._credit_user_can_approve()

    @api.depends(
        "credit_approval_user_id",
        "credit_approval_amount",
        "credit_approval_partner_id",
        "partner_invoice_id",
        "amount_total",
        "currency_id",
    )
    def _compute_credit_approval_valid(self):
        for order in self:
            order.credit_approval_valid = bool(
                order.credit_approval_user_id
                and order.credit_approval_partner_id == order._credit_partner()
                and order.credit_currency_id.compare_amounts(
                    order._credit_order_amount(), order.credit_approval_amount
                )
                <= 0
            )

    def write(self, vals):
        if CREDIT_APPROVAL_FIELDS.intersection(vals) and not self.env.su:
            for order in self:
                order._credit_check_can_approve()
        return super().write(vals)

    def action_confirm(self):
        orders = self.filtered(lambda o: o.company_id.credit_control_enabled)
        orders._credit_lock_partners()
        # Orders confirmed together are checked together: each one counts the
        # orders of the same customer that come before it in this batch.
        return super(
            SaleOrder, self.with_context(credit_confirm_batch_ids=self.ids)
        ).action_confirm()

    def _confirmation_error_message(self):
        return super()._confirmation_error_message() or self._credit_block_message()

    def action_credit_approve(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve Credit"),
            "res_model": "credit.approval.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _credit_partner(self):
        self.ensure_one()
        return (self.partner_invoice_id or self.partner_id).commercial_partner_id

    def _credit_order_amount(self):
        """Order total in company currency at today's rate."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if self.currency_id == company.currency_id or not self.currency_id:
            return self.amount_total
        rates = (
            self.env["res.partner"]
            .with_company(company)
            ._credit_rates(self.currency_id.ids, fields.Date.context_today(self))
        )
        return company.currency_id.round(self.amount_total * rates[self.currency_id.id])

    def _credit_user_can_approve(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        return (
            self.env.su
            or company._credit_override_group() in self.env.user.all_group_ids
        )

    def _credit_check_can_approve(self):
        """Raise unless the current user belongs to the override group."""
        self.ensure_one()
        if not self._credit_user_can_approve():
            raise AccessError(
                self.env._(
                    "Only members of %(group)s can approve the credit of order "
                    "%(order)s.",
                    group=self.company_id._credit_override_group().name,
                    order=self.name,
                )
            )

    def _credit_lock_partners(self):
        """Serialise credit checks per customer.

        The update creates a new row version of each commercial partner: a
        concurrent transaction checking the same customer waits for this one, then
        fails with a serialization error and is retried by Odoo on a fresh
        snapshot that includes the order confirmed here, so two orders can never
        both pass against the same remaining credit.
        """
        partner_ids = sorted({order._credit_partner().id for order in self})
        if partner_ids:
            # The serialization failure is expected and retried by Odoo: do not
            # log it as a "bad query" error.
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)",
                    partner_ids,
                ),
                log_exceptions=False,
            )

    def _credit_check(self):
        """Evaluate the company credit policy for this order.

        The decision needs sums only (``_credit_figures(detail=False)``); the
        counts and ages of overdue invoices that explain a refusal are computed
        only when the order is refused.

        :return: dict with the figures of the customer and ``reasons``, a list of
            human-readable blocking reasons (empty when the order may be
            confirmed); all of ``CREDIT_FIGURES`` are in it when there is a reason
        """
        self.ensure_one()
        company = self.company_id or self.env.company
        result = {"reasons": [], "actions": []}
        if not company.credit_control_enabled:
            return result
        if (
            company.credit_skip_paid_orders
            and self.amount_total > 0
            and self.currency_id.compare_amounts(self.amount_paid, self.amount_total)
            >= 0
        ):
            return result
        partner = self._credit_partner().with_company(company)
        figures = partner._credit_figures(detail=False)[partner.id]

        def add_details():
            """The counts and ages that explain a refusal (once)."""
            if "overdue_invoice_count" in figures:
                return
            detailed = partner._credit_figures()[partner.id]
            figures.update(
                {name: value for name, value in detailed.items() if name not in figures}
            )

        amount = self._credit_order_amount()
        batch_ids = self.env.context.get("credit_confirm_batch_ids") or []
        if self.id in batch_ids:
            previous = self.browse(batch_ids[: batch_ids.index(self.id)]).filtered(
                lambda o: o._credit_partner() == partner and o.company_id == company
            )
            figures["credit_exposure"] += sum(
                o._credit_order_amount() for o in previous
            )
        limit = partner.credit_limit
        grade = partner.credit_grade_id
        currency = company.currency_id
        result.update(
            partner=partner,
            grade=grade,
            limit=limit,
            amount=amount,
            currency=currency,
        )

        def fmt(value):
            return format_amount(self.env, value, currency)

        reasons, actions = result["reasons"], result["actions"]
        if partner.credit_hold:
            reasons.append(
                self.env._(
                    "%(partner)s is on credit hold: %(reason)s.",
                    partner=partner.display_name,
                    reason=partner.credit_hold_reason or self.env._("no reason given"),
                )
            )
            actions.append(self.env._("have a credit manager release the hold"))
        if company.credit_block_prepayment and grade.requires_prepayment:
            reasons.append(
                self.env._(
                    "%(partner)s has grade %(grade)s, which requires payment in "
                    "advance.",
                    partner=partner.display_name,
                    grade=grade.display_name,
                )
            )
            actions.append(self.env._("ask the customer to pay in advance"))
        if (
            company.credit_block_on_overdue
            # tolerance >= 0 (constraint): an amount above it is an overdue item
            and currency.compare_amounts(
                figures["overdue_beyond_amount"], company.credit_overdue_tolerance
            )
            > 0
        ):
            add_details()
            reasons.append(
                self.env._(
                    "%(count)s invoice(s) more than %(max_days)s days past due for "
                    "%(amount)s, the oldest %(days)s days (the policy tolerates "
                    "%(tolerance)s beyond %(max_days)s days; overdue in all: "
                    "%(overdue)s in %(overdue_count)s invoice(s)).",
                    count=figures["overdue_beyond_count"],
                    max_days=company.credit_overdue_days,
                    amount=fmt(figures["overdue_beyond_amount"]),
                    days=figures["max_days_overdue"],
                    tolerance=fmt(company.credit_overdue_tolerance),
                    overdue=fmt(figures["receivable_overdue"]),
                    overdue_count=figures["overdue_invoice_count"],
                )
            )
            actions.append(self.env._("collect the overdue payments"))
        # An order that adds nothing to the exposure (zero or negative total, such
        # as a free replacement or a return) cannot push the customer over its
        # limit; the hold, prepayment and overdue rules still apply to it.
        if (
            company.credit_block_on_limit
            and limit > 0
            and currency.compare_amounts(amount, 0.0) > 0
            and currency.compare_amounts(figures["credit_exposure"] + amount, limit) > 0
        ):
            reasons.append(
                self.env._(
                    "Exposure %(exposure)s + this order %(amount)s = %(total)s "
                    "exceeds the credit limit %(limit)s of %(partner)s (grade "
                    "%(grade)s) by %(excess)s.",
                    exposure=fmt(figures["credit_exposure"]),
                    amount=fmt(amount),
                    total=fmt(figures["credit_exposure"] + amount),
                    limit=fmt(limit),
                    partner=partner.display_name,
                    grade=grade.display_name or self.env._("none"),
                    excess=fmt(figures["credit_exposure"] + amount - limit),
                )
            )
            actions.append(
                self.env._("reduce the order or request a higher credit limit")
            )
        if reasons:
            add_details()
        result.update(figures)
        return result

    def _credit_block_message(self):
        """Why the credit policy blocks this order, or False when it may be
        confirmed (policy passed, or a valid credit approval)."""
        self.ensure_one()
        check = self._credit_check()
        if check["reasons"] and not self.credit_approval_valid:
            return self._credit_message(check)
        return False

    def _credit_message(self, check):
        """The message shown when the credit check blocks this order."""
        self.ensure_one()
        currency = check["currency"]

        def fmt(value):
            return format_amount(self.env, value, currency)

        lines = [
            self.env._(
                "Order %(order)s cannot be confirmed: the credit check of "
                "%(partner)s failed.",
                order=self.name,
                partner=check["partner"].display_name,
            ),
            "",
            *(f"• {reason}" for reason in check["reasons"]),
            "",
            self.env._(
                "Customer %(partner)s, grade %(grade)s, credit limit %(limit)s; "
                "this order %(amount)s.",
                partner=check["partner"].display_name,
                grade=check["grade"].display_name or self.env._("none"),
                limit=fmt(check["limit"]) if check["limit"] else self.env._("none"),
                amount=fmt(check["amount"]),
            ),
            self.env._(
                "Exposure %(exposure)s = open receivables %(open)s + confirmed "
                "orders not invoiced %(orders)s + draft invoices %(drafts)s.",
                exposure=fmt(check["credit_exposure"]),
                open=fmt(check["receivable_open"]),
                orders=fmt(check["orders_uninvoiced"]),
                drafts=fmt(check["invoices_draft"]),
            ),
            self.env._(
                "Overdue: %(count)s invoice(s) for %(amount)s, the oldest %(days)s "
                "days past due.",
                count=check["overdue_invoice_count"],
                amount=fmt(check["receivable_overdue"]),
                days=check["max_days_overdue"],
            ),
        ]
        if self.credit_approval_user_id and not self.credit_approval_valid:
            lines.append(
                self.env._(
                    "The credit approval given by %(user)s on %(date)s covered "
                    "%(approved)s for %(partner)s; the order is now %(amount)s "
                    "for %(current)s, so it needs a new approval.",
                    user=self.credit_approval_user_id.name,
                    date=format_datetime(self.env, self.credit_approval_date),
                    approved=fmt(self.credit_approval_amount),
                    partner=self.credit_approval_partner_id.display_name,
                    amount=fmt(check["amount"]),
                    current=check["partner"].display_name,
                )
            )
        lines.append(
            self.env._(
                "What to do: %(actions)s, or ask a member of %(group)s to approve "
                "this order (Approve Credit button).",
                actions=", ".join(check["actions"]),
                group=(self.company_id or self.env.company)
                ._credit_override_group()
                .name,
            )
        )
        return "\n".join(lines)

    def _credit_approve(self, reason):
        """Record a credit approval with the figures of this moment."""
        self.ensure_one()
        check = self._credit_check()
        currency = self.credit_currency_id
        now = fields.Datetime.now()
        values = {
            "credit_approval_user_id": self.env.user.id,
            "credit_approval_date": now,
            "credit_approval_reason": reason,
            "credit_approval_partner_id": self._credit_partner().id,
            "credit_approval_amount": self._credit_order_amount(),
            "credit_approval_exposure": check.get("credit_exposure", 0.0),
            "credit_approval_limit": check.get("limit", 0.0),
            "credit_approval_blocking_reasons": "\n".join(check["reasons"]),
        }
        self.write(values)
        body = self.env._(
            "Credit approved by %(user)s on %(date)s.\nReason: %(reason)s\n"
            "Order %(amount)s, exposure %(exposure)s, limit %(limit)s.\n"
            "Blocking reasons overridden:\n%(reasons)s",
            user=self.env.user.name,
            date=format_date(self.env, now),
            reason=reason,
            amount=format_amount(self.env, values["credit_approval_amount"], currency),
            exposure=format_amount(
                self.env, values["credit_approval_exposure"], currency
            ),
            limit=format_amount(self.env, values["credit_approval_limit"], currency),
            reasons=values["credit_approval_blocking_reasons"] or "-",
        )
        self.message_post(body=plaintext2html(body), subtype_xmlid="mail.mt_note")
