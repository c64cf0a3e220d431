from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date
from odoo.tools.mail import plaintext2html

from .res_partner import CreditLimitBy

# Fields the requester fills in; frozen once the request is submitted.
REQUEST_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "order_id",
        "limit_requested",
        "limit_type",
        "date_from",
        "date_to",
        "reason",
        "attachment_ids",
    }
)

# What users may write besides the request itself: the approver's note and
# the chatter.
USER_FIELDS = frozenset(
    {"decision_note", "activity_ids", "message_follower_ids", "message_ids"}
)


class CreditLimitRequest(models.Model):
    """A request to change a customer's credit limit, permanently or for a
    period, approved by one or two people as the company's approval levels say.

    Anyone selling to the customer may ask; a credit manager signs; above the
    company's first level, a member of the second approver group signs too. The
    requester never signs their own request, and the two signatures are of two
    different people. Every state is tracked; the limit change it applies is a
    credit decision (credit.decision) like any other.
    """

    _name = "credit.limit.request"
    _description = "Credit Limit Request"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "create_date desc, id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        ondelete="restrict",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Quotation",
        index="btree_not_null",
        domain="[('partner_id', 'child_of', partner_id), "
        "('state', 'in', ('draft', 'sent'))]",
        help="The blocked quotation the request was made for.",
    )
    requested_by_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        index=True,
    )
    limit_type = fields.Selection(
        [("permanent", "Permanent"), ("temporary", "Temporary")],
        string="Type",
        required=True,
        default="permanent",
        tracking=True,
    )
    limit_current = fields.Monetary(
        string="Limit Before",
        compute="_compute_limit_current",
        store=True,
        readonly=True,
        help="The customer's credit limit (permanent) when the request was "
        "submitted; 0 when the customer had no limit.",
    )
    limit_requested = fields.Monetary(
        string="Requested Limit", required=True, tracking=True
    )
    increase = fields.Monetary(
        string="Change",
        compute="_compute_level",
        store=True,
        help="Requested limit minus the limit before (negative: a decrease).",
    )
    approval_level = fields.Integer(
        string="Signatures Needed",
        compute="_compute_level",
        store=True,
        help="1: a credit manager approves. 2: a member of the second approver "
        "group approves too (increases above the company's first level).",
    )
    date_from = fields.Date(
        string="Valid From", default=fields.Date.context_today, tracking=True
    )
    date_to = fields.Date(
        string="Valid Until",
        tracking=True,
        help="A temporary limit ends on this day: from it, the permanent limit "
        "applies again.",
    )
    reason = fields.Text(required=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Attachments",
        help="Financial statements, a bank letter, anything supporting the request.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("refused", "Refused"),
            ("applied", "Applied"),
            ("expired", "Expired"),
            ("cancelled", "Withdrawn"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    first_approver_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, tracking=True
    )
    first_approval_date = fields.Datetime(string="Approved On", readonly=True)
    second_approver_id = fields.Many2one(
        "res.users", string="Second Approval By", readonly=True, tracking=True
    )
    second_approval_date = fields.Datetime(string="Second Approval On", readonly=True)
    refused_date = fields.Datetime(string="Refused On", readonly=True)
    refused_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    decision_note = fields.Text(
        string="Approver's Note",
        help="Required to refuse: why the request is refused.",
        tracking=True,
    )
    waiting_for = fields.Char(
        compute="_compute_waiting_for",
        help="Whose signature the request waits for.",
    )
    can_sign = fields.Boolean(compute="_compute_can_sign")
    can_withdraw = fields.Boolean(compute="_compute_can_withdraw")
    sign_hint = fields.Char(
        compute="_compute_can_sign",
        help="Why the current user cannot sign this request.",
    )

    _limit_requested_positive = models.Constraint(
        "CHECK(limit_requested >= 0)",
        "The requested limit cannot be negative.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_limit_current(self):
        for request in self:
            # Frozen once submitted (written then): the level was decided on it.
            if request.state not in ("draft", False):
                continue
            request.limit_current = request._credit_permanent_limit()

    @api.depends("limit_current", "limit_requested", "company_id")
    def _compute_level(self):
        for request in self:
            increase = request.limit_requested - request.limit_current
            request.increase = increase
            request.approval_level = request.company_id._credit_request_level(
                request.limit_current, increase
            )

    @api.depends("state", "approval_level", "first_approver_id")
    def _compute_waiting_for(self):
        for request in self:
            if request.state != "submitted":
                request.waiting_for = False
            elif not request.first_approver_id:
                request.waiting_for = self.env._("a credit manager")
            else:
                request.waiting_for = self.env._(
                    "a second approver (%(group)s)",
                    group=request.company_id._credit_request_group().display_name,
                )

    @api.depends("state", "first_approver_id", "requested_by_id")
    @api.depends_context("uid")
    def _compute_can_sign(self):
        for request in self:
            refusal = (
                request._credit_sign_refusal()
                if request.state == "submitted"
                else False
            )
            request.can_sign = request.state == "submitted" and not refusal
            request.sign_hint = refusal

    @api.depends("state", "requested_by_id")
    @api.depends_context("uid")
    def _compute_can_withdraw(self):
        for request in self:
            request.can_withdraw = (
                request.state in ("draft", "submitted")
                and bool(request._origin.id)
                and request._credit_is_withdrawer()
            )

    def _credit_is_withdrawer(self):
        """Whether the current user may withdraw this request: the one who
        asked, or a credit manager (the button and the action both ask)."""
        self.ensure_one()
        return self.requested_by_id == self.env.user or self.env.user.has_group(
            "credit_management.group_credit_manager"
        )

    @api.constrains("limit_type", "date_from", "date_to")
    def _check_dates(self):
        for request in self:
            if request.limit_type != "temporary":
                continue
            if not request.date_from or not request.date_to:
                raise ValidationError(
                    self.env._("A temporary limit needs its start and end dates.")
                )
            if request.date_to <= request.date_from:
                raise ValidationError(
                    self.env._(
                        "A temporary limit ends after it starts (it applies until "
                        "the day before its end date)."
                    )
                )

    @api.constrains("partner_id")
    def _check_partner(self):
        for request in self:
            if request.partner_id.commercial_partner_id != request.partner_id:
                raise ValidationError(
                    self.env._(
                        "The credit limit belongs to the company %(company)s, not to "
                        "its contact %(contact)s.",
                        company=request.partner_id.commercial_partner_id.display_name,
                        contact=request.partner_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # The requester's fields only, given as values or as defaults of
            # the context: signatures, level and current limit are the
            # workflow's (a forged first signature left one to give).
            given = {name for vals in vals_list for name in vals}
            given.update(
                key.removeprefix("default_")
                for key in self.env.context
                if key.startswith("default_")
            )
            self._credit_refuse_protected(
                name
                for name in given.intersection(self._fields)
                - {"name", "requested_by_id", "state"}
                # a related field (the currency) is not taken at creation
                if self._fields[name].store and not self._fields[name].related
            )
        for vals in vals_list:
            vals.pop("state", None)
            # Whoever creates it asks (data files, run as superuser, may name
            # the requester).
            if not (self.env.su and vals.get("requested_by_id")):
                vals["requested_by_id"] = self.env.uid
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].sudo().next_by_code("credit.limit.request")
                    or "/"
                )
        return super().create(vals_list)

    def _credit_refuse_protected(self, names):
        """Refuse to a user (not the workflow, in sudo) the fields of ``names``
        that are not the requester's or the approver's note."""
        if set(names) - REQUEST_FIELDS - USER_FIELDS:
            raise AccessError(
                self.env._(
                    "The state and the signatures of a limit request change "
                    "only through its buttons."
                )
            )

    def write(self, vals):
        if not self.env.su:
            self._credit_refuse_protected(vals)
            if REQUEST_FIELDS.intersection(vals) and any(
                request.state != "draft" for request in self
            ):
                raise UserError(
                    self.env._(
                        "A submitted limit request cannot be changed: refuse it "
                        "and make a new one."
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(request.state != "draft" for request in self):
            raise UserError(
                self.env._(
                    "Only draft limit requests can be deleted; the others are kept "
                    "for the audit."
                )
            )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------
    @api.model
    def _credit_refuse_if_waiting(self, partner, company, other_than=None):
        """Refuse another request for ``partner`` in ``company`` while one is
        waiting for its decision (a submitted or approved one other than
        ``other_than``), whoever made it."""
        domain = [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("state", "in", ("submitted", "approved")),
        ]
        if other_than:
            domain.append(("id", "!=", other_than.id))
        # sudo: a request another salesperson made waits all the same
        waiting = self.sudo().search(domain, limit=1)
        if waiting:
            raise UserError(
                self.env._(
                    "Limit request %(other)s for %(partner)s (%(limit)s) is "
                    "already waiting: wait for its decision, or withdraw it "
                    "first.",
                    other=waiting.name,
                    partner=waiting.partner_id.display_name,
                    limit=format_amount(
                        self.env, waiting.limit_requested, waiting.currency_id
                    ),
                )
            )

    def action_submit(self):
        for request in self:
            if request.state != "draft":
                raise UserError(
                    self.env._(
                        "Limit request %(name)s was already submitted.",
                        name=request.name,
                    )
                )
            partner = request.partner_id.with_company(request.company_id).sudo()
            current = request._credit_permanent_limit()
            self._credit_refuse_if_waiting(
                request.partner_id, request.company_id, other_than=request
            )
            same = not request.currency_id.compare_amounts(
                request.limit_requested, current
            )
            if (
                request.limit_type == "permanent"
                and same
                and partner.credit_limit_applies
            ):
                raise UserError(
                    self.env._(
                        "%(partner)s already has a limit of %(limit)s: ask for "
                        "another amount.",
                        partner=partner.display_name,
                        limit=format_amount(self.env, current, request.currency_id),
                    )
                )
            if request.limit_type == "temporary" and not partner.credit_limit_applies:
                raise UserError(
                    self.env._(
                        "%(partner)s has no credit limit: a temporary limit would "
                        "restrict it. Ask for a permanent limit.",
                        partner=partner.display_name,
                    )
                )
            values = {"state": "submitted", "limit_current": current}
            if request.limit_type == "permanent":
                # A permanent limit applies once approved.
                values["date_from"] = fields.Date.context_today(request)
            request.sudo().write(values)
            request._credit_ask(request._credit_first_approvers())
        if len(self) != 1:
            return True
        approvers = self._credit_first_approvers()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if approvers else "warning",
                "message": self.env._(
                    "Limit request %(name)s was sent to %(user)s; you will be told "
                    "of the decision.",
                    name=self.name,
                    user=", ".join(approvers.mapped("name")),
                )
                if approvers
                else self.env._(
                    "Limit request %(name)s is submitted, but no other credit "
                    "manager of %(company)s can approve it: ask your administrator.",
                    name=self.name,
                    company=self.company_id.name,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_approve(self):
        now = fields.Datetime.now()
        for request in self:
            refusal = request._credit_sign_refusal()
            if refusal:
                raise AccessError(refusal)
            request._credit_check_not_stale()
            signer = request.sudo()
            request._credit_done_activities(
                self.env._("Approved by %(user)s", user=self.env.user.name)
            )
            if not request.first_approver_id:
                signer.write(
                    {"first_approver_id": self.env.uid, "first_approval_date": now}
                )
                if request.approval_level > 1:
                    signer._credit_ask_second()
                    signer.message_post(
                        body=self.env._(
                            "First approval by %(user)s; the increase of %(increase)s "
                            "needs a second approval (%(group)s).",
                            user=self.env.user.name,
                            increase=format_amount(
                                self.env, request.increase, request.currency_id
                            ),
                            group=request.company_id._credit_request_group().display_name,
                        ),
                        subtype_xmlid="mail.mt_note",
                    )
                    continue
            else:
                signer.write(
                    {"second_approver_id": self.env.uid, "second_approval_date": now}
                )
            signer.state = "approved"
            request._credit_tell_requester(
                self.env._(
                    "Limit request %(name)s for %(partner)s was approved: %(limit)s.",
                    name=request.name,
                    partner=request.partner_id.display_name,
                    limit=format_amount(
                        self.env, request.limit_requested, request.currency_id
                    ),
                )
            )
            if not request.date_from or request.date_from <= fields.Date.context_today(
                request
            ):
                request._credit_apply()
        if len(self) != 1:
            return True
        if self.state == "submitted":
            message = self.env._(
                "First signature recorded: %(name)s now waits for %(who)s.",
                name=self.name,
                who=self.waiting_for,
            )
        elif self.state == "applied":
            message = self.env._(
                "Limit request %(name)s is approved: the limit of %(partner)s is "
                "%(limit)s%(until)s.",
                name=self.name,
                partner=self.partner_id.display_name,
                limit=format_amount(self.env, self.limit_requested, self.currency_id),
                until=self.env._(
                    " until the day before %(date)s",
                    date=format_date(self.env, self.date_to),
                )
                if self.limit_type == "temporary"
                else "",
            )
        else:
            message = self.env._(
                "Limit request %(name)s is approved; it applies from %(date)s.",
                name=self.name,
                date=format_date(self.env, self.date_from),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_withdraw(self):
        """The requester (or a credit manager) withdraws a request not decided
        yet."""
        for request in self:
            if request.state not in ("draft", "submitted"):
                raise UserError(
                    self.env._(
                        "Limit request %(name)s was already decided.", name=request.name
                    )
                )
            if not request._credit_is_withdrawer():
                raise AccessError(
                    self.env._(
                        "Only %(user)s, who asked, or a credit manager can withdraw "
                        "limit request %(name)s.",
                        user=request.requested_by_id.name,
                        name=request.name,
                    )
                )
            request.sudo().state = "cancelled"
            request._credit_done_activities(
                self.env._("Withdrawn by %(user)s", user=self.env.user.name)
            )
        return True

    def _credit_permanent_limit(self):
        """The customer's permanent limit in the request's company now (0 when
        the customer has no limit)."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id).sudo()
        return partner.credit_limit if partner.credit_limit_applies else 0.0

    def _credit_check_not_stale(self):
        """Refuse to sign a request whose limit before is no longer the
        customer's: it would apply a change nobody asked for."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id).sudo()
        current = self._credit_permanent_limit()
        if self.currency_id.compare_amounts(current, self.limit_current):
            raise UserError(
                self.env._(
                    "The limit of %(partner)s changed since request %(name)s was "
                    "submitted (%(before)s then, %(now)s now): refuse it and ask "
                    "again from the current limit.",
                    partner=partner.display_name,
                    name=self.name,
                    before=format_amount(
                        self.env, self.limit_current, self.currency_id
                    ),
                    now=format_amount(self.env, current, self.currency_id),
                )
            )

    def action_refuse(self):
        for request in self:
            refusal = request._credit_sign_refusal(refuse=True)
            if refusal:
                raise AccessError(refusal)
            note = (request.decision_note or "").strip()
            if not note:
                raise ValidationError(
                    self.env._(
                        "Write why the request is refused in the approver's note."
                    )
                )
            request.sudo().write(
                {
                    "state": "refused",
                    "refused_by_id": self.env.uid,
                    "refused_date": fields.Datetime.now(),
                }
            )
            request._credit_done_activities(
                self.env._(
                    "Refused by %(user)s: %(note)s", user=self.env.user.name, note=note
                )
            )
            self.env["credit.decision"]._credit_log(
                [
                    {
                        **request._credit_decision_common(),
                        "kind": "request_refused",
                        "limit_from": request.limit_current,
                        "limit_to": request.limit_requested,
                        "limit_increase": request.increase,
                        "note": note,
                    }
                ]
            )
            request._credit_tell_requester(
                self.env._(
                    "Limit request %(name)s for %(partner)s was refused by %(user)s: "
                    "%(note)s",
                    name=request.name,
                    partner=request.partner_id.display_name,
                    user=self.env.user.name,
                    note=note,
                )
            )
        return True

    # ------------------------------------------------------------------
    # Signatures
    # ------------------------------------------------------------------
    def _credit_sign_refusal(self, refuse=False):
        """Why the current user may not sign (approve, or refuse) this request
        now, or False."""
        self.ensure_one()
        user = self.env.user
        if self.state != "submitted":
            return self.env._(
                "Limit request %(name)s is not waiting for an approval.", name=self.name
            )
        if user == self.requested_by_id:
            return self.env._(
                "%(user)s asked for limit request %(name)s and cannot approve or "
                "refuse it: another credit manager decides.",
                user=user.name,
                name=self.name,
            )
        manager = self.env.ref("credit_management.group_credit_manager")
        if not self.first_approver_id:
            if manager not in user.all_group_ids:
                return self.env._(
                    "Only a credit manager approves or refuses limit requests."
                )
            return False
        group = self.company_id._credit_request_group()
        if user == self.first_approver_id:
            return self.env._(
                "%(user)s already approved limit request %(name)s: the second "
                "approval is another person's.",
                user=user.name,
                name=self.name,
            )
        if group not in user.all_group_ids and not (
            refuse and manager in user.all_group_ids
        ):
            return self.env._(
                "The second approval of limit request %(name)s is for a member of "
                "%(group)s.",
                name=self.name,
                group=group.name,
            )
        return False

    def _credit_ask(self, users):
        """An approval activity for each of ``users``."""
        self.ensure_one()
        for user in users:
            self.sudo().activity_schedule(
                "credit_management.mail_activity_type_credit_limit_request",
                user_id=user.id,
                summary=self.env._(
                    "Limit request %(name)s: %(partner)s",
                    name=self.name,
                    partner=self.partner_id.display_name,
                ),
                note=plaintext2html(self._credit_summary()),
            )

    def _credit_first_approvers(self):
        """Who is asked to sign first: the company's credit manager, or, when
        they asked themselves, the other credit managers of the company."""
        self.ensure_one()
        manager = self.company_id._credit_manager_user()
        if manager and manager != self.requested_by_id:
            return manager
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    (
                        "all_group_ids",
                        "in",
                        self.env.ref("credit_management.group_credit_manager").ids,
                    ),
                    ("company_ids", "in", self.company_id.ids),
                    ("share", "=", False),
                    ("id", "!=", self.requested_by_id.id),
                ],
                limit=5,
            )
        )

    def _credit_ask_second(self):
        self.ensure_one()
        group = self.company_id._credit_request_group()
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", group.ids),
                    ("company_ids", "in", self.company_id.ids),
                    ("share", "=", False),
                    (
                        "id",
                        "not in",
                        (self.requested_by_id | self.first_approver_id).ids,
                    ),
                ],
                limit=10,
            )
        )
        if not users:
            self.message_post(
                body=self.env._(
                    "Nobody else in %(group)s can give the second signature: add a "
                    "member to the group (Settings › Credit Control › Second "
                    "Approvers), or refuse the request.",
                    group=group.display_name,
                ),
                subtype_xmlid="mail.mt_note",
                partner_ids=self.first_approver_id.partner_id.ids,
            )
        self._credit_ask(users)

    def _credit_done_activities(self, feedback):
        self.sudo().activity_feedback(
            ["credit_management.mail_activity_type_credit_limit_request"],
            feedback=feedback,
        )

    def _credit_tell_requester(self, body):
        self.ensure_one()
        requester = self.requested_by_id
        self.sudo().message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            partner_ids=requester.partner_id.ids if requester != self.env.user else [],
        )

    def _credit_summary(self):
        self.ensure_one()
        text = self.env._(
            "%(partner)s: limit %(current)s → %(requested)s (%(type)s), asked by "
            "%(user)s.\n%(reason)s",
            partner=self.partner_id.display_name,
            current=format_amount(self.env, self.limit_current, self.currency_id),
            requested=format_amount(self.env, self.limit_requested, self.currency_id),
            type=dict(self._fields["limit_type"]._description_selection(self.env))[
                self.limit_type
            ],
            user=self.requested_by_id.name,
            reason=self.reason,
        )
        if self.limit_type == "temporary":
            text += "\n" + self.env._(
                "From %(start)s until the day before %(end)s.",
                start=format_date(self.env, self.date_from),
                end=format_date(self.env, self.date_to),
            )
        return text

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------
    def _credit_decision_common(self):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.id,
            "source": "request",
            "request_id": self.id,
            "order_id": self.order_id.id,
            "order_name": self.order_id.name,
            "salesperson_id": self.requested_by_id.id,
        }

    def _credit_decision_values(self):
        """What a limit decision made through this request adds to its row."""
        self.ensure_one()
        return {
            "request_id": self.id,
            "approval_level": str(self.approval_level),
            "first_signer_id": self.first_approver_id.id
            if self.approval_level > 1
            else False,
            "temporary": self.limit_type == "temporary",
            "date_from": self.date_from if self.limit_type == "temporary" else False,
            "date_to": self.date_to if self.limit_type == "temporary" else False,
            "order_id": self.order_id.id,
            "order_name": self.order_id.name,
            "salesperson_id": self.requested_by_id.id,
        }

    def _credit_apply(self):
        """Give the approved limit to the customer: the credit limit, or the
        temporary limit for its dates."""
        for request in self:
            partner = (
                request.partner_id.with_company(request.company_id)
                .sudo()
                .with_context(credit_limit_by=CreditLimitBy(request))
            )
            if request.limit_type == "permanent":
                partner.write(
                    {
                        "credit_limit": request.limit_requested,
                        "credit_limit_applies": True,
                        "credit_limit_manual": True,
                    }
                )
            else:
                before = partner._credit_limit_on()
                partner.write(
                    {
                        "credit_limit_temporary": request.limit_requested,
                        "credit_limit_temporary_from": request.date_from,
                        "credit_limit_temporary_to": request.date_to,
                    }
                )
                self.env["credit.decision"]._credit_log(
                    [
                        {
                            **request._credit_decision_common(),
                            **request._credit_decision_values(),
                            "kind": "limit",
                            "limit_from": before or 0.0,
                            "limit_to": request.limit_requested,
                            "limit_increase": request.limit_requested - (before or 0.0),
                        }
                    ]
                )
            request.sudo().state = "applied"
            signers = request.first_approver_id | request.second_approver_id
            partner.message_post(
                body=self.env._(
                    "Credit limit %(limit)s%(until)s through limit request %(name)s "
                    "of %(requester)s, approved by %(signers)s.",
                    limit=format_amount(
                        self.env, request.limit_requested, request.currency_id
                    ),
                    until=self.env._(
                        " (temporary, from %(start)s until the day before %(end)s)",
                        start=format_date(self.env, request.date_from),
                        end=format_date(self.env, request.date_to),
                    )
                    if request.limit_type == "temporary"
                    else "",
                    name=request.name,
                    requester=request.requested_by_id.name,
                    signers=", ".join(signers.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _credit_end(self):
        """End applied temporary limits: the customer's permanent limit applies
        again (the check stops using them on their end date anyway)."""
        for request in self:
            partner = (
                request.partner_id.with_company(request.company_id)
                .sudo()
                .with_context(
                    credit_limit_by=CreditLimitBy(request), credit_limit_expiry=True
                )
            )
            if (
                partner.credit_limit_temporary_to == request.date_to
                and partner.credit_limit_temporary_from == request.date_from
            ):
                partner.write(
                    {
                        "credit_limit_temporary": 0.0,
                        "credit_limit_temporary_from": False,
                        "credit_limit_temporary_to": False,
                    }
                )
                self.env["credit.decision"]._credit_log(
                    [
                        {
                            **request._credit_decision_common(),
                            **request._credit_decision_values(),
                            "kind": "limit",
                            "source": "expiry",
                            "limit_from": request.limit_requested,
                            "limit_to": partner.credit_limit,
                            "limit_increase": partner.credit_limit
                            - request.limit_requested,
                            "note": self.env._("Temporary limit ended."),
                        }
                    ]
                )
            request.sudo().state = "expired"

    @api.model
    def _cron_temporary_limits(self):
        """Daily: apply the approved temporary limits whose start has come and
        end those whose end date has come."""
        today = fields.Date.context_today(self)
        self.search(
            [("state", "=", "approved"), ("date_from", "<=", today)]
        )._credit_apply()
        self.search(
            [
                ("state", "=", "applied"),
                ("limit_type", "=", "temporary"),
                ("date_to", "<=", today),
            ]
        )._credit_end()
