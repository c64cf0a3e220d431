"""Every model of the addon, every role, every operation: the rights written
down once, here, and checked against what the access rights and record rules
of the database grant.

A model the addon adds or extends (an ``ir.model`` row whose modules include
credit_management or credit_management_stock: transient and SQL views too) and
missing below fails the test: its rights must be decided, not inherited by
accident.
"""

import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import CreditCommon

ADDONS = ("credit_management", "credit_management_stock")
OPERATIONS = (("r", "read"), ("w", "write"), ("c", "create"), ("u", "unlink"))
# salesman: Sales "own documents only", nothing else; credit user and credit
# manager: the credit groups alone (no sales right); portal: a customer; other:
# a credit manager of another company, on a record of the first company.
ROLES = ("salesman", "credit_user", "credit_manager", "portal", "other")

# model: (salesman, credit_user, credit_manager, portal, other)
ACCESS_MATRIX = {
    # Credit data: read by whoever reads credit figures, set by credit managers.
    "credit.grade": ("r", "r", "rwcu", "", ""),
    "credit.score.factor": ("r", "r", "rw", "", ""),
    "credit.review": ("r", "r", "rwc", "", ""),
    "credit.review.line": ("r", "r", "rwc", "", ""),
    "credit.agency": ("r", "r", "rwcu", "", ""),
    "credit.agency.grade": ("r", "r", "rwcu", "", ""),
    "credit.rating": ("", "r", "rwcu", "", ""),
    "credit.rating.import": ("", "", "rwcu", "", ""),
    "credit.rating.import.line": ("", "", "rwcu", "", ""),
    "credit.statement": ("", "r", "rwcu", "", ""),
    "credit.security": ("", "r", "rwc", "", ""),
    # Facts that are never edited nor deleted: approvals and the decision log
    # are written by the code (after its own group check), read here.
    "credit.approval": ("r", "r", "r", "", ""),
    "credit.decision": ("", "r", "r", "", ""),
    # Requests: salespeople make them (record rules: their own customers).
    "credit.limit.request": ("rwcu", "rwcu", "rwcu", "", ""),
    # Scheduled work and analytics: read only, written by the jobs.
    "credit.job.run": ("", "r", "r", "", ""),
    "credit.job.failure": ("", "r", "r", "", ""),
    "credit.kpi.snapshot": ("", "r", "r", "", ""),
    "credit.prediction.model": ("", "r", "r", "", ""),
    # Collections.
    "credit.collection.policy": ("", "r", "rwcu", "", ""),
    "credit.collection.level": ("", "r", "rwcu", "", ""),
    "credit.collection.communication": ("", "rw", "rw", "", ""),
    "credit.collection.communication.line": ("", "r", "r", "", ""),
    "credit.collection.promise": ("", "rwc", "rwc", "", ""),
    # SQL views.
    "credit.aging.report": ("r", "r", "r", "", ""),
    "credit.collection.report": ("", "r", "r", "", ""),
    "credit.cashin.forecast": ("", "r", "r", "", ""),
    # Wizards (transient): only the company's own.
    "credit.approval.wizard": ("rwc", "rwc", "rwc", "", ""),
    "credit.aging.wizard": ("", "rwc", "rwc", "", ""),
    "credit.audit.wizard": ("", "rwc", "rwc", "", ""),
    "credit.scoring.wizard": ("", "", "rwcu", "", ""),
    "credit.scoring.wizard.line": ("", "", "rwcu", "", ""),
    "credit.collection.wizard": ("", "rwc", "rwc", "", ""),
    "credit.collection.wizard.line": ("", "rwc", "rwc", "", ""),
    "credit.whatif.wizard": ("", "", "rwcu", "", ""),
    "credit.whatif.wizard.grade": ("", "", "rwcu", "", ""),
    "credit.whatif.wizard.line": ("", "", "rwcu", "", ""),
    # Administrators only (group_system), none of these roles.
    "credit.training.wizard": ("", "", "", "", ""),
    # Services (abstract): no record, no right; reached through the models.
    "credit.exposure": ("", "", "", "", ""),
    "credit.policy": ("", "", "", "", ""),
    "credit.scoring": ("", "", "", "", ""),
    "credit.rerate": ("", "", "", "", ""),
    "credit.warning": ("", "", "", "", ""),
    "credit.prediction": ("", "", "", "", ""),
    "credit.collection.run": ("", "", "", "", ""),
    "credit.training": ("", "", "", "", ""),
    # Core models the addon extends: core's rights, plus the credit manager's
    # write on countries (risk class). Credit fields have their own checks.
    "res.partner": ("r", "r", "r", "r", ""),
    "res.company": ("r", "r", "r", "r", ""),
    "res.country": ("r", "r", "rw", "r", "rw"),
    "res.config.settings": ("", "", "", "", ""),
    "sale.order": ("rwc", "", "", "r", ""),
    "sale.order.line": ("rwcu", "", "", "r", ""),
    "account.move": ("r", "", "", "r", ""),
    "account.move.line": ("r", "", "", "r", ""),
    # an index of the addon's on it (the paid dates of the re-rating)
    "account.partial.reconcile": ("r", "", "", "", ""),
    "payment.transaction": ("", "", "", "", ""),
    "mail.activity": ("rwcu", "rwcu", "rwcu", "", "rwcu"),
    # credit_management_stock
    "credit.delivery.release": ("r", "r", "r", "", ""),
    "credit.delivery.release.wizard": ("rwc", "rwc", "rwc", "", ""),
    "stock.picking": ("rwc", "", "", "r", ""),
}
MODELS_OF = {
    "credit.delivery.release": "credit_management_stock",
    "credit.delivery.release.wizard": "credit_management_stock",
    "stock.picking": "credit_management_stock",
}
# Models without a company of their own: the field that gives it. Models with
# neither (countries, activities, settings, services) are the same for every
# company: the other company's manager has the manager's rights on them.
COMPANY_OF = {
    "res.company": "id",
    "credit.agency.grade": "agency_id.company_id",
    "credit.approval.wizard": "order_id.company_id",
    "credit.scoring.wizard.line": "wizard_id.company_id",
    "credit.collection.wizard.line": "wizard_id.company_id",
    "credit.whatif.wizard.grade": "wizard_id.company_id",
    "credit.whatif.wizard.line": "wizard_id.company_id",
    "credit.delivery.release.wizard": "picking_id.company_id",
}


