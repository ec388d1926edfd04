"""Statistics of the investigation: F0/F1/F2/F3+ by area, the epidemic curve,
contacts per confirmed case, contacts reached in time and the monitoring
completion (issue 13, "Statistics and dashboard").

Every figure starts from `Case.objects.visible_to(user)` (or
`MonitoringPeriod.objects.visible_to(user)`) and is counted by one GROUP BY or
one conditional aggregate in SQL; Python only names and sums the grouped rows
(tens of groups, never one row per case). A page costs about six queries
whatever the number of records.

A record belongs to an area by its place of detection or by its residence,
as the case list's district and commune filters read them, so that a number
and the list it opens agree: a person detected in one district and living in
another is in both rows, and once in the total. A record in scope under none
of the rows (recorded at the unit itself) is the row "Elsewhere", without a
link, since no list filter names it.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.scope import scope_path

from .filters import CaseFilterForm
from .models import Case, CaseLink, MonitoringPeriod, MonitoringStatus

# The level columns, and the `level` value of the case list's filter for each.
LEVELS = (("0", "F0"), ("1", "F1"), ("2", "F2"), ("3+", "F3+"))
CURVE_DAYS = 30
DASHBOARD_DAYS = 7
# Contacts per confirmed case: (key, label, lowest, highest or None).
CONTACT_BUCKETS = (
    ("0", "0", 0, 0),
    ("1-5", "1–5", 1, 5),
    ("6-20", "6–20", 6, 20),
    ("21+", "21+", 21, None),
)
OUTSIDE = "outside"
# The case list's `date_on` choice for the day a confirmed case counts on.
CONFIRMED_ON = "confirmed"


@dataclass
class Cell:
    """A number and the list it stands for (None: no list shows exactly it).
    Same shape as the reports' cells, so that their templates draw it."""

    value: int
    url: str | None = None


def cases_url(**params):
    """The case list filtered as `params` says (empty values dropped)."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("investigation:cases")
    return f"{url}?{urlencode(query)}" if query else url


def level_key(level):
    """The column of a stored level: "0", "1", "2", "3+", or None (no F0 above)."""
    if level is None:
        return None
    return "3+" if level >= 3 else str(level)


# By area ----------------------------------------------------------------------------


@dataclass
class AreaRow:
    key: object  # a unit's pk or OUTSIDE
    name: str
    cells: list  # [Cell] in LEVELS order
    total: Cell
    drill: dict | None = None  # the stats page's query for the units below
    unknown: int = 0  # contacts with no confirmed case above them (F?)


@dataclass
class AreaTable:
    unit: AdminUnit | None
    rows: list = field(default_factory=list)
    totals: list = field(default_factory=list)  # [Cell] in LEVELS order
    total: Cell = None
    unknown: int = 0


def table_unit(user, unit_id=None):
    """The unit whose children are the rows: `unit_id` when it lies inside the
    viewer's jurisdiction (None otherwise: the view answers 404), else the
    jurisdiction itself."""
    path = scope_path(user)
    if path is None:
        return None
    if unit_id in (None, ""):
        return getattr(user, "jurisdiction", None)
    try:
        unit = AdminUnit.objects.get(pk=int(unit_id))
    except (AdminUnit.DoesNotExist, ValueError, TypeError):
        return None
    return unit if unit.path.startswith(path) and unit.level < Level.VILLAGE else None


def _filter_param(unit):
    """The case list's filter naming `unit` (district or commune)."""
    if unit.level == Level.DISTRICT:
        return {"district": unit.pk}
    if unit.level == Level.COMMUNE:
        return {"commune": unit.pk}
    return {}


def _row_units(unit):
    """The units the rows stand for: the unit's districts or communes; a
    commune is its own single row (the list has no village filter)."""
    if unit.level >= Level.COMMUNE:
        return [unit]
    return list(
        AdminUnit.objects.active_tree()
        .filter(parent=unit)
        .exclude(level=Level.VILLAGE)
        .order_by("path")
    )


