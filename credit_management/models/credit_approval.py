from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date
from odoo.tools.mail import plaintext2html


class CreditApproval(models.Model):
    """A credit manager's approval of a sale order the credit check blocked.

    A fact of its own, written once: created only by a member of the company's
    override group (checked in ``create``, whatever the path: form, wizard, RPC,
    a One2many command on the order), with the figures of that moment computed
    here, never taken from the caller; never edited nor deleted (no write or
    unlink right for anyone; only the system closes it, when the order is
    cancelled). The order reads its approval from these records.

    An approval covers the order while it is live (not expired, not revoked),
    for the same customer, the same currency and at most the approved amount, and
    only for the rules it overrode: a hold placed after it blocks again.
    """

    _name = "credit.approval"
    _description = "Credit Approval"
    _order = "date desc, id desc"
    _rec_name = "order_id"

    order_id = fields.Many2one(
        "sale.order",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", string="Approved By", required=True, readonly=True
    )
    date = fields.Datetime(string="Approved On", required=True, readonly=True)
    date_expiry = fields.Date(
        string="Valid Until",
        required=True,
        readonly=True,
        help="Last day the approval covers the order (company setting).",
    )
    reason = fields.Text(required=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency",
        string="Order Currency",
        required=True,
        readonly=True,
    )
    amount = fields.Monetary(
        string="Approved Amount",
        currency_field="currency_id",
        readonly=True,
        help="Order total, in the order's currency, when it was approved.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    exposure = fields.Monetary(
        string="Exposure At Approval",
        currency_field="company_currency_id",
        readonly=True,
    )
    credit_limit = fields.Monetary(
        string="Limit At Approval",
        currency_field="company_currency_id",
        readonly=True,
    )
    has_credit_limit = fields.Boolean(
        string="Limit Applied At Approval",
        readonly=True,
        help="Unchecked: the customer had no credit limit when it was approved.",
    )
    blocking_reasons = fields.Text(string="Reasons Overridden", readonly=True)
    rule_codes = fields.Char(
        string="Rules Overridden",
        readonly=True,
        help="Codes of the credit rules this approval overrides.",
    )
    revoked_date = fields.Datetime(string="Revoked On", readonly=True)
    revoked_reason = fields.Char(readonly=True)
    state = fields.Selection(
        [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
    )

    @api.depends("date_expiry", "revoked_date")
    @api.depends_context("tz")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for approval in self:
            if approval.revoked_date:
                approval.state = "revoked"
            elif approval.date_expiry < today:
                approval.state = "expired"
            else:
                approval.state = "valid"

    @api.model_create_multi
    def create(self, vals_list):
        """Only ``order_id`` and ``reason`` come from the caller: who, when and
        every figure are this moment's."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        records, checks = [], []
        for vals in vals_list:
            order = self.env["sale.order"].browse(vals.get("order_id")).exists()
            if not order:
                raise ValidationError(self.env._("A credit approval needs an order."))
            order._credit_check_can_approve()
            reason = (vals.get("reason") or "").strip()
            if not reason:
                raise ValidationError(
                    self.env._("Give the reason for the credit approval.")
                )
            if order.state not in ("draft", "sent", "sale"):
                raise UserError(
                    self.env._(
                        "Order %(order)s is cancelled: there is nothing to approve.",
                        order=order.name,
                    )
                )
            company = order.company_id
            check = order._credit_check()
            checks.append((order, check))
            records.append(
                {
                    "order_id": order.id,
                    "company_id": company.id,
                    "partner_id": order._credit_partner().id,
                    "user_id": self.env.uid,
                    "date": now,
                    "date_expiry": today
                    + timedelta(days=company.credit_approval_validity_days),
                    "reason": reason,
                    "currency_id": order.currency_id.id,
                    "amount": order.amount_total,
                    "exposure": check.get("credit_exposure", 0.0),
                    "credit_limit": check.get("limit") or 0.0,
                    "has_credit_limit": check.get("limit") is not None,
                    "blocking_reasons": "\n".join(check["reasons"]),
                    "rule_codes": ",".join(check["codes"]),
                }
            )
        # sudo: the approver was authorised above and the values are the
        # system's; approvers need no create right of their own on the model.
        approvals = super(CreditApproval, self.sudo()).create(records)
        Decision = self.env["credit.decision"]
        for approval, (order, check) in zip(approvals, checks, strict=True):
            approval._credit_post()
            Decision._credit_log_order(
                order,
                "approval",
                check,
                approval_id=approval.id,
                note=approval.reason,
            )
        return approvals.sudo(self.env.su)

    def write(self, vals):
        # Only the system closes an approval (order cancelled); nothing else is
        # ever written, not even as superuser.
        if not self.env.su or set(vals) - {"revoked_date", "revoked_reason"}:
            raise AccessError(
                self.env._(
                    "A credit approval is a record for the audit: it cannot be changed."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(
            self.env._(
                "A credit approval is a record for the audit: it cannot be deleted."
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _credit_codes(self):
        self.ensure_one()
        return set(filter(None, (self.rule_codes or "").split(",")))

    def _credit_gap(self, order, codes):
        """Why this approval does not cover ``order`` blocked by ``codes`` now,
        or False when it does."""
        self.ensure_one()
        currency = self.currency_id
        if self.state == "revoked":
            return self.env._(
                "it was revoked on %(date)s (%(reason)s)",
                date=format_date(self.env, self.revoked_date),
                reason=self.revoked_reason,
            )
        if self.state == "expired":
            return self.env._(
                "it expired on %(date)s", date=format_date(self.env, self.date_expiry)
            )
        if self.partner_id != order._credit_partner():
            return self.env._(
                "it was given for %(partner)s",
                partner=self.partner_id.display_name,
            )
        if currency != order.currency_id:
            return self.env._("it was given in %(currency)s", currency=currency.name)
        if currency.compare_amounts(order.amount_total, self.amount) > 0:
            return self.env._(
                "it covered %(approved)s and the order is now %(amount)s",
                approved=format_amount(self.env, self.amount, currency),
                amount=format_amount(self.env, order.amount_total, currency),
            )
        new = set(codes) - self._credit_codes()
        if new:
            return self.env._(
                "a reason came up after it: %(rules)s",
                rules=", ".join(sorted(new)),
            )
        return False

    def _credit_post(self):
        """The approval in the order's chatter, for the people who follow it."""
        self.ensure_one()
        company_currency = self.company_currency_id
        body = self.env._(
            "Credit approved by %(user)s on %(date)s, valid until %(expiry)s.\n"
            "Reason: %(reason)s\n"
            "Order %(amount)s, exposure %(exposure)s, limit %(limit)s.\n"
            "Blocking reasons overridden:\n%(reasons)s",
            user=self.user_id.name,
            date=format_date(self.env, self.date),
            expiry=format_date(self.env, self.date_expiry),
            reason=self.reason,
            amount=format_amount(self.env, self.amount, self.currency_id),
            exposure=format_amount(self.env, self.exposure, company_currency),
            limit=(
                format_amount(self.env, self.credit_limit, company_currency)
                if self.has_credit_limit
                else self.env._("none")
            ),
            reasons=self.blocking_reasons or "-",
        )
        # sudo: approvers may have no write access on the order they approve;
        # the author stays the approver (the environment's user). The
        # salesperson is notified: the decision they may be waiting for.
        order = self.order_id.sudo()
        salesperson = order.user_id if order.user_id != self.user_id else False
        order.message_post(
            body=plaintext2html(body),
            subtype_xmlid="mail.mt_note",
            partner_ids=salesperson.partner_id.ids if salesperson else [],
        )

    def _credit_revoke(self, reason):
        """Close the live approvals in ``self`` (system action)."""
        live = self.filtered(lambda a: not a.revoked_date)
        # sudo: closing is the system's consequence of what the user did (cancel)
        live.sudo().write(
            {"revoked_date": fields.Datetime.now(), "revoked_reason": reason}
        )
