"""Statistics of the guests (issue 14, "Statistics"): guests per night by
commune and by establishment kind over a period, the share of guests with a
health declaration, and foreign guests by nationality (the stay's
`nationality`, recorded for guests with a foreign passport).

Every figure starts from `GuestStay.objects.visible_to(user)` and is counted
by a GROUP BY in SQL; Python maps the grouped rows (one per place and kind) to
the drill-down's rows.

A guest-night is a night a guest spent: a stay checked in on day A and out on
day B (local days) covers the nights A .. B-1; a guest in house covers every
night up to tonight. "Guests per night" is guest-nights / nights of the period.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import EstablishmentKind, GuestStay
from .police import area_param, guests_url, owner, row_units

VIETNAM = "VN"
DEFAULT_DAYS = 30
MAX_DAYS = 400
DASHBOARD_DAYS = 7


def default_range(today=None, days=DEFAULT_DAYS):
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=days - 1), today


class DayDiff(Func):
    """date - date, in days (PostgreSQL and SQLite agree through julianday)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        left, right = self.source_expressions
        lsql, lparams = compiler.compile(left)
        rsql, rparams = compiler.compile(right)
        if connection.vendor == "sqlite":
            return f"CAST(julianday({lsql}) - julianday({rsql}) AS INTEGER)", (*lparams, *rparams)
        return f"({lsql} - {rsql})", (*lparams, *rparams)


def _nights(start, end):
    """The guest-nights of a stay inside [start, end] (0 or more)."""
    upper = min(end, timezone.localdate()) + datetime.timedelta(days=1)
    last = Least(
        Coalesce(TruncDate("check_out"), Value(upper, DateField())), Value(upper, DateField())
    )
    first = Greatest(TruncDate("check_in"), Value(start, DateField()))
    return Greatest(DayDiff(last, first), Value(0), output_field=IntegerField())


def _overlapping(user, start, end):
    """Stays in scope with a night or an arrival inside [start, end]."""
    after_end = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
    )
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    return (
        GuestStay.objects.visible_to(user)
        .filter(check_in__lt=after_end)
        .filter(Q(check_out__isnull=True) | Q(check_out__gte=since))
    )


def _arrived(start, end):
    return Q(check_in__date__gte=start, check_in__date__lte=end)


@dataclass
class Row:
    key: object
    name: str
    nights: int = 0  # guest-nights in the period
    arrivals: int = 0
    declared: int = 0
    drill: dict | None = None
    url: str | None = None
    per_night: float = 0.0

    @property
    def share(self):
        return round(100 * self.declared / self.arrivals) if self.arrivals else None


@dataclass
class GuestTable:
    unit: object
    start: datetime.date
    end: datetime.date
    rows: list = field(default_factory=list)  # by district / commune / establishment
    kinds: list = field(default_factory=list)  # by establishment kind
    total: Row = None
    nights_in_period: int = 1


def guest_table(user, unit, start, end):
    """Guest-nights, arrivals and arrivals with a declaration per unit below
    `unit` (or per establishment of a commune) and per establishment kind:
    one GROUP BY (establishment, kind)."""
    base = _overlapping(user, start, end).filter(area_path__startswith=unit.path)
    groups = (
        base.order_by()
        .values("establishment_id", "establishment__name", "establishment__kind", "area_path")
        .annotate(
            nights=Sum(_nights(start, end)),
            arrivals=Count("pk", filter=_arrived(start, end)),
            declared=Count("pk", filter=_arrived(start, end) & Q(declaration__isnull=False)),
        )
    )
    nights_in_period = max((min(end, timezone.localdate()) - start).days + 1, 1)
    table = GuestTable(unit=unit, start=start, end=end, nights_in_period=nights_in_period)
    units = row_units(unit)
    rows = {
        u.pk: Row(u.pk, u.name, drill={"unit": u.pk}, url=guests_url(**area_param(u)))
        for u in units
    }
    kinds = {k: Row(k, label) for k, label in EstablishmentKind.choices}
    total = Row(unit.pk, str(_("Total")), url=guests_url(**area_param(unit)))
    for g in groups:
        if units:
            target = owner(units, g["area_path"])
            row = rows.get(getattr(target, "pk", None))
        else:
            key = g["establishment_id"]
            row = rows.setdefault(
                key, Row(key, g["establishment__name"], url=guests_url(establishment=key))
            )
        for r in (row, kinds.get(g["establishment__kind"]), total):
            if r is not None:
                r.nights += g["nights"] or 0
                r.arrivals += g["arrivals"]
                r.declared += g["declared"]
    table.rows = list(rows.values()) if units else sorted(rows.values(), key=lambda r: r.name)
    table.kinds = list(kinds.values())
    table.total = total
    for r in (*table.rows, *table.kinds, total):
        r.per_night = round(r.nights / nights_in_period, 1)
    return table


