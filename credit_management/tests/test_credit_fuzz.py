"""Fuzzed calls (hypothesis, derandomised as in test_credit_properties.py): the
public methods of the addon's models and wizards, and writes and creates of
their fields, with hostile values, as a salesman, a credit manager and a portal
user, on their own records, another company's and records that do not exist.

Every refusal is a UserError (AccessError, ValidationError, MissingError are
ones) with a message, or a constraint of the database that the RPC layer turns
into a ValidationError; anything else (TypeError, ValueError, KeyError,
ZeroDivisionError, a psycopg error other than a constraint) is a bug. A refused
call writes nothing: the addon's tables and the target row are the same after
it. A call that succeeds stores no NaN or infinity.
"""

import hashlib
import inspect
import math
import traceback
from datetime import timedelta

from hypothesis import (
    HealthCheck,
    given,
    settings,
    strategies as st,
)
from odoo import Command, models
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger
from psycopg2 import DataError, IntegrityError

from .common import CreditCommon

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ADDON_PACKAGES = (
    "odoo.addons.credit_management.",
    "odoo.addons.credit_management_stock.",
)
# Methods that are not the addon's entry points (CRUD, ORM plumbing).
NOT_ENTRY_POINTS = {
    "create",
    "write",
    "unlink",
    "copy",
    "copy_data",
    "read",
    "default_get",
    "init",
    "name_create",
}
HUGE = 1e300
MAGIC_FIELDS = {"id", "create_uid", "create_date", "write_uid", "write_date"}
HOSTILE_TEXT = [
    "",
    " ",
    "NaN",
    "'; DROP TABLE credit_decision;--",
    '" OR 1=1 --',
    '=HYPERLINK("http://evil","x")',
    "<script>alert(1)</script>",
    "é" * 5000 + "😀" * 500,
    "\u202ertl",
]
HOSTILE_FLOATS = [
    HUGE,
    -HUGE,
    float("nan"),
    float("inf"),
    float("-inf"),
    -1,
    -1.5,
    0,
    "NaN",
    "inf",
    "-1e400",
]
# A float or a text in an Integer field is the ORM's own ValueError ("cannot
# convert float NaN to integer") for every model, not the addon's to check.
HOSTILE_INTEGERS = [-1, 0, 2**31 - 1, -(2**31), 2**31, 10**20]


def _core_conversion_error(error):
    """Whether ``error`` is the ORM's own conversion of a value of the wrong
    type or range (an Integer given 2**31, a Monetary given infinity, a
    selection given an unknown key): raised in Odoo's code, reached from the
    addon only through ``super().create/write``. Every model answers so; the
    addon's code did not fail."""
    frames = traceback.extract_tb(error.__traceback__)
    addon = [frame for frame in frames if "/credit_management" in frame.filename]
    innermost = frames[-1].filename
    return (
        "/credit_management" not in innermost
        and (
            "/odoo/orm/" in innermost
            or "/odoo/tools/" in innermost
            or "sql_db" in innermost
        )
        and all(
            "super()." in (frame.line or "")
            or frame.name.startswith("test_")
            or frame.name in ("_run", "<lambda>", "call")
            for frame in addon
        )
    )


def _hostile_value(field, ids):
    """Hostile values for a field of this type (what the ORM accepts for it)."""
    if field.type in ("float", "monetary"):
        return HOSTILE_FLOATS
    if field.type == "integer":
        return HOSTILE_INTEGERS
    if field.type in ("char", "text", "html"):
        return HOSTILE_TEXT
    if field.type == "boolean":
        return [True, False, 0, 1]
    if field.type == "selection":
        return ["not-a-state", "", False]
    if field.type == "date":
        return ["1900-01-01", "9999-12-31", "0001-01-01", False]
    if field.type == "datetime":
        return ["1900-01-01 00:00:00", "9999-12-31 23:59:59", False]
    if field.type == "many2one":
        return [ids["missing"], ids["other"], 0, False]
    if field.type in ("one2many", "many2many"):
        return [[Command.link(ids["missing"])], [Command.set([ids["other"]])]]
    return [False]


