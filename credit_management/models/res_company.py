from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from .credit_policy import CREDIT_RULES
from .credit_score_factor import FACTOR_DEFAULTS, WEIGHTS_BATCH

# Prefetch group of the settings no confirmation reads (scoring, warnings,
# requests, portal, aging, who is told): read together when one of them is,
# not with every read of the company. The ORM fetches every column of a
# prefetch group at the first read of one of them, and a company is read at
# every request; the settings the credit check reads stay in the default
# group (bench/ANALYSIS.md).
SETTINGS_PREFETCH = "credit_settings"


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_control_enabled = fields.Boolean(
        string="Credit Control",
        help="Check the customer's credit when a sale order is confirmed.",
    )
    credit_block_on_limit = fields.Boolean(
        string="Block Over Limit",
        default=True,
        help="Block confirmation when exposure plus the order exceeds the "
        "credit limit.",
    )
    credit_block_on_overdue = fields.Boolean(
        string="Block On Overdue",
        default=True,
        help="Block confirmation when an invoice is more than the tolerated number "
        "of days past due and the overdue amount exceeds the tolerated amount.",
    )
    credit_overdue_days = fields.Integer(
        string="Tolerated Days Overdue",
        default=30,
        help="Confirmation is blocked when an invoice is more than this many "
        "days past due.",
    )
    credit_overdue_tolerance = fields.Monetary(
        string="Tolerated Overdue Amount",
        currency_field="currency_id",
        help="Overdue amounts up to this figure do not block confirmation.",
    )
    credit_block_prepayment = fields.Boolean(
        string="Block Prepayment Grades",
        default=True,
        help="Block confirmation for customers whose grade requires prepayment.",
    )
    credit_skip_paid_orders = fields.Boolean(
        string="Skip Paid Orders",
        help="Do not check orders already fully paid online in advance.",
    )
    credit_override_group_id = fields.Many2one(
        "res.groups",
        string="Override Group",
        default=lambda self: self.env.ref(
            "credit_management.group_credit_manager", raise_if_not_found=False
        ),
        help="Members of this group may approve a blocked sale order. "
        "Empty: Credit Manager.",
    )

    credit_approval_validity_days = fields.Integer(
        string="Approval Validity (days)",
        default=30,
        help="A credit approval covers its order for this many days; after that "
        "a blocked order needs a new approval.",
        prefetch=SETTINGS_PREFETCH,
    )

    credit_score_factor_ids = fields.One2many(
        "credit.score.factor", "company_id", string="Scoring Factors"
    )
    credit_limit_mode = fields.Selection(
        [
            ("auto", "Apply automatically"),
            ("propose", "Propose to a credit manager"),
        ],
        string="Limit Adjustment",
        default="propose",
        required=True,
        help="After a review, apply the new grade and its limit automatically, "
        "or only propose them (a credit manager applies them from the review). A "
        "limit set by hand is never changed automatically.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_min_data_weight = fields.Float(
        string="Minimum Weight With Data (%)",
        default=50.0,
        help="A review changes grade and limit only when the factors with data "
        "carry at least this share of the scoring weights; below it the review "
        "says the data are insufficient.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_rerate_batch_size = fields.Integer(
        string="Re-rating Batch Size",
        default=500,
        help="Customers re-rated per committed batch by the scheduled re-rating.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_warn_score_drop = fields.Float(
        string="Warn On Score Drop",
        default=10.0,
        help="Warn when a review lowers the score by more than this many points.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_warn_score_threshold = fields.Float(
        string="Warn Below Score",
        default=40.0,
        help="Warn when the score falls below this value.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_warn_utilisation = fields.Float(
        string="Warn Above Utilisation (%)",
        default=90.0,
        help="Warn when exposure exceeds this share of the credit limit.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_warn_overdue_days = fields.Integer(
        string="Warn Beyond Days Overdue",
        default=30,
        help="Warn when an invoice becomes more than this many days overdue.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_warn_rating_drop = fields.Float(
        string="Warn On Rating Drop",
        default=15.0,
        help="Warn when a new agency rating lowers the customer's external rating "
        "by more than this many points (0–100 scale).",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_statement_max_age = fields.Integer(
        string="Statement Validity (months)",
        default=18,
        help="The solvency and liquidity factors use the latest financial statement "
        "whose period ended at most this many months before the review; an older "
        "statement is left out (the review says so).",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_rating_combination = fields.Selection(
        [
            ("latest", "The most recent rating"),
            ("average", "The average of the agencies"),
        ],
        string="Several Agencies",
        default="latest",
        required=True,
        help="With valid ratings from several agencies, the external rating is the "
        "most recent one, or the average of each agency's latest rating.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_block_country = fields.Boolean(
        string="Block Risky Countries",
        help="Block confirmation for customers in countries at or above the risk "
        "class below, unless a credit manager approves the order.",
    )
    credit_country_risk_class = fields.Integer(
        string="From Country Risk Class",
        default=6,
        help="Country risk class (0–7) from which orders require prepayment or an "
        "approval.",
    )
    credit_security_mode = fields.Selection(
        [
            ("limit", "Raise the available credit"),
            ("exposure", "Reduce the exposure"),
        ],
        string="Securities",
        default="limit",
        required=True,
        help="How active securities (insurance, guarantees, letters of credit, "
        "deposits) count: on top of the limit, or deducted from the exposure. "
        "The check decides the same either way; the figures are shown so.",
    )
    credit_security_lifts_hold = fields.Boolean(
        string="Securities Lift A Hold",
        help="A customer on hold may buy when securities cover all it owes with "
        "the order.",
    )
    credit_security_lifts_prepayment = fields.Boolean(
        string="Securities Lift Prepayment",
        help="A prepayment grade or a risky country does not block when "
        "securities cover all the customer owes with the order.",
    )
    credit_security_lifts_overdue = fields.Boolean(
        string="Securities Lift Overdue Blocks",
        help="Overdue invoices do not block when securities cover all the "
        "customer owes with the order.",
    )
    credit_security_warn_days = fields.Integer(
        string="Warn Before Security Ends (days)",
        default=30,
        help="Days before a security's end date to warn the salesperson and the "
        "credit manager.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_limit_requests_only = fields.Boolean(
        string="Limits Change Only Through Requests",
        help="Credit limits are read-only on customers: they change through "
        "approved limit requests (and credit reviews); a direct change, also "
        "through an import or RPC, is refused.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_request_level1_amount = fields.Monetary(
        string="One Signature Up To",
        currency_field="currency_id",
        default=10000.0,
        help="A limit increase up to this amount is approved by a credit manager "
        "alone; above it (and above the percentage) a second approver signs too.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_request_level1_percent = fields.Float(
        string="Or Up To (%)",
        default=20.0,
        help="A limit increase up to this share of the current limit is approved "
        "by a credit manager alone, whatever its amount.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_request_group_id = fields.Many2one(
        "res.groups",
        string="Second Approvers",
        help="Members sign the limit increases above the first level, after a "
        "credit manager; the group is given the right to read credit figures. "
        "Empty: Accounting / Administrator.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_shadow_mode = fields.Selection(
        [
            ("off", "Enforce"),
            ("all", "Shadow: every rule"),
            ("rules", "Shadow: the chosen rules"),
        ],
        string="Shadow Mode",
        default="off",
        required=True,
        help='In shadow mode a rule is checked and logged ("would have '
        'blocked"), the order confirms, and the salesperson sees what would happen '
        "once the rule is enforced: to train teams and calibrate limits first.",
    )
    credit_shadow_collection = fields.Boolean(string="Shadow: Collection Status")
    credit_shadow_hold = fields.Boolean(string="Shadow: Credit Hold")
    credit_shadow_prepayment = fields.Boolean(string="Shadow: Prepayment Grade")
    credit_shadow_country = fields.Boolean(string="Shadow: Country Risk")
    credit_shadow_terms = fields.Boolean(string="Shadow: Credit Terms")
    credit_shadow_overdue = fields.Boolean(string="Shadow: Overdue")
    credit_shadow_limit = fields.Boolean(string="Shadow: Credit Limit")
    credit_portal_enabled = fields.Boolean(
        string="Credit On The Portal",
        help="Customers chosen one by one (Credit tab) see their credit limit, "
        "available credit, open and overdue amounts, invoices due soon and their "
        "statement on the portal (My Account › Credit).",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_collection_policy_id = fields.Many2one(
        "credit.collection.policy",
        string="Collection Policy",
        domain="[('company_id', '=', id)]",
        help="Levels of reminders for overdue invoices, run every day. Empty: no "
        "collection run for this company.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_manager_user_id = fields.Many2one(
        "res.users",
        string="Credit Manager",
        help="Receives credit warnings for customers without a salesperson.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_finance_user_id = fields.Many2one(
        "res.users",
        string="Finance Contact",
        help="Also receives every credit warning (leave empty for none).",
        prefetch=SETTINGS_PREFETCH,
    )

    credit_aging_bucket_1 = fields.Integer(
        string="Aging Period 1 (days)",
        default=30,
        help="Upper bound, in days past due, of the first overdue period.",
        prefetch=SETTINGS_PREFETCH,
    )
    credit_aging_bucket_2 = fields.Integer(
        string="Aging Period 2 (days)", default=60, prefetch=SETTINGS_PREFETCH
    )
    credit_aging_bucket_3 = fields.Integer(
        string="Aging Period 3 (days)", default=90, prefetch=SETTINGS_PREFETCH
    )
    credit_aging_bucket_4 = fields.Integer(
        string="Aging Period 4 (days)", default=120, prefetch=SETTINGS_PREFETCH
    )

    _credit_aging_buckets_increasing = models.Constraint(
        "CHECK(0 < credit_aging_bucket_1 AND credit_aging_bucket_1 < "
        "credit_aging_bucket_2 AND credit_aging_bucket_2 < credit_aging_bucket_3 "
        "AND credit_aging_bucket_3 < credit_aging_bucket_4)",
        "Aging periods must be positive and increasing (e.g. 30, 60, 90, 120 days).",
    )
    _credit_approval_validity_days_positive = models.Constraint(
        "CHECK(credit_approval_validity_days > 0)",
        "A credit approval must be valid for at least one day.",
    )
    _credit_country_risk_class_range = models.Constraint(
        "CHECK(credit_country_risk_class >= 0 AND credit_country_risk_class <= 7)",
        "A country risk class lies between 0 and 7.",
    )
    _credit_statement_max_age_positive = models.Constraint(
        "CHECK(credit_statement_max_age > 0)",
        "Statements must stay valid for at least one month.",
    )
    _credit_min_data_weight_range = models.Constraint(
        "CHECK(credit_min_data_weight >= 0 AND credit_min_data_weight <= 100)",
        "The minimum weight with data lies between 0 and 100 %.",
    )
    _credit_rerate_batch_size_positive = models.Constraint(
        "CHECK(credit_rerate_batch_size > 0)",
        "The re-rating batch size must be positive.",
    )
    _credit_warn_overdue_days_positive = models.Constraint(
        "CHECK(credit_warn_overdue_days >= 0)",
        "The warning days overdue cannot be negative.",
    )
    _credit_overdue_days_positive = models.Constraint(
        "CHECK(credit_overdue_days >= 0)",
        "The tolerated days overdue cannot be negative.",
    )
    _credit_overdue_tolerance_positive = models.Constraint(
        "CHECK(credit_overdue_tolerance >= 0)",
        "The tolerated overdue amount cannot be negative.",
    )
    # PostgreSQL sorts NaN above every number, infinity included: a lone
    # ">= 0" lets NaN through, and "< 'Infinity'" refuses both.
    _credit_warn_score_range = models.Constraint(
        "CHECK(credit_warn_score_drop >= 0 AND credit_warn_score_drop <= 100"
        " AND credit_warn_score_threshold >= 0 AND credit_warn_score_threshold <= 100"
        " AND credit_warn_rating_drop >= 0 AND credit_warn_rating_drop <= 100)",
        "The score drop, the score threshold and the rating drop of the warnings "
        "are points on the 0–100 scale.",
    )
    _credit_warn_utilisation_positive = models.Constraint(
        "CHECK(credit_warn_utilisation >= 0 AND credit_warn_utilisation < 'Infinity')",
        "The utilisation that raises a warning is a percentage of zero or more.",
    )
    _credit_request_level1_percent_positive = models.Constraint(
        "CHECK(credit_request_level1_percent >= 0"
        " AND credit_request_level1_percent < 'Infinity')",
        "The share of the limit a credit manager approves alone is a percentage "
        "of zero or more.",
    )

    @api.constrains("credit_override_group_id")
    def _check_credit_override_group(self):
        employee = self.env.ref("base.group_user")
        for company in self:
            group = company.credit_override_group_id
            if group and employee in group.all_implied_by_ids:
                raise ValidationError(
                    self.env._(
                        "Every employee belongs to %(group)s: it cannot be the group "
                        "that approves orders blocked by the credit check of "
                        "%(company)s. Choose a group of credit approvers, or leave it "
                        "empty for Credit Manager.",
                        group=group.display_name,
                        company=company.name,
                    )
                )

    @api.constrains("credit_request_group_id")
    def _check_credit_request_group(self):
        employee = self.env.ref("base.group_user")
        for company in self:
            group = company.credit_request_group_id
            if group and employee in group.all_implied_by_ids:
                raise ValidationError(
                    self.env._(
                        "Every employee belongs to %(group)s: it cannot be the group "
                        "that gives the second signature of large limit increases "
                        "in %(company)s. Choose a group of approvers, or leave it "
                        "empty for Accounting / Administrator.",
                        group=group.display_name,
                        company=company.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._credit_ensure_score_factors()
        companies._credit_request_group_reads()
        return companies

    def write(self, vals):
        result = super().write(vals)
        if vals.get("credit_request_group_id"):
            self._credit_request_group_reads()
        return result

    def _credit_request_group_reads(self):
        """The second approvers open the requests they sign and the customers'
        figures: a group chosen for them (a group of the company's own, in no
        credit group) is made to read credit figures, as a setting's implied
        group is."""
        reader = self.env.ref("credit_management.group_credit_reader")
        groups = self.credit_request_group_id.filtered(
            lambda group: reader not in group.all_implied_ids
        )
        if groups:
            # sudo: whoever may set the company's settings chose the group
            groups.sudo().write({"implied_ids": [Command.link(reader.id)]})

    @api.model
    def _credit_ensure_all_score_factors(self):
        """Data hook (install and every update): factors for every company, and
        the override group where the default could not set it (companies that
        existed before the group did)."""
        companies = self.sudo().search([])
        companies._credit_ensure_score_factors()
        companies.filtered(lambda c: not c.credit_override_group_id).write(
            {
                "credit_override_group_id": self.env.ref(
                    "credit_management.group_credit_manager"
                ).id
            }
        )

    def _credit_ensure_score_factors(self):
        """Create the scoring factors, with default weights, where missing."""
        existing = {
            (factor.company_id.id, factor.code)
            for factor in self.env["credit.score.factor"]
            .sudo()
            .search([("company_id", "in", self.ids)])
        }
        with_factors = {company_id for company_id, _code in existing}
        values = [
            {
                "company_id": company.id,
                "code": code,
                "name": name,
                "sequence": sequence,
                "weight": weight,
                "best_value": best,
                "worst_value": worst,
                "unit": unit,
            }
            for company in self
            for sequence, (code, (name, default, best, worst, unit)) in enumerate(
                FACTOR_DEFAULTS.items()
            )
            if (company.id, code) not in existing
            # A company that weighs its factors already gets a new factor at 0:
            # its scores do not change until a credit manager weighs it.
            for weight in [0.0 if company.id in with_factors else default]
        ]
        # sudo: factors are configuration created with the company, whoever creates it
        WEIGHTS_BATCH.on(self.env["credit.score.factor"].sudo()).create(values)

    def _credit_check_weight_sum(self):
        for company in self:
            factors = company.sudo().credit_score_factor_ids
            if not factors:
                continue
            total = sum(factors.mapped("weight"))
            if float_compare(total, 100.0, 2):
                raise ValidationError(
                    self.env._(
                        "The scoring weights of %(company)s must sum to 100 %%; "
                        "they sum to %(total)s %%.",
                        company=company.name,
                        total=round(total, 2),
                    )
                )

    def _credit_override_group(self):
        """The group allowed to approve blocked orders for this company."""
        self.ensure_one()
        return self.credit_override_group_id or self.env.ref(
            "credit_management.group_credit_manager"
        )

    def _credit_request_group(self):
        """Who gives the second signature of large limit increases."""
        self.ensure_one()
        return self.credit_request_group_id or self.env.ref(
            "account.group_account_manager"
        )

    def _credit_request_level(self, current, increase):
        """Signatures a limit request needs: 1 up to the first level (amount or
        percentage of the current limit), 2 above it."""
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(increase, 0.0) <= 0:
            return 1
        if self.credit_request_level1_amount and (
            currency.compare_amounts(increase, self.credit_request_level1_amount) <= 0
        ):
            return 1
        if (
            self.credit_request_level1_percent
            and current > 0
            and currency.compare_amounts(
                increase, current * self.credit_request_level1_percent / 100.0
            )
            <= 0
        ):
            return 1
        return 2

    def _credit_shadow_codes(self):
        """The rules this company checks in shadow mode (logged, never
        blocking)."""
        self.ensure_one()
        if self.credit_shadow_mode == "all":
            return set(CREDIT_RULES)
        if self.credit_shadow_mode == "rules":
            return {code for code in CREDIT_RULES if self[f"credit_shadow_{code}"]}
        return set()

    def _credit_manager_user(self):
        """Who receives what nobody else owns for this company: its Credit Manager
        setting, otherwise the first internal credit manager of the company."""
        self.ensure_one()
        return self.credit_manager_user_id or self.env["res.users"].search(
            [
                (
                    "all_group_ids",
                    "in",
                    self.env.ref("credit_management.group_credit_manager").ids,
                ),
                ("company_ids", "in", self.ids),
                ("share", "=", False),
            ],
            limit=1,
            order="id",
        )
