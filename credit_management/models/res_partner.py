from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import ormcache

from ..report.credit_aging_report import BUCKETS
from ..tools.numbers import check_finite_vals
from .credit_collection_policy import COLLECTION_HOLD_STATUSES, COLLECTION_STATUSES
from .credit_exposure import CREDIT_FIGURES


class CreditLimitBy:
    """What changes a credit limit, carried in the context as
    ``credit_limit_by``: a limit request, a credit review, a re-rating. An
    object RPC cannot send (a JSON context holds no Python object), so the
    source of a change cannot be forged."""

    __slots__ = ("record",)

    def __init__(self, record):
        self.record = record

    def __repr__(self):
        return f"CreditLimitBy({self.record!r})"


# Credit settings whose changes are credit decisions (credit.decision).
LOGGED_FIELDS = frozenset(
    {
        "credit_limit",
        "credit_limit_applies",
        "use_partner_credit_limit",
        "credit_grade_id",
        "credit_hold",
        "credit_collection_status",
    }
)

# Settings of a customer changed by credit users (collectors): collections (the
# statuses that put the customer on hold only by a credit manager) and the
# portal credit page.
COLLECTION_FIELDS = frozenset(
    {
        "credit_collection_status",
        "credit_collection_excluded",
        "credit_collection_exclusion_reason",
        "credit_collection_policy_id",
        "credit_portal_visible",
    }
)

# The partner's limits: numbers checked before they are compared or logged.
LIMIT_FIELDS = ("credit_limit", "credit_limit_temporary")
# The temporary limit, written only by limit requests.
TEMPORARY_FIELDS = frozenset(
    {
        "credit_limit_temporary",
        "credit_limit_temporary_from",
        "credit_limit_temporary_to",
    }
)

