"""``odoo credit_training -d DB``: build a credit training company in DB.

Odoo finds this command in the addons path (``<addon>/cli/<command>.py``); the
addon must be installed in the database. Usage::

    odoo --addons-path=... credit_training -c odoo.conf -d DB \
        [--company-name "Credit Training"] [--per-situation 2] [--user login ...]
"""

import argparse
import logging
import sys

from odoo import api
from odoo.cli.command import Command
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger(__name__)


class CreditTraining(Command):
    """Build a company with customers in every credit situation, for training."""

    name = "credit_training"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(prog=self.prog, description=self.__doc__)
        parser.add_argument("--company-name", default="Credit Training")
        parser.add_argument("--per-situation", type=int, default=2)
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            help="login of a user who gets access (repeat; admin always does)",
        )
        parser.add_argument(
            "--salesperson", default="admin", help="login of the salesperson"
        )
        own, odoo_args = parser.parse_known_args(cmdargs)
        config.parse_config(odoo_args + ["--no-http"], setup_logging=True)
        dbnames = config["db_name"]
        if not dbnames or len(dbnames) != 1:
            sys.exit("credit_training needs one database: -d DB")
        registry = Registry(dbnames[0])
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            if "credit.training" not in env:
                sys.exit(
                    f"credit_management is not installed in {dbnames[0]}: "
                    "install it first (-i credit_management)"
                )
            users = env["res.users"].search([("login", "in", ["admin", *own.user])])
            missing = set(own.user) - set(users.mapped("login"))
            if missing:
                sys.exit(f"no such user: {', '.join(sorted(missing))}")
            salesperson = env["res.users"].search(
                [("login", "=", own.salesperson)], limit=1
            )
            if not salesperson:
                sys.exit(f"no such user: {own.salesperson}")
            admin = users.filtered(lambda user: user.login == "admin")[:1]
            company = (
                env["credit.training"]
                .with_user(admin or env.user)
                ._credit_build_training_company(
                    own.company_name,
                    per_situation=own.per_situation,
                    users=users,
                    salesperson=salesperson,
                )
            )
            customers = env["res.partner"].search_count(
                [("company_id", "=", company.id), ("category_id", "!=", False)]
            )
            sys.stdout.write(
                f"Training company {company.name!r} (id {company.id}) built in "
                f"{dbnames[0]}: {customers} customers.\n"
            )
