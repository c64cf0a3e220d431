from odoo import api, fields, models
from odoo.exceptions import AccessError

from .credit_collection_policy import COLLECTION_STATUSES

DECISION_KINDS = [
    ("refusal", "Confirmation Refused"),
    ("shadow", "Would Have Blocked"),
    ("approval", "Credit Approval"),
    ("limit", "Limit Change"),
    ("hold", "Hold Set"),
    ("release", "Hold Released"),
    ("grade", "Grade Change"),
    ("security_active", "Security Activated"),
    ("security_expired", "Security Expired"),
    ("security_released", "Security Released"),
    ("security_called", "Security Called"),
    ("request_refused", "Limit Request Refused"),
    ("collection", "Collection"),
    # Written by the delivery bridge (credit_management_stock); declared here so
    # that uninstalling the bridge never deletes a row of the log.
    ("delivery_release", "Delivery Released"),
]

DECISION_SOURCES = [
    ("manual", "Manual"),
    ("request", "Limit Request"),
    ("review", "Credit Review"),
    ("import", "Import"),
    ("expiry", "Temporary Limit Ended"),
    ("order", "Sale Order"),
    ("collection", "Collections"),
    ("system", "System"),
]


class CreditDecision(models.Model):
    """One credit decision, for the audit: written once by the system in the
    transaction of the decision itself (so a decision rolled back leaves no row),
    never changed nor deleted by anyone, the superuser included.

    Rows are created only through ``_credit_log`` (as superuser: nobody has a
    create right, so a row cannot be forged through RPC either).
    """

    _name = "credit.decision"
    _description = "Credit Decision"
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, readonly=True, index=True)
    kind = fields.Selection(
        DECISION_KINDS, string="Decision", required=True, readonly=True, index=True
    )
    source = fields.Selection(
        DECISION_SOURCES,
        string="Through",
        readonly=True,
        help="How a limit was changed: by hand, through a limit request, by a "
        "credit review, by an import, or back from a temporary limit.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    user_id = fields.Many2one(
        "res.users",
        string="By",
        required=True,
        readonly=True,
        index=True,
        help="Who decided, or who tried to confirm for a refusal.",
    )
    salesperson_id = fields.Many2one("res.users", readonly=True, index=True)
    order_id = fields.Many2one(
        "sale.order", readonly=True, index=True, ondelete="set null"
    )
    order_name = fields.Char(
        string="Order Reference",
        readonly=True,
        help="Kept when the quotation is deleted.",
    )
    amount = fields.Monetary(
        string="Order Amount",
        readonly=True,
        help="Order total in company currency when the decision was taken.",
    )
    amount_over_limit = fields.Monetary(
        readonly=True,
        help="How much exposure plus the order exceeded the limit: refused, or "
        "confirmed anyway through an approval.",
    )
    exposure = fields.Monetary(readonly=True)
    credit_limit = fields.Monetary(string="Limit", readonly=True)
    limit_from = fields.Monetary(readonly=True)
    limit_to = fields.Monetary(readonly=True)
    limit_increase = fields.Monetary(readonly=True)
    temporary = fields.Boolean(string="Temporary Limit", readonly=True)
    date_from = fields.Date(string="Valid From", readonly=True)
    date_to = fields.Date(
        string="Valid Until",
        readonly=True,
        help="A temporary limit ends on this day (the permanent limit applies "
        "again from it).",
    )
    approval_level = fields.Selection(
        [("1", "One Signature"), ("2", "Two Signatures")],
        string="Signatures",
        readonly=True,
        help="Signatures the limit request needed: a credit manager, or a credit "
        "manager and a second approver. Empty: the limit did not change through "
        "a request.",
    )
    first_signer_id = fields.Many2one(
        "res.users",
        string="First Signature By",
        readonly=True,
        help="The credit manager who signed first a request that needed two "
        "signatures (the second signer is in By).",
    )
    grade_from_id = fields.Many2one("credit.grade", readonly=True)
    grade_to_id = fields.Many2one("credit.grade", readonly=True)
    collection_status_from = fields.Selection(COLLECTION_STATUSES, readonly=True)
    collection_status_to = fields.Selection(COLLECTION_STATUSES, readonly=True)
    reasons = fields.Text(readonly=True)
    why = fields.Char(
        readonly=True,
        help="The rules that blocked the order, in a few words.",
    )
    rule_codes = fields.Char(readonly=True)
    rule_names = fields.Char(
        string="Rules",
        readonly=True,
        help="The rules that blocked the order, without figures: the same words "
        "for every order refused by the same rules.",
    )
    note = fields.Text(readonly=True)
    approval_id = fields.Many2one(
        "credit.approval", readonly=True, index="btree_not_null"
    )
    request_id = fields.Many2one(
        "credit.limit.request",
        string="Limit Request",
        readonly=True,
        index="btree_not_null",
    )
    security_id = fields.Many2one(
        "credit.security", readonly=True, index="btree_not_null"
    )

    @api.depends("kind", "partner_id", "order_name")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for decision in self:
            decision.display_name = " - ".join(
                filter(
                    None,
                    [
                        labels.get(decision.kind),
                        decision.order_name,
                        decision.partner_id.display_name,
                    ],
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su or not self.env.context.get("credit_decision_log"):
            raise AccessError(
                self.env._(
                    "Credit decisions are written by the system when the "
                    "decision is taken; they cannot be created by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not vals:
            return super().write(vals)
        raise AccessError(
            self.env._(
                "A credit decision is a record for the audit: it cannot be changed."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(
            self.env._(
                "A credit decision is a record for the audit: it cannot be deleted."
            )
        )

    @api.model
    def _credit_log(self, vals_list):
        """Write decisions (dicts of field values; ``kind``, ``partner_id`` and
        ``company_id`` at least). Who and when are this moment's unless given."""
        if not vals_list:
            return self.browse()
        now = fields.Datetime.now()
        rows = [{"date": now, "user_id": self.env.uid, **vals} for vals in vals_list]
        # sudo: the decision is the system's record of what the user did
        return (
            self.sudo()
            .with_context(credit_decision_log=True)
            .create(rows)
            .sudo(self.env.su)
        )

    @api.model
    def _credit_log_order(self, order, kind, check, **vals):
        """A decision about an order (refusal, approval) with the check's
        figures."""
        excess = check.get("excess", 0.0) if "limit" in check.get("codes", ()) else 0.0
        return self._credit_log(
            [
                {
                    "kind": kind,
                    "source": "order",
                    "company_id": order.company_id.id,
                    "partner_id": order._credit_partner().id,
                    "salesperson_id": order.user_id.id,
                    "order_id": order.id,
                    "order_name": order.name,
                    "amount": check.get("amount", order._credit_order_amount()),
                    "amount_over_limit": excess,
                    "exposure": check.get("credit_exposure", 0.0),
                    "credit_limit": check.get("limit") or 0.0,
                    "reasons": "\n".join(check.get("reasons", ())),
                    "why": order._credit_reasons_label(check)
                    if check.get("codes")
                    else False,
                    "rule_names": order._credit_reasons_label(check, figures=False)
                    if check.get("codes")
                    else False,
                    "rule_codes": ",".join(check.get("codes", ())),
                    **vals,
                }
            ]
        )
