"""19.0.1.4.0: collections.

New tables only, and new company-dependent fields on the customer; existing
customers read "Normal" as their collection status through the field's default
(set here, as a new installation's data does). No company gets a collection
policy on the upgrade: reminders start only once an administrator chooses one in
Settings (an upgrade must not e-mail customers on its own).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["ir.default"].set("res.partner", "credit_collection_status", "normal")