@tagged("post_install", "-at_install")
class TestCreditFuzz(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company, today, customer = cls.company, cls.today, cls.customer
        cls.portal_user = new_test_user(
            cls.env, login="fuzz_portal", groups="base.group_portal"
        )
        cls.users = {
            "salesman": cls.salesman,
            "credit_manager": cls.credit_manager,
            "portal": cls.portal_user,
        }
        cls.company_b = cls.setup_other_company()["company"]
        cls.customer.user_id = cls.salesman
        cls._invoice(1200.0, days_ago=50)
        cls.order = cls._order(9000.0)
        env = cls.env
        agency = env["credit.agency"].create(
            {"name": "Fuzz Index", "scale_best": 100, "scale_worst": 0}
        )
        bank = env["res.partner"].create({"name": "Fuzz Bank", "is_company": True})
        records = [
            customer,
            cls.order,
            cls.grade_c,
            agency,
            company.credit_score_factor_ids[:1],
            env["credit.limit.request"].create(
                {"partner_id": customer.id, "limit_requested": 7000.0, "reason": "x"}
            ),
            env["credit.security"].create(
                {
                    "name": "FZ-1",
                    "partner_id": customer.id,
                    "security_type": "bank_guarantee",
                    "issuer_id": bank.id,
                    "amount": 100.0,
                    "date_from": today,
                }
            ),
            env["credit.statement"].create(
                {
                    "partner_id": customer.id,
                    "period_end": today - timedelta(days=90),
                    "source": "audited",
                    "total_assets": 1000.0,
                }
            ),
            env["credit.rating"].create(
                {
                    "partner_id": customer.id,
                    "agency_id": agency.id,
                    "date": today,
                    "rating": "50",
                }
            ),
            env["credit.collection.promise"].create(
                {"partner_id": customer.id, "amount": 10.0, "date_promised": today}
            ),
            env["credit.rating.import"].create(
                {"file": "VGF4IElELEFnZW5jeSxEYXRlLFJhdGluZwo=", "file_name": "r.csv"}
            ),
            env["credit.scoring"]._credit_rate(customer, "manual"),
            env["credit.aging.wizard"].create({"date": today}),
            env["credit.audit.wizard"].create({"date_from": today, "date_to": today}),
            env["credit.approval.wizard"].create(
                {"order_id": cls.order.id, "reason": "x"}
            ),
            env["credit.scoring.wizard"].create({}),
            env["credit.collection.wizard"].create({}),
            env["credit.whatif.wizard"].create(
                {"date_from": today - timedelta(days=30), "date_to": today}
            ),
        ]
        cls.order._credit_approve("Fuzz")
        records.append(cls.order.credit_approval_ids[:1])
        records.append(env["credit.decision"].search([], limit=1, order="id desc"))
        cls.targets = {record._name: record for record in records if record}
        cls.tables = sorted(
            {
                env[name]._table
                for name in env.registry
                if env[name]._auto
                and not env[name]._abstract
                and type(env[name]).__module__.startswith(ADDON_PACKAGES)
                and env[name]._original_module in ("credit_management",)
            }
        )
        cls.methods = sorted(
            (name, method) for name in cls.targets for method in cls._entry_points(name)
        )
        cls.writable = sorted(
            (name, field.name)
            for name in cls.targets
            for field in env[name]._fields.values()
            if field.store
            and not field.compute
            and field.name not in MAGIC_FIELDS
            and (
                env[name]._original_module == "credit_management"
                or field._module == "credit_management"
            )
        )

    @classmethod
    def _entry_points(cls, model):
        """Public methods the addon defines on ``model`` (what RPC may call)."""
        names = set()
        for klass in type(cls.env[model]).__mro__:
            if not klass.__module__.startswith(ADDON_PACKAGES):
                continue
            for name, function in vars(klass).items():
                if (
                    name.startswith("_")
                    or name in NOT_ENTRY_POINTS
                    or not inspect.isfunction(function)
                    or getattr(function, "_api_private", False)
                ):
                    continue
                names.add(name)
        return names

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _ids(self, model):
        Model = self.env[model].sudo()
        other = Model.search(
            [("company_id", "!=", self.company.id)]
            if "company_id" in Model._fields and Model._fields["company_id"].store
            else [("id", "!=", self.targets[model].id)],
            limit=1,
        )
        self.env.cr.execute(
            SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(Model._table))
        )
        missing = self.env.cr.fetchone()[0] + 100000
        return {
            "own": self.targets[model].id,
            "other": other.id or missing,
            "missing": missing,
        }

    def _ids_for(self, field):
        if field.comodel_name in self.targets:
            return self._ids(field.comodel_name)
        return {"missing": 2**31 - 7, "other": self.company_b.id}

    def _checksum(self, record=None):
        """A digest of every row of the addon's tables (and of ``record``'s)."""
        self.env.flush_all()
        digest = hashlib.sha256()
        tables = list(self.tables)
        if record is not None and record._table not in tables:
            tables.append(record._table)
        for table in tables:
            self.env.cr.execute(
                SQL(
                    "SELECT md5(COALESCE(string_agg(t::text, ',' ORDER BY t.id), '')) "
                    "FROM %s t",
                    SQL.identifier(table),
                )
            )
            digest.update(self.env.cr.fetchone()[0].encode())
        return digest.hexdigest()

    def _assert_finite(self, records):
        for record in records.sudo().exists():
            for name, field in record._fields.items():
                if field.type in ("float", "monetary") and field.store:
                    value = record[name]
                    self.assertTrue(
                        math.isfinite(value),
                        f"{record}.{name} stored {value}",
                    )

    def _run(self, call, record):
        """Run ``call`` in a savepoint, rolled back as the RPC layer rolls back
        a refused call: a refusal must be a UserError with a message (or a
        constraint of the database), and nothing it did may outlive the
        rollback (a commit, another cursor)."""
        before = self._checksum(record)
        savepoint = self.env.cr.savepoint()
        outcome = None
        try:
            with mute_logger("odoo.sql_db", "odoo.models.unlink"):
                outcome = call()
                self.env.flush_all()
        except IntegrityError:
            # A constraint of the database: the RPC layer rolls back and
            # answers with a ValidationError naming it (service/model.py).
            outcome = None
        except UserError as error:
            self.assertTrue(
                str(error).strip(), f"{type(error).__name__} without a message"
            )
            outcome = error
        except (ValueError, TypeError, OverflowError, DataError) as error:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            if not _core_conversion_error(error):
                raise
            outcome = None
        except Exception:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            raise
        else:
            self._assert_finite(record)
            if hasattr(outcome, "_name"):
                self._assert_finite(outcome)
        if not savepoint.closed:
            savepoint.close(rollback=True)
        self.env.invalidate_all()
        if outcome is None or isinstance(outcome, UserError):
            self.assertEqual(
                self._checksum(record), before, f"refused but wrote: {outcome}"
            )
        return outcome

    # ------------------------------------------------------------------
    # Fuzzed calls
    # ------------------------------------------------------------------
    def test_there_is_something_to_fuzz(self):
        self.assertGreater(len(self.methods), 30)
        self.assertGreater(len(self.writable), 100)

    def test_emptied_dates_are_refused_not_compared(self):
        """A required date emptied over RPC: refused as missing (the database
        constraint, a ValidationError over RPC), never a TypeError of a check
        comparing a date with False (found by the fuzzing below)."""
        for model, name in (
            ("credit.audit.wizard", "date_from"),
            ("credit.audit.wizard", "date_to"),
            ("credit.aging.wizard", "date"),
            ("credit.whatif.wizard", "date_from"),
            ("credit.rating", "date"),
            ("credit.collection.promise", "date_promised"),
        ):
            with self.subTest(model=model, field=name):
                record = self.targets[model].with_user(self.credit_manager)
                outcome = self._run(
                    lambda r=record, n=name: r.write({n: False}), record
                )
                self.assertNotIsInstance(outcome, models.BaseModel)

    def test_no_number_field_stores_nan_or_infinity(self):
        """Every number field of the addon, written and created with NaN and
        infinities (as JSON-RPC and imports can pass them): refused, never
        stored. PostgreSQL sorts NaN above every number, so a ``>= 0`` check
        lets it through, and one NaN in a limit or a figure makes every sum
        and score it enters NaN. The fuzzing above draws a few of these; this
        tries them all."""
        numbers = [
            (self.targets[model], name, True)
            for model, name in self.writable
            if self.env[model]._fields[name].type in ("float", "monetary")
        ]
        # Number fields the addon adds to the company (its settings) and the
        # lines of the weights wizard: written only, a company is not created
        # from another's values.
        wizard_line = self.targets["credit.scoring.wizard"].line_ids[:1]
        self.assertTrue(wizard_line)
        numbers += [
            (record, field.name, False)
            for record in (self.company, wizard_line)
            for field in record._fields.values()
            if field.type in ("float", "monetary")
            and field.store
            and not field.compute
            and field._module == "credit_management"
        ]
        self.assertGreater(len(numbers), 40)
        for target, name, create in numbers:
            target = target.sudo()
            for value in (float("nan"), float("inf"), float("-inf"), "NaN"):
                with self.subTest(model=target._name, field=name, value=value):
                    self._run(lambda t=target, n=name, v=value: t.write({n: v}), target)
                    if create:
                        vals = dict(target.copy_data()[0], **{name: value})
                        self._run(lambda t=target, v=vals: t.create(v), target)

    @FUZZ
    @given(data=st.data())
    def test_public_methods(self, data):
        model, method = data.draw(st.sampled_from(self.methods), label="method")
        role = data.draw(st.sampled_from(sorted(self.users)), label="role")
        # Record methods get one record (an empty call is the ORM's own
        # "Expected singleton"); methods of the model get none.
        which = data.draw(st.sampled_from(["own", "other", "missing"]), label="which")
        ids = self._ids(model)
        records = self.env[model].with_user(self.users[role])
        function = getattr(type(records), method)
        if not getattr(function, "_api_model", False):
            records = records.browse(ids[which])
        hostile_context = data.draw(
            st.sampled_from(
                [
                    {},
                    {"active_id": ids["other"], "active_ids": [ids["other"]]},
                    {"active_id": ids["missing"], "active_model": model},
                    {"default_company_id": self.company_b.id},
                    {"tz": "Not/AZone", "lang": "xx_XX"},
                ]
            ),
            label="context",
        )
        # Sometimes the record first holds a hostile value a credit manager
        # could set (a limit of 1e300, a text of 5,000 characters).
        fields_of_model = [name for m, name in self.writable if m == model]
        prewrite = data.draw(
            st.one_of(st.none(), st.sampled_from(fields_of_model)), label="prewrite"
        )
        vals = {}
        if prewrite:
            field = records._fields[prewrite]
            vals[prewrite] = data.draw(
                st.sampled_from(_hostile_value(field, self._ids_for(field))),
                label="prewrite value",
            )

        def call():
            if vals:
                self.targets[model].with_user(self.credit_manager).write(vals)
                self.env.flush_all()
            return getattr(records.with_context(**hostile_context), method)()

        self._run(call, self.targets[model])

    @FUZZ
    @given(data=st.data())
    def test_field_writes_and_creates(self, data):
        model, name = data.draw(st.sampled_from(self.writable), label="field")
        role = data.draw(st.sampled_from(sorted(self.users)), label="role")
        operation = data.draw(st.sampled_from(["write", "create"]), label="operation")
        ids = self._ids(model)
        field = self.env[model]._fields[name]
        value = data.draw(
            st.sampled_from(_hostile_value(field, self._ids_for(field))), label="value"
        )
        target = self.targets[model]
        Model = self.env[model].with_user(self.users[role])
        if operation == "write":
            which = data.draw(
                st.sampled_from(["own", "other", "missing"]), label="which"
            )
            call = lambda: Model.browse(ids[which]).write({name: value})
        else:
            vals = dict(target.sudo().copy_data()[0], **{name: value})
            call = lambda: Model.create(vals)
        self._run(call, target)


