from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditCollectionWizard(models.TransientModel):
    """Run the collections by hand: preview what today's run would do for
    every customer (or those chosen), then do it for the lines kept. The same
    decisions as the daily run; a second run the same day says nothing twice."""

    _name = "credit.collection.wizard"
    _description = "Run Collections"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        domain="[('parent_id', '=', False)]",
        help="Empty: every customer with something past due.",
    )
    line_ids = fields.One2many(
        "credit.collection.wizard.line", "wizard_id", string="Preview"
    )
    state = fields.Selection(
        [("draft", "Choose"), ("preview", "Preview"), ("done", "Done")],
        default="draft",
        required=True,
    )
    preview_note = fields.Char(readonly=True)
    communication_ids = fields.Many2many(
        "credit.collection.communication", string="Communications Made"
    )

    # The run is today's, in the current company: read-only on the form, and
    # not taken from a client either (a date 100 days ahead handed customers
    # to legal collection, one in the past released their holds).
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["date"] = fields.Date.context_today(self)
            vals["company_id"] = self.env.company.id
        return super().create(vals_list)

    def write(self, vals):
        vals = {
            name: value
            for name, value in vals.items()
            if name not in ("date", "company_id")
        }
        return super().write(vals)

    def _credit_plan(self, partners=None):
        self.ensure_one()
        run = self.env["credit.collection.run"].with_company(self.company_id)
        if not self.company_id.credit_collection_policy_id:
            raise UserError(
                self.env._(
                    "%(company)s has no collection policy: choose one in Settings › "
                    "Credit Control.",
                    company=self.company_id.name,
                )
            )
        if partners is None:
            partners = self.partner_ids.commercial_partner_id or run.env[
                "res.partner"
            ].browse(run._credit_collection_candidate_ids(self.date))
        return run, run._credit_collection_plan(partners, self.date)

    def action_preview(self):
        self.ensure_one()
        __, plan = self._credit_plan()
        self.line_ids = [(5, 0, 0)] + [
            (
                0,
                0,
                {
                    "partner_id": entry["partner"].id,
                    "level_id": entry["level"].id if entry["level"] else False,
                    "amount_overdue": entry["amount"],
                    "max_days_overdue": entry["max_days"],
                    "status_from": entry["partner"].credit_collection_status
                    or "normal",
                    "status_to": entry["status"],
                    "hold": {True: "set", False: "release", None: "none"}[
                        entry["hold"]
                    ],
                    "promise_state": entry["promise_state"] or False,
                },
            )
            for entry in plan
        ]
        self.state = "preview"
        self.preview_note = (
            False
            if plan
            else self.env._(
                "Nothing to do today: every customer past due was already told at "
                "its level, waits for a promise to pay, is excluded, or has not "
                "reached the first level yet."
            )
        )
        return self._credit_reopen()

    def action_run(self):
        self.ensure_one()
        partners = self.line_ids.filtered("selected").partner_id
        if not partners:
            raise UserError(self.env._("Keep at least one line of the preview to run."))
        run, plan = self._credit_plan(partners)
        self.communication_ids = run._credit_collection_apply(plan, self.date)
        self.communication_ids.filtered(
            lambda c: c.email_state == "to_send"
        )._credit_send()
        self.state = "done"
        return self._credit_reopen()

    def action_view_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_collection_communication"
        )
        action["domain"] = [("id", "in", self.communication_ids.ids)]
        action["context"] = {}
        return action

    def _credit_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Run Collections"),
        }
