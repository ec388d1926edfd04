"""On PostgreSQL, a trigram index makes "name contains these words" searches
use an index instead of scanning every person. SQLite has no pg_trgm; there the
search falls back to a scan, which is fine at the sizes SQLite is used for."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_person_search_trgm "
    "ON people_person USING gin (search_key gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS people_person_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
