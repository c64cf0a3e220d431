from odoo import fields, models
from odoo.exceptions import AccessError

# Country risk classes of export credit agencies (OECD): 0 lowest risk, 7 highest.
COUNTRY_RISK_CLASSES = [
    (str(value), label)
    for value, label in enumerate(
        [
            "0 – lowest risk",
            "1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7 – highest risk",
        ]
    )
]


class ResCountry(models.Model):
    _inherit = "res.country"

    credit_risk_class = fields.Selection(
        COUNTRY_RISK_CLASSES,
        string="Country Risk Class",
        help="Country risk class 0–7 as used by export credit agencies (0 the lowest "
        "risk); empty when unknown. Feeds the country risk factor of the credit "
        "score and the company's country rule.",
    )

    def write(self, vals):
        # Credit managers may write countries (security/ir.model.access.csv) to
        # classify their risk, and nothing else of them.
        if (
            set(vals) - {"credit_risk_class"}
            and not self.env.su
            and not self.env.user.has_group("base.group_system")
        ):
            raise AccessError(
                self.env._(
                    "Credit managers may change only the country risk class of a "
                    "country."
                )
            )
        raised = self.browse()
        if vals.get("credit_risk_class"):
            raised = self.filtered(
                lambda c: (
                    int(vals["credit_risk_class"]) > int(c.credit_risk_class or -1)
                )
            )
        result = super().write(vals)
        if raised:
            self.env["credit.warning"]._credit_country_warnings(raised)
        return result
