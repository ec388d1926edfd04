"""Many ids in one lookup.

`pk__in=[...]` with thousands of ids makes thousands of placeholders, and
psycopg spends longer splitting them than PostgreSQL spends answering. On
PostgreSQL the ids go as one array parameter instead; SQLite takes the list.
"""

from django.db import connection
from django.db.models.expressions import RawSQL


def id_in(ids):
    """A value for an `__in` lookup holding `ids`."""
    ids = list(ids)
    if connection.vendor == "postgresql" and len(ids) > 50:
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids
