import base64
import io
from datetime import datetime, time

from dateutil.relativedelta import relativedelta
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from openpyxl import Workbook

from .common import CreditCommon

HEADER = [
    "Tax ID",
    "Company Registry",
    "Reference",
    "Name",
    "Agency",
    "Date",
    "Rating",
    "Valid Until",
]


@tagged("post_install", "-at_install")
class TestCreditRatingImport(CreditCommon):
    """Agency files imported as ratings: every line matched and checked first,
    all lines recorded or none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rating = cls.env["credit.rating"]
        cls.Import = cls.env["credit.rating.import"].with_user(cls.credit_manager)
        cls.letter_agency = cls.env["credit.agency"].create(
            {
                "name": "Letter Agency",
                "scale_type": "letter",
                "grade_ids": [
                    Command.create({"name": "AAA", "score": 100, "sequence": 1}),
                    Command.create({"name": "A", "score": 80, "sequence": 2}),
                    Command.create({"name": "BBB", "score": 60, "sequence": 3}),
                    Command.create({"name": "D", "score": 0, "sequence": 4}),
                ],
            }
        )
        cls.index_agency = cls.env["credit.agency"].create(
            # Lower is better: 100 maps to 100, 600 to 0.
            {"name": "Index Agency", "scale_best": 100, "scale_worst": 600}
        )
        Partner = cls.env["res.partner"]
        cls.alpha = Partner.create(
            {"name": "Alpha SA", "is_company": True, "vat": "BE 0477.472-701"}
        )
        # A contact shares its company's tax ID: only the company is a match.
        Partner.create({"name": "Alpha Buyer", "parent_id": cls.alpha.id})
        cls.beta = Partner.create(
            {"name": "Beta GmbH", "is_company": True, "company_registry": "HRB 12345"}
        )
        cls.gamma = Partner.create(
            {"name": "Gamma Ltd", "is_company": True, "ref": "C-0003"}
        )
        cls.delta = Partner.create({"name": "Delta Unique Name", "is_company": True})
        cls.twins = Partner.create(
            [
                {"name": "Twin One", "is_company": True, "vat": "FR12345678901"},
                {"name": "Twin Two", "is_company": True, "vat": "FR 123 456 789 01"},
            ]
        )
        cls.d1 = cls.today - relativedelta(days=10)
        cls.d2 = cls.today - relativedelta(days=5)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @staticmethod
    def _csv(rows, header=None, delimiter=",", encoding="utf-8"):
        lines = [header or HEADER, *rows]
        text = "\n".join(delimiter.join(str(v) for v in line) for line in lines)
        return (text + "\n").encode(encoding)

    def _import(self, content, name="ratings.csv", **values):
        return self.Import.create(
            {"file": base64.b64encode(content), "file_name": name, **values}
        )

    @staticmethod
    def _row(
        vat="", registry="", ref="", name="", agency="", day="", rating="", until=""
    ):
        return [vat, registry, ref, name, agency, day, rating, until]

    def _errors(self, record):
        return {line.line_number: line.error for line in record.line_ids}

    def _assert_refused(self, record, message):
        """Import refuses with ``message`` and records no rating."""
        count = self.Rating.search_count([])
        with self.assertRaisesRegex(UserError, message):
            record.action_import()
        self.assertEqual(self.Rating.search_count([]), count)
        self.assertNotEqual(record.state, "done")
        self.assertFalse(record.rating_ids)

    # ------------------------------------------------------------------
    # All or nothing
    # ------------------------------------------------------------------
    def test_one_bad_line_writes_nothing_corrected_file_imports_every_line(self):
        good = [
            self._row(
                vat="BE0477472701", agency="Letter Agency", day=self.d1, rating="a"
            ),
            self._row(
                registry="HRB 12345",
                agency="Index Agency",
                day=self.d1,
                rating="225",
                until=self.today + relativedelta(years=1),
            ),
        ]
        bad = self._row(vat="XX000", agency="Letter Agency", day=self.d1, rating="BBB")
        record = self._import(self._csv([*good, bad]))
        record.action_preview()
        self.assertEqual(record.state, "failed")
        self.assertEqual((record.line_count, record.error_count), (3, 1))
        self.assertEqual(record.error_line_ids.line_number, 4)
        self.assertIn("No customer with tax ID XX000", record.error_line_ids.error)
        self._assert_refused(
            record,
            r"(?s)1 of 3 line\(s\) have errors; nothing was imported.*Line 4: No",
        )
        # The same file corrected: every line is recorded, once, from this import.
        corrected = self._row(
            ref="C-0003", agency="Letter Agency", day=self.d2, rating="BBB"
        )
        record.write({"file": base64.b64encode(self._csv([*good, corrected]))})
        self.assertEqual(record.state, "draft")
        self.assertFalse(record.line_ids)
        record.action_preview()
        self.assertEqual(record.state, "previewed")
        count = self.Rating.search_count([])
        record.action_import()
        self.assertEqual(self.Rating.search_count([]), count + 3)
        self.assertEqual(record.state, "done")
        self.assertEqual(record.rating_count, 3)
        scores = {
            rating.partner_id: (rating.rating, rating.score, rating.import_id)
            for rating in record.rating_ids
        }
        self.assertEqual(
            scores,
            {
                self.alpha: ("A", 80.0, record),  # the agency's own spelling
                self.beta: ("225", 75.0, record),  # (225 - 600) / (100 - 600)
                self.gamma: ("BBB", 60.0, record),
            },
        )
        self.assertEqual(record.line_ids.partner_id, record.rating_ids.partner_id)
        with self.assertRaisesRegex(UserError, "imported already"):
            record.action_import()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            record.write({"file": base64.b64encode(self._csv(good))})
        with self.assertRaisesRegex(UserError, "kept as their source"):
            record.unlink()

    def test_every_line_error_listed_by_line_number(self):
        self.Rating.create(
            {
                "partner_id": self.delta.id,
                "agency_id": self.letter_agency.id,
                "date": self.d2,
                "rating": "BBB",
            }
        )
        future = self.today + relativedelta(days=1)
        rows = [
            # 2: the only good line
            self._row(
                vat="BE0477472701", agency="Letter Agency", day=self.d1, rating="A"
            ),
            # 3: nobody has this tax ID
            self._row(vat="ZZ999", agency="Letter Agency", day=self.d1, rating="A"),
            # 4: two companies share this tax ID
            self._row(
                vat="FR12345678901", agency="Letter Agency", day=self.d1, rating="A"
            ),
            # 5: not a letter of the agency
            self._row(ref="C-0003", agency="Letter Agency", day=self.d1, rating="ZZ"),
            # 6: outside the numeric scale
            self._row(
                registry="HRB12345", agency="Index Agency", day=self.d1, rating="700"
            ),
            # 7: not a date
            self._row(
                name="Delta Unique Name",
                agency="Letter Agency",
                day="31.12.2024",
                rating="A",
            ),
            # 8: in the future
            self._row(
                vat="BE0477472701", agency="Index Agency", day=future, rating="300"
            ),
            # 9, 10: the same customer, agency and date twice
            self._row(ref="C-0003", agency="Index Agency", day=self.d2, rating="300"),
            self._row(ref="C-0003", agency="Index Agency", day=self.d2, rating="350"),
            # 11: no such agency
            self._row(ref="C-0003", agency="Nobody Ratings", day=self.d1, rating="A"),
            # 12: valid until before the date
            self._row(
                registry="HRB 12345",
                agency="Letter Agency",
                day=self.d2,
                rating="A",
                until=self.d1,
            ),
            # 13: recorded already
            self._row(
                name="delta unique name",
                agency="letter agency",
                day=self.d2,
                rating="bbb",
            ),
        ]
        record = self._import(self._csv(rows))
        record.action_preview()
        errors = self._errors(record)
        self.assertEqual(record.state, "failed")
        self.assertEqual((record.line_count, record.error_count), (12, 11))
        self.assertFalse(errors[2])
        expected = {
            3: "No customer with tax ID ZZ999",
            4: r"tax ID FR12345678901 belongs to 2 customers \(Twin One, Twin Two\)",
            5: "ZZ is not a rating of Letter Agency",
            6: "Rating 700 is outside the scale of Index Agency",
            7: "Bad date 31.12.2024",
            8: "dated in the future",
            9: r"Duplicate line: same customer, agency and date as line\(s\) 10",
            10: r"Duplicate line: same customer, agency and date as line\(s\) 9",
            11: "Unknown agency Nobody Ratings",
            12: "is before the rating date",
            13: "Already recorded: Letter Agency rated Delta Unique Name BBB",
        }
        for line_number, message in expected.items():
            with self.subTest(line=line_number):
                self.assertRegex(errors[line_number], message)
        self.assertFalse(record.error_line_ids.partner_id & self.twins)
        self._assert_refused(
            record,
            r"(?s)11 of 12 line\(s\) have errors.*Line 3: No customer.*Line 12: Valid"
            r".*and 1 more",
        )

    def test_import_checks_again_what_changed_since_the_preview(self):
        rows = [
            self._row(
                vat="BE0477472701", agency="Letter Agency", day=self.d1, rating="A"
            ),
            self._row(ref="C-0003", agency="Letter Agency", day=self.d1, rating="A"),
        ]
        record = self._import(self._csv(rows))
        record.action_preview()
        self.assertEqual(record.state, "previewed")
        # Someone records one of the ratings by hand meanwhile: refused.
        typed = self.Rating.create(
            {
                "partner_id": self.alpha.id,
                "agency_id": self.letter_agency.id,
                "date": self.d1,
                "rating": "A",
            }
        )
        self._assert_refused(record, "(?s)Line 2: Already recorded")
        typed.unlink()
        # The reference moves to another customer: the lines follow the import.
        self.gamma.ref = False
        self.delta.ref = "C-0003"
        record.action_import()
        self.assertEqual(record.rating_ids.partner_id, self.alpha | self.delta)
        self.assertEqual(record.line_ids.partner_id, self.alpha | self.delta)

    def test_unreadable_files_reported_whole_nothing_read(self):
        latin = "Tax ID,Agency,Date,Rating\nBE0477472701,Société Notation,{},A\n"
        cases = [
            (
                latin.format(self.d1).encode("latin-1"),
                "ratings.csv",
                r"Wrong encoding: ratings.csv is not UTF-8 \(byte 0xE9 on line 2.*Win",
            ),
            (
                self._csv([self._row(vat="BE0477472701")], delimiter="|"),
                "ratings.csv",
                r"Missing column\(s\).*delimiter may be wrong",
            ),
            (
                self._csv(
                    [["BE0477472701", "Letter Agency", self.d1]],
                    header=["VAT", "Agency", "Date"],
                ),
                "ratings.csv",
                r"Missing column\(s\) in ratings.csv: Rating\.",
            ),
            (
                self._csv(
                    [["BE0477472701", self.d1, "A"]], header=["VAT", "Date", "Rating"]
                ),
                "ratings.csv",
                r"Agency \(or choose a default agency\)",
            ),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old.xls", r"\.xls"),
            (self._csv([]), "ratings.csv", "header line but no ratings"),
        ]
        for content, name, message in cases:
            with self.subTest(message=message):
                record = self._import(content, name=name)
                record.action_preview()
                self.assertEqual(record.state, "failed")
                self.assertFalse(record.line_ids)
                self.assertRegex(record.result_message, message)
                self._assert_refused(record, message)

    # ------------------------------------------------------------------
    # Formats
    # ------------------------------------------------------------------
    def test_xlsx_with_date_cells_numbers_and_default_agency(self):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["VAT", "Reference", "Rating Date", "Rating", "Valid until"])
        until = self.today + relativedelta(months=6)
        sheet.append(
            [
                "BE0477472701",
                None,
                datetime.combine(self.d1, time()),
                225,
                datetime.combine(until, time()),
            ]
        )
        sheet.append([None, "C-0003", datetime.combine(self.d2, time()), 350.0, None])
        stream = io.BytesIO()
        workbook.save(stream)
        record = self._import(
            stream.getvalue(),
            name="ratings.xlsx",
            default_agency_id=self.index_agency.id,
        )
        record.action_preview()
        self.assertEqual(record.state, "previewed", record.result_message)
        self.assertIn("XLSX", record.result_message)
        record.action_import()
        ratings = {rating.partner_id: rating for rating in record.rating_ids}
        self.assertEqual(
            (ratings[self.alpha].rating, ratings[self.alpha].score), ("225", 75.0)
        )
        self.assertEqual(ratings[self.alpha].date, self.d1)
        self.assertEqual(ratings[self.alpha].valid_until, until)
        self.assertEqual(ratings[self.alpha].agency_id, self.index_agency)
        self.assertEqual(
            (ratings[self.gamma].rating, ratings[self.gamma].score), ("350", 50.0)
        )

    def test_semicolon_utf8_bom_day_first_dates_and_other_headers(self):
        header = [
            "\ufeffTAX_ID",
            "rating agency",
            "DATE",
            "rating",
            "valid-until",
            "Note",
        ]
        rows = [
            [
                "BE0477472701",
                "Index Agency",
                self.d1.strftime("%d/%m/%Y"),
                "225,0",
                "",
                "x",
            ],
        ]
        record = self._import(self._csv(rows, header=header, delimiter=";"))
        record.action_preview()
        self.assertEqual(record.state, "previewed", record.result_message)
        self.assertIn("semicolon", record.result_message)
        self.assertIn("Columns ignored: Note", record.result_message)
        line = record.line_ids
        self.assertEqual((line.date, line.score), (self.d1, 75.0))

    def test_form_upload_preview_import(self):
        content = self._csv(
            [
                self._row(
                    vat="BE0477472701", agency="Letter Agency", day=self.d1, rating="A"
                )
            ]
        )
        with Form(self.Import) as form:
            form.file = base64.b64encode(content)
        record = form.record
        self.assertEqual((record.state, record.user_id), ("draft", self.credit_manager))
        record.action_preview()
        record.action_import()
        action = record.action_view_ratings()
        ratings = self.Rating.search(action["domain"])
        self.assertEqual((ratings.partner_id, ratings.score), (self.alpha, 80.0))

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    def test_matching_order_tax_id_then_registry_then_reference_then_name(self):
        rows = [
            # every key given: the tax ID decides (spaces, dots, case ignored)
            self._row("be 0477.472.701", "HRB 12345", "C-0003", "Delta Unique Name"),
            # unknown tax ID: the registry decides
            self._row("XX1", "hrb-12345", "C-0003", "Alpha SA"),
            # no tax ID, no registry: the reference
            self._row("", "", "c-0003", "Alpha SA"),
            # the name alone, if one customer has it
            self._row("", "", "", "  delta unique  name "),
            # the name of two customers is not a match
            self._row("", "", "", "Shared Name"),
        ]
        self.env["res.partner"].create(
            [{"name": "Shared Name"}, {"name": "Shared Name", "is_company": True}]
        )
        rows = [row[:4] + ["Letter Agency", self.d1, "A", ""] for row in rows]
        record = self._import(self._csv(rows))
        record.action_preview()
        lines = record.line_ids.sorted("line_number")
        self.assertEqual(
            [(line.partner_id, line.matched_by) for line in lines[:4]],
            [
                (self.alpha, "vat"),
                (self.beta, "company_registry"),
                (self.gamma, "ref"),
                (self.delta, "partner_name"),
            ],
        )
        self.assertRegex(lines[4].error, "name Shared Name belongs to 2 customers")
        self.assertFalse(lines[4].partner_id)

    def test_partner_of_another_company_is_not_matched(self):
        other = self.setup_other_company()["company"]
        self.env["res.partner"].create(
            {"name": "Elsewhere", "vat": "NL123", "company_id": other.id}
        )
        record = self._import(
            self._csv(
                [
                    self._row(
                        vat="NL123", agency="Letter Agency", day=self.d1, rating="A"
                    )
                ]
            )
        )
        record.action_preview()
        self.assertIn("No customer with tax ID NL123", record.line_ids.error)

    # ------------------------------------------------------------------
    # Effects and access
    # ------------------------------------------------------------------
    def test_import_warns_on_rating_drop_once(self):
        self.company.credit_warn_rating_drop = 15
        self.Rating.create(
            {
                "partner_id": self.alpha.id,
                "agency_id": self.letter_agency.id,
                "date": self.d1,
                "rating": "AAA",
            }
        )
        record = self._import(
            self._csv(
                [
                    self._row(
                        vat="BE0477472701",
                        agency="Letter Agency",
                        day=self.d2,
                        rating="BBB",
                    ),
                    self._row(
                        ref="C-0003", agency="Letter Agency", day=self.d2, rating="D"
                    ),
                ]
            )
        )
        record.action_preview()
        record.action_import()
        warnings = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (self.alpha | self.gamma).ids),
                ("credit_warning_code", "!=", False),
            ]
        )
        # Alpha fell by 40 points; Gamma had no rating before.
        self.assertEqual(warnings.mapped("res_id"), self.alpha.ids)
        self.assertIn("fell by 40.0 points", warnings.note)

    def test_only_credit_managers_import(self):
        content = base64.b64encode(self._csv([]))
        with self.assertRaises(AccessError):
            self.env["credit.rating.import"].with_user(self.salesman).create(
                {"file": content, "file_name": "ratings.csv"}
            )
        record = self._import(self._csv([]))
        with self.assertRaises(AccessError):
            record.with_user(self.salesman).read(["state"])
