import base64
import csv
import io
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

# Column keys and the headers that name them (compared in lower case, with
# underscores, dashes and dots read as spaces).
COLUMN_HEADERS = {
    "vat": ("vat", "tax id", "vat number", "tin"),
    "company_registry": ("company registry", "registry", "company id"),
    "ref": ("reference", "ref", "internal reference"),
    "partner_name": ("name", "partner", "partner name", "customer"),
    "agency": ("agency", "rating agency"),
    "date": ("date", "rating date"),
    "rating": ("rating",),
    "valid_until": ("valid until", "valid to"),
}
HEADER_KEYS = {
    header: key for key, headers in COLUMN_HEADERS.items() for header in headers
}
# The partner keys, in the order they are tried.
PARTNER_KEYS = ("vat", "company_registry", "ref", "partner_name")
PARTNER_FIELDS = {
    "vat": "vat",
    "company_registry": "company_registry",
    "ref": "ref",
    "partner_name": "name",
}
CSV_DELIMITERS = (",", ";", "\t")
# Lines read from one file: each is checked, previewed as a line record and
# imported as a rating in one request; 100,000 took minutes and outlasted a
# worker's time limit, with no message.
MAX_LINES = 20000
# Line numbers given in the message of a duplicate line.
DUPLICATES_SHOWN = 5
# yyyy-mm-dd (ISO) and dd/mm/yyyy: (pattern, order of year, month, day groups)
DATE_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), (3, 2, 1)),
)
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Lines with errors quoted in the message of a refused import.
ERRORS_QUOTED = 10


class ImportFileError(UserError):
    """The file as a whole cannot be read (encoding, delimiter, columns)."""


def _header_key(header):
    return HEADER_KEYS.get(re.sub(r"[\s_.\-]+", " ", str(header or "")).strip().lower())


def _cell_text(value):
    """The text of a CSV or spreadsheet cell (whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _parse_date(value):
    """A date from a spreadsheet date or a text in DATE_PATTERNS; None if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    for pattern, order in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(match.group(group)) for group in order))
            except ValueError:
                return None  # 31/02/2024
    return None


def _code_key(value):
    """Tax IDs and registry numbers: upper case, no spaces, dots or dashes."""
    key = re.sub(r"[\s.\-]", "", value or "").upper()
    return key if re.search(r"\w", key) else ""


def _text_key(value):
    """References and names: upper case, spaces collapsed."""
    return " ".join((value or "").split()).upper()


def _code_sql(column):
    return SQL("upper(regexp_replace(%s, %s, '', 'g'))", column, r"[\s.\-]")


def _text_sql(column):
    return SQL("upper(btrim(regexp_replace(%s, %s, ' ', 'g')))", column, r"\s+")


PARTNER_KEY_NORMALISERS = {
    "vat": (_code_key, _code_sql),
    "company_registry": (_code_key, _code_sql),
    "ref": (_text_key, _text_sql),
    "partner_name": (_text_key, _text_sql),
}


