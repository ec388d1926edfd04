"""On PostgreSQL, finer statistics for the two columns every people search filters on.

A province has a few hundred communes (and villages, once imported): with the
default 100 most-common values the planner guessed a commune's share of
`area_path` from the histogram, anywhere from 1 row to 10,000 for 7,000, and
then walked a whole commune for one ID number. 1000 keeps every commune in the
statistics, and gives `search_key` (about 20,000 distinct names at 1M people)
better estimates for the name stages. SQLite has no such setting: there this
migration does nothing.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE people_person ALTER COLUMN area_path SET STATISTICS 1000",
    "ALTER TABLE people_person ALTER COLUMN search_key SET STATISTICS 1000",
]
BACKWARD = [
    "ALTER TABLE people_person ALTER COLUMN search_key SET STATISTICS -1",
    "ALTER TABLE people_person ALTER COLUMN area_path SET STATISTICS -1",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("people", "0003_search_key_c_index")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
