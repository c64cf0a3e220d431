from odoo import api, fields, models

from ..models.credit_collection_policy import COLLECTION_STATUSES


class CreditCollectionWizardLine(models.TransientModel):
    _name = "credit.collection.wizard.line"
    _description = "Run Collections: Preview Line"
    _order = "max_days_overdue desc, id"

    wizard_id = fields.Many2one(
        "credit.collection.wizard", required=True, ondelete="cascade"
    )
    selected = fields.Boolean(string="Do", default=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("credit.collection.level", readonly=True)
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    amount_overdue = fields.Monetary(readonly=True)
    max_days_overdue = fields.Integer(string="Days Past Due", readonly=True)
    send_email = fields.Boolean(related="level_id.send_email")
    print_letter = fields.Boolean(related="level_id.print_letter")
    schedule_call = fields.Boolean(related="level_id.schedule_call")
    status_from = fields.Selection(COLLECTION_STATUSES, string="Status", readonly=True)
    status_to = fields.Selection(
        COLLECTION_STATUSES, string="New Status", readonly=True
    )
    hold = fields.Selection(
        [("none", "Unchanged"), ("set", "Put On Hold"), ("release", "Release")],
        readonly=True,
    )
    promise_state = fields.Selection(
        [("kept", "Kept"), ("broken", "Broken")], string="Promise", readonly=True
    )

    @api.depends("partner_id", "level_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = line.partner_id.display_name
