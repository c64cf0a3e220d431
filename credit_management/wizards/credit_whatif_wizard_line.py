from odoo import fields, models


class CreditWhatifWizardLine(models.TransientModel):
    _name = "credit.whatif.wizard.line"
    _description = "What-If Replay: Replayed Order"
    _order = "date_order, id"

    wizard_id = fields.Many2one(
        "credit.whatif.wizard", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    order_id = fields.Many2one("sale.order", readonly=True)
    date_order = fields.Date(string="Order Date", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    grade_id = fields.Many2one("credit.grade", string="Grade (Current)", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    amount = fields.Monetary(string="Order Amount", readonly=True)
    receivable = fields.Monetary(string="Open Receivables Then", readonly=True)
    orders_uninvoiced = fields.Monetary(
        string="Orders Not Invoiced Then", readonly=True
    )
    exposure = fields.Monetary(string="Exposure Then", readonly=True)
    overdue_current = fields.Monetary(
        string="Overdue Beyond (Current Days)", readonly=True
    )
    overdue_candidate = fields.Monetary(
        string="Overdue Beyond (Candidate Days)", readonly=True
    )
    limit_current = fields.Monetary(string="Current Limit", readonly=True)
    limit_candidate = fields.Monetary(string="Candidate Limit", readonly=True)
    blocked_current = fields.Boolean(string="Blocked (Current)", readonly=True)
    blocked_candidate = fields.Boolean(string="Blocked (Candidate)", readonly=True)
    reason_current = fields.Char(string="Rule (Current)", readonly=True)
    reason_candidate = fields.Char(string="Rule (Candidate)", readonly=True)
    count_current = fields.Integer(string="Orders Blocked (Current)", readonly=True)
    count_candidate = fields.Integer(string="Orders Blocked (Candidate)", readonly=True)
    amount_current = fields.Monetary(string="Amount Blocked (Current)", readonly=True)
    amount_candidate = fields.Monetary(
        string="Amount Blocked (Candidate)", readonly=True
    )
