from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_enabled = fields.Boolean(
        related="company_id.credit_control_enabled", readonly=False
    )
    credit_block_on_limit = fields.Boolean(
        related="company_id.credit_block_on_limit", readonly=False
    )
    credit_block_on_overdue = fields.Boolean(
        related="company_id.credit_block_on_overdue", readonly=False
    )
    credit_overdue_days = fields.Integer(
        related="company_id.credit_overdue_days", readonly=False
    )
    credit_overdue_tolerance = fields.Monetary(
        related="company_id.credit_overdue_tolerance",
        readonly=False,
        currency_field="currency_id",
    )
    credit_block_prepayment = fields.Boolean(
        related="company_id.credit_block_prepayment", readonly=False
    )
    credit_skip_paid_orders = fields.Boolean(
        related="company_id.credit_skip_paid_orders", readonly=False
    )
    credit_override_group_id = fields.Many2one(
        related="company_id.credit_override_group_id", readonly=False
    )
