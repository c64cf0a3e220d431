"""19.0.1.4.0: collections, the portal credit page, shadow mode.

New tables, and new company-dependent fields on the customer; existing
customers read "Normal" as their collection status through the field's default
(set here, as a new installation's data does). No company gets a collection
policy on the upgrade: reminders start only once an administrator chooses one in
Settings (an upgrade must not e-mail customers on its own).

The decision log gains the rules of a refusal in words without figures
(``rule_names``, to group refusals by rule): filled here from the rule codes of
the rows already written (the log is immutable through the ORM; this is its
schema's migration, not a change of a decision).
"""

from odoo import SUPERUSER_ID, api

RULE_NAMES = {
    "collection": "customer in legal collection or written off",
    "hold": "customer on credit hold",
    "prepayment": "grade requires payment in advance",
    "country": "country risk requires payment in advance",
    "terms": "payment terms or down payment beyond the grade's",
    "overdue": "invoices overdue beyond the tolerance",
    "limit": "over the credit limit",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["ir.default"].set("res.partner", "credit_collection_status", "normal")
    cr.execute(
        "SELECT id, rule_codes FROM credit_decision"
        " WHERE rule_codes IS NOT NULL AND rule_codes != '' AND rule_names IS NULL"
    )
    for decision_id, codes in cr.fetchall():
        names = "; ".join(
            RULE_NAMES.get(code, code) for code in codes.split(",") if code
        )
        cr.execute(
            "UPDATE credit_decision SET rule_names = %s WHERE id = %s",
            (names, decision_id),
        )
