"""The police view of the establishments (R-A2, seed §II.2): for the police of
a commune, district or the province, who is staying tonight, who has not
declared, who is flagged red or orange, which open establishments have
registered nobody for VIGIL_LODGING_IDLE_DAYS days, and which guests stay in
two establishments the same night.

Every figure starts from `GuestStay.objects.visible_to(user)` or
`Establishment.objects.visible_to(user)` and is counted by a GROUP BY or a
conditional aggregate in SQL (a few queries per page, whatever the number of
stays); Python only maps the grouped rows (one per establishment at most) to
the rows of the drill-down table.

"Tonight" is the guests in house now: checked in, not checked out. A number
and the list it opens agree: the guest register's filters `tab=in_house`,
`declared=no`, `colour`, `establishment`, `district`, `commune` read the same
conditions (`guests_url`).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.scope import scope_path
from vigil.declarations.models import RiskColour

from .models import Establishment, EstablishmentStatus, GuestStay

# The colours the police look at, each its own column (the register filters one).
RISKY = (RiskColour.RED, RiskColour.ORANGE)


def idle_days():
    """How many days without a guest make an open establishment idle."""
    return getattr(settings, "VIGIL_LODGING_IDLE_DAYS", 3)


def idle_since(now=None):
    return (now or timezone.now()) - datetime.timedelta(days=idle_days())


@dataclass
class Cell:
    """A number and the list it stands for (None: no list). Same shape as the
    reports' cells, so that reports/stats/_cell.html draws it."""

    value: int
    url: str | None = None


def guests_url(**params):
    """The guest register filtered as `params` says (empty values dropped)."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("lodging:guests")
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def police_url(**params):
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("lodging:police")
    return f"{url}?{urlencode(query)}" if query else url


def in_house(user):
    """The guests staying tonight in `user`'s scope."""
    return GuestStay.objects.visible_to(user).in_house()


def count_undeclared(user):
    """The menu's worklist: guests in house without a health declaration."""
    return in_house(user).filter(declaration__isnull=True).count()


# Units ------------------------------------------------------------------------------


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


def area_param(unit):
    """The register's filter naming `unit` (district or commune), or {}."""
    if unit is None:
        return {}
    if unit.level == Level.DISTRICT:
        return {"district": unit.pk}
    if unit.level == Level.COMMUNE:
        return {"commune": unit.pk}
    return {}


def row_units(unit):
    """The districts or communes below `unit` (none below a commune: its rows
    are its establishments)."""
    if unit.level >= Level.COMMUNE:
        return []
    return list(
        AdminUnit.objects.active_tree()
        .filter(parent=unit)
        .exclude(level=Level.VILLAGE)
        .order_by("path")
    )


def crumbs(user, unit):
    """[(name, unit pk or None)] from the jurisdiction down to `unit`."""
    top = getattr(user, "jurisdiction", None)
    if top is None or unit.pk == top.pk:
        return []
    chain = [u for u in unit.ancestors() if u.path.startswith(top.path) and u.pk != top.pk]
    return [(top.name, None), *((u.name, u.pk) for u in chain)]


def owner(units, path):
    """The row unit `path` lies under, or None."""
    for unit in units:
        if path.startswith(unit.path):
            return unit
    return None


# Figures ----------------------------------------------------------------------------


def _under(qs, unit):
    return qs if unit is None else qs.filter(area_path__startswith=unit.path)


def idle_establishments(user, unit=None, now=None):
    """Open establishments in scope, in the catalogue for more than the idle
    days, with no guest checked in since then (one NOT IN over the recent
    check-ins)."""
    since = idle_since(now)
    recent = GuestStay.objects.filter(check_in__gte=since).values("establishment_id")
    return (
        _under(Establishment.objects.visible_to(user), unit)
        .filter(status=EstablishmentStatus.OPEN, created_at__lt=since)
        .exclude(pk__in=recent)
    )


def twice(user, unit=None):
    """Guests in house in scope who are also in house at another establishment
    (anywhere in the province): the same guest, two establishments, tonight.
    The people in house twice are found once, grouped over the in-house
    partial index by person, then their stays in scope are kept."""
    doubled = (
        GuestStay.objects.in_house()
        .order_by()
        .values("person_id")
        .annotate(places=Count("establishment_id", distinct=True))
        .filter(places__gt=1)
        .values("person_id")
    )
    return _under(in_house(user), unit).filter(person_id__in=doubled)


@dataclass
class Figures:
    establishments: Cell  # establishments with guests tonight
    guests: Cell
    undeclared: Cell
    red: Cell
    orange: Cell
    idle: Cell
    twice: Cell
    days: int = 3

    @property
    def risky(self):
        return self.red.value + self.orange.value


def figures(user, unit, table=None):
    """The cards of the police view for `unit`: the totals of its drill-down
    `table` (computed when not given) and one query for the guests in two
    establishments."""
    table = table or by_area(user, unit)
    total = table.total
    drilled = unit.path != scope_path(user)
    unit_q = {"unit": unit.pk} if drilled else {}
    return Figures(
        establishments=Cell(total.with_guests, police_url(**unit_q) + "#by-area"),
        guests=total.guests,
        undeclared=total.undeclared,
        red=total.red,
        orange=total.orange,
        idle=Cell(total.idle.value, police_url(show="idle", **unit_q)),
        twice=Cell(
            twice(user, unit if drilled else None).count(), police_url(show="twice", **unit_q)
        ),
        days=idle_days(),
    )


# The drill-down table ---------------------------------------------------------------