# Credit settings only a credit manager may change (company-dependent except the
# core toggle, which writes credit_limit through its inverse). The last ones are
# what the re-rating and the collection run record (read-only on the forms):
# typed over RPC, a score would pass for a review's, and a hold marked as the
# collections' would be released by the next collection run.
CREDIT_MANAGER_FIELDS = frozenset(
    {
        "credit_limit",
        "credit_limit_applies",
        "credit_limit_manual",
        "credit_external_rating",
        "credit_external_rating_date",
        "use_partner_credit_limit",
        "credit_grade_id",
        "credit_hold",
        "credit_hold_reason",
        "credit_score",
        "credit_score_date",
        "credit_hold_by_collection",
        "credit_collection_date",
        "credit_collection_status_date",
    }
)
# Who reads credit figures: one implied group (security/res_groups.xml).
CREDIT_READ_GROUPS = "credit_management.group_credit_reader"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Core fields, extended: salesmen must read the limit that blocks their orders,
    # and every change is tracked for the audit.
    credit_limit = fields.Float(
        groups=CREDIT_READ_GROUPS,
        tracking=True,
        help="Credit limit of this customer (permanent; a temporary limit may "
        "apply for a period). Where the company changes limits only through "
        "requests, it is read-only: use Request Limit Change.",
    )
    use_partner_credit_limit = fields.Boolean(groups=CREDIT_READ_GROUPS)

    credit_limit_applies = fields.Boolean(
        company_dependent=True,
        tracking=True,
        help="Checked: orders are checked against the credit limit, and a limit "
        "of 0 means no credit at all. Unchecked: the customer has no limit and the "
        "limit rule does not apply. A limit typed by hand or applied from a grade "
        "checks it; only unchecking it removes the limit.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_temporary = fields.Float(
        string="Temporary Limit",
        company_dependent=True,
        readonly=True,
        help="A limit granted for a period through a limit request: it applies "
        "instead of the credit limit from its start until the day before its end.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_temporary_from = fields.Date(
        string="Temporary From",
        company_dependent=True,
        readonly=True,
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_temporary_to = fields.Date(
        string="Temporary Until",
        company_dependent=True,
        readonly=True,
        help="On this day the temporary limit ends and the credit limit applies again.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_temporary_active = fields.Boolean(
        string="Temporary Limit In Force",
        compute="_compute_credit_limit_temporary_active",
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_requests_only = fields.Boolean(
        compute="_compute_credit_limit_requests_only"
    )
    credit_limit_request_count = fields.Integer(
        compute="_compute_credit_limit_request_count",
        groups=CREDIT_READ_GROUPS,
    )
    credit_grade_id = fields.Many2one(
        "credit.grade",
        company_dependent=True,
        tracking=True,
        domain="[('company_id', 'in', (False, current_company_id))]",
        help="Credit rating class of the customer; drives the default limit and, "
        "for prepayment grades, blocks confirmation.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_hold = fields.Boolean(
        company_dependent=True,
        tracking=True,
        help="A customer on hold cannot have sale orders confirmed until a credit "
        "manager releases the hold or approves the order.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_hold_reason = fields.Char(
        string="Hold Reason",
        company_dependent=True,
        tracking=True,
        groups=CREDIT_READ_GROUPS,
    )
    credit_score = fields.Float(
        company_dependent=True,
        readonly=True,
        help="Score 0–100 of the latest credit review.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_score_date = fields.Datetime(
        string="Last Credit Review",
        company_dependent=True,
        readonly=True,
        groups=CREDIT_READ_GROUPS,
    )
    credit_limit_manual = fields.Boolean(
        string="Limit Decided By A Person",
        company_dependent=True,
        help="The limit was set by a credit manager or through an approved limit "
        "request: reviews propose a new limit but never change it automatically.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_external_rating = fields.Float(
        string="External Rating",
        compute="_compute_credit_external_rating",
        inverse="_inverse_credit_external_rating",
        digits=(16, 1),
        help="Rating 0–100 from the valid agency ratings of the credit information "
        "(the most recent one, or their average, as the company says). Typing a "
        "value records an internal assessment.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_payment_index = fields.Float(
        string="Payment Index",
        compute="_compute_credit_payment_index",
        digits=(16, 0),
        help="Paydex-like index 1-100 of the invoices paid in the last 24 months: "
        "100 paid 30 days early, 80 on time, 50 30 days late, 20 120 days late "
        "(amount-weighted days beyond terms, D&B's table). Empty without payments.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_days_beyond_terms = fields.Float(
        string="Days Beyond Terms",
        compute="_compute_credit_payment_index",
        digits=(16, 1),
        help="Amount-weighted average days between due date and payment of the "
        "invoices paid in the last 24 months (negative: paid early).",
        groups=CREDIT_READ_GROUPS,
    )
    credit_external_rating_date = fields.Date(
        string="External Rating Date",
        compute="_compute_credit_external_rating",
        inverse="_inverse_credit_external_rating",
        help="Date of the latest rating the external rating uses; empty without a "
        "valid rating (the factor is then left out).",
        groups=CREDIT_READ_GROUPS,
    )
    credit_rating_ids = fields.One2many(
        "credit.rating",
        "partner_id",
        string="Agency Ratings",
        groups="credit_management.group_credit_user",
    )
    credit_statement_ids = fields.One2many(
        "credit.statement",
        "partner_id",
        string="Financial Statements",
        groups="credit_management.group_credit_user",
    )
    credit_country_risk_class = fields.Selection(
        related="country_id.credit_risk_class",
        string="Country Risk Class",
        groups=CREDIT_READ_GROUPS,
    )
    credit_is_international = fields.Boolean(
        compute="_compute_credit_is_international",
        groups=CREDIT_READ_GROUPS,
    )
    credit_review_ids = fields.One2many(
        "credit.review",
        "partner_id",
        string="Credit Reviews",
        groups=CREDIT_READ_GROUPS,
    )
    credit_review_count = fields.Integer(
        compute="_compute_credit_review_count",
        groups=CREDIT_READ_GROUPS,
    )
    credit_has_score = fields.Boolean(
        compute="_compute_credit_review_count",
        help="A review has scored this customer (a review without data, or with "
        "too little, leaves no score).",
        groups=CREDIT_READ_GROUPS,
    )
    credit_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_credit_currency_id",
    )
    receivable_open = fields.Monetary(
        string="Open Receivables",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="Posted, unreconciled receivables, at today's rate.",
        groups=CREDIT_READ_GROUPS,
    )
    receivable_overdue = fields.Monetary(
        string="Overdue Receivables",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="Open receivables past their due date.",
        groups=CREDIT_READ_GROUPS,
    )
    overdue_invoice_count = fields.Integer(
        string="Overdue Invoices",
        compute="_compute_credit_figures",
        groups=CREDIT_READ_GROUPS,
    )
    max_days_overdue = fields.Integer(
        compute="_compute_credit_figures",
        help="Days past due of the oldest open overdue item.",
        groups=CREDIT_READ_GROUPS,
    )
    orders_uninvoiced = fields.Monetary(
        string="Orders Not Invoiced",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="What confirmed sale orders will still invoice: their total (taxes "
        "included) less the invoices already made from them, draft or posted "
        "(counted in Draft Invoices or Open Receivables), down payments "
        "included; credit notes do not bring an order back; a locked order "
        "counts only what was delivered and not invoiced.",
        groups=CREDIT_READ_GROUPS,
    )
    invoices_draft = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="Open receivables + confirmed orders not invoiced + draft invoices, "
        "in company currency at today's rate.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_secured = fields.Monetary(
        string="Secured",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="Active securities today (insurance: its share of what is owed), in "
        "company currency; they raise the available credit.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_unsecured = fields.Monetary(
        string="Unsecured Exposure",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        help="Exposure not covered by active securities.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_security_ids = fields.One2many(
        "credit.security",
        "partner_id",
        string="Securities",
        groups="credit_management.group_credit_user",
    )
    credit_security_count = fields.Integer(
        compute="_compute_credit_security_count",
        groups="credit_management.group_credit_user",
    )
    credit_security_expiring = fields.Boolean(
        string="Security Ending Soon",
        compute="_compute_credit_security_expiring",
        search="_search_credit_security_expiring",
        help="An active security ends within the company's warning days.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_figures",
        currency_field="credit_currency_id",
        groups=CREDIT_READ_GROUPS,
    )
    credit_usage_percent = fields.Float(
        string="Credit Usage (%)",
        compute="_compute_credit_figures",
        groups=CREDIT_READ_GROUPS,
    )
    credit_grade_color = fields.Integer(
        related="credit_grade_id.color", groups=CREDIT_READ_GROUPS
    )
    credit_has_overdue = fields.Boolean(
        string="Has Overdue Invoices",
        compute="_compute_credit_figures",
        search="_search_credit_has_overdue",
        groups=CREDIT_READ_GROUPS,
    )
    credit_usage_level = fields.Selection(
        [("normal", "Normal"), ("warning", "Nearly used"), ("over", "Over the limit")],
        compute="_compute_credit_figures",
        help="Over the limit above 100 %, nearly used above the company's warning "
        "threshold (Settings).",
        search="_search_credit_usage_level",
        groups=CREDIT_READ_GROUPS,
    )
    credit_figures_error = fields.Char(
        compute="_compute_credit_figures",
        help="Why the credit figures cannot be computed (a configuration error).",
        groups=CREDIT_READ_GROUPS,
    )
    credit_is_manager = fields.Boolean(compute="_compute_credit_is_manager")
    credit_is_collector = fields.Boolean(compute="_compute_credit_is_manager")

    # Collections (credit.collection.*): company-dependent, on the commercial
    # partner.
    credit_collection_status = fields.Selection(
        COLLECTION_STATUSES,
        string="Collection Status",
        company_dependent=True,
        tracking=True,
        help="Where the customer stands in the collection of its overdue invoices: "
        "set by the daily collection run or by hand. Legal collection and written "
        "off put the customer on hold.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_collection_status_date = fields.Date(
        string="Collection Status Since",
        company_dependent=True,
        readonly=True,
        groups=CREDIT_READ_GROUPS,
    )
    # The status as the form offers it to whoever is not a credit manager:
    # without the statuses only a credit manager sets (the dropdown offered
    # them to collectors, and the save then refused them).
    credit_collection_status_step = fields.Selection(
        [
            (value, label)
            for value, label in COLLECTION_STATUSES
            if value not in COLLECTION_HOLD_STATUSES
        ],
        string="Collection Status Set By Hand",
        compute="_compute_credit_collection_status_step",
        inverse="_inverse_credit_collection_status_step",
        groups=CREDIT_READ_GROUPS,
        help="Where the customer stands in the collection of its overdue invoices: "
        "set by the daily collection run or by hand. Handing a customer over to "
        "legal collection, or writing it off, is a credit manager's decision.",
    )
    credit_collection_excluded = fields.Boolean(
        string="Excluded From Collections",
        company_dependent=True,
        tracking=True,
        help="The collection run sends this customer no reminder and changes "
        "nothing of it.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_collection_exclusion_reason = fields.Char(
        string="Exclusion Reason",
        company_dependent=True,
        tracking=True,
        groups=CREDIT_READ_GROUPS,
    )
    credit_collection_policy_id = fields.Many2one(
        "credit.collection.policy",
        string="Collection Policy",
        company_dependent=True,
        tracking=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Empty: the company's collection policy.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_portal_visible = fields.Boolean(
        string="Credit On The Portal",
        company_dependent=True,
        tracking=True,
        help="The customer's contacts see its credit limit, available credit, open "
        "and overdue amounts, invoices due soon and its statement on the portal, "
        "when the company shows credit on the portal (Settings).",
        groups=CREDIT_READ_GROUPS,
    )
    credit_collection_date = fields.Datetime(
        string="Last Collection Run",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=CREDIT_READ_GROUPS,
    )
    credit_hold_by_collection = fields.Boolean(
        company_dependent=True,
        readonly=True,
        copy=False,
        help="The hold was set by the collection run: it releases it when nothing "
        "overdue calls for it any more.",
        groups=CREDIT_READ_GROUPS,
    )
    credit_collection_communication_ids = fields.One2many(
        "credit.collection.communication",
        "partner_id",
        string="Collection Communications",
        groups="credit_management.group_credit_user",
    )
    credit_collection_promise_ids = fields.One2many(
        "credit.collection.promise",
        "partner_id",
        string="Promises To Pay",
        groups="credit_management.group_credit_user",
    )
    credit_collection_communication_count = fields.Integer(
        compute="_compute_credit_collection_counts",
        groups="credit_management.group_credit_user",
    )
    credit_collection_promise_count = fields.Integer(
        compute="_compute_credit_collection_counts",
        groups="credit_management.group_credit_user",
    )

    def _field_to_sql(self, alias, field_expr, query=None):
        """The SQL of a credit field kept per company (``credit_*``,
        company-dependent) is built once per company and table alias: the ORM
        builds it again at every read, looking up the field's fallback value
        each time, about 70 microseconds a field, and the credit check reads
        ten of them at every confirmation (bench/ANALYSIS.md). Reading rights
        are checked at every call, as the ORM does."""
        field = self._fields.get(field_expr)
        if (
            field is not None
            and field.company_dependent
            and field.store
            and field_expr.startswith("credit_")
        ):
            self._check_field_access(field, "read")
            return self._credit_company_field_sql(
                alias, field_expr, self.env.company.id
            )
        return super()._field_to_sql(alias, field_expr, query)

    @ormcache("alias", "fname", "company_id")
    def _credit_company_field_sql(self, alias, fname, company_id):
        """SQL of the company-dependent field ``fname`` in ``company_id``, as
        the ORM writes it. Its only variable part, the fallback where the
        company has no value of its own, is a default value (ir.default):
        setting or removing one clears the registry caches, this one with
        them."""
        # sudo: the SQL of a field, whoever reads it (checked by the caller)
        model = self.sudo().with_company(company_id)
        return model._fields[fname].to_sql(model, alias)

    @api.constrains("credit_collection_excluded", "credit_collection_exclusion_reason")
    def _check_credit_collection_exclusion(self):
        for partner in self:
            if (
                partner.credit_collection_excluded
                and not (partner.credit_collection_exclusion_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Say why %(partner)s is excluded from collections (Exclusion "
                        "Reason).",
                        partner=partner.display_name,
                    )
                )

    @api.depends_context("company")
    def _compute_credit_collection_counts(self):
        counts = {}
        for model, field in (
            (
                "credit.collection.communication",
                "credit_collection_communication_count",
            ),
            ("credit.collection.promise", "credit_collection_promise_count"),
        ):
            counts[field] = dict(
                self.env[model]._read_group(
                    [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
                )
            )
        for partner in self:
            for field, by_partner in counts.items():
                partner[field] = by_partner.get(partner, 0)

    @api.depends_context("company")
    def _compute_credit_currency_id(self):
        self.credit_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_credit_review_count(self):
        counts, scored = {}, set()
        for partner, has_score, insufficient, count in self.env[
            "credit.review"
        ]._read_group(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ],
            ["partner_id", "has_score", "data_insufficient"],
            ["__count"],
        ):
            counts[partner] = counts.get(partner, 0) + count
            if has_score and not insufficient:
                scored.add(partner)
        for partner in self:
            partner.credit_review_count = counts.get(partner.commercial_partner_id, 0)
            partner.credit_has_score = partner.commercial_partner_id in scored

    @api.depends("credit_rating_ids.score", "credit_rating_ids.valid_until")
    @api.depends_context("company")
    def _compute_credit_external_rating(self):
        commercial = self.commercial_partner_id
        scores = self.env["credit.rating"]._credit_external_scores(
            commercial.ids, self.env.company.id
        )
        for partner in self:
            score, date = scores.get(partner.commercial_partner_id.id, (0.0, False))
            partner.credit_external_rating = score
            partner.credit_external_rating_date = date

    @api.depends_context("company")
    def _compute_credit_payment_index(self):
        indexes = self.env["credit.prediction"]._credit_payment_index(
            self.commercial_partner_id.ids
        )
        for partner in self:
            days, index = indexes.get(partner.commercial_partner_id.id, (0.0, 0.0))
            partner.credit_days_beyond_terms = days
            partner.credit_payment_index = index

    def _inverse_credit_external_rating(self):
        """A rating typed on the customer is an internal assessment (0–100)
        recorded as a rating of its own, dated as given (default today)."""
        agency = self.env.ref("credit_management.credit_agency_internal")
        today = fields.Date.context_today(self)
        values = []
        for partner in self:
            if partner.commercial_partner_id != partner:
                continue
            rating = partner.credit_external_rating
            if not 0 <= rating <= 100:
                raise ValidationError(
                    self.env._(
                        "The external rating of %(partner)s must lie between 0 and "
                        "100 (got %(rating)s).",
                        partner=partner.display_name,
                        rating=rating,
                    )
                )
            values.append(
                {
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "agency_id": agency.id,
                    "rating": f"{rating:g}",
                    "date": partner.credit_external_rating_date or today,
                }
            )
        # The check above is the credit manager's (CREDIT_MANAGER_FIELDS): the
        # rating is recorded for him.
        self.env["credit.rating"].sudo().create(values)

    @api.depends("country_id")
    @api.depends_context("company")
    def _compute_credit_is_international(self):
        country = self.env.company.country_id
        for partner in self:
            partner.credit_is_international = bool(
                partner.country_id and partner.country_id != country
            )

    @api.depends_context("company", "tz")
    @api.depends("credit_limit_temporary_from", "credit_limit_temporary_to")
    def _compute_credit_limit_temporary_active(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.credit_limit_temporary_active = partner._credit_temporary_on(today)

    @api.depends_context("company")
    def _compute_credit_limit_requests_only(self):
        self.credit_limit_requests_only = self.env.company.credit_limit_requests_only

    def _compute_credit_limit_request_count(self):
        counts = dict(
            self.env["credit.limit.request"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.credit_limit_request_count = counts.get(
                partner.commercial_partner_id, 0
            )

    def _credit_temporary_on(self, date):
        """Whether this partner's temporary limit is in force on ``date`` (from
        its start until the day before its end, whatever the daily job did)."""
        self.ensure_one()
        return bool(
            self.credit_limit_temporary_to
            and (self.credit_limit_temporary_from or date) <= date
            and date < self.credit_limit_temporary_to
        )

    def _credit_limit_on(self, date=None):
        """The credit limit in force on ``date`` (today by default) for the
        current company: the temporary limit within its dates, else the credit
        limit; None when the customer has no limit."""
        self.ensure_one()
        if not self.credit_limit_applies:
            return None
        if self._credit_temporary_on(date or fields.Date.context_today(self)):
            return self.credit_limit_temporary
        return self.credit_limit

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self:
            if partner.credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit of %(partner)s cannot be negative.",
                        partner=partner.display_name,
                    )
                )

    @api.depends("credit_collection_status")
    @api.depends_context("company")
    def _compute_credit_collection_status_step(self):
        for partner in self:
            status = partner.credit_collection_status
            partner.credit_collection_status_step = (
                status if status not in COLLECTION_HOLD_STATUSES else False
            )

    def _inverse_credit_collection_status_step(self):
        # Written as the status itself, checked as such (_credit_check_collector).
        # Empty, it says nothing of a status it cannot show (legal collection,
        # written off): that status stays.
        for partner in self:
            step = partner.credit_collection_status_step
            status = partner.credit_collection_status or False
            if step != status and (step or status not in COLLECTION_HOLD_STATUSES):
                partner.credit_collection_status = step

    @api.depends_context("uid")
    def _compute_credit_is_manager(self):
        self.credit_is_manager = self.env.user.has_group(
            "credit_management.group_credit_manager"
        )
        self.credit_is_collector = self.env.user.has_group(
            "credit_management.group_credit_user"
        )

    @api.depends_context("company")
    def _compute_credit_figures(self):
        try:
            figures = self.env["credit.exposure"]._credit_figures(self)
        except UserError as error:
            # A configuration error (a currency without rate) is shown on the
            # form, the figures hidden, instead of keeping the form from opening.
            for name in (
                *CREDIT_FIGURES,
                "credit_exposure",
                "credit_available",
                "credit_secured",
                "credit_unsecured",
            ):
                self[name] = 0.0
            self.credit_usage_percent = 0.0
            self.credit_usage_level = "normal"
            self.credit_has_overdue = False
            self.credit_figures_error = self.env._(
                "Credit figures unavailable: %(error)s", error=error
            )
            return
        self.credit_figures_error = False
        secured = self.env["credit.exposure"]._credit_secured(
            self.commercial_partner_id,
            exposures={
                pid: values["credit_exposure"] for pid, values in figures.items()
            },
        )
        for partner in self:
            commercial = partner.commercial_partner_id
            values = figures[commercial.id]
            exposure = values["credit_exposure"]
            partner.update({name: values[name] for name in CREDIT_FIGURES})
            partner.credit_exposure = exposure
            partner.credit_secured = secured.get(commercial.id, 0.0)
            partner.credit_unsecured = max(exposure - partner.credit_secured, 0.0)
            partner.credit_available, partner.credit_usage_percent = (
                commercial._credit_available_usage(exposure, partner.credit_secured)
            )
            partner.credit_has_overdue = values["receivable_overdue"] > 0
            usage = partner.credit_usage_percent
            partner.credit_usage_level = (
                "over"
                if usage > 100.0
                else "warning"
                if usage > self.env.company.credit_warn_utilisation
                else "normal"
            )

    def _search_credit_has_overdue(self, operator, value):
        """Commercial partners with an open item past its due date (one query)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue invoices."))
        ids = self.env["credit.exposure"]._credit_partner_ids_due_in(
            [(None, fields.Date.context_today(self))]
        )
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", ids)]

    def _search_credit_usage_level(self, operator, value):
        """Customers by credit usage: the figures of every customer with a limit,
        computed set-based (three grouped queries)."""
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on credit usage."))
        values = {value} if isinstance(value, str) else set(value)
        with_limit = self.search(
            [("parent_id", "=", False), ("credit_limit_applies", "=", True)]
        )
        matching = with_limit.filtered(
            lambda partner: partner.credit_usage_level in values
        )
        if "normal" in values:
            matching |= self.search(
                [("parent_id", "=", False), ("credit_limit_applies", "=", False)]
            )
        positive = operator in ("=", "in")
        return [("id", "in" if positive else "not in", matching.ids)]

    def _credit_available_usage(self, exposure, secured=0.0):
        """(available credit, usage %) of this commercial partner at
        ``exposure`` with ``secured`` by securities: (0, 0) without a limit; a
        limit of 0 is fully used by any exposure. Securities count on top of
        the limit or off the exposure, as the company says (the available credit
        is the same; the usage is of the secured limit, or of the net exposure)."""
        self.ensure_one()
        if not self.credit_limit_applies:
            return 0.0, 0.0
        limit, exposure = self.env["credit.exposure"]._credit_secured_terms(
            self._credit_limit_on(), exposure, secured
        )
        if limit > 0:
            return limit - exposure, 100.0 * exposure / limit
        return -exposure, (100.0 if exposure > 0 else 0.0)

    def _credit_check_commercial(self, what):
        """Credit information and securities belong to the company, not to its
        contacts: raise for a contact. ``what``: the records, in words."""
        for partner in self.filtered("parent_id"):
            raise ValidationError(
                self.env._(
                    "%(what)s belong to the company %(company)s, not to its contact "
                    "%(contact)s.",
                    what=what,
                    company=partner.commercial_partner_id.display_name,
                    contact=partner.display_name,
                )
            )

    @api.depends_context("company")
    def _compute_credit_security_count(self):
        counts = dict(
            self.env["credit.security"]._read_group(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "active"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.credit_security_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_credit_securities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_security"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
            "search_default_active_state": 1,
        }
        return action

    @api.depends_context("company")
    def _compute_credit_security_expiring(self):
        expiring = set(self._credit_security_expiring_ids())
        for partner in self:
            partner.credit_security_expiring = (
                partner.commercial_partner_id.id in expiring
            )

    def _search_credit_security_expiring(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on securities ending soon."))
        positive = (operator == "=") == value
        ids = self._credit_security_expiring_ids()
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _credit_security_expiring_ids(self):
        """Customers with an active security ending within the company's
        warning days (their available credit depends on it)."""
        company = self.env.company
        today = fields.Date.context_today(self)
        # sudo: a flag read with the credit figures, by salespeople too
        Security = self.env["credit.security"].sudo()
        securities = Security.search(
            Security._credit_ending_soon_domain(company) + [("date_to", ">", today)]
        )
        return securities.partner_id.ids

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "credit_limit_applies",
            "credit_grade_id",
            "credit_hold",
            "credit_hold_reason",
        ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_finite_vals(self, vals, LIMIT_FIELDS)
            # Contacts receive their company's values through the commercial sync.
            if not vals.get("parent_id") and any(
                vals.get(name) for name in CREDIT_MANAGER_FIELDS
            ):
                self._credit_check_manager(vals)
                if vals.get("credit_limit") and "credit_limit_manual" not in vals:
                    vals["credit_limit_manual"] = True
            # The collection settings too: given at creation, they are set by
            # a collector as later (a salesman excluded his new customer from
            # the collections, or showed its credit on the portal).
            collection = {
                name: vals[name]
                for name in COLLECTION_FIELDS
                if vals.get(name)
                and not (name == "credit_collection_status" and vals[name] == "normal")
            }
            if collection and not vals.get("parent_id"):
                self._credit_check_collector(collection)
            if vals.get("credit_limit") and "credit_limit_applies" not in vals:
                vals["credit_limit_applies"] = True
        partners = super().create(vals_list)
        # A customer created with a limit, a grade or a hold: decisions too.
        informed = self.browse(
            partner.id
            for partner, vals in zip(partners, vals_list, strict=True)
            if not partner.parent_id and any(vals.get(name) for name in LOGGED_FIELDS)
        )
        if informed and self.env.company.credit_control_enabled:
            empty = (0.0, False, self.env["credit.grade"], False, "normal")
            informed._credit_decision_after(dict.fromkeys(informed.sudo(), empty))
        return partners

    def write(self, vals):
        check_finite_vals(self, vals, LIMIT_FIELDS)
        if TEMPORARY_FIELDS.intersection(vals) and self._credit_limit_source()[
            0
        ] not in (
            "request",
            "expiry",
        ):
            raise AccessError(
                self.env._(
                    "A temporary credit limit is given only by an approved limit "
                    "request."
                )
            )
        if CREDIT_MANAGER_FIELDS.intersection(vals) and any(
            partner.commercial_partner_id == partner for partner in self
        ):
            self._credit_check_manager(vals)
        if vals.get("parent_id"):
            self._credit_check_attach(vals["parent_id"])
        if COLLECTION_FIELDS.intersection(vals):
            changed = self._credit_fields_changed(
                vals, COLLECTION_FIELDS, commercial_only=False
            )
            if changed:
                self._credit_check_collector({name: vals[name] for name in changed})
        if "credit_hold" in vals and not vals["credit_hold"]:
            vals = dict(vals, credit_hold_by_collection=False)
        if "credit_collection_status" in vals:
            vals = dict(
                vals,
                credit_collection_status_date=fields.Date.context_today(self),
            )
        if (
            "credit_limit" in vals
            and "credit_limit_manual" not in vals
            and not self.env.context.get("credit_review_apply")
        ):
            # A limit typed by a person is never changed by a review on its own.
            vals = dict(vals, credit_limit_manual=True)
        partners = self
        if "credit_limit_applies" not in vals:
            if "use_partner_credit_limit" in vals:
                # Core's toggle (its inverse writes the company's default limit).
                vals = dict(
                    vals, credit_limit_applies=bool(vals["use_partner_credit_limit"])
                )
                partners = self.with_context(credit_limit_applies_given=True)
            elif vals.get("credit_limit") and not self.env.context.get(
                "credit_limit_applies_given"
            ):
                vals = dict(vals, credit_limit_applies=True)
        before = partners._credit_decision_before(vals)
        result = super(ResPartner, partners).write(vals)
        if before:
            partners._credit_decision_after(before)
        if "credit_collection_status" in vals and not self.env.context.get(
            "credit_collection_run"
        ):
            partners._credit_collection_sync_hold()
        return result

    def _credit_collection_sync_hold(self):
        """After a change of the collection status by hand: legal collection
        and write-offs put the customer on hold (or say so on the hold the
        collections had set); leaving them releases a hold the collections had
        set, unless the customer's overdue items still reach a level that puts
        it on hold (then the hold stays, with that level as its reason).

        The hold follows from a status change the writer was allowed to make
        (a collector's, for the milder statuses): it is written as the
        collections', in sudo, which keeps the writer as the author of the
        decision log and the chatter."""
        partners = self.filtered(lambda p: p.commercial_partner_id == p).sudo()
        Run = self.env["credit.collection.run"]
        for status in COLLECTION_HOLD_STATUSES:
            reason = Run._credit_collection_hold_reason(status, None)
            to_hold = partners.filtered(
                lambda p, status=status, reason=reason: (
                    p.credit_collection_status == status
                    and (not p.credit_hold or p.credit_hold_by_collection)
                    and p.credit_hold_reason != reason
                )
            )
            if to_hold:
                to_hold.write(
                    {
                        "credit_hold": True,
                        "credit_hold_reason": reason,
                        "credit_hold_by_collection": True,
                    }
                )
        leaving = partners.filtered(
            lambda p: (
                p.credit_collection_status not in COLLECTION_HOLD_STATUSES
                and p.credit_hold
                and p.credit_hold_by_collection
            )
        )
        if not leaving:
            return
        holds = Run._credit_collection_level_holds(
            leaving, fields.Date.context_today(self)
        )
        release = leaving.filtered(lambda p: p.id not in holds)
        if release:
            release.write(
                {
                    "credit_hold": False,
                    "credit_hold_reason": False,
                    "credit_hold_by_collection": False,
                }
            )
        for partner in leaving - release:
            partner.credit_hold_reason = Run._credit_collection_hold_reason(
                partner.credit_collection_status, holds[partner.id]
            )

    # ------------------------------------------------------------------
    # Credit decisions: limit, grade and hold changes
    # ------------------------------------------------------------------
    def _credit_limit_source(self):
        """(source, record) of a change of the credit settings: through a limit
        request or a credit review when the context carries that record (a
        record cannot come from RPC, so the source cannot be forged), from an
        import, or by hand."""
        by = self.env.context.get("credit_limit_by")
        by = by.record if isinstance(by, CreditLimitBy) else None
        if by is not None:
            if by._name == "credit.limit.request":
                if self.env.context.get("credit_limit_expiry"):
                    return "expiry", by
                return "request", by
            if by._name == "credit.review":
                return "review", by
            if by._name in (
                "credit.collection.run",
                "credit.collection.promise",
                "credit.collection.communication",
            ):
                return "collection", by
            if by._name == "credit.scoring":
                # A re-rating writes its decisions itself, in one batch.
                return "scoring", by
        if self.env.context.get("import_file"):
            return "import", None
        return "manual", None

    def _credit_decision_values(self):
        self.ensure_one()
        return (
            self.credit_limit,
            self.credit_limit_applies,
            self.credit_grade_id,
            self.credit_hold,
            self.credit_collection_status or "normal",
        )

    def _credit_decision_before(self, vals):
        """The logged credit settings of the commercial partners of ``self``
        before ``vals`` is written, when it may change them for a company under
        credit control; None otherwise."""
        if not LOGGED_FIELDS.intersection(vals):
            return None
        company = self.env.company
        if not company.credit_control_enabled:
            return None
        if self._credit_limit_source()[0] == "scoring":
            return None
        partners = self.filtered(lambda p: p.commercial_partner_id == p).sudo()
        return {partner: partner._credit_decision_values() for partner in partners}

    def _credit_decision_after(self, before):
        """Log the changes since ``before`` (one decision per change), refusing a
        direct change of the limit where limits change only through requests."""
        company = self.env.company
        source, record = self._credit_limit_source()
        statuses = dict(
            self._fields["credit_collection_status"]._description_selection(self.env)
        )
        rows = []
        for partner, (limit, applies, grade, hold, status) in before.items():
            new_limit, new_applies, new_grade, new_hold, new_status = (
                partner._credit_decision_values()
            )
            common = {"company_id": company.id, "partner_id": partner.id}
            if (applies, applies and limit) != (new_applies, new_applies and new_limit):
                if company.credit_limit_requests_only and source not in (
                    "request",
                    "expiry",
                    "review",
                ):
                    raise UserError(
                        self.env._(
                            "In %(company)s credit limits change only through limit "
                            "requests: ask for the limit of %(partner)s with a "
                            "limit request (Credit tab of the customer).",
                            company=company.name,
                            partner=partner.display_name,
                        )
                    )
                row = {
                    **common,
                    "kind": "limit",
                    "source": source,
                    "limit_from": limit if applies else 0.0,
                    "limit_to": new_limit if new_applies else 0.0,
                    "limit_increase": (new_limit if new_applies else 0.0)
                    - (limit if applies else 0.0),
                    "note": partner._credit_limit_note(applies, new_applies),
                }
                if source == "review":
                    row["note"] = "\n".join(
                        filter(None, [row["note"], record[:1].display_name])
                    )
                if record is not None and record._name == "credit.limit.request":
                    row.update(record._credit_decision_values())
                rows.append(row)
            if grade != new_grade:
                rows.append(
                    {
                        **common,
                        "kind": "grade",
                        "source": source,
                        "grade_from_id": grade.id,
                        "grade_to_id": new_grade.id,
                    }
                )
            if hold != new_hold:
                rows.append(
                    {
                        **common,
                        "kind": "hold" if new_hold else "release",
                        "source": source,
                        "reasons": partner.credit_hold_reason if new_hold else False,
                        "why": partner.credit_hold_reason if new_hold else False,
                    }
                )
            if status != new_status:
                rows.append(
                    {
                        **common,
                        "kind": "collection",
                        "source": source,
                        "collection_status_from": status,
                        "collection_status_to": new_status,
                        "why": f"{statuses[status]} → {statuses[new_status]}",
                    }
                )
        self.env["credit.decision"]._credit_log(rows)

    def _credit_limit_note(self, applies, new_applies):
        if applies and not new_applies:
            return self.env._("Limit removed: the customer has no credit limit.")
        if new_applies and not applies:
            return self.env._("Limit set: the customer had no credit limit.")
        return False

    def action_credit_rerate(self):
        """Re-rate now (button on the partner, server action on a selection)."""
        if not (
            self.env.su
            or self.env.user.has_group("credit_management.group_credit_manager")
        ):
            raise AccessError(
                self.env._("Only a credit manager can re-rate customers.")
            )
        partners = self.commercial_partner_id
        Activity = self.env["mail.activity"].sudo()  # warnings of other users too
        warning_domain = [
            ("res_model", "=", "res.partner"),
            ("res_id", "in", partners.ids),
            ("credit_warning_code", "!=", False),
        ]
        warnings_before = Activity.search_count(warning_domain)
        reviews = self.env["credit.scoring"]._credit_rate(partners, "manual")
        raised = Activity.search_count(warning_domain) - warnings_before
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "sticky": len(reviews) == 1,
                "message": reviews._credit_summary(raised),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _credit_limit_request_action(self, context=None):
        """A new limit request for this customer, in a dialog; refused at once
        when one is already waiting (the dialog's request was saved, then
        refused at its submission, and left as a stray draft)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        company = self.env["res.company"].browse(
            (context or {}).get("default_company_id") or self.env.company.id
        )
        self.env["credit.limit.request"]._credit_refuse_if_waiting(partner, company)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Limit Request"),
            "res_model": "credit.limit.request",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": partner.id,
                "default_company_id": self.env.company.id,
                **(context or {}),
            },
        }

    def action_credit_limit_request(self):
        """Button of the Credit tab: ask for another limit (starting from the
        current one)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return self._credit_limit_request_action(
            {
                "default_limit_requested": partner.credit_limit
                if partner.credit_limit_applies
                else 0.0
            }
        )

    def action_view_credit_limit_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_limit_request"
        )
        partner = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        action["display_name"] = action["name"] = self.env._(
            "Limit Requests of %(partner)s", partner=partner.display_name
        )
        return action

    def action_view_credit_reviews(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_review"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_credit_open_invoices(self):
        """The customer's open items as of today, read-only: the same items and
        total as the Open Invoices figure, for everyone who reads that figure
        (a salesman's access rules on invoices would show only his own)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_open_items"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "in", self.env["credit.exposure"]._credit_company_ids()),
        ]
        action["context"] = {
            "credit_aging_date": fields.Date.to_string(fields.Date.context_today(self))
        }
        # The web client titles the view with the action's display_name.
        action["display_name"] = action["name"] = self.env._(
            "Open Items of %(partner)s", partner=self.commercial_partner_id.display_name
        )
        return action

    # ------------------------------------------------------------------
    # Collections
    # ------------------------------------------------------------------
    def _credit_collection_recipient(self):
        """The contact who receives the customer's reminders: its invoice
        address."""
        self.ensure_one()
        return self.browse(self.address_get(["invoice"])["invoice"])

    def _credit_statement_data(self, date=None):
        """The customer's open items as of ``date`` (today by default) with the
        aging periods of the current company, for its statement (company
        currency)."""
        self.ensure_one()
        # Odoo's /report route does not check the report's groups: the
        # statement is read by readers of credit figures, and printed in sudo
        # by the portal page (after its opt-in checks) and the collections.
        if not (self.env.su or self.env.user.has_group(CREDIT_READ_GROUPS)):
            raise AccessError(
                self.env._(
                    "Only users who read credit figures can print the statement "
                    "of account of %(customer)s.",
                    customer=self.commercial_partner_id.sudo().display_name,
                )
            )
        date = date or fields.Date.context_today(self)
        report = (
            self.env["credit.aging.report"]
            .sudo()  # the statement is printed for the customer by credit users
            .with_context(credit_aging_date=date, credit_aging_basis="due")
        )
        labels = report.fields_get(list(BUCKETS), ["string"])
        lines = report.search(
            [
                # The company and its branches, as the customer's figures.
                ("company_id", "in", self.env["credit.exposure"]._credit_company_ids()),
                ("partner_id", "=", self.commercial_partner_id.id),
            ],
            order="date_maturity, id",
        )
        buckets = [sum(lines.mapped(name)) for name in BUCKETS]
        return {
            "date": date,
            "lines": lines,
            "labels": [labels[name]["string"] for name in BUCKETS],
            "buckets": buckets,
            "total": sum(lines.mapped("residual")),
            "overdue": sum(line.residual for line in lines if line.days_overdue > 0),
            "currency": self.env.company.currency_id,
            "company": self.env.company,
        }

    def _credit_portal_allowed(self):
        """Whether the contacts of this customer see its credit on the portal of
        the current company (both opt in)."""
        self.ensure_one()
        commercial = self.commercial_partner_id.sudo()
        return bool(
            self.env.company.credit_portal_enabled and commercial.credit_portal_visible
        )

    def _credit_portal_values(self):
        """What the portal credit page shows to the customer's contacts: only
        figures about the customer itself, never its score, grade or notes.

        sudo: portal users read none of these fields; the figures are those of
        their own commercial partner only.
        """
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        today = fields.Date.context_today(self)
        company = self.env.company
        limit = partner._credit_limit_on(today)
        applies = partner.credit_limit_applies
        due_soon = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("company_id", "child_of", company.root_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", ">=", today),
                    ("invoice_date_due", "<=", today + timedelta(days=30)),
                ],
                order="invoice_date_due, id",
            )
        )
        return {
            "credit_partner": partner,
            "credit_currency": company.currency_id,
            "credit_limit_applies": applies,
            "credit_limit": limit,
            "credit_available": partner.credit_available if applies else None,
            "credit_used": partner.credit_exposure,
            "credit_secured": partner.credit_secured if applies else 0.0,
            "credit_open": partner.receivable_open,
            "credit_overdue": partner.receivable_overdue,
            "credit_overdue_count": partner.overdue_invoice_count,
            "credit_due_soon": due_soon,
            "credit_terms": partner.property_payment_term_id,
            "credit_today": today,
        }

    def action_credit_print_statement(self):
        self.ensure_one()
        return self.env.ref(
            "credit_management.action_report_credit_statement"
        ).report_action(self.commercial_partner_id)

    def action_credit_view_collection_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_collection_communication"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    def action_credit_view_collection_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_collection_promise"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_credit_record_promise(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Promise To Pay"),
            "res_model": "credit.collection.promise",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_amount": self.commercial_partner_id.receivable_overdue,
                "default_date_promised": fields.Date.context_today(self)
                + timedelta(days=7),
                "credit_promise_from_customer": True,
            },
        }

    def _credit_check_collector(self, vals):
        """Collection settings are changed by credit users; legal collection and
        write-offs (which put the customer on hold), and taking a customer out
        of them, by credit managers."""
        if self.env.su or self._credit_limit_source()[0] == "collection":
            return
        user = self.env.user
        if not user.has_group("credit_management.group_credit_user"):
            raise AccessError(
                self.env._(
                    "Only credit users (collectors) can change the collection "
                    "settings of a customer."
                )
            )
        if "credit_collection_status" in vals and not user.has_group(
            "credit_management.group_credit_manager"
        ):
            severe = vals[
                "credit_collection_status"
            ] in COLLECTION_HOLD_STATUSES or any(
                partner.credit_collection_status in COLLECTION_HOLD_STATUSES
                for partner in self
            )
            if severe:
                raise AccessError(
                    self.env._(
                        "Only a credit manager can hand a customer over to legal "
                        "collection, write it off, or take it back from there."
                    )
                )

    def _credit_check_attach(self, parent_id):
        """A customer with credit settings (grade, limit, hold) attached to
        another company takes that company's settings (the commercial sync):
        detached again, it kept them. A salesman turned a prepayment customer
        into one with the shell company's grade that way; it is a credit
        manager's change."""
        if self.env.su or self.env.user.has_group(
            "credit_management.group_credit_manager"
        ):
            return
        # sudo: compared whoever writes (a reader of credit figures or not)
        customers = self.sudo().filtered(
            lambda p: (
                p.commercial_partner_id == p
                and p.id != parent_id
                and (p.credit_grade_id or p.credit_limit_applies or p.credit_hold)
            )
        )
        if customers:
            raise AccessError(
                self.env._(
                    "%(customer)s has credit settings of its own (grade, limit or "
                    "hold): attached to another company it would take that "
                    "company's. Ask a credit manager.",
                    customer=customers[0].display_name,
                )
            )

    def _credit_fields_changed(self, vals, names, commercial_only=True):
        """The fields of ``names`` that ``vals`` changes on (the commercial
        partners of) ``self``; given a value, at creation. A value written
        again as it is changes nothing: Odoo's partner merge writes every
        field the kept partner has (its limit, score and review date, its
        collection settings) and a re-imported export writes them as they
        were."""
        names = set(names).intersection(vals)
        if not self:
            return {name for name in names if vals[name]}
        # sudo: compared whoever writes (a reader of credit figures or not)
        partners = self.sudo()
        if commercial_only:
            partners = partners.filtered(lambda p: p.commercial_partner_id == p)
        changed = set()
        for name in names:
            field = self._fields[name]
            for partner in partners:
                try:
                    value = field.convert_to_record(
                        field.convert_to_cache(vals[name], partner), partner
                    )
                except (ValueError, TypeError):
                    # Not a value of the field: a change, refused as such to
                    # whoever may not make it (the write would fail anyway).
                    changed.add(name)
                    break
                if partner[name] != value:
                    changed.add(name)
                    break
        return changed

    def _credit_check_manager(self, vals):
        if self.env.su or self.env.user.has_group(
            "credit_management.group_credit_manager"
        ):
            return
        changed = self._credit_fields_changed(vals, CREDIT_MANAGER_FIELDS)
        if not changed:
            return
        names = sorted(
            self._fields[name].get_description(self.env)["string"] for name in changed
        )
        raise AccessError(
            self.env._(
                "Only a credit manager can change %(fields)s. Ask a member of "
                "the Credit Manager group.",
                fields=", ".join(names),
            )
        )
