from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.batches import chunks
from ..tools.numbers import check_finite_vals

# Securities expired or warned about at once by the daily job.
EXPIRY_CHUNK = 500

SECURITY_TYPES = [
    ("insurance", "Credit insurance"),
    ("bank_guarantee", "Bank guarantee"),
    ("standby_lc", "Standby letter of credit"),
    ("documentary_lc", "Documentary letter of credit (one order)"),
    ("collateral", "Collateral / deposit"),
    ("parent_guarantee", "Parent company guarantee"),
]


class CreditSecurity(models.Model):
    """Something that secures a customer's credit: an insurer's or a bank's
    commitment, a deposit, a parent's guarantee. Active securities count in the
    credit check from their start until the day before their end date."""

    _name = "credit.security"
    _description = "Credit Security"
    _inherit = "mail.thread"
    _order = "date_to, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        tracking=True,
        help="Policy or guarantee number.",
    )
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
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    security_type = fields.Selection(
        SECURITY_TYPES, string="Type", required=True, tracking=True
    )
    issuer_id = fields.Many2one(
        "res.partner",
        help="The insurer, the bank or the parent company that secures the credit.",
        tracking=True,
    )
    amount = fields.Monetary(
        required=True,
        tracking=True,
        help="Amount secured; for credit insurance, the insured limit.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )
    coverage = fields.Float(
        string="Coverage (%)",
        default=100.0,
        tracking=True,
        help="Credit insurance: the share of the insured amount the insurer pays.",
    )
    order_id = fields.Many2one(
        "sale.order",
        check_company=True,
        help="A documentary letter of credit covers this order only.",
        tracking=True,
    )
    date_from = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_to = fields.Date(
        string="Valid To",
        tracking=True,
        help="The security stops counting on this day; empty: open-ended.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("released", "Released"),
            ("called", "Called"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    document = fields.Binary(string="Attachment", attachment=True)
    document_name = fields.Char(string="Attachment Name")
    note = fields.Text(string="Notes")

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "The amount of a security must be above zero."
    )

    @api.constrains(
        "date_from",
        "date_to",
        "coverage",
        "amount",
        "security_type",
        "order_id",
        "partner_id",
    )
    def _check_values(self):
        for security in self:
            if security.date_to and security.date_to < security.date_from:
                raise ValidationError(
                    self.env._(
                        "Security %(name)s ends before it starts.", name=security.name
                    )
                )
            if not 0 < security.coverage <= 100:
                raise ValidationError(
                    self.env._(
                        "Security %(name)s: the coverage lies between 0 and 100 %% "
                        "(got %(coverage)s).",
                        name=security.name,
                        coverage=security.coverage,
                    )
                )
            if security.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "Security %(name)s: the amount must be above zero.",
                        name=security.name,
                    )
                )
            security.partner_id._credit_check_commercial(self.env._("Securities"))
            if security.security_type == "documentary_lc" and not security.order_id:
                raise ValidationError(
                    self.env._(
                        "A documentary letter of credit secures one order: choose it."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Amounts are validated by the constraints, but a negative amount
            # is named before the database's check refuses it.
            check_finite_vals(self, vals, ("amount",))
            try:
                amount = float(vals.get("amount") or 0.0)
            except (TypeError, ValueError):
                continue  # not a number: the ORM's own conversion refuses it
            if amount <= 0:
                raise ValidationError(
                    self.env._("The amount of a security must be above zero.")
                )
        securities = super().create(vals_list)
        # Created active (an import of the guarantees a company already holds,
        # a credit manager over RPC): it counts from now, logged as if
        # activated by its button.
        securities.filtered(lambda s: s.state != "draft")._credit_log_state()
        return securities

    def write(self, vals):
        before = (
            {security: security.state for security in self} if "state" in vals else {}
        )
        result = super().write(vals)
        self.browse(
            security.id for security, state in before.items() if security.state != state
        )._credit_log_state()
        return result

    def _credit_log_state(self):
        """A credit decision for the state each of these securities is in."""
        kinds = {
            "active": "security_active",
            "expired": "security_expired",
            "released": "security_released",
            "called": "security_called",
        }
        self.env["credit.decision"]._credit_log(
            [
                {
                    "kind": kinds[security.state],
                    "source": "system" if security.state == "expired" else "manual",
                    "company_id": security.company_id.id,
                    "partner_id": security.partner_id.id,
                    "security_id": security.id,
                    "order_id": security.order_id.id,
                    "order_name": security.order_id.name,
                    "note": security.display_name,
                }
                for security in self
                if security.state in kinds
            ]
        )

    def _credit_check_manager(self):
        if not (
            self.env.su
            or self.env.user.has_group("credit_management.group_credit_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only a credit manager activates, releases or calls a security."
                )
            )

    def action_activate(self):
        self._credit_check_manager()
        self.filtered(lambda s: s.state == "draft").state = "active"

    def action_release(self):
        self._credit_check_manager()
        self.filtered(lambda s: s.state == "active").state = "released"

    def action_call(self):
        self._credit_check_manager()
        self.filtered(lambda s: s.state == "active").state = "called"

    def action_draft(self):
        self._credit_check_manager()
        self.filtered(lambda s: s.state in ("released", "expired")).state = "draft"

    @api.model
    def _credit_ending_soon_domain(self, company):
        """Active securities of ``company`` ending within its warning days."""
        limit = fields.Date.add(
            fields.Date.context_today(self), days=company.credit_security_warn_days
        )
        return [
            ("company_id", "=", company.id),
            ("state", "=", "active"),
            ("date_to", "!=", False),
            ("date_to", "<=", limit),
        ]

    @api.model
    def _cron_expire(self):
        """Daily: expire the securities whose end date has come (the check does
        not count them from that day anyway), and warn about those ending
        within each company's notice."""
        today = fields.Date.context_today(self)
        ending = self.search([("state", "=", "active"), ("date_to", "<=", today)])
        for chunk in chunks(ending, EXPIRY_CHUNK):
            chunk.with_context(tracking_disable=False).write({"state": "expired"})
        # The warnings show in the assignees' activity menu without an e-mail
        # each (thousands on one day in a large book, as the re-rating's).
        Warning = self.env["credit.warning"].with_context(
            mail_activity_quick_update=True
        )
        for company in self.env["res.company"].search([]):
            soon = self.search(self._credit_ending_soon_domain(company))
            for chunk in chunks(soon, EXPIRY_CHUNK):
                Warning.with_company(company)._credit_security_warnings(chunk)
