from odoo import api, fields, models


class CreditTrainingWizard(models.TransientModel):
    """Administrators build a training company: customers in every credit
    situation, in a company of their own, for new staff to practise on."""

    _name = "credit.training.wizard"
    _description = "Build a Credit Training Company"

    company_name = fields.Char(
        required=True, default=lambda self: self.env._("Credit Training")
    )
    per_situation = fields.Integer(
        string="Customers per Situation",
        default=2,
        required=True,
        help="How many customers are built in each situation (1 to 50).",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Trainees",
        domain=[("share", "=", False)],
        default=lambda self: self.env.user,
        help="Users who get access to the training company (you always do).",
    )
    salesperson_id = fields.Many2one(
        "res.users",
        domain=[("share", "=", False)],
        default=lambda self: self.env.user,
        required=True,
        help="The salesperson of the training customers and their quotations.",
    )
    situation_list = fields.Html(
        string="Situations", compute="_compute_situation_list", sanitize=False
    )

    @api.depends("per_situation")
    def _compute_situation_list(self):
        situations = self.env["credit.training"]._credit_training_situations()
        items = "".join(
            f"<li><b>{label}</b>: {practise}</li>"
            for label, practise in situations.values()
        )
        for wizard in self:
            wizard.situation_list = f"<ul>{items}</ul>"

    def action_build(self):
        self.ensure_one()
        company = self.env["credit.training"]._credit_build_training_company(
            self.company_name,
            per_situation=self.per_situation,
            users=self.user_ids,
            salesperson=self.salesperson_id,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "sticky": True,
                "title": self.env._("Training company built"),
                "message": self.env._(
                    "%(company)s is ready with its customers: switch to it in the "
                    "company switcher (top right). Each customer's internal notes say "
                    "what to practise on it.",
                    company=company.name,
                ),
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }
