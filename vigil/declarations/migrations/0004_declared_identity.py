"""The identity as declared, on each declaration (issue #12).

Declarations recorded before get the person's name only: what else was typed
then is not known, and copying the Person's current phone, birth year, gender
or occupation would show the citizen what staff recorded. Their citizen pages
show the name; an edit form asks for the rest again.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONObject


def backfill_names(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    Person = apps.get_model("people", "Person")
    name = Person.objects.filter(pk=OuterRef("person_id")).values("full_name")[:1]
    Declaration.objects.update(declared_identity=JSONObject(full_name=Subquery(name)))


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0003_amendments_and_intake'),
    ]

    operations = [
        migrations.AddField(
            model_name='declaration',
            name='declared_identity',
            field=models.JSONField(blank=True, default=dict, verbose_name='declared identity'),
        ),
        migrations.AddField(
            model_name='declaration',
            name='person_version',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='declaration',
            name='identity_conflict',
            field=models.BooleanField(default=False, help_text="The declared identity differs from the person's record (another name under the same ID number, or another phone, birth year, gender or occupation): staff must check.", verbose_name='identity conflict'),
        ),
        migrations.RunPython(backfill_names, migrations.RunPython.noop),
    ]