def by_area(user, unit):
    """F0/F1/F2/F3+ per unit below `unit`: one GROUP BY (detection path,
    residence path, level), mapped to the rows in Python (one group per pair
    of places, never one per record)."""
    table = AreaTable(unit=unit)
    if unit is None:
        table.total = Cell(0)
        return table
    scoped = Case.objects.visible_to(user)
    drilled = scope_path(user) != unit.path
    if drilled:
        # A unit below the jurisdiction: its records, as its list filter reads them.
        scoped = scoped.filter(
            Q(area_path__startswith=unit.path) | Q(residence_path__startswith=unit.path)
        )
    units = _row_units(unit)
    counts = Counter()  # (unit pk or OUTSIDE, level key) -> n
    totals = Counter()  # level key -> n, each record once
    groups = scoped.order_by().values_list("area_path", "residence_path", "level")
    for detected, lives, level, n in groups.annotate(n=Count("pk")):
        key = level_key(level)
        totals[key] += n
        for owner in {_owner(units, detected), _owner(units, lives)} - {None} or {OUTSIDE}:
            counts[owner, key] += n
    below = _with_children(units) if unit.level < Level.COMMUNE else set()
    for child in units:
        table.rows.append(_area_row(child.pk, child.name, _filter_param(child), counts))
        if child.pk in below:
            table.rows[-1].drill = {"unit": child.pk}
    if any(key == OUTSIDE for key, _level in counts):
        table.rows.append(_area_row(OUTSIDE, _("Elsewhere"), None, counts))
    base = _filter_param(unit) if drilled else {}
    table.totals = [Cell(totals[key], cases_url(**base, level=key)) for key, _label in LEVELS]
    table.unknown = totals[None]
    table.total = Cell(sum(totals.values()), cases_url(**base))
    return table


def _owner(units, path):
    """The row unit `path` lies under, or None."""
    for unit in units:
        if path.startswith(unit.path):
            return unit.pk
    return None


def _with_children(units):
    """Pks of the units that have units below them (one query)."""
    return set(
        AdminUnit.objects.filter(parent__in=units)
        .exclude(level=Level.VILLAGE)
        .values_list("parent_id", flat=True)
        .distinct()
    )


def _area_row(key, name, params, counts):
    def cell(level):
        value = counts[key, level]
        return Cell(value, cases_url(**params, level=level) if params is not None else None)

    total = sum(n for (owner, _level), n in counts.items() if owner == key)
    return AreaRow(
        key=key,
        name=name,
        cells=[cell(level) for level, _label in LEVELS],
        total=Cell(total, cases_url(**params) if params is not None else None),
        unknown=counts[key, None],
    )


# Epidemic curve ---------------------------------------------------------------------


def case_day():
    """The day a confirmed case counts on: its confirmation date, else the
    (local) day it was recorded."""
    return Coalesce("confirmed_on", TruncDate("created_at"))


def default_range(today=None, days=CURVE_DAYS):
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=days - 1), today


