import base64
import io
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.xlsx import new_workbook

# Limit changes that did not go through a limit request.
SOURCES_WITHOUT_REQUEST = ("manual", "import")
# The ways a limit changes, always listed in the totals (zero or not).
LIMIT_SOURCES = ("manual", "request", "review", "import", "expiry")


def _default_date_from(wizard):
    """First day of the last full month."""
    today = fields.Date.context_today(wizard)
    return today.replace(day=1) - relativedelta(months=1)


def _default_date_to(wizard):
    """Last day of the last full month."""
    return fields.Date.context_today(wizard).replace(day=1) - timedelta(days=1)


class CreditAuditWizard(models.TransientModel):
    """The auditor's view of the credit decision log for a period: the
    exceptions (approvals, temporary limits, limits changed without a request)
    and the totals, as a PDF and an XLSX built from the same figures."""

    _name = "credit.audit.wizard"
    _description = "Credit Audit Report Options"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, default=_default_date_from)
    date_to = fields.Date(
        string="Until",
        required=True,
        default=_default_date_to,
        help="Included: the decisions of this whole day count (in your time zone).",
    )
    xlsx_file = fields.Binary(readonly=True, attachment=False)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            # An emptied date is refused as a required field, not compared.
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_to < wizard.date_from
            ):
                raise ValidationError(
                    self.env._(
                        "The period ends on %(end)s, before it starts on %(start)s.",
                        start=wizard.date_from,
                        end=wizard.date_to,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref(
            "credit_management.action_report_credit_audit"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        self.xlsx_file = base64.b64encode(self._credit_audit_xlsx())
        filename = (
            f"credit-audit-{self.company_id.name}-{self.date_from}-{self.date_to}.xlsx"
        ).replace(" ", "_")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/credit.audit.wizard/{self.id}/xlsx_file/"
            f"{filename}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # The figures
    # ------------------------------------------------------------------
    def _credit_tz(self):
        """The time zone the period's days are taken in (the user's)."""
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _credit_period_bounds(self):
        """[start, end) of the period in UTC, naive as stored: from midnight of
        the first day to midnight after the last day, in the user's time zone."""
        self.ensure_one()
        tz = pytz.timezone(self._credit_tz())

        def utc(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _credit_domain(self):
        start, end = self._credit_period_bounds()
        return [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", start),
            ("date", "<", end),
        ]

    def _credit_audit_columns(self):
        """The columns of each table, for the PDF and the XLSX: (label, key of
        the row, kind of value, width in the XLSX)."""
        _ = self.env._
        temporary = [
            (_("Date"), "date", "datetime", 16),
            (_("Customer"), "customer", "text", 28),
            (_("Limit From"), "limit_from", "money", 14),
            (_("Limit To"), "limit_to", "money", 14),
            (_("Change"), "limit_increase", "money", 14),
            (_("Valid From"), "valid_from", "date", 12),
            (_("Valid Until"), "valid_to", "date", 12),
            (_("Limit Request"), "request", "text", 14),
            (_("Signatures"), "approval_level", "int", 10),
            (_("Approved By"), "approvers", "text", 30),
        ]
        limits = [
            (_("Count"), "count", "int", 14),
            (_("Increases"), "increases", "money", 16),
            (_("Decreases"), "decreases", "money", 16),
            (_("Net Change"), "net", "money", 16),
        ]
        return {
            "approvals": [
                (_("Date"), "date", "datetime", 16),
                (_("Order"), "order", "text", 12),
                (_("Customer"), "customer", "text", 28),
                (_("Approver"), "user", "text", 20),
                (_("Salesperson"), "salesperson", "text", 20),
                (_("Order Amount"), "amount", "money", 14),
                (_("Over Limit"), "amount_over_limit", "money", 14),
                (_("Reasons"), "reasons", "text", 60),
                (_("Note"), "note", "text", 40),
            ],
            "approvers": [
                (_("Approver"), "name", "text", 16),
                (_("Approvals"), "count", "int", 12),
                (_("Order Amount"), "amount", "money", 28),
                (_("Over Limit"), "amount_over_limit", "money", 20),
            ],
            "temporary": temporary,
            "without_request": [
                (_("Date"), "date", "datetime", 16),
                (_("Customer"), "customer", "text", 28),
                (_("Limit From"), "limit_from", "money", 14),
                (_("Limit To"), "limit_to", "money", 14),
                (_("Change"), "limit_increase", "money", 14),
                (_("By"), "user", "text", 20),
                (_("Through"), "source", "text", 12),
                (_("Note"), "note", "text", 40),
            ],
            "kinds": [
                (_("Decision"), "label", "text", 28),
                (_("Count"), "count", "int", 14),
                (_("Order Amount"), "amount", "money", 16),
                (_("Over Limit"), "amount_over_limit", "money", 16),
            ],
            "limit_sources": [(_("Through"), "label", "text", 28), *limits],
            "limit_levels": [(_("Signatures"), "label", "text", 28), *limits],
        }

    def _credit_level_label(self, level):
        # The log keeps the level as a selection ("1", "2").
        level = int(level or 0)
        if level == 1:
            return self.env._("One signature")
        if level == 2:
            return self.env._("Two signatures")
        if level:
            return self.env._("%(count)s signatures", count=level)
        return self.env._("Not recorded")

    def _credit_audit_data(self):
        """Everything the PDF and the XLSX show, from the decision log of the
        period and company: the rows of the exceptions and the totals, in
        company currency. Read with the user's rights (the log's access rules
        decide who may run the report)."""
        self.ensure_one()
        Decision = self.env["credit.decision"].with_company(self.company_id)
        domain = self._credit_domain()
        tz = pytz.timezone(self._credit_tz())
        kind_labels = dict(Decision._fields["kind"]._description_selection(self.env))
        source_labels = dict(
            Decision._fields["source"]._description_selection(self.env)
        )

        def local(value):
            return pytz.utc.localize(value).astimezone(tz).replace(tzinfo=None)

        # The rows of the three sections, in one query, oldest first.
        decisions = Decision.search_fetch(
            domain
            + [
                "|",
                ("kind", "=", "approval"),
                "&",
                ("kind", "=", "limit"),
                "|",
                ("source", "in", (*SOURCES_WITHOUT_REQUEST, "expiry")),
                "&",
                ("source", "=", "request"),
                ("temporary", "=", True),
            ],
            [
                "date",
                "kind",
                "source",
                "partner_id",
                "user_id",
                "salesperson_id",
                "order_name",
                "amount",
                "amount_over_limit",
                "limit_from",
                "limit_to",
                "limit_increase",
                "temporary",
                "date_from",
                "date_to",
                "approval_level",
                "reasons",
                "note",
                "request_id",
            ],
            order="date, id",
        )
        approvals, granted, ended, without_request = [], [], [], []
        for decision in decisions:
            request = decision.request_id
            row = {
                "date": local(decision.date),
                "customer": decision.partner_id.display_name,
                "user": decision.user_id.name,
                "source": source_labels.get(decision.source, ""),
                "note": decision.note or "",
            }
            if decision.kind == "approval":
                approvals.append(
                    {
                        **row,
                        "order": decision.order_name or "",
                        "salesperson": decision.salesperson_id.name or "",
                        "amount": decision.amount,
                        "amount_over_limit": decision.amount_over_limit,
                        "reasons": decision.reasons or "",
                    }
                )
                continue
            row.update(
                limit_from=decision.limit_from,
                limit_to=decision.limit_to,
                limit_increase=decision.limit_increase,
            )
            if decision.source in SOURCES_WITHOUT_REQUEST:
                without_request.append(row)
                continue
            row.update(
                request=request.name or "",
                valid_from=decision.date_from,
                valid_to=decision.date_to,
                approval_level=int(decision.approval_level or 0),
                # Who signed the request (the row's own user applied it: the
                # scheduled job for a limit that starts later).
                approvers=", ".join(
                    filter(
                        None,
                        [
                            request.first_approver_id.name,
                            request.second_approver_id.name,
                        ],
                    )
                )
                or decision.user_id.name,
            )
            (ended if decision.source == "expiry" else granted).append(row)

        # The totals, straight from the log.
        by_kind = {
            kind: (count, amount, over)
            for kind, count, amount, over in Decision._read_group(
                domain,
                ["kind"],
                ["__count", "amount:sum", "amount_over_limit:sum"],
            )
        }
        kinds = []
        for kind, label in kind_labels.items():
            count, amount, over = by_kind.get(kind, (0, 0.0, 0.0))
            on_orders = kind in ("refusal", "approval")
            kinds.append(
                {
                    "kind": kind,
                    "label": label,
                    "count": count,
                    # Order amounts mean something for decisions on orders only.
                    "amount": amount if on_orders else None,
                    "amount_over_limit": over if on_orders else None,
                }
            )
        limit_domain = domain + [("kind", "=", "limit")]
        net = {
            (source, level): (count, total)
            for source, level, count, total in Decision._read_group(
                limit_domain,
                ["source", "approval_level"],
                ["__count", "limit_increase:sum"],
            )
        }
        raised = {
            (source, level): total
            for source, level, total in Decision._read_group(
                limit_domain + [("limit_increase", ">", 0)],
                ["source", "approval_level"],
                ["limit_increase:sum"],
            )
        }

        def limit_line(label, keys):
            count = sum(net[key][0] for key in keys)
            total = sum(net[key][1] for key in keys)
            increases = sum(raised.get(key, 0.0) for key in keys)
            return {
                "label": label,
                "count": count,
                "increases": increases,
                "decreases": total - increases,
                "net": total,
            }

        sources = [s for s, _label in Decision._fields["source"].selection]
        present = {source for source, _level in net}
        limit_sources = [
            limit_line(
                source_labels.get(source) or self.env._("Not recorded"),
                [key for key in net if key[0] == source],
            )
            for source in [*sources, False]
            if source in LIMIT_SOURCES or source in present
        ]
        limit_levels = [
            limit_line(self._credit_level_label(level), [(source, level)])
            for source, level in sorted(
                (key for key in net if key[0] == "request"),
                key=lambda k: int(k[1] or 0),
            )
        ]
        approvers = [
            {
                "name": user.name or self.env._("Unknown"),
                "count": count,
                "amount": amount,
                "amount_over_limit": over,
            }
            for user, count, amount, over in sorted(
                Decision._read_group(
                    domain + [("kind", "=", "approval")],
                    ["user_id"],
                    ["__count", "amount:sum", "amount_over_limit:sum"],
                ),
                key=lambda group: (-group[3], group[0].name or ""),
            )
        ]

        def total(values):
            return {
                **values,
                "label": self.env._("Total (%(count)s)", count=values["count"]),
            }

        def limit_totals(rows):
            changes = [row["limit_increase"] for row in rows]
            return total(
                {
                    "count": len(rows),
                    "increases": sum(change for change in changes if change > 0),
                    "decreases": sum(change for change in changes if change < 0),
                    # the table's own column
                    "limit_increase": sum(changes),
                }
            )

        return {
            "company": self.company_id,
            "currency": self.company_id.currency_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "tz": self._credit_tz(),
            "printed": local(fields.Datetime.now()),
            "columns": self._credit_audit_columns(),
            "approvals": approvals,
            "approval_totals": total(
                {
                    "count": len(approvals),
                    "amount": sum(row["amount"] for row in approvals),
                    "amount_over_limit": sum(
                        row["amount_over_limit"] for row in approvals
                    ),
                }
            ),
            "approvers": approvers,
            "temporary_granted": granted,
            "temporary_granted_totals": limit_totals(granted),
            "temporary_ended": ended,
            "temporary_ended_totals": limit_totals(ended),
            "without_request": without_request,
            "without_request_totals": limit_totals(without_request),
            "kinds": kinds,
            "kind_totals": {
                "label": self.env._("Total"),
                "count": sum(line["count"] for line in kinds),
            },
            "limit_sources": limit_sources,
            "limit_source_totals": limit_line(self.env._("Total"), list(net)),
            "limit_levels": limit_levels,
        }

    # ------------------------------------------------------------------
    # XLSX
    # ------------------------------------------------------------------
    def _credit_audit_xlsx(self):
        """The report as a workbook: a sheet per section, a Totals sheet."""
        data = self._credit_audit_data()
        columns = data["columns"]
        output = io.BytesIO()
        workbook = new_workbook(output)
        digits = data["currency"].decimal_places
        money_format = f"#,##0.{'0' * digits}" if digits else "#,##0"
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "subtitle": workbook.add_format({"bold": True, "font_size": 12}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
            ),
            "text": workbook.add_format({"valign": "top", "text_wrap": True}),
            "datetime": workbook.add_format(
                {"valign": "top", "num_format": "yyyy-mm-dd hh:mm"}
            ),
            "date": workbook.add_format({"valign": "top", "num_format": "yyyy-mm-dd"}),
            "money": workbook.add_format({"valign": "top", "num_format": money_format}),
            "int": workbook.add_format({"valign": "top", "num_format": "0"}),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format(
                {"bold": True, "top": 1, "num_format": money_format}
            ),
            "total_int": workbook.add_format(
                {"bold": True, "top": 1, "num_format": "0"}
            ),
        }
        title = self.env._(
            "Credit audit of %(company)s, %(start)s to %(end)s (amounts in "
            "%(currency)s, times in %(tz)s)",
            company=data["company"].name,
            start=data["date_from"],
            end=data["date_to"],
            currency=data["currency"].name,
            tz=data["tz"],
        )
        printed = self.env._(
            "Printed on %(date)s", date=data["printed"].strftime("%Y-%m-%d %H:%M")
        )
        widths = {}

        def sheet_for(name):
            # Excel: at most 31 characters, none of []:*?/\
            for char in "[]:*?/\\":
                name = name.replace(char, " ")
            sheet = workbook.add_worksheet(name[:31])
            sheet.write(0, 0, title, styles["title"])
            sheet.write(1, 0, printed)
            widths[sheet] = {}
            return sheet

        def table(sheet, row, columns, lines, totals=None, subtitle=None):
            """Write a table from ``row`` on (a subtitle, the header, the lines,
            the totals); returns the row after it and a blank one."""
            if subtitle:
                sheet.write(row, 0, subtitle, styles["subtitle"])
                row += 1
            for col, (label, _key, _kind, width) in enumerate(columns):
                sheet.write(row, col, label, styles["header"])
                # Several tables on a sheet: each column as wide as its widest.
                widths[sheet][col] = max(width, widths[sheet].get(col, 0))
                sheet.set_column(col, col, widths[sheet][col])
            row += 1
            for line in lines:
                for col, (_label, key, kind, _width) in enumerate(columns):
                    value = line.get(key)
                    if value is None or value is False or value == "":
                        sheet.write_blank(row, col, None, styles[kind])
                    elif kind in ("money", "int"):
                        sheet.write_number(row, col, value, styles[kind])
                    elif kind in ("datetime", "date"):
                        sheet.write_datetime(row, col, value, styles[kind])
                    else:
                        sheet.write_string(row, col, str(value), styles[kind])
                row += 1
            if totals is not None:
                for col, (_label, key, kind, _width) in enumerate(columns):
                    value = totals.get(key)
                    if col == 0:
                        sheet.write_string(row, col, totals["label"], styles["total"])
                    elif value is None:
                        sheet.write_blank(row, col, None, styles["total"])
                    else:
                        style = "total_int" if kind == "int" else "total_money"
                        sheet.write_number(row, col, value, styles[style])
                row += 1
            return row + 1

        _ = self.env._
        sheet = sheet_for(_("Approvals"))
        row = table(
            sheet, 3, columns["approvals"], data["approvals"], data["approval_totals"]
        )
        table(
            sheet,
            row,
            columns["approvers"],
            data["approvers"],
            subtitle=_("By approver"),
        )
        sheet.freeze_panes(4, 0)

        sheet = sheet_for(_("Temporary Limits"))
        row = table(
            sheet,
            3,
            columns["temporary"],
            data["temporary_granted"],
            data["temporary_granted_totals"],
            subtitle=_("Temporary limits granted"),
        )
        table(
            sheet,
            row,
            columns["temporary"],
            data["temporary_ended"],
            data["temporary_ended_totals"],
            subtitle=_("Temporary limits ended"),
        )

        sheet = sheet_for(_("Limits Without Request"))
        table(
            sheet,
            3,
            columns["without_request"],
            data["without_request"],
            data["without_request_totals"],
        )
        sheet.freeze_panes(4, 0)

        sheet = sheet_for(_("Totals"))
        row = table(
            sheet,
            3,
            columns["kinds"],
            data["kinds"],
            data["kind_totals"],
            subtitle=_("Decisions by kind"),
        )
        row = table(
            sheet,
            row,
            columns["limit_sources"],
            data["limit_sources"],
            data["limit_source_totals"],
            subtitle=_("Limit changes by source"),
        )
        table(
            sheet,
            row,
            columns["limit_levels"],
            data["limit_levels"],
            subtitle=_("Limit requests applied, by signatures"),
        )
        workbook.close()
        return output.getvalue()