def per_night(user, unit, start, end):
    """[(day, guests that night)] for every night of [start, min(end, today)]:
    the guests in house before `start`, then arrivals minus departures per day
    (three queries, a running sum in Python)."""
    last = min(end, timezone.localdate())
    if last < start:
        return []
    scoped = GuestStay.objects.visible_to(user).filter(area_path__startswith=unit.path)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    running = (
        scoped.filter(check_in__lt=since)
        .filter(Q(check_out__isnull=True) | Q(check_out__gte=since))
        .count()
    )
    arrivals = Counter(
        dict(
            scoped.filter(check_in__date__gte=start, check_in__date__lte=last)
            .annotate(day=TruncDate("check_in"))
            .order_by()
            .values_list("day")
            .annotate(n=Count("pk"))
        )
    )
    departures = Counter(
        dict(
            scoped.filter(check_out__date__gte=start, check_out__date__lte=last)
            .annotate(day=TruncDate("check_out"))
            .order_by()
            .values_list("day")
            .annotate(n=Count("pk"))
        )
    )
    out = []
    day = start
    while day <= last:
        running += arrivals[day] - departures[day]
        out.append((day, running))
        day += datetime.timedelta(days=1)
    return out


def foreign_by_country(user, unit, start, end):
    """[(nationality, arrivals)] of the foreign guests (a nationality recorded,
    other than Vietnam) who arrived in the period, most first."""
    groups = (
        GuestStay.objects.visible_to(user)
        .filter(area_path__startswith=unit.path, nationality__isnull=False)
        .exclude(nationality_id=VIETNAM)
        .filter(_arrived(start, end))
        .order_by()
        .values_list(F("nationality__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "nationality__name")
    )
    return [(name, n) for name, n in groups]


def chart(nights):
    """The per-night chart's data for vigil/charts.js."""
    return {
        "type": "bar",
        "labels": [day.strftime("%d/%m") for day, _n in nights],
        "datasets": [{"label": str(_("Guests per night")), "data": [n for _d, n in nights]}],
    }


def dashboard_figures(user):
    """The reports dashboard's card: guests tonight, without a declaration,
    red/orange (the stays' copy of their declaration's colour), and the share
    of the last DASHBOARD_DAYS days' arrivals with a declaration: one query
    (the guests in house or arrived since, through the check-out and check-in
    indexes)."""
    from .police import RISKY

    start, _end = default_range(days=DASHBOARD_DAYS)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    tonight, arrived = Q(check_out__isnull=True), Q(check_in__gte=since)
    row = (
        GuestStay.objects.visible_to(user)
        .filter(tonight | arrived)
        .aggregate(
            guests=Count("pk", filter=tonight),
            undeclared=Count("pk", filter=tonight & Q(declaration__isnull=True)),
            risky=Count("pk", filter=tonight & Q(declaration_colour__in=RISKY)),
            arrivals=Count("pk", filter=arrived),
            declared=Count("pk", filter=arrived & Q(declaration__isnull=False)),
        )
    )
    share = round(100 * row["declared"] / row["arrivals"]) if row["arrivals"] else None
    return {**row, "share": share, "days": DASHBOARD_DAYS}
