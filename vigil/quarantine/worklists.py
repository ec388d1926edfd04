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

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration, DeclarationEvent, MedicalState, Surveillance

from .models import Stay

# Who sees the list: facility managers take in, CDC follows its decisions, the
# operations centre watches that nobody waits.
TO_TAKE_IN_TASKS = (Task.FACILITY, Task.CDC, Task.ADMIN)
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
