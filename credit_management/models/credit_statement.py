from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Altman Z'' (non-manufacturers and emerging markets): coefficients and zones.
ALTMAN_COEFFICIENTS = (6.56, 3.26, 6.72, 1.05)
ALTMAN_SAFE = 2.60
ALTMAN_DISTRESS = 1.10


class CreditStatement(models.Model):
    """A customer's financial statement for one period: the figures a credit
    analyst reads from the balance sheet and the income statement, and the
    ratios the score uses (Altman Z'' for solvency, the current ratio for
    liquidity)."""

    _name = "credit.statement"
    _description = "Customer Financial Statement"
    _inherit = "mail.thread"
    _order = "partner_id, period_end desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('parent_id', '=', False)]",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the statement's figures (the ratios do not depend on it).",
    )
    period_end = fields.Date(required=True, tracking=True)
    source = fields.Selection(
        [
            ("audited", "Audited accounts"),
            ("management", "Management accounts"),
            ("agency", "Credit agency"),
        ],
        required=True,
        default="audited",
        tracking=True,
    )
    current_assets = fields.Monetary(tracking=True)
    current_liabilities = fields.Monetary(tracking=True)
    total_assets = fields.Monetary(tracking=True)
    total_liabilities = fields.Monetary(tracking=True)
    retained_earnings = fields.Monetary(tracking=True)
    ebit = fields.Monetary(
        string="EBIT", tracking=True, help="Earnings before interest and taxes."
    )
    revenue = fields.Monetary(tracking=True)
    book_equity = fields.Monetary(tracking=True)
    document = fields.Binary(string="Attachment", attachment=True)
    document_name = fields.Char(string="Attachment Name")
    note = fields.Text()
    working_capital = fields.Monetary(
        compute="_compute_ratios",
        store=True,
        help="Current assets less current liabilities.",
    )
    current_ratio = fields.Float(
        compute="_compute_ratios",
        store=True,
        help="Current assets ÷ current liabilities (liquidity); empty without "
        "current liabilities.",
    )
    debt_ratio = fields.Float(
        compute="_compute_ratios",
        store=True,
        help="Total liabilities ÷ total assets.",
    )
    altman_z = fields.Float(
        string="Altman Z''",
        compute="_compute_ratios",
        store=True,
        help="Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4 (non-manufacturers and "
        "emerging markets): X1 working capital, X2 retained earnings, X3 EBIT, "
        "each ÷ total assets; X4 book equity ÷ total liabilities. Empty without "
        "liabilities.",
    )
    has_altman_z = fields.Boolean(compute="_compute_ratios", store=True)
    altman_zone = fields.Selection(
        [
            ("safe", "Safe"),
            ("grey", "Grey"),
            ("distress", "Distress"),
        ],
        string="Z'' Zone",
        compute="_compute_ratios",
        store=True,
        help="Safe above 2.60, grey from 1.10 to 2.60, distress below 1.10.",
    )

    _period_source_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id, period_end, source)",
        "A customer has one statement per period and source.",
    )

    @api.depends(
        "current_assets",
        "current_liabilities",
        "total_assets",
        "total_liabilities",
        "retained_earnings",
        "ebit",
        "book_equity",
    )
    def _compute_ratios(self):
        for statement in self:
            statement.update(statement._credit_ratios())

    def _credit_ratios(self):
        self.ensure_one()
        working_capital = self.current_assets - self.current_liabilities
        values = {
            "working_capital": working_capital,
            "current_ratio": (
                self.current_assets / self.current_liabilities
                if self.current_liabilities > 0
                else 0.0
            ),
            "debt_ratio": (
                self.total_liabilities / self.total_assets
                if self.total_assets > 0
                else 0.0
            ),
            "altman_z": 0.0,
            "has_altman_z": False,
            "altman_zone": False,
        }
        if self.total_assets > 0 and self.total_liabilities > 0:
            ratios = (
                working_capital / self.total_assets,
                self.retained_earnings / self.total_assets,
                self.ebit / self.total_assets,
                self.book_equity / self.total_liabilities,
            )
            z = sum(c * x for c, x in zip(ALTMAN_COEFFICIENTS, ratios, strict=True))
            values.update(
                altman_z=z,
                has_altman_z=True,
                altman_zone=(
                    "safe"
                    if z > ALTMAN_SAFE
                    else "distress"
                    if z < ALTMAN_DISTRESS
                    else "grey"
                ),
            )
        return values

    @api.depends("partner_id", "period_end", "source")
    def _compute_display_name(self):
        sources = dict(self._fields["source"]._description_selection(self.env))
        for statement in self:
            statement.display_name = self.env._(
                "%(partner)s, %(date)s (%(origin)s)",
                partner=statement.partner_id.display_name,
                date=statement.period_end,
                origin=sources.get(statement.source, ""),
            )

    @api.constrains(
        "total_assets",
        "total_liabilities",
        "current_liabilities",
        "current_assets",
        "period_end",
        "partner_id",
    )
    def _check_figures(self):
        today = fields.Date.context_today(self)
        for statement in self:
            name = statement.display_name
            if statement.total_assets <= 0:
                raise ValidationError(
                    self.env._(
                        "Statement %(name)s: total assets must be above zero "
                        "(got %(value)s).",
                        name=name,
                        value=statement.total_assets,
                    )
                )
            for field_name in (
                "total_liabilities",
                "current_liabilities",
                "current_assets",
            ):
                if statement[field_name] < 0:
                    raise ValidationError(
                        self.env._(
                            "Statement %(name)s: %(field)s cannot be negative "
                            "(got %(value)s).",
                            name=name,
                            field=self._fields[field_name].get_description(self.env)[
                                "string"
                            ],
                            value=statement[field_name],
                        )
                    )
            if statement.period_end > today:
                raise ValidationError(
                    self.env._(
                        "Statement %(name)s: the period ends in the future.",
                        name=name,
                    )
                )
            statement.partner_id._credit_check_commercial(self.env._("Statements"))

    @api.model
    def _credit_check_duplicates(self, vals_list):
        """One statement per customer, company, period and source: said in
        words before the database's constraint would refuse the insert."""
        seen = set()
        for vals in vals_list:
            key = (
                vals.get("partner_id"),
                vals.get("company_id") or self.env.company.id,
                fields.Date.to_date(vals.get("period_end")),
                vals.get("source") or "audited",
            )
            if key in seen or self.search_count(
                [
                    ("partner_id", "=", key[0]),
                    ("company_id", "=", key[1]),
                    ("period_end", "=", key[2]),
                    ("source", "=", key[3]),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(partner)s has a statement for the period ending %(date)s "
                        "from this source already.",
                        partner=self.env["res.partner"].browse(key[0]).display_name,
                        date=key[2],
                    )
                )
            seen.add(key)

    @api.model_create_multi
    def create(self, vals_list):
        self._credit_check_duplicates(vals_list)
        statements = super().create(vals_list)
        self.env["credit.warning"]._credit_statement_warnings(statements)
        return statements
