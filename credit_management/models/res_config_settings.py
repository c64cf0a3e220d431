from odoo import fields, models
from odoo.exceptions import ValidationError


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
    credit_approval_validity_days = fields.Integer(
        related="company_id.credit_approval_validity_days", readonly=False
    )
    credit_min_data_weight = fields.Float(
        related="company_id.credit_min_data_weight", readonly=False
    )
    credit_limit_mode = fields.Selection(
        related="company_id.credit_limit_mode", readonly=False
    )
    credit_rerate_batch_size = fields.Integer(
        related="company_id.credit_rerate_batch_size", readonly=False
    )
    credit_warn_score_drop = fields.Float(
        related="company_id.credit_warn_score_drop", readonly=False
    )
    credit_warn_score_threshold = fields.Float(
        related="company_id.credit_warn_score_threshold", readonly=False
    )
    credit_warn_utilisation = fields.Float(
        related="company_id.credit_warn_utilisation", readonly=False
    )
    credit_warn_overdue_days = fields.Integer(
        related="company_id.credit_warn_overdue_days", readonly=False
    )
    credit_warn_rating_drop = fields.Float(
        related="company_id.credit_warn_rating_drop", readonly=False
    )
    credit_statement_max_age = fields.Integer(
        related="company_id.credit_statement_max_age", readonly=False
    )
    credit_rating_combination = fields.Selection(
        related="company_id.credit_rating_combination", readonly=False
    )
    credit_block_country = fields.Boolean(
        related="company_id.credit_block_country", readonly=False
    )
    credit_country_risk_class = fields.Integer(
        related="company_id.credit_country_risk_class", readonly=False
    )
    credit_security_mode = fields.Selection(
        related="company_id.credit_security_mode", readonly=False
    )
    credit_security_lifts_hold = fields.Boolean(
        related="company_id.credit_security_lifts_hold", readonly=False
    )
    credit_security_lifts_prepayment = fields.Boolean(
        related="company_id.credit_security_lifts_prepayment", readonly=False
    )
    credit_security_lifts_overdue = fields.Boolean(
        related="company_id.credit_security_lifts_overdue", readonly=False
    )
    credit_limit_requests_only = fields.Boolean(
        related="company_id.credit_limit_requests_only", readonly=False
    )
    credit_request_level1_amount = fields.Monetary(
        related="company_id.credit_request_level1_amount",
        readonly=False,
        currency_field="currency_id",
    )
    credit_request_level1_percent = fields.Float(
        related="company_id.credit_request_level1_percent", readonly=False
    )
    credit_request_group_id = fields.Many2one(
        related="company_id.credit_request_group_id", readonly=False
    )
    credit_security_warn_days = fields.Integer(
        related="company_id.credit_security_warn_days", readonly=False
    )
    credit_shadow_mode = fields.Selection(
        related="company_id.credit_shadow_mode", readonly=False
    )
    credit_shadow_collection = fields.Boolean(
        related="company_id.credit_shadow_collection", readonly=False
    )
    credit_shadow_hold = fields.Boolean(
        related="company_id.credit_shadow_hold", readonly=False
    )
    credit_shadow_prepayment = fields.Boolean(
        related="company_id.credit_shadow_prepayment", readonly=False
    )
    credit_shadow_country = fields.Boolean(
        related="company_id.credit_shadow_country", readonly=False
    )
    credit_shadow_terms = fields.Boolean(
        related="company_id.credit_shadow_terms", readonly=False
    )
    credit_shadow_overdue = fields.Boolean(
        related="company_id.credit_shadow_overdue", readonly=False
    )
    credit_shadow_limit = fields.Boolean(
        related="company_id.credit_shadow_limit", readonly=False
    )
    credit_portal_enabled = fields.Boolean(
        related="company_id.credit_portal_enabled", readonly=False
    )
    credit_collection_policy_id = fields.Many2one(
        related="company_id.credit_collection_policy_id", readonly=False
    )
    credit_manager_user_id = fields.Many2one(
        related="company_id.credit_manager_user_id", readonly=False
    )
    credit_finance_user_id = fields.Many2one(
        related="company_id.credit_finance_user_id", readonly=False
    )
    credit_aging_bucket_1 = fields.Integer(
        related="company_id.credit_aging_bucket_1", readonly=False
    )
    credit_aging_bucket_2 = fields.Integer(
        related="company_id.credit_aging_bucket_2", readonly=False
    )
    credit_aging_bucket_3 = fields.Integer(
        related="company_id.credit_aging_bucket_3", readonly=False
    )
    credit_aging_bucket_4 = fields.Integer(
        related="company_id.credit_aging_bucket_4", readonly=False
    )
    credit_rerate_interval_number = fields.Integer(
        string="Re-rate Every",
        compute="_compute_credit_rerate_interval",
        inverse="_inverse_credit_rerate_interval",
    )
    credit_rerate_interval_type = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        string="Re-rating Interval Unit",
        compute="_compute_credit_rerate_interval",
        inverse="_inverse_credit_rerate_interval",
    )

    def _credit_rerate_cron(self):
        # sudo: the scheduled action is technical; settings are for credit managers
        return self.env.ref("credit_management.ir_cron_credit_rerate").sudo()

    def _compute_credit_rerate_interval(self):
        cron = self._credit_rerate_cron()
        for settings in self:
            settings.credit_rerate_interval_number = cron.interval_number
            settings.credit_rerate_interval_type = cron.interval_type

    def _inverse_credit_rerate_interval(self):
        for settings in self:
            if settings.credit_rerate_interval_number <= 0:
                raise ValidationError(
                    self.env._("The re-rating interval must be at least 1.")
                )
            settings._credit_rerate_cron().write(
                {
                    "interval_number": settings.credit_rerate_interval_number,
                    "interval_type": settings.credit_rerate_interval_type,
                }
            )
