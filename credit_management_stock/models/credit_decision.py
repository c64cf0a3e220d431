from odoo import fields, models


class CreditDecision(models.Model):
    _inherit = "credit.decision"

    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
