from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditDeliveryReleaseWizard(models.TransientModel):
    _name = "credit.delivery.release.wizard"
    _description = "Release a Delivery Blocked by Credit Control"

    picking_id = fields.Many2one(
        "stock.picking", string="Delivery", required=True, ondelete="cascade"
    )
    credit_block_message = fields.Text(
        compute="_compute_credit_block_message", string="Why It Is Blocked"
    )
    reason = fields.Text(
        required=True,
        help="Why the delivery may go despite the credit policy; kept on the "
        "delivery and in its chatter for the audit.",
    )

    @api.depends("picking_id")
    def _compute_credit_block_message(self):
        for wizard in self:
            wizard.credit_block_message = wizard.picking_id.credit_block_message

    @api.constrains("reason")
    def _check_reason(self):
        for wizard in self:
            if not (wizard.reason or "").strip():
                raise ValidationError(
                    self.env._("Give the reason for the credit release.")
                )

    def action_release(self):
        """Record the release (credit.delivery.release checks who releases and
        what)."""
        self.ensure_one()
        self.picking_id._credit_release(self.reason)
        return True