@dataclass
class Row:
    key: int
    name: str
    establishments: int = 0  # open establishments
    with_guests: int = 0  # establishments with guests tonight
    guests: Cell = None
    undeclared: Cell = None
    red: Cell = None
    orange: Cell = None
    idle: Cell = None
    drill: dict | None = None  # the police view's query for the units below
    url: str | None = None  # an establishment row: its guests
    is_establishment: bool = False
    kind: str = ""

    @property
    def cells(self):
        """[(column key, Cell)] of the linked numbers, in the table's order."""
        return [
            (key, getattr(self, key)) for key in ("guests", "undeclared", "red", "orange", "idle")
        ]


@dataclass
class Table:
    unit: AdminUnit
    rows: list = field(default_factory=list)
    total: Row = None


def _establishments(user, unit):
    """[(id, name, kind, area_path, open)] of the establishments below `unit`."""
    qs = _under(Establishment.objects.visible_to(user), unit).order_by("name", "id")
    return list(qs.values_list("id", "name", "kind", "area_path", "status"))


def _per_establishment(user, unit):
    """{establishment id: {guests, undeclared, red, orange}}: one GROUP BY
    (establishment, declaration's colour) over the in-house partial index
    alone. The colour is the stay's copy of its declaration's, kept by
    triggers (vigil/lodging/colour.py); no colour means no declaration."""
    groups = (
        _under(in_house(user), unit)
        .order_by()
        .values_list("establishment_id", "declaration_colour")
        .annotate(n=Count("*"))
    )
    out = {}
    for establishment_id, colour_key, n in groups:
        counts = out.setdefault(
            establishment_id, {"guests": 0, "undeclared": 0, "red": 0, "orange": 0}
        )
        counts["guests"] += n
        if colour_key is None:
            counts["undeclared"] += n
        elif colour_key in counts:
            counts[colour_key] += n
    return out


def _cells(row, counts, idle_n, params, unit_q):
    row.guests = Cell(counts["guests"], guests_url(tab="in_house", **params))
    row.undeclared = Cell(counts["undeclared"], guests_url(tab="in_house", declared="no", **params))
    row.red = Cell(counts["red"], guests_url(tab="in_house", colour=RiskColour.RED, **params))
    row.orange = Cell(
        counts["orange"], guests_url(tab="in_house", colour=RiskColour.ORANGE, **params)
    )
    row.idle = Cell(idle_n, police_url(show="idle", **unit_q) if idle_n else None)
    return row


ZERO = {"guests": 0, "undeclared": 0, "red": 0, "orange": 0, "idle": 0}


def _add(row, sums, counts, opened, is_idle):
    row.establishments += int(opened)
    row.with_guests += int(bool(counts["guests"]))
    for key in ZERO:
        sums[key] += counts.get(key, 0)
    sums["idle"] += int(is_idle)


def _establishment_row(unit, pk, name, kind, counts, opened, is_idle):
    row = Row(key=pk, name=name, is_establishment=True, kind=kind, url=guests_url(establishment=pk))
    sums = dict(ZERO)
    _add(row, sums, counts, opened, is_idle)
    return _cells(row, sums, sums["idle"], {"establishment": pk}, {"unit": unit.pk})


def by_area(user, unit):
    """The drill-down table below `unit`: a row per district or commune (with
    a link to the units below), or per establishment of a commune (with a link
    to its guests). Three queries."""
    table = Table(unit=unit)
    counts = _per_establishment(user, unit)
    idle = set(idle_establishments(user, unit).values_list("pk", flat=True))
    units = row_units(unit)
    rows = {u.pk: Row(key=u.pk, name=u.name, drill={"unit": u.pk}) for u in units}
    sums = {pk: dict(ZERO) for pk in rows}
    total, total_sums = Row(key=unit.pk, name=str(_("Total"))), dict(ZERO)
    for pk, name, kind, path, status in _establishments(user, unit):
        c, opened, is_idle = counts.get(pk, ZERO), status == EstablishmentStatus.OPEN, pk in idle
        _add(total, total_sums, c, opened, is_idle)
        if not units:
            table.rows.append(_establishment_row(unit, pk, name, kind, c, opened, is_idle))
            continue
        target = owner(units, path)
        if target is not None:
            _add(rows[target.pk], sums[target.pk], c, opened, is_idle)
    for u in units:
        row_sums = sums[u.pk]
        table.rows.append(
            _cells(rows[u.pk], row_sums, row_sums["idle"], area_param(u), {"unit": u.pk})
        )
    drilled = unit.path != scope_path(user)
    table.total = _cells(
        total,
        total_sums,
        total_sums["idle"],
        area_param(unit) if drilled else {},
        {"unit": unit.pk} if drilled else {},
    )
    return table


# The lists the police view opens itself --------------------------------------------


def idle_list(user, unit=None):
    """Idle establishments, by place and name (their last check-in:
    `with_last_check_in`, for one page)."""
    return (
        idle_establishments(user, unit)
        .select_related("area__parent")
        .order_by("area_path", "name", "id")
    )


def with_last_check_in(establishments):
    """Set `last_check_in` on each of a page of establishments: the newest
    check-in of each, one backward step of the register index apiece."""
    establishments = list(establishments)
    newest = (
        GuestStay.objects.filter(establishment=OuterRef("pk"))
        .order_by("-check_in")
        .values("check_in")[:1]
    )
    last = dict(
        Establishment.objects.filter(pk__in=[e.pk for e in establishments])
        .annotate(at=Subquery(newest))
        .values_list("pk", "at")
    )
    for establishment in establishments:
        establishment.last_check_in = last.get(establishment.pk)
    return establishments


def twice_list(user, unit=None):
    """The guests in two establishments tonight: their stays in scope."""
    return (
        twice(user, unit)
        .select_related("person", "establishment", "declaration")
        .order_by("person__full_name", "person_id", "establishment__name")
    )
