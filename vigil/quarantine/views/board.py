"""The facility board (R-Q4): beds, occupancy, arrivals, discharges, who is due."""

import datetime

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.accounts.decorators import task_required
from vigil.areas.models import Level
from vigil.core.modules import STAFF

from ..forms import (
    BoardFilterForm,
)
from ..models import Bed, Facility, Stay

BOARD_DAYS = 14


# The board ---------------------------------------------------------------------


def _days():
    today = timezone.localdate()
    return [today - datetime.timedelta(days=n) for n in range(BOARD_DAYS - 1, -1, -1)]


def _board_rows(user, facilities):
    """Figures per facility, each kind one aggregate query over all of them:
    the number of queries does not grow with facilities or stays."""
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    first = today - datetime.timedelta(days=BOARD_DAYS - 1)
    ids = [f.pk for f in facilities]
    beds = dict(
        Bed.objects.filter(active=True, room__building__facility__in=ids)
        .order_by()
        .values_list("room__building__facility")
        .annotate(n=Count("id"))
    )
    stays = Stay.objects.visible_to(user).filter(facility__in=ids).order_by()
    now = {
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
    arrivals, discharges = {}, {}
    for facility, day, n in (
        stays.filter(start_date__range=(first, today))
        .values_list("facility", "start_date")
        .annotate(n=Count("id"))
    ):
        arrivals[facility, day] = n
    for facility, day, n in (
        stays.filter(end_date__range=(first, today))
        .values_list("facility", "end_date")
        .annotate(n=Count("id"))
    ):
        discharges[facility, day] = n
    days = _days()
    rows = []
    for facility in facilities:
        figures = now.get(facility.pk, {})
        capacity = beds.get(facility.pk, 0)
        occupied = figures.get("in_beds", 0)
        daily = [
            (day, arrivals.get((facility.pk, day), 0), discharges.get((facility.pk, day), 0))
            for day in days
        ]
        rows.append(
            {
                "facility": facility,
                "beds": capacity,
                "occupied": occupied,
                "free": max(capacity - occupied, 0),
                "percent": round(100 * occupied / capacity) if capacity else None,
                "inside": figures.get("inside", 0),
                "due_today": figures.get("due_today", 0),
                "due_tomorrow": figures.get("due_tomorrow", 0),
                "daily": daily,
                "daily_cells": _daily_cells(daily),
                "arrivals": sum(a for _d, a, _x in daily),
                "discharges": sum(d for _d, _a, d in daily),
                "arrivals_today": daily[-1][1],
                "discharges_today": daily[-1][2],
            }
        )
    return rows


def _daily_cells(daily):
    """A facility's 14 cells "arrivals / discharges", built here: as template
    nodes, 50 facilities x 14 days were most of the board's rendering time."""
    # Integers only: nothing to escape.
    return mark_safe(  # noqa: S308
        "".join(f"<td>{a} / {d}</td>" if a or d else "<td>·</td>" for _day, a, d in daily)
    )


SUMMED = (
    "beds", "occupied", "free", "inside", "due_today", "due_tomorrow", "arrivals",
    "discharges", "arrivals_today", "discharges_today",
)  # fmt: skip


def _sum(rows, label=""):
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
        total["daily"] = [(day, 0, 0) for day in _days()]
    return total


@require_GET
@task_required(*STAFF)
def board(request):
    """R-Q4: per facility in scope, and summed per district and for the whole scope."""
    form = BoardFilterForm(request.GET, user=request.user)
    user = request.user
    facilities = Facility.objects.visible_to(user)
    if form.is_valid():
        if form.cleaned_data["district"]:
            facilities = facilities.filter(area_path__startswith=form.cleaned_data["district"].path)
        if form.cleaned_data["kind"]:
            facilities = facilities.filter(kind=form.cleaned_data["kind"])
    else:
        facilities = facilities.none()
    # Retired facilities still count while somebody is inside.
    occupied = Stay.objects.open().values("facility")
    facilities = list(
        facilities.filter(Q(active=True) | Q(pk__in=occupied))
        .select_related("area__parent")
        .order_by("area_path", "name")
    )
    rows = _board_rows(user, facilities)
    groups = {}
    for row in rows:
        area = row["facility"].area
        unit = area.parent if area.parent and area.parent.level == Level.DISTRICT else area
        groups.setdefault(unit, []).append(row)
    by_district = [_sum(items, unit.name) for unit, items in groups.items()]
    return render(
        request,
        "quarantine/board.html",
        {
            "form": form,
            "rows": rows,
            "total": _sum(rows, _("Total")),
            "by_district": by_district if len(by_district) > 1 else [],
            "days": _days(),
            "today": timezone.localdate(),
        },
    )