def epidemic_curve(user, start, end):
    """[(day, Cell)] of new confirmed cases per day from `start` to `end`
    (every day, zeros included): one GROUP BY."""
    per_day = dict(
        Case.objects.visible_to(user)
        .confirmed()
        .annotate(day=case_day())
        .filter(day__gte=start, day__lte=end)
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    days = (end - start).days + 1
    return [
        (day, Cell(per_day.get(day, 0), _day_url(day, day)))
        for day in (start + datetime.timedelta(days=n) for n in range(max(days, 0)))
    ]


def _day_url(start, end):
    """The list of the confirmed cases counted from `start` to `end`, when the
    list's form can filter on the day they count on (`date_on=confirmed`)."""
    if CONFIRMED_ON not in dict(CaseFilterForm.base_fields["date_on"].choices):
        return None
    return cases_url(
        level="0", date_on=CONFIRMED_ON, date_from=start.isoformat(), date_to=end.isoformat()
    )


def curve_chart(curve):
    """The chart's data for vigil/charts.js (drawn from a json_script tag)."""
    return {
        "type": "bar",
        "labels": [day.strftime("%d/%m") for day, _cell in curve],
        "datasets": [
            {"label": str(_("New confirmed cases")), "data": [c.value for _d, c in curve]}
        ],
    }


# Contacts, reach and monitoring -----------------------------------------------------


def contacts_per_case(user):
    """Mean number of direct contacts per confirmed case in scope and how many
    cases have 0, 1–5, 6–20, 21+ contacts: one query (a counted subquery per
    case, aggregated)."""
    links = (
        CaseLink.objects.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(c=Count("pk"))
        .values("c")
    )
    cases = Case.objects.visible_to(user).confirmed().order_by()
    cases = cases.annotate(n=Coalesce(Subquery(links), 0))
    buckets = {}
    for key, _label, low, high in CONTACT_BUCKETS:
        q = Q(n__gte=low) if high is None else Q(n__gte=low, n__lte=high)
        buckets[f"b{key}"] = Count("pk", filter=q)
    row = cases.aggregate(cases=Count("pk"), contacts=Sum("n"), **buckets)
    n_cases, n_contacts = row["cases"], row["contacts"] or 0
    return {
        "cases": n_cases,
        "contacts": n_contacts,
        "mean": round(n_contacts / n_cases, 1) if n_cases else None,
        "buckets": [(key, label, row[f"b{key}"]) for key, label, _low, _high in CONTACT_BUCKETS],
    }


def reached_deadline(hours=None):
    """The last day a contact counts as reached in time: the day of its
    record's creation plus VIGIL_CONTACT_REACHED_HOURS."""
    hours = settings.VIGIL_CONTACT_REACHED_HOURS if hours is None else hours
    later = ExpressionWrapper(
        F("created_at") + datetime.timedelta(hours=hours), output_field=DateTimeField()
    )
    return TruncDate(later)


def contacts_reached(user):
    """Contacts in scope, and those reached in time: an investigation date set
    on or before the date of (recorded + VIGIL_CONTACT_REACHED_HOURS). Only a
    date is recorded, so a contact investigated on the deadline's day counts."""
    row = (
        Case.objects.visible_to(user)
        .contacts()
        .order_by()
        .aggregate(
            total=Count("pk"),
            reached=Count(
                "pk",
                filter=Q(investigation_date__isnull=False)
                & Q(investigation_date__lte=reached_deadline()),
            ),
        )
    )
    share = round(100 * row["reached"] / row["total"]) if row["total"] else None
    return {**row, "share": share, "hours": settings.VIGIL_CONTACT_REACHED_HOURS}


def monitoring_figures(user):
    """Monitoring periods in scope: active, completed, lost, and the completion
    (completed / (completed + lost), in percent): one query."""
    row = (
        MonitoringPeriod.objects.visible_to(user)
        .order_by()
        .aggregate(
            active=Count("pk", filter=Q(status=MonitoringStatus.ACTIVE)),
            completed=Count("pk", filter=Q(status=MonitoringStatus.COMPLETED)),
            lost=Count("pk", filter=Q(status=MonitoringStatus.LOST)),
        )
    )
    ended = row["completed"] + row["lost"]
    return {**row, "completion": round(100 * row["completed"] / ended) if ended else None}


# Dashboard --------------------------------------------------------------------------


def level_totals(user):
    """{level key: Cell} of every record in scope, each opening the list."""
    counts = Counter()
    for level, n in (
        Case.objects.visible_to(user).order_by().values_list("level").annotate(n=Count("pk"))
    ):
        counts[level_key(level)] += n
    return {key: Cell(counts[key], cases_url(level=key)) for key, _label in LEVELS}


def new_cases(user, days=DASHBOARD_DAYS, today=None):
    """Confirmed cases counted on the last `days` days (today included)."""
    start, end = default_range(today, days)
    n = (
        Case.objects.visible_to(user)
        .confirmed()
        .annotate(day=case_day())
        .filter(day__gte=start, day__lte=end)
        .count()
    )
    return Cell(n, _day_url(start, end))


def dashboard_figures(user):
    """The reports dashboard's card: F0/F1/F2/F3+ and the new confirmed cases
    of the last DASHBOARD_DAYS days (two queries)."""
    totals = level_totals(user)
    return {
        "levels": [(label, totals[key]) for key, label in LEVELS],
        "new": new_cases(user),
        "days": DASHBOARD_DAYS,
    }
