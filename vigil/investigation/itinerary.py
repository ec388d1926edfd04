"""A case's movements ("Lịch trình di chuyển", R-E3): add, change, delete a row.

Each change locks the case row (two tracers adding rows at once are
serialised, and a change racing a deletion of the case fails cleanly), checks
the entry's `version`, and writes a CaseEvent on the case and an audit row in
the same transaction.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log

from .models import Case, CaseEvent, ItineraryEntry

FIELDS = ("date", "time", "description", "outbreak", "place")
# "15h30", "15:30", "7h00", "7h", "0730" as typed in the seed's table.
TIME_RE = re.compile(r"^\s*(\d{1,2})\s*(?:[hH:.gG]\s*(\d{2})?|(\d{2}))?\s*$")


class StaleEntry(Exception):
    def __init__(self, current):
        self.current = current
        super().__init__("stale")


def parse_time(value):
    """A time of day from the ways tracers type it, None when empty; ValueError otherwise."""
    if value is None or isinstance(value, datetime.time):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = TIME_RE.match(text)
    if not match:
        raise ValueError(text)
    hour = int(match.group(1))
    minute = int(match.group(2) or match.group(3) or 0)
    return datetime.time(hour, minute)  # ValueError past 23:59


def _clean(fields):
    """The row's values checked: a date and a description are required."""
    errors = {}
    values = {name: fields.get(name) for name in FIELDS}
    values["description"] = (values["description"] or "").strip()
    if not values["description"]:
        errors["description"] = _("Describe where the person went.")
    elif len(values["description"]) > 500:
        errors["description"] = _("At most 500 characters.")
    if not values["date"]:
        errors["date"] = _("Enter the date.")
    try:
        values["time"] = parse_time(values["time"])
    except ValueError:
        errors["time"] = _("Enter a time such as 15h30 or 15:30.")
    if errors:
        raise ValidationError(errors)
    return values


def snapshot(entry):
    return {
        "date": entry.date.isoformat() if entry.date else None,
        "time": entry.time.strftime("%H:%M") if entry.time else None,
        "description": entry.description,
        "outbreak": entry.outbreak_id,
        "place": entry.place_id,
    }


def _event(case, actor, action, before=None, after=None):
    CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_data=before or {},
        to_data=after or {},
    )


def _lock_case(case):
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def add_entry(case, *, actor, fields):
    values = _clean(fields)
    case = _lock_case(case)
    entry = ItineraryEntry.objects.create(
        case=case,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    after = snapshot(entry)
    _event(case, actor, "itinerary_add", after=after)
    log(actor, Action.CREATE, entry, area_path=case.area_path, detail={"case": case.pk, **after})
    return entry


def _lock_entry(entry, version):
    current = ItineraryEntry.objects.select_for_update().select_related("case").get(pk=entry.pk)
    if version is not None and current.version != version:
        raise StaleEntry(current)
    return current


@transaction.atomic
def update_entry(entry, *, actor, version, fields):
    """Change a row; a `version` other than the row's is refused with StaleEntry."""
    values = _clean(fields)
    _lock_case(entry.case)
    current = _lock_entry(entry, version)
    before = snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    current.version += 1
    current.save()
    after = snapshot(current)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    _event(current.case, actor, "itinerary_change", before, after)
    log(
        actor,
        Action.CHANGE,
        current,
        area_path=current.case.area_path,
        detail={"case": current.case_id, **changed},
    )
    return current


@transaction.atomic
def delete_entry(entry, *, actor, version):
    _lock_case(entry.case)
    current = _lock_entry(entry, version)
    before = snapshot(current)
    case = current.case
    log(
        actor,
        Action.DELETE,
        current,
        area_path=case.area_path,
        detail={"case": case.pk, **before},
    )
    current.delete()
    _event(case, actor, "itinerary_delete", before=before)
