from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditApprovalWizard(models.TransientModel):
    _name = "credit.approval.wizard"
    _description = "Approve a Sale Order Blocked by Credit Control"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    credit_check_message = fields.Text(
        compute="_compute_credit_check_message", string="Why It Is Blocked"
    )
    reason = fields.Text(
        required=True,
        help="Why the order may go ahead despite the credit policy (or, refusing "
        "a request, why not); kept on the order and in its chatter for the audit.",
    )

    @api.depends("order_id")
    def _compute_credit_check_message(self):
        # The approver is approving: the text names the reasons and figures,
        # not "approve it yourself".
        for wizard in self:
            order = wizard.order_id
            check = order._credit_check() if order else None
            wizard.credit_check_message = (
                order._credit_message(check, reader=False)
                if check and check["codes"]
                else False
            )

    @api.constrains("reason")
    def _check_reason(self):
        for wizard in self:
            if not (wizard.reason or "").strip():
                raise ValidationError(
                    self.env._("Give the reason for the credit approval.")
                )

    credit_review_pending = fields.Boolean(related="order_id.credit_review_pending")

    def action_refuse(self):
        """Refuse the approval request: the salesperson is told why."""
        self.ensure_one()
        self.order_id._credit_refuse_request(self.reason)
        return True

    def action_approve(self):
        """Record the approval (credit.approval checks who approves and what)."""
        self.ensure_one()
        self.order_id._credit_approve(self.reason)
        return True
