import base64
import io
import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..report.credit_aging_report import BUCKETS
from ..tools.xlsx import new_workbook


class CreditAgingWizard(models.TransientModel):
    _name = "credit.aging.wizard"
    _description = "Receivables Aging Options"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="As Of",
        required=True,
        default=fields.Date.context_today,
        help="Receivables open on this date: later payments do not count.",
    )
    basis = fields.Selection(
        [("due", "Due date"), ("invoice", "Invoice date")],
        string="Age By",
        required=True,
        default="due",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", help="Leave empty for all customers."
    )
    user_id = fields.Many2one("res.users", string="Salesperson")
    only_overdue = fields.Boolean()
    show_zero = fields.Boolean(
        string="Customers Netting To Zero",
        help="Also list customers whose open items offset each other (an invoice "
        "and its credit note both open): they owe nothing on balance.",
    )
    show_detail = fields.Boolean(
        string="Invoice Detail", help="List each open item under its customer."
    )
    xlsx_file = fields.Binary(readonly=True, attachment=False)

    @api.constrains("date")
    def _check_date(self):
        for wizard in self:
            # An emptied date is refused as a required field, not compared.
            if wizard.date and wizard.date > fields.Date.context_today(self):
                raise UserError(self.env._("The aging date cannot be in the future."))

    def _credit_report(self):
        self.ensure_one()
        return (
            self.env["credit.aging.report"]
            .with_company(self.company_id)
            .with_context(credit_aging_date=self.date, credit_aging_basis=self.basis)
        )

    def _credit_domain(self):
        domain = [("company_id", "=", self.company_id.id)]
        if self.partner_ids:
            domain.append(
                ("partner_id", "in", self.partner_ids.commercial_partner_id.ids)
            )
        if self.user_id:
            domain.append(("user_id", "=", self.user_id.id))
        if self.only_overdue:
            domain.append(("days_overdue", ">", 0))
        if not self.show_zero:
            currency = self.company_id.currency_id
            netting = [
                partner.id
                for partner, total in self._credit_report()._read_group(
                    domain, ["partner_id"], ["residual:sum"]
                )
                if partner and currency.is_zero(total)
            ]
            if netting:
                domain.append(("partner_id", "not in", netting))
        return domain

    def _credit_aging_data(self):
        """Totals per customer and bucket (and the items when asked), in company
        currency, for the PDF and the XLSX."""
        self.ensure_one()
        report = self._credit_report()
        labels = report.fields_get(list(BUCKETS), ["string"])
        groups = report._read_group(
            self._credit_domain(),
            ["partner_id"],
            ["residual:sum", *(f"{name}:sum" for name in BUCKETS)],
        )
        detail = {}
        if self.show_detail:
            for line in report.search(self._credit_domain()):
                detail.setdefault(line.partner_id, []).append(line)
        # Securities valid at the report date, up to what each customer owes.
        partners = self.env["res.partner"].union(*(group[0] for group in groups))
        secured = (
            self.env["credit.exposure"]
            .with_company(self.company_id)
            ._credit_secured(
                partners,
                date=self.date,
                exposures={group[0].id: group[1] for group in groups},
            )
        )
        # Named and sorted by the stored complete name, which is what a
        # customer's display name shows: computing display names for every
        # customer of the company was two thirds of the report's time (bench/
        # ANALYSIS.md, aging against OCA).
        partners.fetch(["complete_name"])
        rows = [
            {
                "partner": partner,
                "name": partner.complete_name or "",
                "total": total,
                "secured": max(min(secured.get(partner.id, 0.0), total), 0.0),
                "buckets": list(amounts),
                "lines": detail.get(partner, []),
            }
            for partner, total, *amounts in groups
            if self.show_zero or any(amounts)
        ]
        rows.sort(key=lambda row: row["name"])
        return {
            "labels": [labels[name]["string"] for name in BUCKETS],
            "rows": rows,
            "total": sum(row["total"] for row in rows),
            "secured_total": sum(row["secured"] for row in rows),
            "bucket_totals": [
                sum(row["buckets"][i] for row in rows) for i in range(len(BUCKETS))
            ],
            "currency": self.company_id.currency_id,
        }

    def action_open(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_management.action_credit_aging_report"
        )
        action["domain"] = self._credit_domain()
        action["context"] = {
            "credit_aging_date": fields.Date.to_string(self.date),
            "credit_aging_basis": self.basis,
        }
        # The web client titles the view with the action's display_name.
        action["display_name"] = action["name"] = self.env._(
            "Receivables Aging at %(date)s, by %(basis)s",
            date=format_date(self.env, self.date),
            basis=dict(self._fields["basis"]._description_selection(self.env))[
                self.basis
            ].lower(),
        )
        return action

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref(
            "credit_management.action_report_credit_aging"
        ).report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        self.xlsx_file = base64.b64encode(self._credit_aging_xlsx())
        # A name is part of the URL: "A/S", "#" or "?" in a company's name
        # made the download fail.
        filename = re.sub(r"[^\w.-]+", "_", f"aging-{self.company_id.name}-{self.date}")
        filename = f"{filename}.xlsx"
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/credit.aging.wizard/{self.id}/xlsx_file/"
            f"{filename}?download=true",
            "target": "self",
        }

    def _credit_aging_xlsx(self):
        data = self._credit_aging_data()
        output = io.BytesIO()
        workbook = new_workbook(output)
        sheet = workbook.add_worksheet(self.env._("Aging"))
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        digits = self.company_id.currency_id.decimal_places
        money = workbook.add_format({"num_format": f"#,##0.{'0' * digits}"})
        total = workbook.add_format(
            {"bold": True, "top": 1, "num_format": f"#,##0.{'0' * digits}"}
        )
        sheet.write(
            0,
            0,
            self.env._(
                "Receivables aging of %(company)s at %(date)s (%(currency)s)",
                company=self.company_id.name,
                date=self.date,
                currency=data["currency"].name,
            ),
            title,
        )
        columns = [
            self.env._("Customer"),
            self.env._("Total"),
            self.env._("Secured"),
            *data["labels"],
        ]
        for col, label in enumerate(columns):
            sheet.write(2, col, label, header)
        row = 3
        item = workbook.add_format({"indent": 2, "font_color": "#555555"})
        item_money = workbook.add_format(
            {"num_format": f"#,##0.{'0' * digits}", "font_color": "#555555"}
        )
        customer = workbook.add_format({"bold": bool(self.show_detail)})
        for line in data["rows"]:
            sheet.write(
                row,
                0,
                line["name"] or self.env._("No customer"),
                customer,
            )
            sheet.write_number(row, 1, line["total"], money)
            sheet.write_number(row, 2, line["secured"], money)
            for col, amount in enumerate(line["buckets"], start=3):
                sheet.write_number(row, col, amount, money)
            row += 1
            for detail in line["lines"]:
                sheet.write(
                    row,
                    0,
                    self.env._(
                        "%(entry)s, due %(due)s, %(days)s day(s) past due",
                        entry=detail.move_id.name,
                        due=detail.date_maturity or detail.date,
                        days=detail.days_overdue,
                    ),
                    item,
                )
                sheet.write_number(row, 1, detail.residual, item_money)
                for col, name in enumerate(BUCKETS, start=3):
                    sheet.write_number(row, col, detail[name], item_money)
                row += 1
        sheet.write(row, 0, self.env._("Total"), total)
        sheet.write_number(row, 1, data["total"], total)
        sheet.write_number(row, 2, data["secured_total"], total)
        for col, amount in enumerate(data["bucket_totals"], start=3):
            sheet.write_number(row, col, amount, total)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(columns) - 1, 14)
        sheet.freeze_panes(3, 1)
        workbook.close()
        return output.getvalue()
