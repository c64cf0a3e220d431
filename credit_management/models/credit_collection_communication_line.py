from odoo import fields, models


class CreditCollectionCommunicationLine(models.Model):
    """One overdue item a communication spoke of, and the level the item had
    reached then: an item is spoken of again only once it reaches a higher
    level."""

    _name = "credit.collection.communication.line"
    _description = "Collection Communication Item"
    _order = "communication_id, date_maturity, id"

    communication_id = fields.Many2one(
        "credit.collection.communication",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Journal Item",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    date_maturity = fields.Date(string="Due Date", readonly=True)
    level_id = fields.Many2one(
        "credit.collection.level",
        string="Level Reached",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    days_overdue = fields.Integer(string="Days Past Due", readonly=True)
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    currency_id = fields.Many2one(related="communication_id.currency_id")
    amount = fields.Monetary(
        string="Open Amount", readonly=True, help="Open when it was spoken of."
    )