@tagged("post_install", "-at_install")
class TestCreditFuzzJsonRpc(CreditCommon, HttpCase):
    """Hostile arguments through /web/dataset/call_kw: a JSON error, never an
    HTTP 500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, login="fuzz_rpc_portal", groups="base.group_portal"
        )

    def _call(self, user, model, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        with mute_logger("odoo.http", "odoo.sql_db"):
            response = self.url_open(
                "/web/dataset/call_kw",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                },
            )
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def test_hostile_calls_answer_json_errors(self):
        order = self._order(100.0)
        calls = [
            (
                self.salesman,
                "res.partner",
                "write",
                [[self.customer.id], {"credit_limit": "NaN"}],
            ),
            (self.salesman, "sale.order", "action_confirm", [[2**31 - 1]]),
            (
                self.salesman,
                "credit.approval",
                "create",
                [{"order_id": order.id, "reason": "'; DROP TABLE x;--"}],
            ),
            (
                self.credit_manager,
                "res.partner",
                "write",
                [[self.customer.id], {"credit_limit": "NaN"}],
            ),
            (
                self.credit_manager,
                "res.partner",
                "write",
                [[self.customer.id], {"credit_limit": -1e300}],
            ),
            (
                self.credit_manager,
                "credit.limit.request",
                "create",
                [{"partner_id": -1, "limit_requested": "inf"}],
            ),
            (self.credit_manager, "credit.rating.import", "action_import", [["x"]]),
            (
                self.credit_manager,
                "credit.aging.wizard",
                "create",
                [{"date": "not a date"}],
            ),
            (self.portal_user, "credit.decision", "search_read", [[]]),
            (self.portal_user, "sale.order", "action_confirm", [[order.id]]),
        ]
        for user, model, method, args in calls:
            with self.subTest(user=user.login, model=model, method=method):
                answer = self._call(user, model, method, args)
                self.assertIn("error", answer, answer)
                self.assertTrue(answer["error"]["data"]["message"])
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_limit, 5000.0)
        order.invalidate_recordset()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.credit_approval_ids)

    def test_hostile_but_harmless_calls_answer(self):
        """Calls that are not refused answer normally: a button on a record
        that does not exist only opens its wizard (which checks it), a huge
        limit set by a credit manager is a limit."""
        answer = self._call(
            self.salesman, "sale.order", "action_credit_approve", [[2**31 - 1]]
        )
        self.assertEqual(answer["result"]["res_model"], "credit.approval.wizard")
        answer = self._call(
            self.salesman,
            "credit.approval.wizard",
            "create",
            [{"order_id": 2**31 - 1, "reason": "x"}],
        )
        self.assertIn("error", answer)
        answer = self._call(
            self.credit_manager,
            "res.partner",
            "write",
            [[self.customer.id], {"credit_limit": 1e300}],
        )
        self.assertIs(answer["result"], True)
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.credit_limit / 1e300, 1.0)
        answer = self._call(
            self.credit_manager,
            "res.partner",
            "read",
            [[self.customer.id], ["credit_available", "credit_usage_percent"]],
        )
        self.assertAlmostEqual(answer["result"][0]["credit_available"] / 1e300, 1.0)