@tagged("post_install", "-at_install")
class TestCreditAccessMatrix(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.company_b = cls.setup_other_company()["company"]

        def user(login, groups, companies=company):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=companies.id,
                company_ids=[Command.set(companies.ids)],
            )

        cls.users = {
            "salesman": user("mx_salesman", "sales_team.group_sale_salesman"),
            "credit_user": user(
                "mx_credit_user", "credit_management.group_credit_user"
            ),
            "credit_manager": user(
                "mx_credit_manager", "credit_management.group_credit_manager"
            ),
            "portal": new_test_user(
                cls.env, login="mx_portal", groups="base.group_portal"
            ),
            "other": user(
                "mx_other_manager",
                "credit_management.group_credit_manager",
                companies=cls.company_b,
            ),
        }
        cls._company_a_records()

    @classmethod
    def _company_a_records(cls):
        """At least one record of the first company in every model that has a
        company, whatever the database holds besides."""
        env, company, today = cls.env, cls.company, cls.today
        customer = cls.customer
        # Written by the scheduled jobs (superuser), never by a user.
        jobs = env(su=True)
        customer.company_id = False
        cls.env["res.partner"].create(
            {"name": "Company A only", "is_company": True, "company_id": company.id}
        )
        invoice = cls._invoice(1000.0, days_ago=45)
        not_due = cls._invoice(500.0, post=False)  # the cash-in forecast
        not_due.invoice_date_due = today + timedelta(days=20)
        not_due.action_post()
        order = cls._order(9000.0)
        order._credit_approve("Known customer")
        agency = env["credit.agency"].create(
            {
                "name": "Company A agency",
                "company_id": company.id,
                "scale_type": "letter",
                "grade_ids": [Command.create({"name": "AA", "score": 90})],
            }
        )
        env["credit.grade"].create(
            {
                "code": "MX",
                "name": "Company A grade",
                "min_score": 99,
                "company_id": company.id,
            }
        )
        env["credit.rating"].create(
            {
                "partner_id": customer.id,
                "agency_id": agency.id,
                "date": today,
                "rating": "AA",
            }
        )
        env["credit.statement"].create(
            {
                "partner_id": customer.id,
                "period_end": today - timedelta(days=90),
                "source": "audited",
                "total_assets": 1000.0,
            }
        )
        bank = env["res.partner"].create({"name": "Matrix Bank", "is_company": True})
        env["credit.security"].create(
            {
                "name": "MX-1",
                "partner_id": customer.id,
                "security_type": "bank_guarantee",
                "issuer_id": bank.id,
                "amount": 100.0,
                "date_from": today,
            }
        )
        env["credit.scoring"]._credit_rate(customer, "manual")
        env["credit.limit.request"].create(
            {"partner_id": customer.id, "limit_requested": 6000.0, "reason": "x"}
        )
        env["credit.collection.promise"].create(
            {"partner_id": customer.id, "amount": 10.0, "date_promised": today}
        )
        policy = env["credit.collection.policy"].create(
            {
                "name": "Matrix collection",
                "company_id": company.id,
                "level_ids": [Command.create({"name": "Reminder", "days": 15})],
            }
        )
        company.credit_collection_policy_id = policy
        level = policy.level_ids
        communication = jobs["credit.collection.communication"].create(
            {
                "partner_id": customer.id,
                "company_id": company.id,
                "level_id": level.id,
                "date": today,
            }
        )
        jobs["credit.collection.communication.line"].create(
            {
                "communication_id": communication.id,
                "move_line_id": invoice.line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                ).id,
                "level_id": level.id,
            }
        )
        run = jobs["credit.job.run"].create(
            {
                "job": "rerate",
                "company_id": company.id,
                "date_start": fields.Datetime.now(),
            }
        )
        jobs["credit.job.failure"].create(
            {
                "run_id": run.id,
                "res_model": "res.partner",
                "res_id": customer.id,
                "message": "x",
            }
        )
        jobs["credit.kpi.snapshot"].create(
            {
                "month": today.replace(day=1),
                "date": today,
                "level": "company",
                "company_id": company.id,
            }
        )
        jobs["credit.prediction.model"].create(
            {"company_id": company.id, "date_fit": fields.Datetime.now()}
        )
        rating_import = env["credit.rating.import"].create(
            {
                "file": base64.b64encode(b"Tax ID,Agency,Date,Rating\nx,x,x,x\n"),
                "file_name": "a.csv",
            }
        )
        rating_import.action_preview()
        env["credit.approval.wizard"].create({"order_id": order.id, "reason": "x"})
        env["credit.aging.wizard"].create({"date": today})
        env["credit.audit.wizard"].create({"date_from": today, "date_to": today})
        env["credit.scoring.wizard"].create({}).action_preview()
        collection = env["credit.collection.wizard"].create({})
        env["credit.collection.wizard.line"].create(
            {"wizard_id": collection.id, "partner_id": customer.id}
        )
        whatif = env["credit.whatif.wizard"].create(
            {"date_from": today - timedelta(days=30), "date_to": today}
        )
        whatif.action_replay()
        env["credit.whatif.wizard.line"].create(
            {"wizard_id": whatif.id, "order_id": order.id, "partner_id": customer.id}
        )
        if "credit.delivery.release" in env:
            order = cls._order(10.0)
            order._credit_approve("For the delivery")
            order.action_confirm()
            picking = order.picking_ids[:1]
            # A hold placed after the confirmation blocks the delivery.
            customer.write({"credit_hold": True, "credit_hold_reason": "Matrix"})
            env["credit.delivery.release.wizard"].create(
                {"picking_id": picking.id, "reason": "x"}
            ).action_release()
            customer.credit_hold = False

    def _addon_models(self):
        models = {}
        for model in self.env["ir.model"].search([]):
            modules = {name.strip() for name in (model.modules or "").split(",")}
            if modules & set(ADDONS):
                models[model.model] = model
        return models

    def _rights(self, records, user):
        records = records.with_user(user)
        return "".join(
            letter for letter, operation in OPERATIONS if records.has_access(operation)
        )

    def _company_path(self, model):
        if model in COMPANY_OF:
            return COMPANY_OF[model]
        field = self.env[model]._fields.get("company_id")
        if field is not None and field.store:
            return "company_id"
        return None

    def test_every_model_is_in_the_matrix(self):
        models = self._addon_models()
        for name in sorted(models):
            with self.subTest(model=name):
                self.assertTrue(
                    name in ACCESS_MATRIX,
                    f"new model {name}: add it to the access matrix with its rights",
                )
        installed = set(
            self.env["ir.module.module"]
            .search([("name", "in", ADDONS), ("state", "=", "installed")])
            .mapped("name")
        )
        for name in sorted(set(ACCESS_MATRIX) - set(models)):
            with self.subTest(model=name):
                self.assertNotIn(
                    MODELS_OF.get(name, "credit_management"),
                    installed,
                    f"{name} is in the access matrix but no longer a model of the "
                    "addon: remove it",
                )

    def test_access_rights_and_company_rules_match_the_matrix(self):
        for name in sorted(self._addon_models()):
            if name not in ACCESS_MATRIX:
                continue  # test_every_model_is_in_the_matrix names it
            expected = dict(zip(ROLES, ACCESS_MATRIX[name], strict=True))
            Model = self.env[name]
            for role in ROLES[:4]:
                with self.subTest(model=name, role=role):
                    self.assertEqual(
                        self._rights(Model, self.users[role]), expected[role]
                    )
            with self.subTest(model=name, role="other"):
                other = self.users["other"]
                path = self._company_path(name)
                if path is None or not self._rights(Model, other):
                    self.assertEqual(self._rights(Model, other), expected["other"])
                    continue
                record = Model.sudo().search([(path, "=", self.company.id)], limit=1)
                self.assertTrue(
                    record,
                    f"no record of {name} in the first company: add one in "
                    "_company_a_records",
                )
                if not record.with_user(other).exists():
                    # A report built for the user's companies: the row is not
                    # even there for another company's manager.
                    self.assertEqual(expected["other"], "")
                    continue
                self.assertEqual(
                    self._rights(record.sudo(False), other),
                    expected["other"],
                    f"{other.login} on {record}",
                )
