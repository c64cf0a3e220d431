from odoo import api, fields, models

from .credit_prediction import FEATURES


class CreditPredictionModel(models.Model):
    """A company's fitted payment model: the coefficients of its three
    regressions on standardised features (credit.prediction), with what they
    were fitted on. Each refit adds a record and archives the previous one, so
    that the history of the fits stays readable."""

    _name = "credit.prediction.model"
    _description = "Credit Payment Prediction Model"
    _order = "date_fit desc, id desc"
    _rec_name = "date_fit"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    active = fields.Boolean(default=True, readonly=True)
    date_fit = fields.Datetime(string="Fitted On", required=True, readonly=True)
    date_history = fields.Date(
        string="History Until",
        readonly=True,
        help="The fit read the invoices settled before this day.",
    )
    sample_count = fields.Integer(
        string="Invoices Fitted", readonly=True, help="Settled invoices the fit read."
    )
    late_share = fields.Float(
        string="Paid Late (%)",
        readonly=True,
        digits=(16, 1),
        help="Share of the fitted invoices paid after their due date.",
    )
    late30_share = fields.Float(
        string="Paid > 30 Days Late (%)", readonly=True, digits=(16, 1)
    )
    train_auc = fields.Float(
        string="ROC AUC (fitted data)",
        readonly=True,
        digits=(16, 3),
        help="How well the late probability ranks the fitted invoices: 0.5 is "
        "chance, 1 perfect. Measured on the data of the fit (optimistic); "
        "bench/ibm_eval.py measures it on invoices the fit never saw.",
    )
    train_mae = fields.Float(
        string="Days Late Error (fitted data)",
        readonly=True,
        digits=(16, 2),
        help="Mean absolute error of the predicted days late on the fitted invoices.",
    )
    parameters = fields.Json(
        readonly=True,
        help="Feature means and scales, company priors and the coefficients of "
        "the three models.",
    )
    coefficient_summary = fields.Text(
        string="Coefficients", compute="_compute_coefficient_summary"
    )

    @api.depends("parameters")
    def _compute_coefficient_summary(self):
        labels = dict(FEATURES)
        for model in self:
            parameters = model.parameters or {}
            lines = []
            late = parameters.get("late") or []
            late30 = parameters.get("late30") or []
            delay = parameters.get("delay") or []
            for index, code in enumerate(parameters.get("features", []), start=1):
                lines.append(
                    self.env._(
                        "%(feature)s: late %(late)+.3f, >30 days %(late30)s, "
                        "days %(delay)+.2f",
                        feature=str(labels.get(code, code)),
                        late=late[index] if index < len(late) else 0.0,
                        late30=(
                            f"{late30[index]:+.3f}" if index < len(late30) else "–"
                        ),
                        delay=delay[index] if index < len(delay) else 0.0,
                    )
                )
            model.coefficient_summary = "\n".join(lines)

    @api.model
    def _credit_current(self):
        """The active model of the current company (empty without one)."""
        return self.search(
            [("company_id", "=", self.env.company.id)], order="date_fit desc", limit=1
        )

    @api.model
    def _credit_refit(self, company, as_of):
        """Fit ``company``'s model on its history before ``as_of`` and make it
        the active one. :return: the new model, or empty when the history is too
        short (the previous model stays active)."""
        service = self.env["credit.prediction"].with_company(company)
        values = service._credit_fit_values(as_of)
        if values is None:
            return self.browse()
        # sudo: the fit is the job's bookkeeping, whoever runs the job; users
        # only read models.
        Model = self.sudo()
        previous = Model.search([("company_id", "=", company.id)])
        model = Model.create(
            dict(values, company_id=company.id, date_fit=fields.Datetime.now())
        )
        previous.active = False
        return model.sudo(False)
