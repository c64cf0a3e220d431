from odoo import fields, models


class CreditDecision(models.Model):
    _inherit = "credit.decision"

    kind = fields.Selection(
        selection_add=[("delivery_release", "Delivery Released")],
        ondelete={"delivery_release": "cascade"},
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
