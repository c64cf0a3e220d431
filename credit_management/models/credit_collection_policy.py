from itertools import pairwise

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Collection statuses of a customer, from the quietest to the most severe.
COLLECTION_STATUSES = [
    ("normal", "Normal"),
    ("reminded", "Reminded"),
    ("final_notice", "Final Notice"),
    ("payment_plan", "Payment Plan"),
    ("legal", "Legal Collection"),
    ("written_off", "Written Off"),
]
# Statuses that put the customer on hold (and that the run never lowers on its
# own: legal collection ends when everything is paid, a write-off by hand).
COLLECTION_HOLD_STATUSES = ("legal", "written_off")
# The severity of the statuses a level may set (a later level never sets a
# lower one).
LEVEL_STATUS_RANK = {"reminded": 1, "final_notice": 2, "legal": 3}


class CreditCollectionPolicy(models.Model):
    """How a company reminds its customers of overdue invoices: levels reached
    after days past due, each with its channels (e-mail with the statement,
    printed letter, phone call, hold) and the collection status it sets."""

    _name = "credit.collection.policy"
    _description = "Collection Policy"
    _inherit = "mail.thread"
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many(
        "credit.collection.level", "policy_id", string="Levels", copy=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Receives the phone calls and broken promises to pay of this policy's "
        "customers. Empty: the customer's salesperson, otherwise the company's "
        "credit manager.",
    )
    note = fields.Html(string="Internal Notes")

    @api.constrains("level_ids")
    def _check_levels_in_order(self):
        """Levels are reached by days past due; a later level never sets a
        milder collection status than an earlier one."""
        for policy in self:
            levels = policy._credit_levels()
            for previous, level in pairwise(levels):
                if (
                    LEVEL_STATUS_RANK[level.collection_status]
                    < LEVEL_STATUS_RANK[previous.collection_status]
                ):
                    labels = dict(
                        level._fields["collection_status"]._description_selection(
                            self.env
                        )
                    )
                    raise ValidationError(
                        self.env._(
                            "Levels of %(policy)s are out of order: %(level)s "
                            "(%(days)s days past due) sets the status %(status)s, "
                            "milder than %(previous_status)s set by %(previous)s "
                            "(%(previous_days)s days) before it.",
                            policy=policy.name,
                            level=level.name,
                            days=level.days,
                            status=labels[level.collection_status],
                            previous=previous.name,
                            previous_days=previous.days,
                            previous_status=labels[previous.collection_status],
                        )
                    )

    def _credit_levels(self):
        """The levels in the order they are reached."""
        self.ensure_one()
        return self.level_ids.sorted(lambda level: (level.days, level.id))
