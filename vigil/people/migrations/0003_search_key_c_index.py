"""On PostgreSQL, an index on the folded name in the "C" collation, then id.

`search_people` orders each name stage by (search_key COLLATE "C", id). This
one index serves the exact name (=), the prefix (LIKE 'nguyen van %' as a range,
which a collation-aware index cannot do) and the order, so a LIMIT 20 query
reads 20 index entries instead of sorting or filtering every namesake. SQLite
compares bytes already and needs nothing: there this migration does nothing.
"""

from django.db import migrations

FORWARD = [
    'CREATE INDEX IF NOT EXISTS people_person_search_key_c '
    'ON people_person (search_key COLLATE "C", id)',
]
BACKWARD = ["DROP INDEX IF EXISTS people_person_search_key_c"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("people", "0002_trigram_search")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
