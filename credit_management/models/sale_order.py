import contextlib
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_amount, format_datetime
from odoo.tools.mail import plaintext2html
from odoo.tools.safe_eval import safe_eval

from ..exceptions import CreditBlockedError
from .credit_policy import CHECK_PARTNER_FIELDS

# The credit work queues of the Sales menu, with what their list filters by
# default on top of the action's domain: the count shown next to the menu is
# the number of records the list opens with.
CREDIT_MENU_QUEUES = {
    "credit_management.menu_credit_blocked_quotations": (
        "sale.order",
        [("credit_blocked", "=", True)],
    ),
    "credit_management.menu_credit_approval_requests": ("sale.order", []),
    "credit_management.menu_credit_limit_request": (
        "credit.limit.request",
        [("state", "=", "submitted")],
    ),
}


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
    credit_check_summary = fields.Char(
        compute="_compute_credit_check",
        help="The reasons in one line; the full message is in the details.",
        groups="base.group_user",
    )
    credit_check_reasons = fields.Char(
        string="Why",
        compute="_compute_credit_check",
        help="The reasons the credit check blocks the order, in a few words.",
        groups="base.group_user",
    )
    credit_shadow_message = fields.Text(
        compute="_compute_credit_check",
        help="Shadow mode: what the credit check would do once its rules are "
        "enforced (it does not block now).",
        groups="base.group_user",
    )
    credit_shadow_reasons = fields.Text(
        string="Would Have Blocked",
        readonly=True,
        copy=False,
        help="Confirmed while the company checked these rules in shadow mode: "
        "once enforced, they would have blocked it.",
        groups="base.group_user",
    )
    credit_blocked = fields.Boolean(
        compute="_compute_credit_check",
        search="_search_credit_blocked",
        groups="base.group_user",
    )
    credit_amount_over = fields.Monetary(
        string="Over The Limit By",
        compute="_compute_credit_check",
        currency_field="credit_currency_id",
        help="How much exposure plus this order exceed the customer's limit.",
        groups="base.group_user",
    )
    credit_can_approve = fields.Boolean(
        compute="_compute_credit_can_approve",
        groups="base.group_user",
    )
    credit_approval_valid = fields.Boolean(
        compute="_compute_credit_check",
        help="The credit approval covers this order as it is now: live, same "
        "customer and currency, amount not increased, no new blocking reason.",
        groups="base.group_user",
    )
    credit_review_pending = fields.Boolean(
        string="Waiting For Credit Review",
        readonly=True,
        copy=False,
        help="The credit team was asked to review this blocked quotation (by the "
        "salesperson, or because the customer signed or paid it online).",
    )
    # The approvals carry the customer's figures (exposure, limit, what was
    # overridden): for readers of credit figures. Who approved, and why, is
    # shown on the order to everyone who sees it, as its block is.
    credit_approval_ids = fields.One2many(
        "credit.approval",
        "order_id",
        string="Credit Approvals",
        readonly=True,
        copy=False,
        groups="credit_management.group_credit_reader",
    )
    credit_approval_id = fields.Many2one(
        "credit.approval",
        compute="_compute_credit_approval_id",
        help="The latest credit approval of this order.",
        groups="credit_management.group_credit_reader",
    )
    credit_approval_user_id = fields.Many2one(
        "res.users",
        string="Credit Approved By",
        compute="_compute_credit_approval_id",
        groups="base.group_user",
    )
    credit_limit_request_id = fields.Many2one(
        "credit.limit.request",
        string="Waiting Limit Request",
        compute="_compute_credit_limit_request_id",
        help="A limit request for this customer waiting for its decision.",
        groups="base.group_user",
    )
    credit_approval_reason = fields.Text(
        string="Approval Reason",
        compute="_compute_credit_approval_id",
        groups="base.group_user",
    )

    @api.depends(
        "state",
        "partner_id",
        "partner_invoice_id",
        "amount_total",
        "currency_id",
        "company_id",
        "credit_approval_ids",
        "payment_term_id",
        "require_payment",
        "prepayment_percent",
    )
    # The message says what the reader can do: an approver reads "approve it
    # yourself", a salesperson "ask the approvers".
    @api.depends_context("uid", "company")
    def _compute_credit_check(self):
        for order in self:
            message, summary, reasons, shadow = False, False, False, False
            approved, over = False, 0.0
            if order.state in ("draft", "sent") and order.partner_id:
                try:
                    check = order._credit_check()
                except UserError as error:
                    # A configuration error (a currency without rate, grades)
                    # shows on the quotation instead of keeping it from opening;
                    # the confirmation still refuses with the same error.
                    order.credit_check_message = self.env._(
                        "The credit check cannot run: %(error)s", error=error
                    )
                    order.credit_check_summary = self.env._(
                        "The credit check cannot run (see the details)."
                    )
                    order.credit_check_reasons = self.env._("the check cannot run")
                    order.credit_shadow_message = False
                    order.credit_blocked = True
                    order.credit_approval_valid = False
                    order.credit_amount_over = 0.0
                    continue
                approved = order._credit_approval_covers(check["codes"])
                if check.get("shadow_codes"):
                    shadow = order._credit_shadow_text(check)
                if check["codes"] and not approved:
                    message = order._credit_message(check)
                    reasons = order._credit_reasons_label(check)
                    summary = order._credit_summary(check)
                    over = check.get("excess", 0.0)
            order.credit_shadow_message = shadow
            order.credit_check_message = message
            order.credit_check_summary = summary
            order.credit_check_reasons = reasons
            order.credit_blocked = bool(message)
            order.credit_approval_valid = approved
            order.credit_amount_over = over

    def _credit_approval_covers(self, codes):
        """Whether the order's latest approval is live and covers it as it is
        now, blocked by the rules ``codes``."""
        self.ensure_one()
        # sudo: the approval decides for whoever asks (a customer, a salesman)
        approval = self.sudo().credit_approval_id
        return bool(approval) and not approval._credit_gap(self, codes)

    def _compute_partner_credit_warning(self):
        """Odoo's own credit warning ("Sales Credit Limit") reads another total
        than the credit check; under credit control the check's banner replaces
        it, so that a quotation never shows two different figures."""
        result = super()._compute_partner_credit_warning()
        self.filtered("company_id.credit_control_enabled").partner_credit_warning = ""
        return result

    def _search_credit_blocked(self, operator, value):
        """Quotations the credit check blocks now (the work queue of credit
        managers): the check of each open quotation of companies under credit
        control."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on credit blocked."))
        quotations = self.search(
            [
                ("state", "in", ("draft", "sent")),
                ("company_id.credit_control_enabled", "=", True),
            ]
        )
        blocked = quotations.filtered("credit_blocked")
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", blocked.ids)]

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_credit_can_approve(self):
        for order in self:
            order.credit_can_approve = order._credit_user_can_approve()

    @api.depends("credit_approval_ids")
    def _compute_credit_approval_id(self):
        for order in self:
            # sudo: who approved and why, for whoever sees the order
            approval = order.sudo().credit_approval_ids[:1]
            order.credit_approval_id = approval.id
            order.credit_approval_user_id = approval.user_id
            order.credit_approval_reason = approval.reason

    @api.depends("partner_id", "partner_invoice_id", "company_id")
    def _compute_credit_limit_request_id(self):
        # sudo: the salesperson learns that a request is waiting, whoever made it
        Request = self.env["credit.limit.request"].sudo()
        partners = {
            order: order._credit_partner() for order in self if order.partner_id
        }
        waiting = Request.search(
            [
                ("partner_id", "in", [p.id for p in partners.values()]),
                ("state", "in", ("submitted", "approved")),
            ],
            order="id desc",
        )
        for order in self:
            partner = partners.get(order)
            order.credit_limit_request_id = waiting.filtered(
                lambda r, p=partner, c=order.company_id: (
                    r.partner_id == p and r.company_id == c
                )
            )[:1].sudo(False)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_credit_approved(self):
        approved = self.sudo().filtered("credit_approval_ids")
        if approved:
            raise UserError(
                self.env._(
                    "Order %(orders)s has a credit approval, kept for the audit: "
                    "cancel the order instead of deleting it.",
                    orders=", ".join(approved.mapped("name")),
                )
            )

    def _action_cancel(self):
        result = super()._action_cancel()
        self.filtered("credit_review_pending")._credit_close_request()
        self.sudo().credit_approval_ids._credit_revoke(self.env._("order cancelled"))
        return result

    def action_confirm(self):
        orders = self.filtered(lambda o: o.company_id.credit_control_enabled)
        orders._credit_lock_partners()
        # Orders confirmed together are checked together: each one counts the
        # orders of the same customer that come before it in this batch.
        batch = self.with_context(credit_confirm_batch_ids=self.ids)
        # Checked here, before core's own checks, to refuse with an error of our
        # own (its dialog is titled "Credit Check", not "Invalid Operation");
        # core's loop then skips the credit part (_confirmation_error_message).
        shadowed = {}
        for order in batch.filtered(
            lambda o: (
                o.state in ("draft", "sent") and o.company_id.credit_control_enabled
            )
        ):
            if order.company_id.credit_shadow_mode != "off":
                check = order._credit_check()
                if check.get("shadow_codes"):
                    shadowed[order] = check
            message = order._credit_confirmation_message()
            if message:
                if self.env.context.get("credit_refusal_dialog") and len(self) == 1:
                    # The Confirm button of the form: the refusal is a decision
                    # of its own, logged and committed, and explained in a
                    # dialog that offers what to do next. Other callers (RPC,
                    # code) get the error and nothing is kept.
                    order._credit_log_refusal()
                    return order._credit_refusal_action()
                raise CreditBlockedError(message)
        result = super(
            SaleOrder, batch.with_context(credit_checked_ids=self.ids)
        ).action_confirm()
        for order, check in shadowed.items():
            order._credit_log_shadow(check)
        return result

    def _action_confirm(self):
        result = super()._action_confirm()
        self.filtered("credit_review_pending")._credit_close_request()
        return result

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error or self.id in (self.env.context.get("credit_checked_ids") or ()):
            return error
        return self._credit_confirmation_message()

    def _credit_confirmation_message(self):
        """Why the confirmation is refused, for whoever asks: what a customer
        triggers answers in customer words, the credit figures are internal."""
        message = self._credit_block_message()
        if message and self.env.user.share:
            return self.env._(
                "Thank you: our credit department is reviewing order %(order)s. "
                "We will confirm it shortly.",
                order=self.name,
            )
        return message

    def _validate_order(self):
        """A quotation signed online that the credit check blocks waits for the
        credit team instead of failing in front of the customer."""
        blocked = self.filtered(lambda order: order._credit_block_message())
        for order in blocked:
            order._credit_log_refusal()
        blocked._credit_request_review(
            self.env._(
                "The customer signed the quotation online; the credit check "
                "blocks its confirmation."
            )
        )
        if self - blocked:
            return super(SaleOrder, self - blocked)._validate_order()
        return None

    def action_credit_request_approval(self):
        """Salesperson's button on a blocked quotation: ask the approvers."""
        self.ensure_one()
        self._credit_request_review(
            self.env._("%(user)s asks for a credit approval.", user=self.env.user.name)
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(user)s was asked to review the credit of %(order)s; you will "
                    "be notified of the decision.",
                    user=self.company_id._credit_manager_user().name
                    or self.env._("The credit team"),
                    order=self.name,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _credit_shadow_check(self, check):
        """The check as it would be once the shadowed rules are enforced."""
        return dict(
            check,
            codes=check["shadow_codes"],
            reasons=check["shadow_reasons"],
            excess=check.get("shadow_excess", 0.0),
        )

    def _credit_shadow_text(self, check):
        return "\n".join(check["shadow_reasons"])

    def _credit_log_shadow(self, check):
        """Confirmed in shadow mode although rules would have blocked it: a
        decision "would have blocked" and the reasons kept on the order."""
        self.ensure_one()
        shadow = self._credit_shadow_check(check)
        self.env["credit.decision"]._credit_log_order(self, "shadow", shadow)
        # sudo: the record of the check, written whoever confirms
        self.sudo().credit_shadow_reasons = self._credit_shadow_text(check)

    def _credit_log_refusal(self):
        """Log the refusal of this quotation's confirmation by the check."""
        self.ensure_one()
        return self.env["credit.decision"]._credit_log_order(
            self, "refusal", self._credit_check()
        )

    def _credit_refusal_action(self):
        """The dialog that explains a refused confirmation."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Check"),
            "res_model": "sale.order",
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("credit_management.view_order_form_credit_refused").id,
                    "form",
                )
            ],
            "target": "new",
            "context": {"credit_refusal_dialog": False},
        }

    def action_credit_request_limit(self):
        """A limit request for the customer of this blocked quotation, with the
        limit that would let it pass."""
        self.ensure_one()
        partner = self._credit_partner()
        check = self._credit_check()
        limit = check.get("limit") or 0.0
        proposed = limit + max(check.get("excess", 0.0), 0.0)
        return partner._credit_limit_request_action(
            {
                # The order's company, whichever the user works in: the limit
                # is the one its check reads.
                "default_company_id": self.company_id.id,
                "default_order_id": self.id,
                "default_limit_requested": self.company_id.currency_id.round(proposed),
                "default_reason": self.env._(
                    "Quotation %(order)s (%(amount)s) is over the limit by %(excess)s.",
                    order=self.name,
                    amount=format_amount(self.env, self.amount_total, self.currency_id),
                    excess=format_amount(
                        self.env,
                        max(check.get("excess", 0.0), 0.0),
                        self.company_id.currency_id,
                    ),
                ),
            }
        )

    @api.model
    def credit_menu_counts(self):
        """Counts shown next to the credit work queues in the Sales menu, for
        the queues this user sees: {menu xmlid: quotations in the queue}."""
        visible = self.env["ir.ui.menu"]._visible_menu_ids()
        counts = {}
        for xmlid, (model, default_filter) in CREDIT_MENU_QUEUES.items():
            menu = self.env.ref(xmlid, raise_if_not_found=False)
            if not menu or not menu.action:
                continue
            # A menu is shown when it and all its ancestors are visible.
            path = menu.parent_path.split("/")[:-1]
            if not visible.issuperset(map(int, path)):
                continue
            domain = Domain(safe_eval(menu.action.sudo().domain or "[]"))
            counts[xmlid] = self.env[model].search_count(
                domain & Domain(default_filter)
            )
        return counts

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

    def _credit_contact(self):
        """The contact the order is invoiced to (its customer without one)."""
        self.ensure_one()
        return self.partner_invoice_id or self.partner_id

    def _credit_partner(self):
        self.ensure_one()
        return self._credit_contact().commercial_partner_id

    def _credit_order_amount(self):
        """Order total in company currency at today's rate."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if self.currency_id == company.currency_id or not self.currency_id:
            return self.amount_total
        rates = (
            self.env["credit.exposure"]
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
        # The commercial entity of each customer, read alone: reading it
        # through the ORM's prefetching fetched every column of res.partner,
        # which a confirmation otherwise never reads. The credit fields the
        # check reads come in the same query, in the company of the order:
        # where the order is invoiced to the customer itself (most orders),
        # the check finds them in the cache and reads nothing more. A customer
        # the user may not read is left to the reads below, which check each
        # record.
        contacts = defaultdict(list)
        for order in self:
            contacts[order.company_id or self.env.company].append(
                order._credit_contact()
            )
        for company, partners in contacts.items():
            with contextlib.suppress(AccessError):
                self.env["res.partner"].with_company(company).union(*partners).fetch(
                    CHECK_PARTNER_FIELDS
                )
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
        """The company credit policy for this order (see credit.policy)."""
        self.ensure_one()
        return self.env["credit.policy"]._credit_check(self)

    def _credit_block_message(self):
        """Why the credit policy blocks this order, or False when it may be
        confirmed (policy passed, or an approval that covers it)."""
        self.ensure_one()
        check = self._credit_check()
        if not check["codes"] or self._credit_approval_covers(check["codes"]):
            return False
        return self._credit_message(check)

    def _credit_message(self, check, reader=True):
        """The message shown when the credit check blocks this order: the
        reasons, then only the figures that apply (no line of zeros), then what
        the reader can do, in words for their role.

        :param reader: False for a text read by several people (the review
            request's note and activity, the approval dialog): it names who
            approves instead of telling the reader what to do
        """
        self.ensure_one()
        currency = check["currency"]
        partner = check["partner"]

        def fmt(value):
            return format_amount(self.env, value, currency)

        # An order not saved yet has no name of its own ("New").
        order = (
            self.env._("Order %(order)s", order=self.name)
            if self.id
            else self.env._("This quotation")
        )
        if check.get("increase") is not None:
            title = self.env._(
                "%(order)s cannot grow by %(increase)s: the credit check of "
                "%(partner)s failed.",
                order=order,
                increase=fmt(check["increase"]),
                partner=partner.display_name,
            )
        else:
            title = self.env._(
                "%(order)s cannot be confirmed: the credit check of %(partner)s "
                "failed.",
                order=order,
                partner=partner.display_name,
            )
        lines = [title, "", *(f"• {reason}" for reason in check["reasons"]), ""]
        grade = check["grade"]
        limit = (
            self.env._("no credit limit")
            if check["limit"] is None
            else self.env._("credit limit %(limit)s", limit=fmt(check["limit"]))
        )
        if grade:
            lines.append(
                self.env._(
                    "%(partner)s: grade %(grade)s, %(limit)s; this order %(amount)s.",
                    partner=partner.display_name,
                    grade=grade.display_name,
                    limit=limit,
                    amount=fmt(check["amount"]),
                )
            )
        else:
            lines.append(
                self.env._(
                    "%(partner)s: %(limit)s; this order %(amount)s.",
                    partner=partner.display_name,
                    limit=limit,
                    amount=fmt(check["amount"]),
                )
            )
        components = (
            (
                check["receivable_open"],
                self.env._(
                    "open receivables %(amount)s", amount=fmt(check["receivable_open"])
                ),
            ),
            (
                check["orders_uninvoiced"],
                self.env._(
                    "confirmed orders not invoiced %(amount)s",
                    amount=fmt(check["orders_uninvoiced"]),
                ),
            ),
            (
                check["invoices_draft"],
                self.env._(
                    "draft invoices %(amount)s", amount=fmt(check["invoices_draft"])
                ),
            ),
        )
        parts = [
            text for value, text in components if currency.compare_amounts(value, 0.0)
        ]
        increase = check.get("increase")
        if parts and increase is not None and currency.compare_amounts(increase, 0.0):
            # The exposure is taken without the increase (the limit's reason
            # adds it apart); its parts are read with it.
            lines.append(
                self.env._(
                    "Exposure %(exposure)s = %(parts)s - this increase %(increase)s.",
                    exposure=fmt(check["credit_exposure"]),
                    parts=" + ".join(parts),
                    increase=fmt(increase),
                )
            )
        elif parts:
            lines.append(
                self.env._(
                    "Exposure %(exposure)s = %(parts)s.",
                    exposure=fmt(check["credit_exposure"]),
                    parts=" + ".join(parts),
                )
            )
        if check["overdue_invoice_count"]:
            lines.append(
                self.env._(
                    "Overdue: %(count)s invoice(s) for %(amount)s, the oldest "
                    "%(days)s days past due.",
                    count=check["overdue_invoice_count"],
                    amount=fmt(check["receivable_overdue"]),
                    days=check["max_days_overdue"],
                )
            )
        approval = self.sudo().credit_approval_id
        gap = approval and approval._credit_gap(self, check["codes"])
        if gap:
            lines.append(
                self.env._(
                    "The credit approval given by %(user)s on %(date)s no longer "
                    "covers the order: %(gap)s, so it needs a new approval.",
                    user=approval.user_id.name,
                    date=format_datetime(self.env, approval.date),
                    gap=gap,
                )
            )
        actions = ", ".join(check["actions"])
        if not reader:
            lines.append(
                self.env._(
                    "To solve it: %(actions)s; %(approvers)s may approve the order "
                    "(Approve Credit).",
                    actions=actions,
                    approvers=self._credit_approvers_label(),
                )
            )
            return "\n".join(lines)
        if self._credit_user_can_approve():
            if check.get("increase") is not None:
                todo = self.env._(
                    "What to do: %(actions)s, or make the change yourself: as a "
                    "credit approver, it is recorded as your approval.",
                    actions=actions,
                )
            else:
                todo = self.env._(
                    "What to do: %(actions)s, or approve the order yourself "
                    "(Approve Credit).",
                    actions=actions,
                )
        else:
            approvers = self._credit_approvers_label()
            if check.get("increase") is not None:
                todo = self.env._(
                    "What to do: %(actions)s, or ask %(approvers)s to make the "
                    "change (it is recorded as their approval).",
                    actions=actions,
                    approvers=approvers,
                )
            else:
                todo = self.env._(
                    "What to do: %(actions)s, or ask %(approvers)s to approve the "
                    "order (Request Approval).",
                    actions=actions,
                    approvers=approvers,
                )
        lines.append(todo)
        return "\n".join(lines)

    def _credit_reasons_label(self, check, figures=True):
        """The reasons of a refusal in a few words each (the work queue's
        "Why" column, and the banner's line).

        :param figures: with the amount over the limit; without, the same words
            for every order refused by the same rules (to group them by)
        """
        currency = check["currency"]
        labels = {
            "collection": self.env._("customer in legal collection or written off"),
            "hold": self.env._("customer on credit hold"),
            "prepayment": self.env._("grade requires payment in advance"),
            "country": self.env._("country risk requires payment in advance"),
            "terms": self.env._("payment terms or down payment beyond the grade's"),
            "overdue": self.env._("invoices overdue beyond the tolerance"),
        }
        if "limit" in check["codes"]:
            labels["limit"] = (
                self.env._(
                    "over the credit limit by %(excess)s",
                    excess=format_amount(self.env, check["excess"], currency),
                )
                if figures
                else self.env._("over the credit limit")
            )
        return "; ".join(labels[code] for code in check["codes"])

    def _credit_summary(self, check):
        """The reasons of a refusal in one line, for the banner."""
        return self.env._(
            "Blocked by the credit check: %(reasons)s.",
            reasons=self._credit_reasons_label(check),
        )

    def _credit_approvers_label(self):
        """Who approves, in words: "a credit manager", or the company's own
        approvers group named as such."""
        self.ensure_one()
        group = (self.company_id or self.env.company)._credit_override_group()
        if group == self.env.ref("credit_management.group_credit_manager"):
            return self.env._("a credit manager")
        return self.env._(
            'a credit approver (group "%(group)s")', group=group.display_name
        )

    # ------------------------------------------------------------------
    # Confirmed orders that grow
    # ------------------------------------------------------------------
    def _credit_growth_snapshot(self):
        """{order id: amount in company currency} of the confirmed orders of
        ``self`` under credit control, before a change that may raise them."""
        return {
            order.id: order._credit_order_amount()
            for order in self
            if order.state == "sale" and order.company_id.credit_control_enabled
        }

    def _credit_check_growth(self, before):
        """Run the credit check on what each order of ``before`` grew by.

        An increase passes when the policy allows it, when a live approval of the
        order covers the new total, or when the user may approve (the change is
        then recorded as an approval); otherwise it is refused with the check's
        message, and the whole change with it.
        """
        increases = {
            order: order._credit_order_amount() - before[order.id]
            for order in self.browse(list(before)).exists()
        }
        grown = self.browse(
            order.id
            for order, increase in increases.items()
            if order.company_id.currency_id.compare_amounts(increase, 0.0) > 0
        )
        if not grown:
            return
        grown._credit_lock_partners()
        for order in grown:
            increase = increases[order]
            check = self.env["credit.policy"]._credit_check(order, increase=increase)
            if not check["codes"] or order._credit_approval_covers(check["codes"]):
                continue
            if order._credit_user_can_approve():
                order._credit_approve(
                    self.env._(
                        "Confirmed order increased by %(amount)s by %(user)s, "
                        "a credit approver.",
                        amount=format_amount(
                            self.env, increase, order.company_id.currency_id
                        ),
                        user=self.env.user.name,
                    )
                )
                continue
            raise CreditBlockedError(order._credit_message(check))

    def _credit_approve(self, reason):
        """Record a credit approval of this order with this moment's figures
        (the approval tells the salesperson) and close the review requests."""
        self.ensure_one()
        approval = self.env["credit.approval"].create(
            {"order_id": self.id, "reason": reason}
        )
        self._credit_close_request(
            self.env._(
                "Approved by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=approval.reason,
            )
        )
        return approval

    def _credit_close_request(self, feedback=None):
        """Close the review requests of these orders: done with ``feedback`` (a
        decision), or removed without one (the order went ahead anyway)."""
        if not self:
            # Every confirmation asks, for the orders that had a request (most
            # have none): searching the activities of no order cost a tenth
            # of a millisecond of Python.
            return
        # sudo: the approver, or whoever confirms, may have no write access on
        # the order; closing the request follows from what they did
        orders = self.sudo()
        request = ["credit_management.mail_activity_type_credit_approval"]
        if feedback:
            orders.activity_feedback(request, feedback=feedback)
        else:
            orders.activity_unlink(request)
        orders.credit_review_pending = False

    def _credit_refuse_request(self, reason):
        """An approver refuses the review request: it is closed and the
        salesperson is told why; the quotation stays blocked."""
        self.ensure_one()
        self._credit_check_can_approve()
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(self.env._("Give the reason for the refusal."))
        self._credit_close_request(
            self.env._(
                "Refused by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
        )
        # sudo: the approver may have no write access on the order (the group
        # check above is the authorisation)
        order = self.sudo()
        order.message_post(
            body=self.env._(
                "Credit approval refused by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
            partner_ids=order.user_id.partner_id.ids
            if order.user_id != self.env.user
            else [],
        )

    def _credit_request_review(self, origin):
        """Ask the company's credit manager to review these blocked quotations:
        one open "Credit approval request" activity per order (never two), with
        the block message; the order shows it waits for the credit review."""
        # sudo: customers (portal signature, online payment) and salespeople
        # ask for a review of an order they may not write
        request_type = self.env.ref(
            "credit_management.mail_activity_type_credit_approval"
        )
        for order in self.sudo():
            user = order.company_id._credit_manager_user()
            # Read by the salesperson and the approvers alike.
            message = order._credit_message(order._credit_check(), reader=False)
            if user:
                origin = self.env._(
                    "%(origin)s Asked of %(user)s.", origin=origin, user=user.name
                )
            order.credit_review_pending = True
            order.message_post(
                body=plaintext2html(f"{origin}\n\n{message}"),
                subtype_xmlid="mail.mt_note",
            )
            open_requests = order.activity_ids.filtered(
                lambda a: a.activity_type_id == request_type
            )
            if not user or user in open_requests.user_id:
                continue
            order.activity_schedule(
                "credit_management.mail_activity_type_credit_approval",
                user_id=user.id,
                summary=self.env._("Credit review: %(order)s", order=order.name),
                note=plaintext2html(f"{origin}\n\n{message}"),
            )
