"""Locking people's rows in one order, for transactions that write several
people's declarations or test results (PostgreSQL).

The declaration tally's triggers (vigil.reports.tally) lock each person's row
as a statement touches it; two transactions touching the same people in
different orders would deadlock. Taking every lock first, in ascending id
order, avoids that.
"""

from django.db import DEFAULT_DB_ALIAS, connections

from .models import Person


def _declarations_table():
    # Through the reverse relation: the declarations app builds on this one.
    return Person._meta.get_field("declarations").related_model._meta.db_table


def lock_people(person_ids, *, declarations=False, tests=False, using=None):
    """Take, at once and in ascending id order, the locks that the triggers
    would take statement by statement: call it first in a transaction that
    writes rows of several people in several statements (vigil.reports.tally says
    why). Until the end of the transaction.

    `tests`: the transaction adds or deletes test results of these people
    (their rows FOR NO KEY UPDATE, as the test results' triggers take them).
    `declarations`: it changes, deletes or adds declarations of these people:
    their declarations are locked first (FOR NO KEY UPDATE, as an UPDATE
    takes them), then the people (FOR SHARE, or as for `tests`). SQLite has
    one writer at a time: nothing to do there.
    """
    if not (declarations or tests):
        raise ValueError("Say what the transaction writes: declarations, tests or both.")
    conn = connections[using or DEFAULT_DB_ALIAS]
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    if not ids or conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        if declarations:
            table = _declarations_table()
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE person_id = ANY(%s) "  # noqa: S608 (table names)
                "ORDER BY id FOR NO KEY UPDATE",
                [ids],
            )
        mode = "NO KEY UPDATE" if tests else "SHARE"
        table = Person._meta.db_table
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = ANY(%s) ORDER BY id FOR {mode}",  # noqa: S608
            [ids],
        )
