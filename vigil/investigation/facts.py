"""The "outbreak_visit" fact for the risk rules (R-M1, registered in apps.py):
the person passed through an outbreak location while it was active.

A declaration gets the fact when
- its person's itinerary (ItineraryEntry of their case record) has a row in
  the 14 days before arrival at an outbreak active that day, or in a commune
  holding an outbreak active that day; or
- its departure commune (`departure_unit`, a commune or a village) holds an
  outbreak active on the arrival date (a declaration has no departure date).

Set-based: one query for the outbreaks that may matter, one for the
itineraries of the batch, one for the departure units (and one for the people when the rows do not
carry them), whatever the batch's
size (re-evaluation runs it on chunks of 2,000 declarations).
"""

import datetime

from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration

from .models import ItineraryEntry, Outbreak

WINDOW_DAYS = 14


def _active(outbreak, day):
    opened, closed = outbreak["opened_on"], outbreak["closed_on"]
    return opened <= day and (closed is None or day <= closed)


def _outbreaks(start, end):
    """The outbreaks open at some point between `start` and `end`."""
    rows = Outbreak.objects.filter(opened_on__lte=end).exclude(closed_on__lt=start)
    return list(rows.values("pk", "opened_on", "closed_on", "area__path"))


def _in_commune(path, commune_path):
    return bool(path) and path.startswith(commune_path)


def _itineraries(person_ids, start, end):
    """{person id: [(date, outbreak id, place path), ...]}."""
    rows = ItineraryEntry.objects.filter(
        case__person_id__in=person_ids, date__gte=start, date__lte=end
    ).values_list("case__person_id", "date", "outbreak_id", "place__path")
    out = {}
    for person_id, day, outbreak_id, place_path in rows:
        out.setdefault(person_id, []).append((day, outbreak_id, place_path))
    return out


def _departure_paths(declarations):
    """{declaration id: departure unit path}. Declarations come as model
    instances (a form's save) or as the re-evaluation's light rows, which
    carry `departure_unit.path` and no `_id` columns."""
    ids = {d.departure_unit_id for d in declarations if getattr(d, "departure_unit_id", None)}
    paths = dict(AdminUnit.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    out = {}
    for d in declarations:
        if hasattr(d, "departure_unit_id"):
            out[d.pk] = paths.get(d.departure_unit_id)
        else:
            out[d.pk] = getattr(getattr(d, "departure_unit", None), "path", None)
    return out


def _person_ids(declarations):
    """{declaration id: person id}, read in one query for rows without it."""
    out = {d.pk: d.person_id for d in declarations if getattr(d, "person_id", None)}
    missing = [d.pk for d in declarations if d.pk not in out]
    if missing:
        out.update(Declaration.objects.filter(pk__in=missing).values_list("pk", "person_id"))
    return out


def _visited(entries, arrival, outbreaks, by_id):
    first = arrival - datetime.timedelta(days=WINDOW_DAYS)
    for day, outbreak_id, place_path in entries:
        if not first <= day <= arrival:
            continue
        if outbreak_id in by_id and _active(by_id[outbreak_id], day):
            return True
        if place_path and any(
            _active(o, day) and _in_commune(place_path, o["area__path"]) for o in outbreaks
        ):
            return True
    return False


def _departed_from(path, arrival, outbreaks):
    # The departure unit is the outbreak's commune or a village in it; a
    # departure district or province is too vague to say.
    return bool(path) and any(
        _active(o, arrival) and _in_commune(path, o["area__path"]) for o in outbreaks
    )


def outbreak_visits(declarations):
    """The ids of `declarations` for which "outbreak_visit" holds."""
    declarations = [d for d in declarations if d.pk and d.arrival_date]
    if not declarations:
        return set()
    end = max(d.arrival_date for d in declarations)
    start = min(d.arrival_date for d in declarations) - datetime.timedelta(days=WINDOW_DAYS)
    outbreaks = _outbreaks(start, end)
    if not outbreaks:
        return set()
    by_id = {o["pk"]: o for o in outbreaks}
    people = _person_ids(declarations)
    itineraries = _itineraries(set(people.values()), start, end)
    departures = _departure_paths(declarations)
    held = set()
    for d in declarations:
        entries = itineraries.get(people.get(d.pk), ())
        if _visited(entries, d.arrival_date, outbreaks, by_id) or _departed_from(
            departures.get(d.pk), d.arrival_date, outbreaks
        ):
            held.add(d.pk)
    return held
