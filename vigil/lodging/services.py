"""Registering guests (R-A1): the one way a guest stay is created or changed.

Every channel (the reception's page, the group check-in, the paper register,
a property-management system) calls `check_in`; it links the guest's
existing declaration when there is one (R-P2: nobody declares twice), or
records the declaration filled at the reception (channel "establishment").
Every change locks the stay or checks its version, and writes a
GuestStayEvent and an audit row in the same transaction.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.declarations import services as declarations
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person
from vigil.people.services import insert_person

from .models import EstablishmentStatus, GuestStay, GuestStayEvent, StaySource

ROOM_MAX = 32


class StaleGuestStay(Exception):
    """The stay changed since the form was read; `current` is it now."""

    def __init__(self, current):
        super().__init__("stale guest stay")
        self.current = current


@dataclass
class CheckIn:
    stay: GuestStay
    created: bool  # False: an idempotency key matched an earlier check-in
    declared: bool  # the guest has a health declaration linked


def latest_declaration(person, day=None):
    """The person's declaration a check-in links: the latest one made in the
    VIGIL_GUEST_DECLARATION_DAYS (14) days before `day` (today), or None."""
    day = day or timezone.localdate()
    since = day - datetime.timedelta(days=settings.VIGIL_GUEST_DECLARATION_DAYS)
    return (
        Declaration.objects.filter(person=person, created_at__date__gte=since)
        .order_by("-created_at", "-id")
        .first()
    )


def _clean(establishment, room, at, planned):
    errors = {}
    if establishment.status != EstablishmentStatus.OPEN:
        errors["establishment"] = _("This establishment is closed: it cannot take guests.")
    if len(room or "") > ROOM_MAX:
        errors["room"] = _("At most %(max)d characters.") % {"max": ROOM_MAX}
    if at > timezone.now() + datetime.timedelta(minutes=10):
        errors["check_in"] = _("The check-in time is in the future.")
    if planned and planned < timezone.localdate(at):
        errors["planned_check_out"] = _("The planned check-out is before the check-in.")
    if errors:
        raise ValidationError(errors)


def _guest(actor, *, person, declaration, identity, data):
    """(person, declaration) of the guest: given, found, or recorded now."""
    if declaration is not None:
        return declaration.person, declaration
    if person is not None:
        return person, latest_declaration(person)
    if data is not None:
        submitted = declarations.submit_declaration(
            identity, data, channel=Channel.ESTABLISHMENT, actor=actor
        )
        return submitted.declaration.person, submitted.declaration
    return _person_only(identity)


def _person_only(identity):
    """(person, declaration) of a guest named by identity only: found as
    declarations find people (R-P2) with their latest declaration, else
    recorded with what the establishment knows, without one."""
    found, conflict = declarations.match_person(identity)
    if found is not None:
        return found, latest_declaration(found)
    if not identity.get("full_name") or identity.get("area") is None:
        raise ValidationError(
            {"full_name": _("Enter the guest's name, ID or passport number, and commune.")}
        )
    person = Person(
        full_name=identity["full_name"],
        id_number="" if conflict else identity.get("id_number") or "",
        id_kind=identity.get("id_kind") or "",
        phone=identity.get("phone") or "",
        birth_year=identity.get("birth_year"),
        gender=identity.get("gender") or "",
        area=identity["area"],
    )
    made = insert_person(person)
    if made is None:  # the same ID number was recorded meanwhile
        return _person_only(identity)
    return made, None


@transaction.atomic
def check_in(
    actor,
    establishment,
    *,
    person=None,
    declaration=None,
    identity=None,
    data=None,
    room="",
    at=None,
    planned_check_out=None,
    group_code="",
    source=StaySource.RECEPTION,
    idempotency_key="",
    nationality=None,
):
    """Register one guest's stay. The guest is `declaration`'s person, or
    `person`, or the person `identity` names; with `data` (the cleaned fields
    of an arrival declaration) the declaration made at the reception is
    recorded first. Returns a CheckIn."""
    at = at or timezone.now()
    key = (idempotency_key or "").strip()
    if key:
        earlier = GuestStay.objects.filter(establishment=establishment, idempotency_key=key)
        earlier = earlier.select_related("declaration").first()
        if earlier is not None:
            return CheckIn(earlier, False, earlier.declaration_id is not None)
    _clean(establishment, room, at, planned_check_out)
    guest_person, guest_declaration = _guest(
        actor, person=person, declaration=declaration, identity=identity, data=data
    )
    if nationality is None and guest_person.id_kind == "passport" and guest_declaration:
        # A passport holder declared at the reception or online: the country
        # the declaration names, unless the caller knows the nationality.
        country = guest_declaration.departure_country
        nationality = None if country is None or country.pk == "VN" else country
    stay = GuestStay(
        establishment=establishment,
        person=guest_person,
        declaration=guest_declaration,
        room=(room or "").strip(),
        check_in=at,
        planned_check_out=planned_check_out,
        group_code=group_code,
        nationality=nationality,
        source=source,
        idempotency_key=key,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            stay.save(force_insert=True)
    except IntegrityError:
        earlier = GuestStay.objects.get(establishment=establishment, idempotency_key=key)
        return CheckIn(earlier, False, earlier.declaration_id is not None)
    _event(stay, actor, "check_in", after=_shown(stay))
    log(actor, Action.CREATE, stay, detail={"source": source, "declared": bool(guest_declaration)})
    return CheckIn(stay, True, guest_declaration is not None)


def _shown(stay):
    return {
        "room": stay.room,
        "check_in": timezone.localtime(stay.check_in).isoformat(timespec="minutes"),
        "planned_check_out": stay.planned_check_out.isoformat() if stay.planned_check_out else "",
        "check_out": (
            timezone.localtime(stay.check_out).isoformat(timespec="minutes")
            if stay.check_out
            else ""
        ),
        "declaration": stay.declaration.code if stay.declaration_id else "",
    }


def _event(stay, actor, action, before=None, after=None, note=""):
    GuestStayEvent.objects.create(
        stay=stay,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_data=before or {},
        to_data=after or {},
        note=note,
    )


def _locked(stay, version):
    current = (
        GuestStay.objects.select_for_update(of=("self",))
        .select_related("declaration")
        .get(pk=stay.pk)
    )
    if version is not None and current.version != version:
        raise StaleGuestStay(current)
    return current


def _save_change(current, actor, action, before, note=""):
    after = _shown(current)
    current.version += 1
    current.save()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    _event(current, actor, action, {k: before[k] for k in changed}, changed, note)
    log(actor, Action.CHANGE, current, detail={"action": action, "fields": sorted(changed)})
    return current


@transaction.atomic
def check_out(stay, *, actor, version, at=None, note=""):
    """Record the guest's departure (`at`, now by default)."""
    current = _locked(stay, version)
    if current.check_out is not None:
        raise ValidationError({"check_out": _("This guest has already checked out.")})
    at = at or timezone.now()
    if at < current.check_in:
        raise ValidationError({"check_out": _("The check-out is before the check-in.")})
    before = _shown(current)
    current.check_out = at
    return _save_change(current, actor, "check_out", before, note)


