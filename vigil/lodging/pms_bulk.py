"""The fast path of a PMS batch: every checked guest stored in a few queries.

`vigil.lodging.services.check_in` costs about a dozen queries a guest
(idempotency lookup, person matching, savepoints, the stay, its event, the
audit row): 500 guests are 6,000 round trips, far over the 2 s a batch may
take. Here the guests that check_in would store without refusal (checked by
`pms.clean_guest`, in an open establishment, with no check-out) are stored
with the same rules in bulk:

- people matched as `declarations.services.match_person` matches them (the
  ID number and the folded name; else phone + name + birth year; the same ID
  under another name is someone else, recorded without the ID number), in two
  queries for the batch; the new ones inserted together;
- each matched person's declaration as `services.latest_declaration` finds
  it (the latest of the last VIGIL_GUEST_DECLARATION_DAYS days), one query;
- the stays, their "check_in" events and their audit rows, one insert each,
  with the same values check_in writes.

Any conflict while inserting (a concurrent request recorded the same ID
number or idempotency key) rolls the fast path back and the batch goes the
slow way, guest by guest (`pms.check_in_batch`), which settles each one.
Keep this in step with services.check_in.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from vigil.audit.models import AuditEvent
from vigil.audit.services import Action, client_ip
from vigil.core.text import fold
from vigil.declarations.models import Declaration
from vigil.people.models import Person

from .models import EstablishmentStatus, GuestStay, GuestStayEvent, StaySource


def eligible(establishment, guest):
    """True when check_in would store this valid guest without a refusal."""
    return (
        establishment.status == EstablishmentStatus.OPEN
        and guest.check_out is None
        and (
            guest.planned_check_out is None
            or guest.planned_check_out >= timezone.localdate(guest.at)
        )
    )


class People:
    """The batch's known people, read in two queries, matched as match_person does."""

    def __init__(self, guests):
        ids = {g.identity["id_number"] for g in guests if g.identity.get("id_number")}
        phones = {g.identity["phone"] for g in guests if g.identity.get("phone")}
        self.by_id, self.by_phone = {}, {}
        for person in Person.objects.filter(id_number__in=ids).order_by("id"):
            self.by_id.setdefault(person.id_number, []).append(person)
        for person in Person.objects.filter(phone__in=phones).order_by("id"):
            key = (person.phone, person.search_key, person.birth_year)
            self.by_phone.setdefault(key, person)
        self.new = {}  # id number -> Person made for this batch

    def match(self, identity):
        """(person or None, conflict)."""
        number, key = identity.get("id_number"), fold(identity.get("full_name"))
        if number:
            same_id = (self.by_id.get(number) or [])[:5]
            if not same_id and number in self.new:
                same_id = [self.new[number]]  # a guest of this batch, made a moment ago
            for person in same_id:
                if person.search_key == key:
                    return person, False
            if same_id:
                return None, True
        phone = identity.get("phone")
        if phone and key:
            person = self.by_phone.get((phone, key, identity.get("birth_year")))
            if person is not None and (not person.id_number or not number):
                return person, False
        return None, False

    def make(self, identity, conflict, establishment):
        person = Person(
            full_name=identity["full_name"],
            id_number="" if conflict else identity.get("id_number") or "",
            id_kind=identity.get("id_kind") or "",
            phone=identity.get("phone") or "",
            birth_year=identity.get("birth_year"),
            gender=identity.get("gender") or "",
            area=establishment.area,
            search_key=fold(identity["full_name"]),
            area_path=establishment.area.path,
        )
        if person.id_number:
            self.new[person.id_number] = person
        return person


def _latest(people):
    """{person id: latest Declaration of the recent days} (latest_declaration's rule)."""
    since = timezone.localdate() - datetime.timedelta(days=settings.VIGIL_GUEST_DECLARATION_DAYS)
    found = {}
    rows = Declaration.objects.filter(
        person__in=[p.pk for p in people], created_at__date__gte=since
    ).order_by("person_id", "-created_at", "-id")
    for declaration in rows:
        found.setdefault(declaration.person_id, declaration)
    return found


def _shown(stay):
    """What services.check_in writes in the "check_in" event."""
    return {
        "room": stay.room,
        "check_in": timezone.localtime(stay.check_in).isoformat(timespec="minutes"),
        "planned_check_out": stay.planned_check_out.isoformat() if stay.planned_check_out else "",
        "check_out": "",
        "declaration": stay.declaration.code if stay.declaration_id else "",
    }


def store(request, establishment, items):
    """Store [(guest, declaration or None), ...] in bulk: [GuestStay, ...] in
    their order, or None when a conflict sent the batch the slow way."""
    try:
        with transaction.atomic():
            return _store(request, establishment, items)
    except IntegrityError:
        return None


def _store(request, establishment, items):
    people = People([g for g, d in items if d is None])
    persons, new = [], []
    for guest, declaration in items:
        if declaration is not None:
            persons.append(declaration.person)
            continue
        person, conflict = people.match(guest.identity)
        if person is None:
            person = people.make(guest.identity, conflict, establishment)
            new.append(person)
        persons.append(person)
    Person.objects.bulk_create(new)
    made = {id(p) for p in new}
    latest = _latest([p for p in persons if id(p) not in made])
    stays = [
        GuestStay(
            establishment=establishment,
            person=person,
            declaration=declaration or latest.get(person.pk),
            area_path=establishment.area_path,
            room=guest.room,
            check_in=guest.at,
            planned_check_out=guest.planned_check_out,
            source=StaySource.PMS,
            idempotency_key=guest.key,
            nationality_id=None if guest.nationality in ("", "VN") else guest.nationality,
        )
        for (guest, declaration), person in zip(items, persons, strict=True)
    ]
    GuestStay.objects.bulk_create(stays)
    GuestStayEvent.objects.bulk_create(
        GuestStayEvent(stay=s, action="check_in", to_data=_shown(s)) for s in stays
    )
    ip = client_ip(request)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=Action.CREATE,
            object_type=GuestStay._meta.label_lower,
            object_id=str(s.pk),
            object_repr=str(s)[:300],
            area_path=s.area_path,
            detail={"source": StaySource.PMS, "declared": s.declaration_id is not None},
            ip=ip,
        )
        for s in stays
    )
    return stays
