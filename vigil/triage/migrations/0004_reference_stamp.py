"""The reference stamp: one row that triggers on the risk rules, bands,
epidemic areas, administrative units and countries replace with a random value
on every write, so that each process's caches of them (vigil.core.refcache)
notice a change made anywhere (vigil/triage/stamp.py)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from vigil.triage import stamp

    stamp.install(schema_editor)


def uninstall(apps, schema_editor):
    from vigil.triage import stamp

    stamp.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("triage", "0003_delete_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceStamp",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