@transaction.atomic
def update_stay(stay, *, actor, version, room=None, planned_check_out=None, check_out=None):
    """Correct a stay: its room, planned check-out, or the time of an early or
    late check-out. Each change is in the stay's history."""
    current = _locked(stay, version)
    before = _shown(current)
    if room is not None:
        current.room = room.strip()
    if planned_check_out is not None:
        current.planned_check_out = planned_check_out
    if check_out is not None:
        if check_out < current.check_in:
            raise ValidationError({"check_out": _("The check-out is before the check-in.")})
        current.check_out = check_out
    _clean_change(current)
    return _save_change(current, actor, "change", before)


def _clean_change(current):
    if len(current.room) > ROOM_MAX:
        raise ValidationError({"room": _("At most %(max)d characters.") % {"max": ROOM_MAX}})
    planned = current.planned_check_out
    if planned and planned < timezone.localdate(current.check_in):
        raise ValidationError(
            {"planned_check_out": _("The planned check-out is before the check-in.")}
        )


@transaction.atomic
def link_declaration(stay, *, actor, version, declaration):
    """A guest who declared after checking in: their declaration on the stay."""
    current = _locked(stay, version)
    if declaration.person_id != current.person_id:
        raise ValidationError({"declaration": _("This declaration is about someone else.")})
    before = _shown(current)
    current.declaration = declaration
    return _save_change(current, actor, "link_declaration", before)
