"""The facility board's figures (R-Q4): beds, occupancy, arrivals, discharges
and who is due, per facility in scope, summed per district and for the whole
scope. The board page and the API both read them from here."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from vigil.areas.models import Level

from .models import Bed, Facility, Stay

BOARD_DAYS = 14
SUMMED = (
    "beds", "occupied", "free", "inside", "due_today", "due_tomorrow", "arrivals",
    "discharges", "arrivals_today", "discharges_today",
)  # fmt: skip


def board_days():
    """The board's days, oldest first, today last."""
    today = timezone.localdate()
    return [today - datetime.timedelta(days=n) for n in range(BOARD_DAYS - 1, -1, -1)]


def _current(stays, today):
    tomorrow = today + datetime.timedelta(days=1)
    return {
        r["facility"]: r
        for r in stays.open()
        .values("facility")
        .annotate(
            inside=Count("id"),
            in_beds=Count("bed"),
            due_today=Count("id", filter=Q(planned_end__lte=today)),
            due_tomorrow=Count("id", filter=Q(planned_end=tomorrow)),
        )
    }


def _per_day(stays, field, first, today):
    """{(facility id, day): stays whose `field` is that day}, over the board's days."""
    rows = (
        stays.filter(**{f"{field}__range": (first, today)})
        .values_list("facility", field)
        .annotate(n=Count("id"))
    )
    return {(facility, day): n for facility, day, n in rows}


def board_rows(user, facilities):
    """Figures per facility, each kind one aggregate query over all of them:
    the number of queries does not grow with facilities or stays."""
    today = timezone.localdate()
    days = board_days()
    ids = [f.pk for f in facilities]
    beds = dict(
        Bed.objects.filter(active=True, room__building__facility__in=ids)
        .order_by()
        .values_list("room__building__facility")
        .annotate(n=Count("id"))
    )
    stays = Stay.objects.visible_to(user).filter(facility__in=ids).order_by()
    now = _current(stays, today)
    arrivals = _per_day(stays, "start_date", days[0], today)
    discharges = _per_day(stays, "end_date", days[0], today)
    rows = []
    for facility in facilities:
        daily = [
            (day, arrivals.get((facility.pk, day), 0), discharges.get((facility.pk, day), 0))
            for day in days
        ]
        rows.append(_row(facility, beds.get(facility.pk, 0), now.get(facility.pk, {}), daily))
    return rows


def _row(facility, capacity, figures, daily):
    occupied = figures.get("in_beds", 0)
    return {
        "facility": facility,
        "beds": capacity,
        "occupied": occupied,
        "free": max(capacity - occupied, 0),
        "percent": round(100 * occupied / capacity) if capacity else None,
        "inside": figures.get("inside", 0),
        "due_today": figures.get("due_today", 0),
        "due_tomorrow": figures.get("due_tomorrow", 0),
        "daily": daily,
        "arrivals": sum(a for _d, a, _x in daily),
        "discharges": sum(d for _d, _a, d in daily),
        "arrivals_today": daily[-1][1],
        "discharges_today": daily[-1][2],
    }


def summed(rows, label=""):
    """The figures of `rows` added up (a district's, the whole scope's)."""
    total = {key: sum(r[key] for r in rows) for key in SUMMED}
    total["label"] = label
    total["count"] = len(rows)
    total["percent"] = round(100 * total["occupied"] / total["beds"]) if total["beds"] else None
    if rows:
        total["daily"] = [
            (day, sum(r["daily"][i][1] for r in rows), sum(r["daily"][i][2] for r in rows))
            for i, (day, _a, _d) in enumerate(rows[0]["daily"])
        ]
    else:
        total["daily"] = [(day, 0, 0) for day in board_days()]
    return total


def board_facilities(user, form):
    """The facilities on the board: in scope, narrowed by the valid BoardFilterForm
    `form` (an invalid one: none); retired ones while somebody is inside."""
    facilities = Facility.objects.visible_to(user)
    if form.is_valid():
        if form.cleaned_data["district"]:
            facilities = facilities.filter(area_path__startswith=form.cleaned_data["district"].path)
        if form.cleaned_data["kind"]:
            facilities = facilities.filter(kind=form.cleaned_data["kind"])
    else:
        facilities = facilities.none()
    occupied = Stay.objects.open().values("facility")
    return list(
        facilities.filter(Q(active=True) | Q(pk__in=occupied))
        .select_related("area__parent")
        .order_by("area_path", "name")
    )


def by_district(rows):
    """[(district or commune, its rows)] in the rows' order."""
    groups = {}
    for row in rows:
        area = row["facility"].area
        unit = area.parent if area.parent and area.parent.level == Level.DISTRICT else area
        groups.setdefault(unit, []).append(row)
    return list(groups.items())


def build_board(user, form, total_label=""):
    """What the board shows: rows per facility, the sums per district (only when
    there are several) and the total."""
    rows = board_rows(user, board_facilities(user, form))
    districts = [summed(items, unit.name) for unit, items in by_district(rows)]
    return {
        "rows": rows,
        "total": summed(rows, total_label),
        "by_district": districts if len(districts) > 1 else [],
        "days": board_days(),
    }
