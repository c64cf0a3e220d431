from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class CreditWhatifWizard(models.TransientModel):
    """Replay a candidate credit policy on the orders confirmed in a period,
    against each customer's exposure as it was on the order's date, beside the
    company's current policy: what would have been blocked. Writes nothing but
    its own transient rows."""

    _name = "credit.whatif.wizard"
    _description = "What-If Replay of a Credit Policy"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self) - relativedelta(months=12, days=-1)
        ),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    limit_mode = fields.Selection(
        [
            ("current", "Current limits"),
            ("factor", "A factor on today's limits"),
            ("grade", "A limit per grade"),
        ],
        string="Candidate Limits",
        required=True,
        default="current",
    )
    limit_factor = fields.Float(
        string="Factor",
        default=0.8,
        help="Each customer's limit of today multiplied by this factor.",
    )
    # PostgreSQL sorts NaN above every number, infinity included.
    _limit_factor_finite = models.Constraint(
        "CHECK(limit_factor < 'Infinity')",
        "The factor on the limits must be a number.",
    )
    grade_limit_ids = fields.One2many(
        "credit.whatif.wizard.grade",
        "wizard_id",
        string="Limits per Grade",
        default=lambda self: self._default_grade_limit_ids(),
        help="The limit of every customer of the grade (its current grade); "
        "customers without a grade keep their limit of today.",
    )
    block_on_limit = fields.Boolean(
        string="Limit Rule",
        default=lambda self: self.env.company.credit_block_on_limit,
    )
    block_on_overdue = fields.Boolean(
        string="Overdue Rule",
        default=lambda self: self.env.company.credit_block_on_overdue,
    )
    overdue_days = fields.Integer(
        string="Days Past Due",
        default=lambda self: self.env.company.credit_overdue_days,
    )
    overdue_tolerance = fields.Monetary(
        string="Tolerance",
        default=lambda self: self.env.company.credit_overdue_tolerance,
    )
    line_ids = fields.One2many(
        "credit.whatif.wizard.line", "wizard_id", string="Replayed Orders"
    )
    replayed = fields.Boolean(readonly=True)
    order_count = fields.Integer(string="Orders Replayed", readonly=True)
    count_current = fields.Integer(string="Blocked (Current)", readonly=True)
    count_candidate = fields.Integer(string="Blocked (Candidate)", readonly=True)
    amount_current = fields.Monetary(string="Amount Blocked (Current)", readonly=True)
    amount_candidate = fields.Monetary(
        string="Amount Blocked (Candidate)", readonly=True
    )

    @api.onchange("company_id")
    def _onchange_company_id(self):
        """The candidate policy starts from the chosen company's rules and
        grades, not the current company's (the defaults)."""
        company = self.company_id or self.env.company
        self.block_on_limit = company.credit_block_on_limit
        self.block_on_overdue = company.credit_block_on_overdue
        self.overdue_days = company.credit_overdue_days
        self.overdue_tolerance = company.credit_overdue_tolerance
        self.grade_limit_ids = [
            Command.clear(),
            *self.with_company(company)._default_grade_limit_ids(),
        ]

    @api.model
    def _default_grade_limit_ids(self):
        grades = self.env["credit.grade"].search(
            [("company_id", "in", (False, self.env.company.id))]
        )
        return [
            Command.create(
                {"grade_id": grade.id, "credit_limit": grade.default_credit_limit}
            )
            for grade in grades
        ]

    @api.constrains("date_from", "date_to", "limit_factor", "overdue_days")
    def _check_inputs(self):
        for wizard in self:
            # An emptied date is refused as a required field, not compared.
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_from > wizard.date_to
            ):
                raise UserError(
                    self.env._("The period of the replay ends before it starts.")
                )
            if wizard.limit_factor < 0 or wizard.overdue_days < 0:
                raise UserError(
                    self.env._(
                        "The factor on the limits and the days past due cannot be "
                        "negative."
                    )
                )

    def _credit_orders(self):
        """The confirmed orders of the company (and its branches) confirmed in
        the period (``date_order`` is the confirmation date)."""
        self.ensure_one()
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        company_ids = (
            self.env["credit.exposure"]
            .with_company(self.company_id)
            ._credit_company_ids()
        )
        return self.env["sale.order"].search(
            [
                ("state", "=", "sale"),
                ("company_id", "in", company_ids),
                ("date_order", ">=", start),
                ("date_order", "<", end),
            ]
        )

    def _credit_candidate_limit(self, partner, grade_limits):
        """The candidate limit of ``partner`` (None: no limit)."""
        if self.limit_mode == "grade" and partner.credit_grade_id in grade_limits:
            return grade_limits[partner.credit_grade_id]
        if not partner.credit_limit_applies:
            return None
        if self.limit_mode == "factor":
            return self.currency_id.round(partner.credit_limit * self.limit_factor)
        return partner.credit_limit

    def _credit_blocked(self, figures, amount, limit, rules):
        """The rule that blocks (``limit`` or ``overdue``) under ``rules`` =
        (limit rule on, overdue rule on, days, tolerance), or None."""
        currency = self.currency_id
        block_limit, block_overdue, days, tolerance = rules
        if (
            block_overdue
            and currency.compare_amounts(figures["overdue_beyond"][days], tolerance) > 0
        ):
            return "overdue"
        if (
            block_limit
            and limit is not None
            and currency.compare_amounts(amount, 0.0) > 0
            and currency.compare_amounts(figures["exposure"] + amount, limit) > 0
        ):
            return "limit"
        return None

    def _credit_replay_values(self):
        """Values of the result lines: every order of the period replayed under
        the current policy and the candidate one (reads only)."""
        self.ensure_one()
        company = self.company_id
        orders = self._credit_orders()
        current_rules = (
            company.credit_control_enabled and company.credit_block_on_limit,
            company.credit_control_enabled and company.credit_block_on_overdue,
            company.credit_overdue_days,
            company.credit_overdue_tolerance,
        )
        candidate_rules = (
            self.block_on_limit,
            self.block_on_overdue,
            self.overdue_days,
            self.overdue_tolerance,
        )
        figures = (
            self.env["credit.exposure"]
            .with_company(company)
            ._credit_exposure_as_of(
                orders.ids, overdue_days=(current_rules[2], candidate_rules[2])
            )
        )
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .browse({values["partner_id"] for values in figures.values()})
        )
        # Iterated, not browsed one by one: read together (prefetch).
        partners_by_id = {partner.id: partner for partner in partners}
        grade_limits = {
            line.grade_id: line.credit_limit for line in self.grade_limit_ids
        }
        labels = {
            "limit": self.env._("Credit limit"),
            "overdue": self.env._("Overdue items"),
        }
        vals_list = []
        for order in orders:
            values = figures[order.id]
            partner = partners_by_id[values["partner_id"]]
            amount = values["amount"]
            limit_current = (
                partner.credit_limit if partner.credit_limit_applies else None
            )
            limit_candidate = self._credit_candidate_limit(partner, grade_limits)
            current = self._credit_blocked(values, amount, limit_current, current_rules)
            candidate = self._credit_blocked(
                values, amount, limit_candidate, candidate_rules
            )
            vals_list.append(
                {
                    "order_id": order.id,
                    "date_order": values["date"],
                    "partner_id": partner.id,
                    "grade_id": partner.credit_grade_id.id,
                    "user_id": order.user_id.id,
                    "amount": amount,
                    "receivable": values["receivable"],
                    "orders_uninvoiced": values["orders_uninvoiced"],
                    "exposure": values["exposure"],
                    "overdue_current": values["overdue_beyond"][current_rules[2]],
                    "overdue_candidate": values["overdue_beyond"][candidate_rules[2]],
                    "limit_current": limit_current or 0.0,
                    "limit_candidate": limit_candidate or 0.0,
                    "blocked_current": bool(current),
                    "blocked_candidate": bool(candidate),
                    "reason_current": labels.get(current),
                    "reason_candidate": labels.get(candidate),
                    "count_current": int(bool(current)),
                    "count_candidate": int(bool(candidate)),
                    "amount_current": amount if current else 0.0,
                    "amount_candidate": amount if candidate else 0.0,
                }
            )
        return vals_list

    def action_replay(self):
        self.ensure_one()
        vals_list = self._credit_replay_values()
        self.line_ids.unlink()
        lines = self.env["credit.whatif.wizard.line"].create(
            [dict(values, wizard_id=self.id) for values in vals_list]
        )
        self.write(
            {
                "replayed": True,
                "order_count": len(lines),
                "count_current": sum(lines.mapped("count_current")),
                "count_candidate": sum(lines.mapped("count_candidate")),
                "amount_current": sum(lines.mapped("amount_current")),
                "amount_candidate": sum(lines.mapped("amount_candidate")),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("What-If Replay"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _credit_summary(self, groupby):
        """{group: (blocked now: count, amount; candidate: count, amount)} of
        the replayed orders, grouped by ``groupby`` (``grade_id``, ``user_id``,
        ``date_order:month``...)."""
        self.ensure_one()
        return {
            group: tuple(values)
            for group, *values in self.env["credit.whatif.wizard.line"]._read_group(
                [("wizard_id", "=", self.id)],
                [groupby],
                [
                    "count_current:sum",
                    "amount_current:sum",
                    "count_candidate:sum",
                    "amount_candidate:sum",
                ],
            )
        }

    def action_open_results(self):
        self.ensure_one()
        groupby = self.env.context.get("credit_whatif_groupby") or "grade_id"
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("What-If Replay"),
            "res_model": "credit.whatif.wizard.line",
            "view_mode": "pivot,list",
            "views": [(False, "pivot"), (False, "list")],
            "domain": [("wizard_id", "=", self.id)],
            "context": {"pivot_row_groupby": [groupby], "group_by": [groupby]},
            "target": "current",
        }
