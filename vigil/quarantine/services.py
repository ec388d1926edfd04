"""Facilities, intake, moves, extensions and discharge (R-Q1..R-Q3).

Every change checks the stay's version (a stale form is refused, not
overwritten) and is written to the audit log in the same transaction. The bed
and person rules are enforced by the database's partial unique indexes; this
module turns their IntegrityError into a clear message.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.audit.services import Action, log

from .models import Bed, Building, Facility, Room, Stay


class StaleStay(Exception):
    def __init__(self, current):
        self.current = current
        super().__init__("stale")


BED_TAKEN = gettext_lazy("This bed was just taken by someone else. Choose another bed.")
ALREADY_IN = gettext_lazy("This person is already in a quarantine facility: end that stay first.")


def _constraint_message(exc):
    text = str(exc)
    if "one_person_per_bed" in text or "bed_id" in text:
        return {"bed": BED_TAKEN}
    if "one_open_stay_per_person" in text or "person_id" in text:
        return {"person": ALREADY_IN}
    return {"__all__": _("This change conflicts with another one. Reload and try again.")}


def _check_dates(start, end=None, end_field="end_date"):
    today = timezone.localdate()
    errors = {}
    if start and start > today:
        errors["start_date"] = _("The start date cannot be in the future.")
    if end and end > today and end_field == "end_date":
        errors[end_field] = _("The end date cannot be in the future.")
    if start and end and end < start:
        errors[end_field] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


# Catalogue -----------------------------------------------------------------


@transaction.atomic
def add_rooms(actor, facility, *, building, floors, rooms, beds_per_room, prefix=""):
    """ "Building A, floors 1–6, rooms 01–40, 4 beds each" in one go.

    `floors` and `rooms` are ranges; room names are floor + two-digit number
    ("101", "240") unless `prefix` is given. Existing rooms and beds are kept;
    returns the number of beds created.
    """
    if beds_per_room < 1 or beds_per_room > 50:
        raise ValidationError({"beds_per_room": _("Between 1 and 50 beds per room.")})
    if len(floors) * len(rooms) > 2000:
        raise ValidationError({"rooms": _("At most 2,000 rooms at once.")})
    block, _created = Building.objects.get_or_create(facility=facility, name=building.strip())
    created = 0
    for floor in floors:
        for number in rooms:
            name = f"{prefix}{floor}{number:02d}"
            room, _new = Room.objects.get_or_create(
                building=block, name=name, defaults={"floor": floor}
            )
            existing = set(room.beds.values_list("label", flat=True))
            new = [
                Bed(room=room, label=str(n))
                for n in range(1, beds_per_room + 1)
                if str(n) not in existing
            ]
            Bed.objects.bulk_create(new)
            created += len(new)
    log(actor, Action.CHANGE, facility, detail={"building": block.name, "beds_added": created})
    return created


# Stays ------------------------------------------------------------------


def planned_end(facility, start):
    return start + datetime.timedelta(days=facility.default_days())


@transaction.atomic
def take_in(actor, *, person, facility, start_date, bed=None, declaration=None, answers=None):
    """Intake: a new open stay. Refuses a taken bed and a person already inside."""
    _check_dates(start_date)
    if bed is not None and bed.room.building.facility_id != facility.pk:
        raise ValidationError({"bed": _("This bed is not in the chosen facility.")})
    stay = Stay(
        person=person,
        facility=facility,
        bed=bed,
        declaration=declaration,
        start_date=start_date,
        planned_end=planned_end(facility, start_date),
        intake_answers=answers or {},
        created_by=actor,
    )
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as exc:
        raise ValidationError(_constraint_message(exc)) from None
    if declaration is not None:
        _mark_concentrated(actor, declaration, start_date, stay.planned_end)
    log(actor, Action.CREATE, stay, detail={"facility": facility.name, "bed": str(bed or "")})
    return stay


def _mark_concentrated(actor, declaration, start, end):
    from vigil.declarations.models import Surveillance
    from vigil.declarations.transitions import transition

    transition(
        declaration,
        actor=actor,
        version=None,
        action="quarantine_intake",
        state_field="surveillance",
        allowed_from=["", *Surveillance.values],
        to_state=Surveillance.CONCENTRATED,
        changes={"surveillance_start": start, "surveillance_end": end},
    )


def _locked(stay, version):
    current = Stay.objects.select_for_update().select_related("facility").get(pk=stay.pk)
    if version is not None and current.version != version:
        raise StaleStay(current)
    return current


def _save(current, actor, detail, action=Action.CHANGE):
    current.version += 1
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:
        raise ValidationError(_constraint_message(exc)) from None
    log(actor, action, current, detail=detail)
    return current


@transaction.atomic
def move(actor, stay, *, version, facility, bed):
    """Another bed, possibly in another facility."""
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has ended.")})
    if bed is not None and bed.room.building.facility_id != facility.pk:
        raise ValidationError({"bed": _("This bed is not in the chosen facility.")})
    detail = {"from": str(current.bed or current.facility), "to": str(bed or facility)}
    current.facility, current.bed = facility, bed
    return _save(current, actor, detail)


@transaction.atomic
def extend(actor, stay, *, version, planned_end, reason):
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has ended.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    if planned_end <= current.planned_end:
        raise ValidationError({"planned_end": _("The new end must be after the planned end.")})
    detail = {"planned_end": [str(current.planned_end), str(planned_end)], "reason": reason}
    current.planned_end = planned_end
    return _save(current, actor, detail)


@transaction.atomic
def end_stay(actor, stay, *, version, end_date, outcome, note=""):
    """ "HCL": the stay ends and its bed is free at once."""
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has already ended.")})
    from .models import Outcome

    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose how the stay ended.")})
    _check_dates(current.start_date, end_date)
    current.end_date, current.outcome, current.end_note = end_date, outcome, note
    return _save(current, actor, {"end_date": str(end_date), "outcome": outcome})


@transaction.atomic
def delete_entered_by_mistake(actor, stay, *, reason):
    """Only for a stay entered by mistake; the audit log keeps what it held."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why this stay is deleted.")})
    snapshot = {
        "person": stay.person_id,
        "facility": stay.facility_id,
        "bed": stay.bed_id,
        "start_date": str(stay.start_date),
        "planned_end": str(stay.planned_end),
        "end_date": str(stay.end_date or ""),
        "reason": reason,
    }
    log(actor, Action.DELETE, stay, detail=snapshot)
    stay.delete()


def free_beds(facility):
    """Beds of `facility` with no open stay, for the intake's bed choice."""
    taken = Stay.objects.filter(facility=facility, end_date__isnull=True, bed__isnull=False)
    return (
        Bed.objects.filter(room__building__facility=facility, active=True)
        .exclude(pk__in=taken.values("bed_id"))
        .select_related("room__building")
    )


__all__ = [
    "ALREADY_IN",
    "BED_TAKEN",
    "Facility",
    "StaleStay",
    "add_rooms",
    "delete_entered_by_mistake",
    "end_stay",
    "extend",
    "free_beds",
    "move",
    "take_in",
]
