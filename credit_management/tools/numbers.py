import math

from odoo.exceptions import ValidationError


def check_finite_vals(model, vals, names):
    """Refuse NaN and infinities in ``vals`` for the number fields ``names``
    of ``model``, before anything compares or logs them.

    JSON-RPC and imports pass ``NaN`` and ``Infinity`` through (as floats or as
    text the ORM converts); PostgreSQL sorts NaN above every number, so a
    ``>= 0`` check lets it in, and one NaN in a limit makes every sum it enters
    NaN. A value is read as the ORM reads it (text converted), before any
    rounding (a currency's rounding of infinity is an OverflowError).

    :raise ValidationError: naming the field and the value.
    """
    for name in names:
        if name not in vals:
            continue
        field = model._fields[name]
        try:
            value = float(vals[name] or 0.0)
        except (TypeError, ValueError):
            continue  # not a number at all: the ORM's own conversion refuses it
        if not math.isfinite(value):
            raise ValidationError(
                model.env._(
                    "%(field)s must be a number (got %(value)s).",
                    field=field._description_string(model.env),
                    value=value,
                )
            )


def check_finite(records, names):
    """:func:`check_finite_vals` for values already in ``records`` (for
    ``@api.constrains`` methods that compare them)."""
    for record in records:
        check_finite_vals(record, {name: record[name] for name in names}, names)
