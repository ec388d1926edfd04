"""The quarantine hand-off worklist (R-H1): whom a facility is to take in.

`to_take_in(user)` is the one definition the page, the API, the menu count
and the intake check share:

    declarations in the user's intake reach (`in_intake_reach`: their scope;
    for a facility account, its facility's district) whose CDC decision is
    concentrated quarantine (medical_state "verified", surveillance
    "concentrated"), and whose person has not been taken in since: no open
    stay anywhere, and no stay started on or after the day of the decision.

The day of the decision is that of the declaration's latest CDC event setting
its surveillance (medical verification or an override); a declaration with no
such event counts from its creation.
"""

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration, DeclarationEvent, MedicalState, Surveillance

from .models import Stay

DECISION_ACTIONS = ("medical_verify", "surveillance_override")


def to_take_in(user):
    """Declarations whose person CDC sent to concentrated quarantine and no
    facility took in yet, with `decided_at`; oldest decision first."""
    decided = (
        DeclarationEvent.objects.filter(declaration=OuterRef("pk"), action__in=DECISION_ACTIONS)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    taken = Stay.objects.filter(person=OuterRef("person_id")).filter(
        Q(end_date__isnull=True) | Q(start_date__gte=OuterRef("decided_on"))
    )
    return (
        Declaration.objects.in_intake_reach(user)
        .filter(medical_state=MedicalState.VERIFIED, surveillance=Surveillance.CONCENTRATED)
        .annotate(decided_at=Coalesce(Subquery(decided), F("created_at")))
        .annotate(decided_on=TruncDate("decided_at"))
        .filter(~Exists(taken))
        .order_by("decided_at", "id")
    )


def count_to_take_in(user):
    """The menu's and the dashboard's count."""
    return to_take_in(user).count()


# Intake's look-up: the page's search and the API's person_id --------------


def intake_lookup_path(user):
    """Where intake looks for people and their declarations.

    A facility manager's own scope is their facility, which holds nobody yet
    at intake. They look province-wide, but only by exact ID number or phone
    (the card or the phone is in front of them), and by name only among the
    people of the facility's district: a name search across the province
    would list strangers.
    """
    return AdminUnit.objects.home_province().path if user.facility_id else None


def intake_declarations(user):
    """The declarations intake looks at (`intake_lookup_path`)."""
    path = intake_lookup_path(user)
    if path is None:
        return Declaration.objects.visible_to(user)
    return Declaration.objects.filter(area_path__startswith=path)


def latest_declaration(user, person):
    """The person's latest declaration intake links the stay to, or None."""
    return intake_declarations(user).filter(person=person).order_by("-created_at", "-id").first()
