"""Single-row INSERTs whose SQL text is built once per process (issue #15).

`Model.save()` builds its INSERT statement again for every row: quoting each
column, a placeholder per field, the RETURNING clause. For a declaration (68
columns) that was about a tenth of the CPU of a citizen's submission. `save_new`
saves a new instance exactly as `obj.save(force_insert=True)` does (the
model's own `save()`, its signals, each field's `pre_save` and
`get_db_prep_save`, the values RETURNING sets on the instance) except that the
statement's text comes from a per-process cache keyed by the model, the
database and the columns; only the parameters are prepared per row.

The first row of each key goes through Django's own compiler, which gives the
text. A key is not cached (every row goes through Django, as before) when the
text is not one plain placeholder per column, when the database cannot return
columns from an INSERT, or when the returned columns need converters; a row
whose value is an expression (e.g. `Now()`) goes through Django too.

Also raised here: psycopg's limit on the parameters of a statement whose
parsing it caches (50 by default; a declaration's INSERT has 67). Above it,
psycopg parses the statement's text again on every execution.
"""

import functools

from django.db import connections
from django.db.models import Model
from django.db.models.sql import InsertQuery

try:  # psycopg 3 (PostgreSQL); nothing to raise on other databases
    from psycopg import _queries as _psycopg_queries
except ImportError:  # pragma: no cover
    _psycopg_queries = None

PSYCOPG_CACHED_PARAMS = 100
if _psycopg_queries is not None:
    _psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = max(
        getattr(_psycopg_queries, "MAX_CACHED_STATEMENT_PARAMS", 0), PSYCOPG_CACHED_PARAMS
    )

_UNCACHEABLE = object()
_statements = {}  # key -> (sql, returning_params) or _UNCACHEABLE


def save_new(obj, using=None):
    """`obj.save(force_insert=True)`, with the INSERT's text from the cache."""
    obj._do_insert = functools.partial(_do_insert, obj)
    try:
        obj.save(force_insert=True, using=using)
    finally:
        del obj._do_insert


def statement_cached(model, using="default"):
    """True when an INSERT of `model` on `using` has its text in the cache (tests)."""
    return any(
        key[0] is model and key[1] == using and value is not _UNCACHEABLE
        for key, value in _statements.items()
    )


def _do_insert(obj, manager, using, fields, returning_fields, raw):
    """Model._do_insert for one row: [returned values] like Django's."""
    key = (
        type(obj),
        using,
        tuple(f.attname for f in fields),
        tuple(f.attname for f in returning_fields or ()),
        raw,
    )
    if not fields or any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields):
        # SQL in a value: this row's text only (and never the cached text).
        return Model._do_insert(obj, manager, using, fields, returning_fields, raw)
    entry = _statements.get(key)
    if entry is None:
        entry = _statements[key] = _compile(obj, using, fields, returning_fields, raw)
    if entry is _UNCACHEABLE:
        return Model._do_insert(obj, manager, using, fields, returning_fields, raw)
    # After the compiler's own call on a first row: what is inserted is what
    # the instance holds (auto_now fields).
    values = [getattr(obj, f.attname) if raw else f.pre_save(obj, True) for f in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return Model._do_insert(obj, manager, using, fields, returning_fields, raw)
    connection = connections[using]
    prepared = zip(fields, values, strict=True)
    params = [f.get_db_prep_save(value, connection) for f, value in prepared]
    sql, returning_params = entry
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not returning_fields:
            return []
        return [connection.ops.fetch_returned_insert_columns(cursor, returning_params)]


def _compile(obj, using, fields, returning_fields, raw):
    """(sql, returning params) of this INSERT, or _UNCACHEABLE."""
    connection = connections[using]
    if returning_fields and not connection.features.can_return_columns_from_insert:
        return _UNCACHEABLE
    if any(hasattr(f, "get_placeholder") for f in fields):
        return _UNCACHEABLE
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=raw)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning_fields
    statements = compiler.as_sql()
    if len(statements) != 1:
        return _UNCACHEABLE
    sql, params = statements[0]
    # One plain placeholder per column (values holding SQL never get here).
    if len(params) != len(fields) or sql.count("%s") != len(fields):
        return _UNCACHEABLE
    if returning_fields:
        cols = [f.get_col(type(obj)._meta.db_table) for f in returning_fields]
        if compiler.get_converters(cols):
            return _UNCACHEABLE
    return sql, tuple(getattr(compiler, "returning_params", ()))


def clear():
    """Forget every statement (tests)."""
    _statements.clear()
