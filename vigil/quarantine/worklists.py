"""The quarantine hand-off worklist (R-H1): whom a facility is to take in.

`to_take_in(user)` is the one definition the page, the API, the menu count
and the intake check share:

    declarations in the user's intake reach (`in_intake_reach`: their scope;
    for a facility account, its facility's district) whose CDC decision is
    concentrated quarantine (medical_state "verified", surveillance
    "concentrated"), and whose person has not been taken in since: no open
    stay anywhere, and no stay started on or after the day of the decision.

The day of the decision is that of the declaration's latest CDC decision on
its surveillance (medical verification or an override), kept on the
declaration as `decided_at` by the transition path; a declaration with none
counts from its creation. The list is in the order of that time, which an
index holds (decl_to_take_in_order): a province's first 10,001 are read in
order rather than all of them sorted.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from vigil.areas.models import AdminUnit
from vigil.audit.models import AuditEvent
from vigil.audit.services import Action, log, serialized
from vigil.core.scope import facility_reach_path
from vigil.declarations.models import Declaration, MedicalState, Surveillance
from vigil.people.models import Person
from vigil.people.services import search_people

from .models import Stay


def decided_at():
    """The time of a declaration's latest CDC decision on its surveillance,
    else its creation (an expression on the declarations)."""
    return Coalesce(F("decided_at"), F("created_at"))


def to_take_in(user):
    """Declarations whose person CDC sent to concentrated quarantine and no
    facility took in yet; oldest decision first (a declaration with no
    decision recorded last, in the order of creation)."""
    taken = Stay.objects.filter(person=OuterRef("person_id")).filter(
        Q(end_date__isnull=True) | Q(start_date__gte=OuterRef("decided_on"))
    )
    return (
        Declaration.objects.in_intake_reach(user)
        .filter(medical_state=MedicalState.VERIFIED, surveillance=Surveillance.CONCENTRATED)
        .alias(decided_on=TruncDate(decided_at()))
        .filter(~Exists(taken))
        .order_by(F("decided_at").asc(nulls_last=True), "created_at", "id")
    )


def sent_by_case_tracing(user):
    """People case tracing sent to a facility (their case record's `facility`
    and `sent_to_facility_at`, set by the investigation's "send to
    facility") whom it has not taken in since: no stay started on or after
    the day they were sent. The facility is the account's own for a facility
    manager, else one the user sees. Oldest first, with `sent_at`,
    `sent_facility`, `case_code` and `case_level`.

    Quarantine sits below the investigation app: the case record is reached
    through the reverse relation's name only (`case_record`)."""
    from .models import Facility

    if getattr(user, "facility_id", None):
        facilities = Facility.objects.filter(pk=user.facility_id)
    else:
        facilities = Facility.objects.visible_to(user)
    taken = Stay.objects.filter(person=OuterRef("pk"), start_date__gte=OuterRef("sent_on"))
    return (
        Person.objects.filter(
            case_record__sent_to_facility_at__isnull=False,
            case_record__facility__in=facilities.values("pk"),
        )
        .annotate(
            sent_at=F("case_record__sent_to_facility_at"),
            sent_on=TruncDate("case_record__sent_to_facility_at"),
            sent_facility=F("case_record__facility__name"),
            case_code=F("case_record__code"),
            case_level=F("case_record__level"),
        )
        .filter(~Exists(taken))
        .order_by("sent_at", "id")
    )


def count_to_take_in(user):
    """The menu's and the dashboard's count: CDC's decisions and the people
    case tracing sent."""
    return to_take_in(user).count() + sent_by_case_tracing(user).count()


# Intake's look-up: the page's search and the API's person_id --------------


def intake_lookup_path(user):
    """Where intake looks for people and their declarations.

    A facility manager's own scope is their facility, which holds nobody yet
    at intake. They look province-wide, but only by exact ID number or phone
    (the card or the phone is in front of them), and by name only among the
    people of the facility's district: a name search across the province
    would list strangers. See `facility_intake_search` for what they are
    shown of someone outside the district, and its limit.
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


# A facility manager's intake search -----------------------------------------

INTAKE_LOOKUP = "intake_lookup"


class LookupLimit(Exception):
    """The account made VIGIL_INTAKE_LOOKUPS_PER_HOUR intake searches in the last hour."""


@dataclass(frozen=True)
class FarPerson:
    """What intake shows of a person found outside the facility's district:
    what it takes to recognise the one in front of you, nothing more (no
    commune, no gender, no whole number)."""

    pk: int
    full_name: str
    birth_year: int | None
    masked_id_number: str
    masked_phone: str
    area = None

    def get_gender_display(self):
        return ""


@dataclass(frozen=True)
class FarDeclaration:
    """The latest declaration of a person outside the district: its code,
    when and through which channel it was made (what the page shows), its
    arrival day and risk colour."""

    pk: int
    code: str
    created_at: object
    arrival_date: object
    risk_colour: str
    channel_label: str

    def get_channel_display(self):
        return self.channel_label


def far_person(person):
    return FarPerson(
        person.pk,
        person.full_name,
        person.birth_year,
        person.masked_id_number,
        person.masked_phone,
    )


def far_declaration(declaration):
    if declaration is None:
        return None
    return FarDeclaration(
        declaration.pk,
        declaration.code,
        declaration.created_at,
        declaration.arrival_date,
        declaration.risk_colour,
        declaration.get_channel_display(),
    )


def facility_intake_search(request, query, limit=20):
    """A facility manager's intake search: [(Match, near)], `near` False for a
    person outside the facility's district.

    Outside the district a person is found only by exact ID number or exact
    phone, never by name. Every search is one row of the audit log (who, the
    people found), and an account may search VIGIL_INTAKE_LOOKUPS_PER_HOUR
    times an hour (LookupLimit beyond), counted exactly under a burst.
    """
    user = request.user
    with serialized(f"intake-lookup:{user.pk}"):
        since = timezone.now() - timedelta(hours=1)
        done = AuditEvent.objects.filter(
            actor=user, at__gte=since, action=Action.VIEW, detail__lookup=INTAKE_LOOKUP
        ).count()
        if done >= settings.VIGIL_INTAKE_LOOKUPS_PER_HOUR:
            raise LookupLimit
        found = _facility_matches(user, query, limit)
        log(
            request,
            Action.VIEW,
            None,
            object_repr="intake look-up",
            detail={
                "lookup": INTAKE_LOOKUP,
                "people": [m.person.pk for m, _near in found],
                "outside_district": [m.person.pk for m, near in found if not near],
            },
        )
    return found


def _facility_matches(user, query, limit):
    people = Person.objects.select_related("area")
    near = people.filter(area_path__startswith=facility_reach_path(user.facility))
    found = [(m, True) for m in search_people(near, query, limit)]
    seen = {m.person.pk for m, _near in found}
    if any(ch.isdigit() for ch in query) and len(found) < limit:
        province = people.filter(area_path__startswith=intake_lookup_path(user))
        for match in search_people(province, query, limit):
            if match.kind in ("id", "phone") and match.person.pk not in seen:
                found.append((match, False))
                seen.add(match.person.pk)
    return found[:limit]
