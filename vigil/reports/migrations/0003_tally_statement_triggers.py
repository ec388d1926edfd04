"""PostgreSQL: the tally's row triggers become statement triggers that lock a
statement's people in ascending id order (vigil/reports/tally.py). The counts
do not change, so nothing is recounted. Going back keeps the new triggers:
they count exactly what the old ones counted."""

from django.db import migrations


def install(apps, schema_editor):
    from vigil.reports import tally

    tally.install_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_declaration_tally"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
