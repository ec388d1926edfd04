from django.conf import settings
from django.db import migrations, models


def install(apps, schema_editor):
    from vigil.lodging import colour

    colour.install_triggers(schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    from vigil.lodging import colour

    colour.drop_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("declarations", "0004_declared_identity"),
        ("lodging", "0002_stay_nationality_indexes"),
        ("people", "0005_unique_id_number"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="gueststay",
            name="lodging_stay_in_house",
        ),
        migrations.AddField(
            model_name="gueststay",
            name="declaration_colour",
            field=models.CharField(blank=True, editable=False, max_length=8, null=True),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="gueststay",
            index=models.Index(
                condition=models.Q(("check_out__isnull", True)),
                fields=["area_path", "establishment", "declaration_colour"],
                name="lodging_stay_in_house",
            ),
        ),
        migrations.AddIndex(
            model_name="gueststay",
            index=models.Index(
                condition=models.Q(("check_out__isnull", True)),
                fields=["person", "establishment"],
                name="lodging_stay_in_house_person",
            ),
        ),
    ]
