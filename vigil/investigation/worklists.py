"""The investigation's worklists (R-H1).

"Reclassified": case records whose level a change of the chain moved (a
contact confirmed as F0 moves everyone below it up one level), until someone
in one of their communes acts on it (`services.acknowledge_reclassified`).
F1s usually go to concentrated quarantine: the page sends them in one click.
"""

from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from .models import Case, CaseEvent


def reclassified(user):
    """Visible records moved by the chain and not acknowledged, newest first,
    with `previous_level` (their level before the latest move)."""
    before = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action="level")
        .order_by("-at", "-id")
        .annotate(level=Cast(KT("from_data__level"), IntegerField()))
        .values("level")[:1]
    )
    return (
        Case.objects.visible_to(user)
        .filter(reclassified_at__isnull=False)
        .annotate(previous_level=Subquery(before))
        .order_by("-reclassified_at", "-id")
    )


def count_reclassified(user):
    """The menu's count."""
    return Case.objects.visible_to(user).filter(reclassified_at__isnull=False).count()
