"""19.0.1.7.4: number fields refuse NaN and infinities.

New CHECK constraints on the warning thresholds and limit-request share of the
company, the scale of the agencies, the scores of the reviews, and two wizards'
numbers. PostgreSQL sorts NaN above every number, so the old ``>= 0`` checks,
or none, let a NaN sent over JSON-RPC in; the constraint cannot be added while
such a row exists, and Odoo would only log that it could not.

Before the constraints are added (this runs before the module's tables are
updated), each such value is set back to the field's default, or to the
nearest bound for a finite value outside its range, and the change is logged
with the row: a NaN is no figure anyone entered, but the administrator sees
what was changed.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# (table, column, lowest, highest, default): a value that is not a number, or
# lies outside [lowest, highest], becomes the default, or the bound it passed.
CHECKED = [
    ("res_company", "credit_warn_score_drop", 0, 100, 10.0),
    ("res_company", "credit_warn_score_threshold", 0, 100, 40.0),
    ("res_company", "credit_warn_rating_drop", 0, 100, 15.0),
    ("res_company", "credit_warn_utilisation", 0, None, 90.0),
    ("res_company", "credit_request_level1_percent", 0, None, 20.0),
    ("credit_agency", "scale_best", None, None, 100.0),
    ("credit_agency", "scale_worst", None, None, 0.0),
    ("credit_review", "score", None, None, 0.0),
    ("credit_review", "previous_score", None, None, 0.0),
    ("credit_review", "data_share", None, None, 0.0),
    ("credit_whatif_wizard", "limit_factor", None, None, 0.8),
    ("credit_scoring_wizard_line", "best_value", None, None, 0.0),
    ("credit_scoring_wizard_line", "worst_value", None, None, 0.0),
]


def _fix(cr, table, column, lowest, highest, default):
    ident = SQL.identifier(column)
    # NaN and both infinities: abs() of NaN is NaN, sorted above infinity.
    cr.execute(
        SQL(
            "UPDATE %s SET %s = %s WHERE NOT (abs(%s) < 'Infinity') RETURNING id",
            SQL.identifier(table),
            ident,
            default,
            ident,
        )
    )
    if ids := [row[0] for row in cr.fetchall()]:
        _logger.warning(
            "%s.%s was not a number in rows %s: set to %s", table, column, ids, default
        )
    for bound, operator in ((lowest, "<"), (highest, ">")):
        if bound is None:
            continue
        cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE %s %s %s RETURNING id",
                SQL.identifier(table),
                ident,
                bound,
                ident,
                SQL(operator),
                bound,
            )
        )
        if ids := [row[0] for row in cr.fetchall()]:
            _logger.warning(
                "%s.%s was out of range in rows %s: set to %s",
                table,
                column,
                ids,
                bound,
            )


def migrate(cr, version):
    if not version:
        return
    for table, column, lowest, highest, default in CHECKED:
        cr.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
            " AND table_name = %s AND column_name = %s",
            (table, column),
        )
        if cr.fetchone():
            _fix(cr, table, column, lowest, highest, default)
