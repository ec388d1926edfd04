"""One Person per ID number: a unique index on `id_number` where it is given.

Until now two channels creating the same new person at the same instant (20
declarations of one new ID number, two facilities taking in the same new
person) could both find nobody and both insert: the index makes the second
insert fail, and the services reuse the first person.

A database that already holds two people with the same ID number is NOT
merged here: which declarations, stays and tests belong to whom is for staff
to decide, and a wrong automatic merge would move one person's records onto
another. The migration stops before changing anything and lists the
duplicated numbers with the people holding them (id, name, commune); staff
correct or merge them (the people pages' correction), then the migration is
run again.
"""

from django.db import migrations, models
from django.db.models import Count

SHOWN = 50  # duplicated numbers listed at most in the message


class DuplicateIdNumbers(Exception):
    pass


def refuse_duplicates(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    duplicated = (
        Person.objects.exclude(id_number="")
        .values("id_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("id_number")
    )
    numbers = [row["id_number"] for row in duplicated]
    if not numbers:
        return
    lines = []
    for number in numbers[:SHOWN]:
        people = Person.objects.filter(id_number=number).order_by("id")
        held = ", ".join(f"#{p.pk} {p.full_name} ({p.area_path})" for p in people)
        lines.append(f"  {number}: {held}")
    if len(numbers) > SHOWN:
        lines.append(f"  ... and {len(numbers) - SHOWN} more")
    raise DuplicateIdNumbers(
        f"{len(numbers)} ID number(s) are held by more than one person. Correct or merge "
        "these people first (nothing was changed), then migrate again:\n" + "\n".join(lines)
    )


class Migration(migrations.Migration):
    dependencies = [("people", "0004_search_statistics")]
    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number", ""), _negated=True),
                fields=("id_number",),
                name="person_unique_id_number",
            ),
        ),
    ]
