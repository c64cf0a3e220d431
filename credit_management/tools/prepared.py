"""Statements PostgreSQL plans once per connection instead of at every call.

The confirmation's exposure statement (three grouped parts over
account_move_line, account_move and sale_order, tables of 20 to 30 indexes)
takes about 1 ms to plan and 0.1 to 0.3 ms to run for one customer
(bench/ANALYSIS.md): the plan is most of a confirmation's overhead. A prepared
statement keeps the plan in the session. Left to itself, PostgreSQL plans every
call again with its values as long as the generic plan's estimate is the higher
(at 10,000 customers it always was: the plan of one customer's arrays of
unknown size looks dear), so the call asks for the generic plan, which ran
faster than the custom ones in every measurement.

Odoo's cursors are pooled and reused, so a statement prepared on a connection
serves every later transaction on it. PREPARE is not undone by a rollback.
Where the session does not follow the connection (a pooler in transaction
mode), the statement may be missing on the next call: the call is made in a
savepoint and prepares it again.
"""

import functools
import hashlib
import itertools
import re
import weakref

from odoo.tools import SQL
from psycopg2 import Error, ProgrammingError, errors

# Names prepared on each connection (the psycopg2 connection under the cursor,
# which the pool keeps and reuses).
_PREPARED = weakref.WeakKeyDictionary()
# Statements PostgreSQL refused to prepare (a parameter whose type it cannot
# infer): run as they are.
_UNPREPARABLE = set()
_PLACEHOLDER = re.compile(r"%%|%s")
# The call in one round trip: a savepoint, the plan setting (the savepoint's
# rollback ends it) and the EXECUTE; the rollback and release in a second.
_CALL = SQL(
    'SAVEPOINT "credit_prepared"; SET LOCAL plan_cache_mode = force_generic_plan; '
)
# For a statement that groups many rows it cannot count (``hash_aggregate``):
# its generic plan is made, at the first call, without sorting.
_CALL_HASHED = SQL("%s SET LOCAL enable_sort = off; ", _CALL)
_CALL_END = SQL(
    'ROLLBACK TO SAVEPOINT "credit_prepared"; RELEASE SAVEPOINT "credit_prepared"'
)


@functools.lru_cache(maxsize=256)
def _named(code, hash_aggregate):
    """(statement with numbered placeholders, name to prepare it under) of
    ``code``, kept: a confirmation's statement is a few kilobytes, numbered
    and hashed again at every call otherwise. The setting shapes the plan
    kept under the name: it is part of the name."""
    code = _numbered(code)
    digest = hashlib.sha1(f"{code}{' hashed' if hash_aggregate else ''}".encode())
    return code, "credit_" + digest.hexdigest()[:24]


def _numbered(code):
    """``code`` with its ``%s`` placeholders numbered ``$1``, ``$2``…
    (``%%`` kept, as the cursor formats it)."""
    counter = itertools.count(1)
    return _PLACEHOLDER.sub(
        lambda match: match[0] if match[0] == "%%" else f"${next(counter)}", code
    )


def execute_prepared_dict(env, query, hash_aggregate=False):
    """The rows of ``query`` as dicts, as ``env.execute_query_dict``, through a
    statement prepared once per connection.

    Use it for statements run many times with a few values each (one
    customer's check at every confirmation), not for batches: a generic plan
    cannot know how many customers a batch holds.

    :param hash_aggregate: plan the statement's groupings as hash aggregates
        (``enable_sort`` off while its plan is made): where the rows grouped
        come through an array the planner cannot size (one customer's
        contacts), it expects a few dozen and sorts them, and a customer with
        thousands of open items paid the sort (bench/ANALYSIS.md)
    """
    env.flush_query(query)
    cr = env.cr
    code, name = _named(query.code, hash_aggregate)
    if name in _UNPREPARABLE:
        return env.execute_query_dict(query)
    prepared = _PREPARED.setdefault(cr.connection, set())
    if name not in prepared and not _prepare(cr, name, code):
        return env.execute_query_dict(query)
    prepared.add(name)
    call = SQL(
        "EXECUTE %s(%s)",
        SQL.identifier(name),
        SQL(", ").join(SQL("%s", param) for param in query.params),
    )
    if not query.params:
        call = SQL("EXECUTE %s", SQL.identifier(name))
    start = _CALL_HASHED if hash_aggregate else _CALL
    try:
        return _execute(cr, start, call)
    except errors.InvalidSqlStatementName:
        # Not on this session (a pooler gave another one): prepared again.
        prepared.discard(name)
    except errors.FeatureNotSupported:
        # "cached plan must not change result type": a column the statement
        # returns changed type (an upgrade) under a connection kept since.
        prepared.discard(name)
        cr.execute(SQL("DEALLOCATE %s", SQL.identifier(name)))
    if not _prepare(cr, name, code):
        return env.execute_query_dict(query)
    prepared.add(name)
    return _execute(cr, start, call)


def _execute(cr, start, call):
    """Rows of the EXECUTE ``call``, with the statement's generic plan, in a
    savepoint rolled back after (``start``: the savepoint and the plan
    settings; the call reads only; the rollback ends the settings with it,
    and a failed call leaves the transaction usable).

    Two round trips where ``cr.savepoint()`` took four: the savepoint is set
    in the statement of the call, and rolled back and released together.
    Where PostgreSQL fails the call, the savepoint set before the failing
    statement is there to roll back to. Where the call never reached it (a
    value psycopg2 cannot send) or found the transaction failed already,
    there is no savepoint: the error is raised as it is.
    """
    try:
        cr.execute(SQL("%s%s", start, call), log_exceptions=False)
    except errors.InFailedSqlTransaction:
        raise
    except Error as error:
        if error.pgcode:
            cr.execute(_CALL_END)
        raise
    # Fetched before the savepoint's rollback replaces the result.
    rows = cr.dictfetchall()
    cr.execute(_CALL_END)
    return rows


def _prepare(cr, name, code):
    """PREPARE ``code`` as ``name`` on ``cr``'s session; False where
    PostgreSQL cannot (then it is run as it is from now on)."""
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL("PREPARE %s AS %s", SQL.identifier(name), SQL(code)),
                log_exceptions=False,
            )
    except errors.DuplicatePreparedStatement:
        # Prepared on this session already (by another connection object).
        return True
    except ProgrammingError:
        # A parameter PostgreSQL cannot stand for or type (``IN %s`` given a
        # tuple, an operator between two parameters): the statement is valid
        # as it is, only not as a prepared one.
        _UNPREPARABLE.add(name)
        return False
    return True
