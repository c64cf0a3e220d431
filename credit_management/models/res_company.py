from odoo import api, fields, models


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
        "Defaults to Credit Manager.",
    )

    _credit_overdue_days_positive = models.Constraint(
        "CHECK(credit_overdue_days >= 0)",
        "The tolerated days overdue cannot be negative.",
    )
    _credit_overdue_tolerance_positive = models.Constraint(
        "CHECK(credit_overdue_tolerance >= 0)",
        "The tolerated overdue amount cannot be negative.",
    )

    @api.model
    def _credit_override_group(self):
        """The group allowed to approve blocked orders for this company."""
        self.ensure_one()
        return self.credit_override_group_id or self.env.ref(
            "credit_management.group_credit_manager"
        )