class CreditRatingImport(models.Model):
    """An agency file (CSV or XLSX) imported as ratings: the file, every line
    with the customer and agency it matched and what is wrong with it, and the
    ratings it recorded. All lines or none: one error and nothing is written."""

    _name = "credit.rating.import"
    _description = "Agency Rating Import"
    _order = "id desc"
    _check_company_auto = True

    file = fields.Binary(
        attachment=True,
        required=True,
        help="CSV (UTF-8; comma, semicolon or tab) or XLSX with a header line: "
        "Tax ID / VAT, Company Registry, Reference or Name to find the customer; "
        "Agency; Date; Rating; Valid Until (optional). At most 20,000 lines.",
    )
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    import_date = fields.Datetime(string="Imported On", readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("previewed", "Previewed"),
            ("failed", "Errors"),
            ("done", "Imported"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
    )
    default_agency_id = fields.Many2one(
        "credit.agency",
        check_company=True,
        help="Agency of the lines when the file has no Agency column or leaves "
        "it empty.",
    )
    line_ids = fields.One2many(
        "credit.rating.import.line", "import_id", string="Lines", readonly=True
    )
    error_line_ids = fields.One2many(
        "credit.rating.import.line",
        "import_id",
        string="Lines with Errors",
        domain=[("error", "!=", False)],
        readonly=True,
    )
    rating_ids = fields.One2many(
        "credit.rating", "import_id", string="Ratings", readonly=True
    )
    line_count = fields.Integer(string="Lines Read", readonly=True, copy=False)
    error_count = fields.Integer(string="Errors", readonly=True, copy=False)
    rating_count = fields.Integer(
        string="Ratings Imported", compute="_compute_rating_count"
    )
    result_message = fields.Text(string="Result", readonly=True, copy=False)

    @api.depends("file_name")
    def _compute_display_name(self):
        for record in self:
            record.display_name = record.file_name or self.env._("Rating import")

    @api.depends("rating_ids")
    def _compute_rating_count(self):
        counts = dict(
            self.env["credit.rating"]._read_group(
                [("import_id", "in", self.ids)], ["import_id"], ["__count"]
            )
        )
        for record in self:
            record.rating_count = counts.get(record, 0)

    def write(self, vals):
        if {"file", "default_agency_id", "company_id"} & set(vals):
            if any(record.state == "done" for record in self):
                raise UserError(
                    self.env._(
                        "An imported file cannot be changed: its ratings are "
                        "recorded. Import the corrected file as a new import."
                    )
                )
            # Another file or agency: the preview no longer says anything.
            self.line_ids.unlink()
            vals = dict(
                vals,
                state="draft",
                result_message=False,
                line_count=0,
                error_count=0,
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(record.state == "done" for record in self):
            raise UserError(
                self.env._(
                    "An import that recorded ratings is kept as their source; "
                    "delete the ratings if they are wrong."
                )
            )

    def action_preview(self):
        """Read and check every line, without recording any rating."""
        for record in self:
            record._credit_check_done()
            result = record._credit_check_file()
            record.line_ids.unlink()
            self.env["credit.rating.import.line"].create(result["lines"])
            errors = sum(1 for vals in result["lines"] if vals["error"])
            record.write(
                {
                    "state": "failed" if errors or result["error"] else "previewed",
                    "line_count": len(result["lines"]),
                    "error_count": errors,
                    "result_message": result["error"] or result["summary"],
                }
            )
        return True

    def action_import(self):
        """Record every line as a rating, or none: any error refuses the import
        (the file is read and checked again, against today's customers)."""
        self.ensure_one()
        self._credit_check_done()
        result = self._credit_check_file()
        if result["error"]:
            raise UserError(result["error"])
        errors = [vals for vals in result["lines"] if vals["error"]]
        if errors:
            raise UserError(self._credit_errors_message(errors, len(result["lines"])))
        lines_vals = result["lines"]
        with self.env.cr.savepoint():
            if self._credit_lines_changed(lines_vals):
                # Not previewed, or customers changed since: the lines show
                # what is imported.
                self.line_ids.unlink()
                self.env["credit.rating.import.line"].create(lines_vals)
            # One create: the rating warnings run once for the whole file.
            ratings = self.env["credit.rating"].create(
                [
                    {
                        "partner_id": vals["partner_id"],
                        "agency_id": vals["agency_id"],
                        "date": vals["date"],
                        "rating": vals["rating"],
                        "valid_until": vals["valid_until"],
                        "company_id": self.company_id.id,
                        "import_id": self.id,
                    }
                    for vals in lines_vals
                ]
            )
            self.write(
                {
                    "state": "done",
                    "import_date": fields.Datetime.now(),
                    "line_count": len(lines_vals),
                    "error_count": 0,
                    "result_message": self.env._(
                        "%(count)s rating(s) recorded from %(file)s.",
                        count=len(ratings),
                        file=self.display_name,
                    ),
                }
            )
        return True

    def _credit_lines_changed(self, lines_vals):
        """Whether the lines checked now differ from the preview's lines."""
        self.env["credit.rating.import.line"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT line_number, partner_id, agency_id, date, valid_until, rating
              FROM credit_rating_import_line
             WHERE import_id = %s
                """,
                self.id,
            )
        )
        stored = {row[0]: tuple(value or False for value in row[1:]) for row in rows}
        fresh = {
            vals["line_number"]: (
                vals["partner_id"],
                vals["agency_id"],
                vals["date"],
                vals["valid_until"],
                vals["rating"],
            )
            for vals in lines_vals
        }
        return stored != fresh

    def action_view_ratings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Ratings"),
            "res_model": "credit.rating",
            "view_mode": "list,pivot",
            "domain": [("import_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Reading the file
    # ------------------------------------------------------------------
    def _credit_check_done(self):
        if self.state == "done":
            raise UserError(
                self.env._(
                    "%(file)s is imported already (%(count)s ratings).",
                    file=self.display_name,
                    count=self.rating_count,
                )
            )

    def _credit_check_file(self):
        """Read the file and check every line, writing nothing.

        :return: {"lines": [values of credit.rating.import.line], "error": what
            makes the whole file unreadable or False, "summary": text}
        """
        self.ensure_one()
        try:
            rows, ignored, file_format = self._credit_read_file()
        except ImportFileError as error:
            return {"lines": [], "error": error.args[0], "summary": False}
        lines = self._credit_check_rows(rows)
        errors = sum(1 for vals in lines if vals["error"])
        if errors:
            summary = self.env._(
                "%(errors)s of %(count)s line(s) of %(file)s (%(format)s) have "
                "errors: nothing can be imported until they are corrected, in the "
                "file or in the customers and agencies.",
                errors=errors,
                count=len(lines),
                file=self.display_name,
                format=file_format,
            )
        else:
            summary = self.env._(
                "%(count)s line(s) of %(file)s (%(format)s) read, every one matched "
                "and valid: Import records them.",
                count=len(lines),
                file=self.display_name,
                format=file_format,
            )
        if ignored:
            summary += " " + self.env._(
                "Columns ignored: %(columns)s.", columns=", ".join(ignored)
            )
        return {"lines": lines, "error": False, "summary": summary}

    def _credit_read_file(self):
        """The data lines of the file, by header.

        :return: ([(line number, {column key: value}, error or None)], headers
            ignored, format description)
        :raise ImportFileError: the file cannot be read as a whole
        """
        if not self.file:
            raise ImportFileError(self.env._("Upload a CSV or XLSX file first."))
        content = base64.b64decode(self.file)
        if content.startswith(XLSX_MAGIC):
            table, file_format = self._credit_xlsx_table(content), "XLSX"
        elif content.startswith(XLS_MAGIC):
            raise ImportFileError(
                self.env._(
                    "%(file)s is an old Excel file (.xls): save it as .xlsx or as "
                    "CSV UTF-8 and import that.",
                    file=self.display_name,
                )
            )
        else:
            table, file_format = self._credit_csv_table(content)
        table = [(number, values) for number, values in table if any(values)]
        if not table:
            raise ImportFileError(
                self.env._("%(file)s is empty.", file=self.display_name)
            )
        if len(table) - 1 > MAX_LINES:
            raise ImportFileError(
                self.env._(
                    "%(file)s has %(count)s lines: at most %(max)s can be imported "
                    "at once. Split it into files of %(max)s lines or fewer (each "
                    "with the header line) and import them one after the other.",
                    file=self.display_name,
                    count=len(table) - 1,
                    max=MAX_LINES,
                )
            )
        columns, ignored = self._credit_columns(table[0][1])
        rows = []
        for number, values in table[1:]:
            error = None
            extra = [value for value in values[len(table[0][1]) :] if value]
            if extra:
                error = self.env._(
                    "%(count)s values for %(columns)s columns: a value holding the "
                    "delimiter must be in quotes.",
                    count=len(values),
                    columns=len(table[0][1]),
                )
            rows.append(
                (
                    number,
                    {
                        key: values[index] if index < len(values) else None
                        for key, index in columns.items()
                    },
                    error,
                )
            )
        if not rows:
            raise ImportFileError(
                self.env._(
                    "%(file)s has a header line but no ratings.",
                    file=self.display_name,
                )
            )
        return rows, ignored, file_format

    def _credit_csv_table(self, content):
        """[(line number, [cell texts])] of a CSV file, and its description."""
        if content.startswith(UTF16_BOMS):
            text, encoding = content.decode("utf-16"), "UTF-16"
        else:
            try:
                text, encoding = content.decode("utf-8-sig"), "UTF-8"
            except UnicodeDecodeError as error:
                raise ImportFileError(
                    self._credit_encoding_message(content, error)
                ) from None
        if "\x00" in text:
            raise ImportFileError(
                self.env._(
                    "%(file)s is neither a CSV text file nor an XLSX spreadsheet.",
                    file=self.display_name,
                )
            )
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(
            CSV_DELIMITERS,
            key=lambda candidate: (
                sum(
                    1
                    for header in next(csv.reader([first], delimiter=candidate))
                    if _header_key(header)
                ),
                first.count(candidate),
            ),
        )
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            table = [(reader.line_num, [v.strip() for v in row]) for row in reader]
        except csv.Error as error:
            raise ImportFileError(
                self.env._(
                    "%(file)s cannot be read as CSV at line %(line)s: %(error)s.",
                    file=self.display_name,
                    line=reader.line_num,
                    error=error,
                )
            ) from None
        names = {
            ",": self.env._("comma"),
            ";": self.env._("semicolon"),
            "\t": self.env._("tab"),
        }
        return table, self.env._(
            "CSV %(encoding)s, %(delimiter)s-separated",
            encoding=encoding,
            delimiter=names[delimiter],
        )

    def _credit_encoding_message(self, content, error):
        line = content[: error.start].count(b"\n") + 1
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            hint = ""
        else:
            hint = self.env._(" It looks like Windows-1252 or Latin-1 text.")
        return self.env._(
            "Wrong encoding: %(file)s is not UTF-8 (byte 0x%(byte)s on line "
            "%(line)s cannot be read).%(hint)s Save it as CSV UTF-8 and import it "
            "again; nothing was read.",
            file=self.display_name,
            byte=f"{content[error.start]:02X}",
            line=line,
            hint=hint,
        )

    def _credit_xlsx_table(self, content):
        """[(row number, [cell values])] of the first sheet of an XLSX file."""
        try:
            workbook = load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
        except (
            zipfile.BadZipFile,
            InvalidFileException,
            KeyError,
            ValueError,
            OSError,
        ):
            raise ImportFileError(
                self.env._(
                    "%(file)s cannot be read as an XLSX spreadsheet.",
                    file=self.display_name,
                )
            ) from None
        try:
            sheet = workbook.worksheets[0]
            return [
                (
                    number,
                    [
                        value.strip() if isinstance(value, str) else value
                        for value in values
                    ],
                )
                for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
            ]
        finally:
            workbook.close()

    def _credit_columns(self, header):
        """{column key: index} from the header line, and the headers ignored.

        :raise ImportFileError: a column is missing or given twice
        """
        columns, ignored = {}, []
        for index, name in enumerate(header):
            key = _header_key(name)
            if key in columns:
                raise ImportFileError(
                    self.env._(
                        "Columns %(first)s and %(second)s say the same thing: keep "
                        "one.",
                        first=header[columns[key]],
                        second=name,
                    )
                )
            if key:
                columns[key] = index
            elif _cell_text(name):
                ignored.append(_cell_text(name))
        missing = []
        if not set(PARTNER_KEYS) & set(columns):
            missing.append(
                self.env._("Tax ID (or VAT), Company Registry, Reference or Name")
            )
        if "agency" not in columns and not self.default_agency_id:
            missing.append(self.env._("Agency (or choose a default agency)"))
        if "date" not in columns:
            missing.append(self.env._("Date"))
        if "rating" not in columns:
            missing.append(self.env._("Rating"))
        if missing:
            raise ImportFileError(
                self.env._(
                    "Missing column(s) in %(file)s: %(missing)s. The first line "
                    "must name the columns; it reads: %(header)s (the delimiter "
                    "may be wrong: use comma, semicolon or tab).",
                    file=self.display_name,
                    missing="; ".join(missing),
                    header=" | ".join(_cell_text(name) for name in header),
                )
            )
        return columns, ignored

    # ------------------------------------------------------------------
    # Checking the lines
    # ------------------------------------------------------------------
    def _credit_check_rows(self, rows):
        """Values of the import lines: each row matched to a customer and an
        agency, its dates and rating checked, duplicates found; errors say
        what is wrong. Set-based: one query per partner key, one for the
        ratings already recorded."""
        partners = self._credit_match_partners([row for _n, row, _e in rows])
        agencies = self._credit_agencies()
        today = fields.Date.context_today(self)
        scores = {}
        lines = []
        for (number, row, row_error), (partner_id, matched_by, partner_error) in zip(
            rows, partners, strict=True
        ):
            agency, agency_error = self._credit_line_agency(row, agencies)
            errors = [row_error, partner_error, agency_error]
            rating, score = _cell_text(row.get("rating")), 0.0
            if agency:
                score, rating_error = self._credit_line_score(agency, rating, scores)
                errors.append(rating_error)
                rating = agencies["canonical"][agency.id].get(rating.upper(), rating)
            rating_date, until, date_errors = self._credit_line_dates(row, today)
            lines.append(
                {
                    "import_id": self.id,
                    "company_id": self.company_id.id,
                    "line_number": number,
                    "vat": _cell_text(row.get("vat")),
                    "company_registry": _cell_text(row.get("company_registry")),
                    "ref": _cell_text(row.get("ref")),
                    "partner_name": _cell_text(row.get("partner_name")),
                    "agency_name": _cell_text(row.get("agency")),
                    "date_text": _cell_text(row.get("date")),
                    "rating": rating,
                    "valid_until_text": _cell_text(row.get("valid_until")),
                    "partner_id": partner_id,
                    "matched_by": matched_by,
                    "agency_id": agency.id if agency else False,
                    "date": rating_date,
                    "valid_until": until,
                    "score": score,
                    "error": errors + date_errors,
                }
            )
        self._credit_check_duplicates(lines)
        for vals in lines:
            vals["error"] = "\n".join(e for e in vals["error"] if e) or False
        return lines

    def _credit_match_partners(self, rows):
        """[(partner id, key that matched, error)] for the rows, in order: the
        first of tax ID, company registry, reference, name that finds customers
        decides; two customers for one value is an error, never a guess."""
        keys = [
            {
                key: PARTNER_KEY_NORMALISERS[key][0](_cell_text(row.get(key)))
                for key in PARTNER_KEYS
            }
            for row in rows
        ]
        found = {
            key: self._credit_partners_by_key(key, {k[key] for k in keys} - {""})
            for key in PARTNER_KEYS
        }
        shared = {
            partner_id
            for by_value in found.values()
            for ids in by_value.values()
            if len(ids) > 1
            for partner_id in ids
        }
        names = {
            partner.id: partner.display_name
            for partner in self.env["res.partner"].browse(shared)
        }
        labels = self._credit_key_labels()
        result = []
        for row, row_keys in zip(rows, keys, strict=True):
            match = (False, False, False)
            for key in PARTNER_KEYS:
                ids = found[key].get(row_keys[key]) if row_keys[key] else None
                if not ids:
                    continue
                if len(ids) == 1:
                    match = (ids[0], key, False)
                else:
                    match = (
                        False,
                        False,
                        self.env._(
                            "%(key)s %(value)s belongs to %(count)s customers "
                            "(%(names)s): the import does not guess which one. "
                            "Correct the customers or the file and import again.",
                            key=labels[key],
                            value=_cell_text(row.get(key)),
                            count=len(ids),
                            names=", ".join(names[i] for i in sorted(ids)),
                        ),
                    )
                break
            else:
                given = [
                    f"{labels[key]} {_cell_text(row.get(key))}"
                    for key in PARTNER_KEYS
                    if row_keys[key]
                ]
                match = (
                    False,
                    False,
                    self.env._("No customer with %(keys)s.", keys=", ".join(given))
                    if given
                    else self.env._(
                        "No tax ID, company registry, reference or name to find "
                        "the customer."
                    ),
                )
            result.append(match)
        return result

    def _credit_key_labels(self):
        return {
            "vat": self.env._("tax ID"),
            "company_registry": self.env._("company registry"),
            "ref": self.env._("reference"),
            "partner_name": self.env._("name"),
        }

    def _credit_partners_by_key(self, key, values):
        """{normalised value: [partner ids]} of the commercial partners of the
        import's company (or shared) whose ``key`` field has one of ``values``:
        one query."""
        if not values:
            return {}
        Partner = self.env["res.partner"].with_company(self.company_id)
        field_name = PARTNER_FIELDS[key]
        query = Partner._search(
            [
                ("parent_id", "=", False),
                ("company_id", "in", [self.company_id.id, False]),
                (field_name, "!=", False),
            ]
        )
        normalised = PARTNER_KEY_NORMALISERS[key][1](
            Partner._field_to_sql(query.table, field_name, query)
        )
        query.add_where(SQL("%s = ANY(%s)", normalised, list(values)))
        by_value = defaultdict(list)
        for partner_id, value in self.env.execute_query(
            query.select(SQL.identifier(query.table, "id"), normalised)
        ):
            by_value[value].append(partner_id)
        return by_value

    def _credit_agencies(self):
        """The agencies of the import's company (and shared ones) by name, in
        the user's language and in English, and their letter ratings."""
        agencies = (
            self.env["credit.agency"]
            .with_company(self.company_id)
            .search([("company_id", "in", [self.company_id.id, False])])
        )
        by_name = defaultdict(set)
        english = agencies.with_context(lang="en_US").mapped("name")
        for agency, english_name in zip(agencies, english, strict=True):
            by_name[_text_key(agency.name)].add(agency)
            by_name[_text_key(english_name)].add(agency)
        return {
            "by_name": by_name,
            "known": ", ".join(agencies.mapped("name")) or "-",
            "canonical": {
                agency.id: {
                    grade.name.upper(): grade.name for grade in agency.grade_ids
                }
                for agency in agencies | self.default_agency_id
            },
        }

    def _credit_line_agency(self, row, agencies):
        name = _cell_text(row.get("agency"))
        if not name:
            if self.default_agency_id:
                return self.default_agency_id, False
            return False, self.env._(
                "No agency: fill the Agency column or choose a default agency."
            )
        found = agencies["by_name"].get(_text_key(name), set())
        if len(found) == 1:
            return next(iter(found)), False
        if found:
            return False, self.env._(
                "Several agencies are named %(name)s: rename one.", name=name
            )
        return False, self.env._(
            "Unknown agency %(name)s (agencies: %(known)s).",
            name=name,
            known=agencies["known"],
        )

    @api.model
    def _credit_line_score(self, agency, rating, scores):
        """(score, error) of ``rating`` on the agency's scale; ``scores`` keeps
        them by agency and rating (a file repeats a few ratings)."""
        key = (agency.id, rating.upper())
        if key not in scores:
            try:
                scores[key] = (agency._credit_normalise(rating), False)
            except ValidationError as error:
                scores[key] = (0.0, error.args[0])
        return scores[key]

    def _credit_line_dates(self, row, today):
        """(date, valid until, [errors]) of a row."""
        errors = []
        value = row.get("date")
        rating_date = _parse_date(value) if _cell_text(value) else None
        if not _cell_text(value):
            errors.append(self.env._("No date."))
        elif not rating_date:
            errors.append(
                self.env._(
                    "Bad date %(value)s: write yyyy-mm-dd or dd/mm/yyyy.",
                    value=_cell_text(value),
                )
            )
        elif rating_date > today:
            errors.append(
                self.env._(
                    "The rating is dated in the future (%(date)s).", date=rating_date
                )
            )
        value = row.get("valid_until")
        until = _parse_date(value) if _cell_text(value) else None
        if _cell_text(value) and not until:
            errors.append(
                self.env._(
                    "Bad date %(value)s in Valid Until: write yyyy-mm-dd or "
                    "dd/mm/yyyy.",
                    value=_cell_text(value),
                )
            )
        elif until and rating_date and until < rating_date:
            errors.append(
                self.env._(
                    "Valid until %(until)s is before the rating date %(date)s.",
                    until=until,
                    date=rating_date,
                )
            )
        return rating_date or False, until or False, errors

    def _credit_check_duplicates(self, lines):
        """Add to the lines' errors: the same customer, agency and date twice in
        the file, and the same rating already recorded (one query)."""
        by_key = defaultdict(list)
        for vals in lines:
            if vals["partner_id"] and vals["agency_id"] and vals["date"]:
                by_key[(vals["partner_id"], vals["agency_id"], vals["date"])].append(
                    vals
                )
        for same in by_key.values():
            if len(same) > 1:
                # At most a few line numbers each: a file repeating one line
                # 100,000 times would otherwise build 10^10 numbers.
                numbers = [vals["line_number"] for vals in same]
                for vals in same:
                    others = numbers[: DUPLICATES_SHOWN + 1]
                    if vals["line_number"] in others:
                        others.remove(vals["line_number"])
                    others = others[:DUPLICATES_SHOWN]
                    lines = ", ".join(str(number) for number in others)
                    if len(same) - 1 > len(others):
                        lines = self.env._(
                            "%(lines)s and %(count)s more",
                            lines=lines,
                            count=len(same) - 1 - len(others),
                        )
                    vals["error"].append(
                        self.env._(
                            "Duplicate line: same customer, agency and date as "
                            "line(s) %(lines)s.",
                            lines=lines,
                        )
                    )
        if not by_key:
            return
        existing = self.env["credit.rating"].search_fetch(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "in", list({key[0] for key in by_key})),
                ("agency_id", "in", list({key[1] for key in by_key})),
                ("date", "in", list({key[2] for key in by_key})),
            ],
            ["partner_id", "agency_id", "date", "rating"],
        )
        recorded = {
            (r.partner_id.id, r.agency_id.id, r.date, _text_key(r.rating)): r
            for r in existing
        }
        for key, same in by_key.items():
            for vals in same:
                rating = recorded.get((*key, _text_key(vals["rating"])))
                if rating:
                    vals["error"].append(
                        self.env._(
                            "Already recorded: %(agency)s rated %(partner)s "
                            "%(rating)s on %(date)s.",
                            agency=rating.agency_id.name,
                            partner=rating.partner_id.display_name,
                            rating=rating.rating,
                            date=rating.date,
                        )
                    )

    def _credit_errors_message(self, errors, count):
        quoted = "\n".join(
            self.env._(
                "Line %(line)s: %(error)s",
                line=vals["line_number"],
                error=vals["error"],
            )
            for vals in errors[:ERRORS_QUOTED]
        )
        more = ""
        if len(errors) > ERRORS_QUOTED:
            more = "\n" + self.env._(
                "… and %(more)s more (Preview lists them all).",
                more=len(errors) - ERRORS_QUOTED,
            )
        return self.env._(
            "%(errors)s of %(count)s line(s) have errors; nothing was imported. "
            "Correct them and import again.\n%(lines)s%(more)s",
            errors=len(errors),
            count=count,
            lines=quoted,
            more=more,
        )
