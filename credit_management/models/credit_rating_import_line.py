from odoo import fields, models


class CreditRatingImportLine(models.Model):
    """One line of an agency file as the import read it: the values as given,
    the customer and agency they matched, the normalised score, and what is
    wrong with the line (empty when it can be imported)."""

    _name = "credit.rating.import.line"
    _description = "Agency Rating Import Line"
    _order = "import_id, line_number, id"
    _check_company_auto = True

    import_id = fields.Many2one(
        "credit.rating.import",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    line_number = fields.Integer(
        string="Line",
        help="Line of the file (the header is line 1), or row of the spreadsheet.",
    )
    vat = fields.Char(string="Tax ID", help="As given in the file.")
    company_registry = fields.Char(help="As given in the file.")
    ref = fields.Char(string="Reference", help="As given in the file.")
    partner_name = fields.Char(string="Name", help="As given in the file.")
    agency_name = fields.Char(string="Agency (File)", help="As given in the file.")
    date_text = fields.Char(string="Date (File)", help="As given in the file.")
    rating = fields.Char(help="As given in the file.")
    valid_until_text = fields.Char(
        string="Valid Until (File)", help="As given in the file."
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    matched_by = fields.Selection(
        [
            ("vat", "Tax ID"),
            ("company_registry", "Company Registry"),
            ("ref", "Reference"),
            ("partner_name", "Name"),
        ],
        readonly=True,
        help="The column that found the customer (tax ID first, then company "
        "registry, reference, name).",
    )
    agency_id = fields.Many2one("credit.agency", readonly=True)
    date = fields.Date(readonly=True)
    valid_until = fields.Date(readonly=True)
    score = fields.Float(
        digits=(16, 1),
        readonly=True,
        help="The rating on a scale of 0 (worst) to 100 (best), by the agency's scale.",
    )
    error = fields.Text(
        readonly=True, help="Why the line cannot be imported; empty if it can."
    )
