from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools.markers import Marker
from .res_partner import CreditLimitBy

# The state of a promise is written by its buttons and the collection run.
PROMISE_STATE = Marker("credit_promise_state")


class CreditCollectionPromise(models.Model):
    """A customer's promise to pay an amount by a date, recorded by a
    collector: reminders pause until that date; the collection run marks it
    kept when the customer paid that much since it was made, or broken the day
    after its date (an activity for the collector, and the levels resume)."""

    _name = "credit.collection.promise"
    _description = "Promise To Pay"
    _inherit = "mail.thread"
    _order = "date_promised desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('parent_id', '=', False)]",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        help="Who took the promise: told when it is broken.",
    )
    date = fields.Date(
        string="Promised On",
        required=True,
        default=fields.Date.context_today,
        help="Payments received from this day count toward the promise.",
    )
    date_promised = fields.Date(
        string="Pay By", required=True, tracking=True, index=True
    )
    amount = fields.Monetary(required=True, tracking=True)
    note = fields.Text()
    state = fields.Selection(
        [
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    amount_received = fields.Monetary(
        readonly=True,
        help="Received from the customer since the promise, when the collection "
        "run last looked.",
    )
    date_closed = fields.Date(string="Closed On", readonly=True)

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A promise to pay is for a positive amount."
    )

    @api.constrains("date", "date_promised")
    def _check_dates(self):
        for promise in self:
            # An emptied date is refused as a required field, not compared.
            if (
                promise.date
                and promise.date_promised
                and promise.date_promised < promise.date
            ):
                raise ValidationError(
                    self.env._(
                        "The customer cannot promise to pay by %(date_promised)s, "
                        "before the promise itself (%(date)s).",
                        date_promised=promise.date_promised,
                        date=promise.date,
                    )
                )

    @api.constrains("partner_id", "state", "company_id")
    def _check_one_open(self):
        for promise in self.filtered(lambda p: p.state == "open"):
            if self.search_count(
                [
                    ("partner_id", "=", promise.partner_id.id),
                    ("company_id", "=", promise.company_id.id),
                    ("state", "=", "open"),
                    ("id", "!=", promise.id),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(partner)s already has an open promise to pay: close or "
                        "cancel it before recording another.",
                        partner=promise.partner_id.display_name,
                    )
                )

    @api.depends("partner_id", "amount", "date_promised")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(partner)s: %(amount)s by %(date)s",
                partner=promise.partner_id.display_name or "",
                amount=promise.currency_id.format(promise.amount)
                if promise.currency_id
                else promise.amount,
                date=format_date(self.env, promise.date_promised),
            )

    @api.model_create_multi
    def create(self, vals_list):
        if any(
            vals.get("state", "open") != "open"
            or vals.get("amount_received")
            or vals.get("date_closed")
            for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "A promise to pay is recorded open: the collection run says "
                    "whether it is kept or broken."
                )
            )
        promises = super().create(vals_list)
        # A promise pauses the reminders: the customer is on a payment plan
        # (unless in legal collection or written off, which only a credit
        # manager changes), in the company of the promise (the status is
        # company-dependent; the user may work in another one).
        for promise in promises:
            partner = promise.partner_id.with_company(promise.company_id)
            if (partner.credit_collection_status or "normal") not in (
                "normal",
                "reminded",
                "final_notice",
            ):
                continue
            # sudo: the collector records the promise (his right on promises);
            # the status it sets is the collections', not a change of the
            # customer's file by him
            partner.sudo().with_context(credit_limit_by=CreditLimitBy(promise)).write(
                {"credit_collection_status": "payment_plan"}
            )
        return promises

    def write(self, vals):
        if {"state", "amount_received", "date_closed"}.intersection(
            vals
        ) and not PROMISE_STATE.is_set(self.env):
            raise UserError(
                self.env._(
                    "The state of a promise to pay changes through its buttons and "
                    "the collection run."
                )
            )
        return super().write(vals)

    def action_cancel(self):
        PROMISE_STATE.on(self.filtered(lambda p: p.state == "open")).write(
            {"state": "cancelled", "date_closed": fields.Date.context_today(self)}
        )
        return True

    def _credit_close(self, state, received):
        """Close these open promises as kept or broken (the collection run)."""
        PROMISE_STATE.on(self).write(
            {
                "state": state,
                "amount_received": received,
                "date_closed": fields.Date.context_today(self),
            }
        )
