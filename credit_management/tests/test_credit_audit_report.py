import io
import shutil
import subprocess
from datetime import datetime, time, timedelta

import openpyxl
import pytz
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditAuditReport(CreditCommon):
    """The audit report of a period: its exceptions and totals are the decision
    log's, in the PDF and in the XLSX alike."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Decision = cls.env["credit.decision"]
        cls.Request = cls.env["credit.limit.request"]
        cls.company.write(
            {
                "credit_manager_user_id": cls.credit_manager.id,
                "credit_request_level1_amount": 10000.0,
                "credit_request_level1_percent": 20.0,
            }
        )
        cls.director = new_test_user(
            cls.env,
            login="credit_director_audit",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.auditor = new_test_user(
            cls.env,
            login="credit_auditor_audit",
            groups="account.group_account_readonly",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer.user_id = cls.salesman
        cls.customer_2 = cls.env["res.partner"].create(
            {
                "name": "Beta Audit Test",
                "is_company": True,
                "credit_limit": 10000.0,
                "user_id": cls.salesman.id,
            }
        )
        # The period: a whole month well after the fixtures' own decisions.
        cls.period_start = (cls.today + relativedelta(months=2)).replace(day=1)
        cls.period_end = cls.period_start + relativedelta(months=1, days=-1)
        cls.moment = datetime.combine(cls.period_start.replace(day=5), time(10, 0))
        manager = cls.credit_manager

        # Before the period: a hold set and released, not in the report.
        with freeze_time(cls.moment - relativedelta(months=1)):
            cls.customer_2.with_user(manager).credit_hold = True
            cls.customer_2.with_user(manager).credit_hold = False

        with freeze_time(cls.moment):
            # An approval: 7,000 on a limit of 5,000, 2,000 over it.
            cls.order_approved = cls._order(7000.0)
            cls.order_approved.with_user(manager)._credit_approve("Deposit received")
            # A refused confirmation: 6,000, 1,000 over.
            cls.order_refused = cls._order(6000.0)
            cls.order_refused.with_user(cls.salesman).with_context(
                credit_refusal_dialog=True
            ).action_confirm()
            # A hold set and released.
            cls.customer.with_user(manager).write(
                {"credit_hold": True, "credit_hold_reason": "Cheque bounced"}
            )
            cls.customer.with_user(manager).credit_hold = False
            # A limit changed by hand: 5,000 → 9,000.
            cls.customer.with_user(manager).credit_limit = 9000.0
            # A permanent limit request with one signature: 10,000 → 11,000.
            cls.request_small = cls._request(cls.customer_2, 11000.0)
            cls.request_small.with_user(manager).action_approve()
            # One with two signatures: 11,000 → 50,000.
            cls.request_large = cls._request(cls.customer_2, 50000.0)
            cls.request_large.with_user(manager).action_approve()
            cls.request_large.with_user(cls.director).action_approve()
            # An import: 50,000 → 45,000.
            cls.customer_2.with_context(import_file=True).credit_limit = 45000.0
            # A temporary limit for a week: 9,000 → 12,000.
            cls.request_temporary = cls._request(
                cls.customer,
                12000.0,
                limit_type="temporary",
                date_from=cls.moment.date(),
                date_to=cls.moment.date() + timedelta(days=7),
            )
            cls.request_temporary.with_user(manager).action_approve()
        # It ends a week later (the job's own method, on this request only: the
        # database may hold other temporary limits).
        with freeze_time(cls.moment + timedelta(days=7)):
            cls.request_temporary._credit_end()
        # After the period: not in the report.
        with freeze_time(cls.moment + relativedelta(months=1)):
            cls.customer.with_user(manager).credit_limit = 9500.0

    @classmethod
    def _request(cls, partner, limit, **values):
        request = cls.Request.with_user(cls.salesman).create(
            {
                "partner_id": partner.id,
                "limit_requested": limit,
                "reason": "Seasonal orders",
                **values,
            }
        )
        request.action_submit()
        return request

    def _wizard(self, tz="UTC", **values):
        return (
            self.env["credit.audit.wizard"]
            .with_context(tz=tz)
            .create(
                {"date_from": self.period_start, "date_to": self.period_end, **values}
            )
        )

    def _log(self, company=None):
        """The decisions of the period in the log, read directly (UTC days)."""
        return self.Decision.search(
            [
                ("company_id", "=", (company or self.company).id),
                ("date", ">=", datetime.combine(self.period_start, time.min)),
                (
                    "date",
                    "<",
                    datetime.combine(self.period_end + timedelta(days=1), time.min),
                ),
            ]
        )

    def _by_label(self, lines, key="label"):
        return {line[key]: line for line in lines}

    # ------------------------------------------------------------------
    # The figures
    # ------------------------------------------------------------------
    def test_totals_equal_the_log(self):
        data = self._wizard()._credit_audit_data()
        log = self._log()
        kinds = {line["kind"]: line for line in data["kinds"]}
        for kind, _label in self.Decision._fields["kind"].selection:
            rows = log.filtered(lambda d, kind=kind: d.kind == kind)
            with self.subTest(kind=kind):
                self.assertEqual(kinds[kind]["count"], len(rows))
        self.assertEqual(data["kind_totals"]["count"], len(log))
        approvals = log.filtered(lambda d: d.kind == "approval")
        refusals = log.filtered(lambda d: d.kind == "refusal")
        self.assertAlmostEqual(
            kinds["approval"]["amount_over_limit"],
            sum(approvals.mapped("amount_over_limit")),
        )
        self.assertAlmostEqual(
            kinds["refusal"]["amount"], sum(refusals.mapped("amount"))
        )
        self.assertEqual(data["approval_totals"]["count"], len(approvals))
        self.assertAlmostEqual(
            data["approval_totals"]["amount_over_limit"],
            sum(approvals.mapped("amount_over_limit")),
        )
        limits = log.filtered(lambda d: d.kind == "limit")
        labels = dict(self.Decision._fields["source"]._description_selection(self.env))
        sources = self._by_label(data["limit_sources"])
        for source in set(limits.mapped("source")) | {"manual", "request", "review"}:
            rows = limits.filtered(lambda d, source=source: d.source == source)
            line = sources[labels[source]]
            with self.subTest(source=source):
                self.assertEqual(line["count"], len(rows))
                self.assertAlmostEqual(line["net"], sum(rows.mapped("limit_increase")))
                self.assertAlmostEqual(
                    line["increases"],
                    sum(x for x in rows.mapped("limit_increase") if x > 0),
                )
        self.assertAlmostEqual(
            data["limit_source_totals"]["net"], sum(limits.mapped("limit_increase"))
        )
        self.assertEqual(data["limit_source_totals"]["count"], len(limits))
        requested = limits.filtered(lambda d: d.source == "request")
        levels = {}
        for decision in requested:
            label = self._wizard()._credit_level_label(decision.approval_level)
            count, net = levels.get(label, (0, 0.0))
            levels[label] = (count + 1, net + decision.limit_increase)
        self.assertEqual(
            {
                line["label"]: (line["count"], line["net"])
                for line in data["limit_levels"]
            },
            levels,
        )
        # The sections hold every row of their kind in the log.
        self.assertEqual(len(data["approvals"]), len(approvals))
        self.assertEqual(
            len(data["without_request"]),
            len(limits.filtered(lambda d: d.source in ("manual", "import"))),
        )
        self.assertEqual(
            len(data["temporary_granted"]),
            len(limits.filtered(lambda d: d.source == "request" and d.temporary)),
        )
        self.assertEqual(
            len(data["temporary_ended"]),
            len(limits.filtered(lambda d: d.source == "expiry")),
        )

    def test_exact_figures_of_the_period(self):
        data = self._wizard()._credit_audit_data()
        counts = {line["kind"]: line["count"] for line in data["kinds"]}
        self.assertEqual(
            {kind: count for kind, count in counts.items() if count},
            {"approval": 1, "refusal": 1, "hold": 1, "release": 1, "limit": 6},
        )
        self.assertEqual(data["kind_totals"]["count"], 10)
        kinds = {line["kind"]: line for line in data["kinds"]}
        self.assertEqual(
            (kinds["approval"]["amount"], kinds["approval"]["amount_over_limit"]),
            (7000.0, 2000.0),
        )
        self.assertEqual(
            (kinds["refusal"]["amount"], kinds["refusal"]["amount_over_limit"]),
            (6000.0, 1000.0),
        )
        self.assertIsNone(kinds["hold"]["amount"])
        # Limit changes by source: count, increases, decreases, net.
        self.assertEqual(
            {
                line["label"]: (
                    line["count"],
                    line["increases"],
                    line["decreases"],
                    line["net"],
                )
                for line in data["limit_sources"]
            },
            {
                "Manual": (1, 4000.0, 0.0, 4000.0),
                "Limit Request": (3, 43000.0, 0.0, 43000.0),
                "Credit Review": (0, 0.0, 0.0, 0.0),
                "Import": (1, 0.0, -5000.0, -5000.0),
                "Temporary Limit Ended": (1, 0.0, -3000.0, -3000.0),
            },
        )
        total = data["limit_source_totals"]
        self.assertEqual(
            (total["count"], total["increases"], total["decreases"], total["net"]),
            (6, 47000.0, -8000.0, 39000.0),
        )
        self.assertEqual(
            [
                (line["label"], line["count"], line["net"])
                for line in data["limit_levels"]
            ],
            [("One signature", 2, 4000.0), ("Two signatures", 1, 39000.0)],
        )

    def test_approvals_section(self):
        data = self._wizard()._credit_audit_data()
        [row] = data["approvals"]
        self.assertEqual(row["order"], self.order_approved.name)
        self.assertEqual(row["customer"], "Acme Credit Test")
        self.assertEqual(row["user"], self.credit_manager.name)
        self.assertEqual(row["salesperson"], self.salesman.name)
        self.assertEqual((row["amount"], row["amount_over_limit"]), (7000.0, 2000.0))
        self.assertIn("exceeds the credit limit", row["reasons"])
        self.assertEqual(row["note"], "Deposit received")
        self.assertEqual(row["date"], self.moment)
        totals = data["approval_totals"]
        self.assertEqual(
            (totals["count"], totals["amount"], totals["amount_over_limit"]),
            (1, 7000.0, 2000.0),
        )
        self.assertEqual(
            data["approvers"],
            [
                {
                    "name": self.credit_manager.name,
                    "count": 1,
                    "amount": 7000.0,
                    "amount_over_limit": 2000.0,
                }
            ],
        )

    def test_temporary_limits_section(self):
        data = self._wizard()._credit_audit_data()
        [granted] = data["temporary_granted"]
        start = self.moment.date()
        self.assertEqual(
            (
                granted["customer"],
                granted["limit_from"],
                granted["limit_to"],
                granted["limit_increase"],
                granted["valid_from"],
                granted["valid_to"],
                granted["request"],
                granted["approval_level"],
                granted["approvers"],
            ),
            (
                "Acme Credit Test",
                9000.0,
                12000.0,
                3000.0,
                start,
                start + timedelta(days=7),
                self.request_temporary.name,
                1,
                self.credit_manager.name,
            ),
        )
        [ended] = data["temporary_ended"]
        self.assertEqual(
            (ended["limit_from"], ended["limit_to"], ended["limit_increase"]),
            (12000.0, 9000.0, -3000.0),
        )
        self.assertEqual(ended["date"], self.moment + timedelta(days=7))
        self.assertEqual(data["temporary_granted_totals"]["limit_increase"], 3000.0)
        self.assertEqual(data["temporary_ended_totals"]["limit_increase"], -3000.0)

    def test_limits_without_request_section(self):
        data = self._wizard()._credit_audit_data()
        self.assertEqual(
            [
                (
                    row["customer"],
                    row["limit_from"],
                    row["limit_to"],
                    row["limit_increase"],
                    row["source"],
                )
                for row in data["without_request"]
            ],
            [
                ("Acme Credit Test", 5000.0, 9000.0, 4000.0, "Manual"),
                ("Beta Audit Test", 50000.0, 45000.0, -5000.0, "Import"),
            ],
        )
        self.assertEqual(data["without_request"][0]["user"], self.credit_manager.name)
        totals = data["without_request_totals"]
        self.assertEqual(
            (
                totals["count"],
                totals["increases"],
                totals["decreases"],
                totals["limit_increase"],
            ),
            (2, 4000.0, -5000.0, -1000.0),
        )

    def test_rows_outside_the_period_are_left_out(self):
        # The month before holds the hold set and released on Beta, and the
        # fixtures' decisions are earlier still.
        before = self._wizard(
            date_from=self.period_start - relativedelta(months=1),
            date_to=self.period_start - timedelta(days=1),
        )._credit_audit_data()
        counts = {line["kind"]: line["count"] for line in before["kinds"]}
        self.assertEqual((counts["hold"], counts["release"]), (1, 1))
        self.assertEqual(before["kind_totals"]["count"], 2)
        # The day after the temporary limit ended: nothing after it but the
        # change of the next month.
        after = self._wizard(
            date_from=self.moment.date() + timedelta(days=8), date_to=self.period_end
        )._credit_audit_data()
        self.assertEqual(after["kind_totals"]["count"], 0)
        self.assertFalse(after["approvals"] or after["without_request"])
        # A single day: only what happened on it.
        day = self._wizard(
            date_from=self.moment.date() + timedelta(days=7),
            date_to=self.moment.date() + timedelta(days=7),
        )._credit_audit_data()
        self.assertEqual(day["kind_totals"]["count"], 1)
        self.assertEqual(len(day["temporary_ended"]), 1)

    def test_period_days_are_the_users_days(self):
        """A decision at 23:30 UTC on the last day of the month belongs to the
        next month in Brussels; one at 23:30 UTC the day before the period
        belongs to its first day there."""
        first = datetime.combine(self.period_start, time.min)
        last = datetime.combine(self.period_end + timedelta(days=1), time.min)
        manager = self.credit_manager
        with freeze_time(first - timedelta(minutes=30)):
            self.customer_2.with_user(manager).credit_hold = True
        with freeze_time(last - timedelta(minutes=30)):
            self.customer_2.with_user(manager).credit_hold = False

        def holds(tz):
            data = self._wizard(tz=tz)._credit_audit_data()
            counts = {line["kind"]: line["count"] for line in data["kinds"]}
            return data, (counts["hold"], counts["release"])

        utc, figures = holds("UTC")
        self.assertEqual(figures, (1, 2))
        brussels, figures = holds("Europe/Brussels")
        self.assertEqual(figures, (2, 1))
        self.assertEqual(brussels["tz"], "Europe/Brussels")
        # Rows are shown in the user's time too.
        local = (
            pytz.utc.localize(self.moment)
            .astimezone(pytz.timezone("Europe/Brussels"))
            .replace(tzinfo=None)
        )
        self.assertEqual(brussels["approvals"][0]["date"], local)
        self.assertEqual(utc["approvals"][0]["date"], self.moment)

    def test_other_company_decisions_are_left_out(self):
        other = self.setup_other_company()["company"]
        other.credit_control_enabled = True
        self.env.user.company_ids = [Command.link(other.id)]
        with freeze_time(self.moment):
            self.customer.with_company(other).write(
                {"credit_limit_applies": True, "credit_limit": 777.0}
            )
        self.assertEqual(len(self._log(other)), 1)  # the log has it
        data = self._wizard()._credit_audit_data()
        self.assertEqual(data["kind_totals"]["count"], 10)
        self.assertNotIn(777.0, [row["limit_to"] for row in data["without_request"]])
        other_data = self._wizard(company_id=other.id)._credit_audit_data()
        self.assertEqual(other_data["kind_totals"]["count"], 1)
        self.assertEqual(
            [row["limit_to"] for row in other_data["without_request"]], [777.0]
        )
        self.assertEqual(other_data["company"], other)

    def test_default_period_is_the_last_full_month(self):
        Wizard = self.env["credit.audit.wizard"]
        with freeze_time("2025-03-15 12:00:00"):
            wizard = Wizard.create({})
        self.assertEqual(
            (str(wizard.date_from), str(wizard.date_to)), ("2025-02-01", "2025-02-28")
        )
        with freeze_time("2025-01-01 12:00:00"):
            wizard = Wizard.create({})
        self.assertEqual(
            (str(wizard.date_from), str(wizard.date_to)), ("2024-12-01", "2024-12-31")
        )
        self.assertEqual(wizard.company_id, self.env.company)
        with self.assertRaisesRegex(ValidationError, "before it starts"):
            self._wizard(date_to=self.period_start - timedelta(days=1))

    # ------------------------------------------------------------------
    # Outputs
    # ------------------------------------------------------------------
    def test_xlsx_totals_equal_the_log(self):
        wizard = self._wizard()
        workbook = openpyxl.load_workbook(io.BytesIO(wizard._credit_audit_xlsx()))
        self.assertEqual(
            workbook.sheetnames,
            ["Approvals", "Temporary Limits", "Limits Without Request", "Totals"],
        )
        sheet = workbook["Totals"]
        rows = {
            row[0]: row[1:]
            for row in sheet.iter_rows(min_row=4, values_only=True)
            if row[0]
        }
        log = self._log()
        kind_labels = dict(
            self.Decision._fields["kind"]._description_selection(self.env)
        )
        for kind, label in kind_labels.items():
            with self.subTest(kind=kind):
                count = rows[label][0]
                self.assertIsInstance(count, int)
                self.assertEqual(
                    count, len(log.filtered(lambda d, k=kind: d.kind == k))
                )
        approvals = log.filtered(lambda d: d.kind == "approval")
        self.assertAlmostEqual(
            rows[kind_labels["approval"]][2], sum(approvals.mapped("amount_over_limit"))
        )
        limits = log.filtered(lambda d: d.kind == "limit")
        for source, label in (
            ("manual", "Manual"),
            ("request", "Limit Request"),
            ("import", "Import"),
            ("expiry", "Temporary Limit Ended"),
        ):
            rows_source = limits.filtered(lambda d, s=source: d.source == s)
            with self.subTest(source=source):
                count, _increases, _decreases, net = rows[label][:4]
                self.assertEqual(count, len(rows_source))
                self.assertAlmostEqual(net, sum(rows_source.mapped("limit_increase")))
        self.assertEqual(rows["One signature"][:4], (2, 4000, 0, 4000))
        self.assertEqual(rows["Two signatures"][:4], (1, 39000, 0, 39000))
        # Headers bold, numbers as numbers, columns set wide.
        self.assertTrue(sheet["A5"].font.bold)
        self.assertEqual(sheet["A5"].value, "Decision")
        approvals_sheet = workbook["Approvals"]
        header = [cell.value for cell in approvals_sheet[4]]
        self.assertEqual(header[:3], ["Date", "Order", "Customer"])
        line = [cell.value for cell in approvals_sheet[5]]
        self.assertEqual(line[0], self.moment)
        self.assertEqual(line[5:7], [7000, 2000])
        total = [cell.value for cell in approvals_sheet[6]]
        self.assertEqual((total[0], total[5], total[6]), ("Total (1)", 7000, 2000))
        self.assertGreater(approvals_sheet.column_dimensions["H"].width, 50)
        without = workbook["Limits Without Request"]
        values = [row for row in without.iter_rows(min_row=5, values_only=True)]
        self.assertEqual(values[2][0], "Total (2)")
        self.assertEqual(values[2][4], -1000)
        action = wizard.action_export_xlsx()
        self.assertIn("/credit.audit.wizard/", action["url"])
        self.assertTrue(wizard.xlsx_file)

    def test_pdf_shows_the_totals(self):
        self.assertTrue(shutil.which("wkhtmltopdf"), "wkhtmltopdf is needed for PDFs")
        # wkhtmltopdf fetches the assets from the server, which cannot answer
        # while this test holds the transaction: a closed port, no stylesheets.
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:1"
        )
        wizard = self._wizard()
        report = self.env["ir.actions.report"].with_context(
            force_report_rendering=True, tz="UTC"
        )
        html = report._render_qweb_html(
            "credit_management.action_report_credit_audit", wizard.ids
        )[0].decode()
        self.assertIn("Credit Audit Report", html)
        pdf, kind = report._render_qweb_pdf(
            "credit_management.action_report_credit_audit", wizard.ids
        )
        self.assertEqual(kind, "pdf")
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        self.assertIn("Total (1)", text)
        self.assertIn("Total (2)", text)
        # Words of a cell may wrap: compare one word at a time.
        words = set(text.split())
        for expected in (
            "Credit",
            "Audit",
            self.order_approved.name,
            self.request_temporary.name,
            "Acme",
            "Beta",
            "Deposit",
            "2,000.00",  # over the limit
            "47,000.00",  # limit increases
            "39,000.00",  # net limit change, two signatures
            "Two",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, words)
        self.assertIn(self.company.name, text)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_salesman_cannot_run_it(self):
        with self.assertRaises(AccessError):
            self.env["credit.audit.wizard"].with_user(self.salesman).create(
                {"date_from": self.period_start, "date_to": self.period_end}
            )
        with self.assertRaises(AccessError):
            self._wizard().with_user(self.salesman)._credit_audit_data()

    def test_auditor_can_run_it(self):
        expected = self._wizard()._credit_audit_data()
        wizard = (
            self.env["credit.audit.wizard"]
            .with_user(self.auditor)
            .with_context(tz="UTC")
            .create({"date_from": self.period_start, "date_to": self.period_end})
        )
        data = wizard._credit_audit_data()
        self.assertEqual(data["kinds"], expected["kinds"])
        self.assertEqual(data["temporary_granted"], expected["temporary_granted"])
        self.assertEqual(data["approvals"], expected["approvals"])
        self.assertTrue(wizard.action_export_xlsx()["url"])
        self.assertEqual(wizard.action_print_pdf()["type"], "ir.actions.report")

    def test_menu_under_the_credit_decisions(self):
        menu = self.env.ref("credit_management.menu_credit_audit_report")
        self.assertEqual(
            menu.parent_id, self.env.ref("credit_management.menu_credit_decision_root")
        )
        self.assertEqual(menu.action.res_model, "credit.audit.wizard")
