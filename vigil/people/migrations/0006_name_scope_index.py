"""On PostgreSQL, the name index of migration 0003 also holds the area path.

The people list pages by name (search_key COLLATE "C", id) inside a
jurisdiction (`area_path LIKE '46/474/19789/%'`). With the path in the index,
in the pattern operator class (byte comparison: LIKE 'prefix%' becomes a range,
which the default class cannot do under the C.UTF-8 collation), a page of a
commune checks the path of the entries it walks in the index instead of
fetching each row of the province from the table. It replaces the index of
0003 (its first two columns are the same, so the name search keeps it).
SQLite compares bytes already: there this migration does nothing.
"""

from django.db import migrations

FORWARD = [
    'CREATE INDEX IF NOT EXISTS people_person_name_scope ON people_person '
    '(search_key COLLATE "C", id, area_path varchar_pattern_ops)',
    "DROP INDEX IF EXISTS people_person_search_key_c",
]
BACKWARD = [
    'CREATE INDEX IF NOT EXISTS people_person_search_key_c '
    'ON people_person (search_key COLLATE "C", id)',
    "DROP INDEX IF EXISTS people_person_name_scope",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("people", "0005_unique_id_number")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
