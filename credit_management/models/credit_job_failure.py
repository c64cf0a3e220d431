from markupsafe import Markup
from odoo import api, fields, models


class CreditJobFailure(models.Model):
    """A record a scheduled credit run could not process: rolled back alone,
    left out of the rest of the run, and reported to the credit manager."""

    _name = "credit.job.failure"
    _description = "Credit Scheduled Run Failure"
    _order = "id desc"

    run_id = fields.Many2one(
        "credit.job.run", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Integer(string="Record ID", required=True, readonly=True)
    record_name = fields.Char(
        string="Record", compute="_compute_record_name", compute_sudo=True
    )
    message = fields.Text(string="Error", required=True, readonly=True)

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for failure in self:
            record = self.env[failure.res_model].browse(failure.res_id).exists()
            failure.record_name = record.display_name if record else False

    def _credit_notify(self):
        """One activity per failed record for the company's credit manager."""
        activity_type = self.env.ref(
            "credit_management.mail_activity_type_credit_warning"
        )
        Activity = self.env["mail.activity"].sudo()  # reported to another user
        values = []
        for failure in self:
            user = failure.company_id._credit_manager_user()
            if not user:
                continue
            values.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id(failure.res_model),
                    "res_id": failure.res_id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                    "summary": self.env._(
                        "%(run)s failed", run=failure.run_id.display_name
                    ),
                    "note": Markup("<p>%s</p>") % failure.message,
                    "credit_warning_code": "job_failure",
                }
            )
        Activity.create(values)
